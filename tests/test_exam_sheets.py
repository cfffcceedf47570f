"""Exam sheets with room to answer, points per part, grading keys, conventions and paper size:
real builds, every PDF read back with pdftotext (and its drawing and page size with pikepdf)."""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pikepdf
import pytest

from pdftext import page_texts, squeeze
from qgen.errors import QgenError
from qgen.exam import sheets
from qgen.exam.points import split_points
from test_exam import one_line_error, run, write_class

NAMES = ["Ada Lovelace", "Grace Hopper", "Zoë O'Brien", "Alan Turing", "Emmy Noether", "Kurt Gödel"]
IDS = ["s001", "s002", "s003", "s004", "s005", "s006"]
CONFIG = """
[exam]
title = "Quiz 2"
course = "CS 101"
date = "2026-03-14"
duration = 45
instructions = "Show your work."
{extra}

[[questions]]
kind = "softmax-ce"
mode = "calculator"
points = [1, 2, 3]
[questions.options]
classes = 3

[[questions]]
kind = "graph"
points = 4
answer_space = "lines"

[[questions]]
kind = "mlp"
points = 10
[questions.options]
sizes = "2-2-2"
activation = "relu"
"""
FULL = 'paper = "letter"\nconventions = "notation"'
A4 = [0, 0, 595.276, 841.89]
LETTER = [0, 0, 612, 792]


def build(folder, extra=FULL, ids=IDS, names=NAMES, out="out", edit=("", "")):
    config, roster = write_class(folder, names, ids, CONFIG.format(extra=extra).replace(*edit))
    result = run(config, "--roster", roster, "--out", folder / out)
    assert result.exit_code == 0, result.output
    return folder / out


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The class with boxes (questions 1, 3) and lines (question 2), keys "both", on letter paper
    with the notation only; the same with no boxes; the same with grading keys only, followed by
    `qgen exam keys`; and a student with the defaults (a4, gate table) and no answer space at all.
    Three students per document, so two documents per side."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sheets, "CHUNK", 3)
        root = tmp_path_factory.mktemp("sheets")
        both = build(root / "both")
        for other in ("none", "grading", "defaults"):  # the same secret: the same questions
            (root / other).mkdir()
            (root / other / "exam.secret").write_bytes((root / "both" / "exam.secret").read_bytes())
        none = build(root / "none", FULL + '\nanswer_space = "none"', ids=IDS[:2], names=NAMES[:2])
        grading = build(root / "grading", FULL + '\nkeys = "grading"')
        later = run("keys", root / "grading" / "exam.toml", "--roster", root / "grading" / "roster.csv",
                    "--out", root / "grading" / "keys-later")
        assert later.exit_code == 0, later.output
        defaults = build(root / "defaults", 'answer_space = "none"', ids=IDS[:1], names=NAMES[:1],
                         edit=('answer_space = "lines"', 'answer_space = "none"'))
    return {"both": both, "none": none, "grading": grading, "later": root / "grading" / "keys-later",
            "defaults": defaults}


def rows(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]


def entries(answer) -> list:
    return [v for v in np.asarray(answer["decimal"], dtype=object).reshape(-1)]


CM = 72 / 2.54  # PDF points per cm


def box_edges(pdf, rule: float = 0.598) -> list[tuple[float, str]]:
    """(length in cm, direction "h" or "v") of every line drawn with the given rule width: 0.6 pt
    for the sheet's answer boxes, 0.4 pt for the grading key's (and rules such as the header's).
    pdfTeX draws each rule as `w`, `m`, `l`, `S`."""
    edges = []
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            width = None
            for operands, op in pikepdf.parse_content_stream(page):
                if str(op) == "w":
                    width = float(operands[0])
                elif str(op) == "l" and width is not None and abs(width - rule) < 0.002:
                    x, y = (float(v) for v in operands)
                    edges.append((round(abs(x) / CM, 2), "h") if x else (round(abs(y) / CM, 2), "v"))
    return edges


# --- points per part -------------------------------------------------------------------------


@pytest.mark.parametrize("total, parts, shares", [
    ("6", 3, ["2", "2", "2"]),
    ("10", 3, ["3.5", "3.5", "3"]),
    ("10", 17, ["1"] * 3 + ["0.5"] * 14),
    ("2.5", 2, ["1.5", "1"]),
    ("3", 13, ["0.3"] * 4 + ["0.2"] * 9),
    ("0.75", 2, ["0.5", "0.25"]),
])
def test_a_total_is_split_in_half_points_remainder_first_summing_exactly(total, parts, shares):
    split = split_points(Decimal(total), parts, "exam.toml: questions[1].points")
    assert split == tuple(Decimal(s) for s in shares)
    assert sum(split) == Decimal(total)


def test_a_total_too_small_to_split_asks_for_a_list():
    with pytest.raises(QgenError, match=r"questions\[1\]\.points: 0.01 points cannot be split over 2 parts"):
        split_points(Decimal("0.01"), 2, "exam.toml: questions[1].points")


def test_a_points_list_of_the_wrong_length_is_one_line_naming_the_field(tmp_path):
    config, roster = write_class(tmp_path, NAMES[:1], IDS[:1], CONFIG.format(extra=FULL).replace(
        "points = [1, 2, 3]", "points = [1, 2]"))
    result = run(config, "--roster", roster, "--out", tmp_path / "out")
    one_line_error(result, "exam.toml: questions[1].points: 2 numbers, but the question asks 3 parts")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("edit, message", [
    (('paper = "letter"', 'paper = "legal"'), "exam.toml: exam.paper: expected one of a4, letter, got 'legal'"),
    (('conventions = "notation"', 'conventions = "none"'), "exam.toml: exam.conventions: expected one of notation, gate-table, full"),
    (('answer_space = "lines"', 'answer_space = "dots"'), "exam.toml: questions[2].answer_space: expected one of boxes, lines, none"),
    (('duration = 45', 'duration = 45\nkeys = "all"'), "exam.toml: exam.keys: expected one of grading, worked, both, got 'all'"),
    (("points = [1, 2, 3]", "points = [1, -2, 3]"), "exam.toml: questions[1].points[2]: expected a positive number, got -2"),
    (("points = [1, 2, 3]", "points = []"), "exam.toml: questions[1].points: expected a positive number or a list"),
    (('title = "Quiz 2"', 'title = "' + "Midterm " * 18 + 'Final"'), "exam.toml: exam.title: with exam.course 155 characters, at most 150"),
])
def test_bad_new_fields_are_one_line_naming_the_field(tmp_path, edit, message):
    config, roster = write_class(tmp_path, NAMES[:1], IDS[:1], CONFIG.format(extra=FULL).replace(*edit))
    one_line_error(run(config, "--roster", roster, "--out", tmp_path / "out"), message)


# --- the sheets ------------------------------------------------------------------------------


def test_every_entry_gets_a_box_of_its_own_and_lines_or_none_draw_none(builds):
    """Boxes: one per entry of the boxed questions (1 and 3), each 2.6 cm by 1.1 cm (room for a
    handwritten fraction or a 4-decimal number); question 2 (lines) and the sheet without answer
    space draw none."""
    for student in IDS[:2]:
        boxed = sum(len(entries(a)) for r in rows(builds["both"]) if r["student_id"] == student and r["question"] != 2
                    for a in r["answers"])
        edges = box_edges(builds["both"] / "students" / f"{student}-questions.pdf")
        assert [e for e in edges if e[1] == "h"] == [(2.6, "h")] * (2 * boxed)
        assert {e for e in edges if e[1] == "v"} == {(1.12, "v")}  # 1.1 cm and the rule's width
        assert box_edges(builds["none"] / "students" / f"{student}-questions.pdf") == []
        # each boxed part is labelled "quantity =": the sheets differ by that many "=" signs
        labelled = sum(len(r["answers"]) for r in rows(builds["both"]) if r["student_id"] == student and r["question"] != 2)
        with_boxes, without = ("".join(page_texts(builds[b] / "students" / f"{student}-questions.pdf")) for b in ("both", "none"))
        assert with_boxes.count("=") - without.count("=") == labelled


POINTS = re.compile(r"\((\d+(?:\.\d+)?) pts?(?:, ±[\d.]+)?\)")


def test_each_part_shows_its_points_and_the_instructions_match_the_answer_space(builds):
    for student in IDS:
        text = "".join(page_texts(builds["both"] / "students" / f"{student}-questions.pdf"))
        own = sorted((r for r in rows(builds["both"]) if r["student_id"] == student), key=lambda r: r["question"])
        assert sorted(Fraction(p) for p in POINTS.findall(text)) == sorted(
            Fraction(str(p)) for r in own for p in r["part_points"])  # every part's points, once
        sheet = re.sub("[\uf8e0-\uf8ff]", "", squeeze(text))  # the pieces of tall brackets
        assert sheet.count("Working") == 3  # in the instructions, above the boxes of questions 1 and 3
        assert "Questions1,3:writeeachanswerinitsboxesbelowthequestion,onenumberperbox" in sheet
        assert "Question2:writeyourworkingandeachanswerintheroombelowitspart." in sheet
        assert "Showyourwork." in sheet
    none = squeeze("".join(page_texts(builds["defaults"] / "students" / "s001-questions.pdf")))
    assert "Writeyourworkingandanswersintheanswerbooklet,eachunderitsquestionnumber." in none
    assert "Working" not in none and "(1pt)" not in none and "Questions1,3" not in none


def layout_text(pdf, page: int = 1) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


def expand(summary: str) -> list[Fraction]:
    """'3 × 1 + 14 × 0.5' -> [1, 1, 1, 0.5, …]: the cover's points per part, one per part."""
    shares = []
    for term in summary.split("+"):
        count, _, share = term.strip().rpartition("×")
        shares += [Fraction(share.strip())] * (int(count) if count else 1)
    return shares


def test_the_cover_table_and_the_manifest_show_points_per_part(builds):
    for row in rows(builds["both"]):
        assert len(row["part_points"]) == len(row["answers"])
        assert sum(Fraction(str(p)) for p in row["part_points"]) == Fraction(str(row["points"]))
    for student in IDS[:2]:
        own = {r["question"]: r for r in rows(builds["both"]) if r["student_id"] == student}
        assert own[1]["part_points"] == [1, 2, 3]  # as written in exam.toml
        for side in ("questions", "key"):
            cover = layout_text(builds["both"] / "students" / f"{student}-{side}.pdf")
            table = re.findall(r"^\s*(\d+)\s{2,}(\S.*?)\s{2,}(\d+(?:\.\d+)?)\s*$", cover, re.MULTILINE)
            assert [int(q) for q, _, _ in table] == [1, 2, 3]
            for q, summary, total in table:
                part_points = [Fraction(str(p)) for p in own[int(q)]["part_points"]]
                assert expand(summary) == part_points, (side, q, summary)
                assert Fraction(total) == sum(part_points)
            assert re.search(r"^\s*Total\s+20\s*$", cover, re.MULTILINE)


def test_every_student_has_the_same_pages_and_question_starts(builds):
    """The layout depends on the structure only: same structure, same pages, whatever the numbers."""
    layouts = set()
    for student in IDS:
        pages = [squeeze(p) for p in page_texts(builds["both"] / "students" / f"{student}-questions.pdf")]
        starts = tuple(next(i for i, p in enumerate(pages) if re.search(f"Question{k}(?![:\\d])", p)) for k in (1, 2, 3))
        layouts.add((len(pages), starts))
    assert len(layouts) == 1, layouts


def test_paper_size_and_conventions_follow_the_config(builds):
    for side in ("questions", "key", "grading"):
        with pikepdf.open(builds["both"] / "students" / f"s001-{side}.pdf") as pdf:
            assert [float(v) for v in pdf.pages[0].MediaBox] == pytest.approx(LETTER)
    with pikepdf.open(builds["defaults"] / "students" / "s001-questions.pdf") as pdf:
        assert [float(v) for v in pdf.pages[0].MediaBox] == pytest.approx(A4)  # the default
    # NFC: pdftotext writes ŷ as y and a combining circumflex
    notation = unicodedata.normalize("NFC", squeeze(page_texts(builds["both"] / "students" / "s001-questions.pdf")[0]))
    table = unicodedata.normalize("NFC", squeeze(page_texts(builds["defaults"] / "students" / "s001-questions.pdf")[0]))
    assert "Conventions" in notation and "Gatetable" not in notation
    for result in ("∂z/∂x=W", "δx", "=ŷ-y", "Diag[f′(x)]", "hastheshapeof", "σ′(z)"):
        assert result not in notation, result  # notation states no result a question asks for
    assert "Gatetable" in table and "∂z/∂x=W" in table and "∂L/∂z=ŷ-y" in table and "∂L/∂W=δx" in table


# --- keys --------------------------------------------------------------------------------------


def test_a_grading_key_is_one_page_per_student_with_every_entry_and_its_points(builds):
    out = builds["both"]
    all_pages = page_texts(out / "grading-keys.pdf")
    assert len(all_pages) == len(IDS)
    for student, name in zip(IDS, NAMES):
        pages = page_texts(out / "students" / f"{student}-grading.pdf")
        assert len(pages) == 1 and pages == all_pages[IDS.index(student):IDS.index(student) + 1]
        page = squeeze(pages[0])
        own = [r for r in rows(out) if r["student_id"] == student]
        assert squeeze(name) in page and f"ID{student}" in page and f"Version{own[0]['version_code']}" in page
        assert sorted(Fraction(p) for p in POINTS.findall(pages[0])) == sorted(
            Fraction(str(p)) for r in own for p in r["part_points"])  # every part's points, once
        assert page.count("Accepted:") == 3  # each question states its acceptance rule once
        boxes = sum(len(entries(a)) for r in own for a in r["answers"])
        assert [e for e in box_edges(out / "students" / f"{student}-grading.pdf", 0.398) if e == (1.8, "h")] == \
            [(1.8, "h")] * (2 * boxes)  # a box per entry, as on the sheet
        for r in own:
            assert f"Question{r['question']}" in page
            for answer in r["answers"]:
                for entry in answer["entries"]:  # every key, at the precision the sheet asks
                    assert squeeze(entry["key"]) in page, (student, entry["name"], entry["key"])


def test_keys_grading_writes_grading_keys_only(builds):
    out = builds["grading"]
    names = {str(p.relative_to(out)) for p in out.rglob("*.pdf")}
    assert names == {"questions-print.pdf", "grading-keys.pdf"} | {
        f"students/{i}-{side}.pdf" for i in IDS for side in ("questions", "grading")}


def test_qgen_exam_keys_later_gives_the_worked_keys_of_a_full_build_byte_for_byte(builds):
    later, both = builds["later"], builds["both"]
    assert sorted(str(p.relative_to(later)) for p in later.rglob("*.pdf")) == sorted(
        ["keys.pdf"] + [f"students/{i}-key.pdf" for i in IDS])
    assert (later / "keys.pdf").read_bytes() == (both / "keys.pdf").read_bytes()
    for student in IDS:
        assert (later / "students" / f"{student}-key.pdf").read_bytes() == \
            (both / "students" / f"{student}-key.pdf").read_bytes()
    # and the sheets and grading keys of the grading-only build are those of the full build
    for student in IDS:
        for side in ("questions", "grading"):
            assert (builds["grading"] / "students" / f"{student}-{side}.pdf").read_bytes() == \
                (both / "students" / f"{student}-{side}.pdf").read_bytes()


def header_words(pdf) -> list[tuple[str, float, float, float]]:
    """(word, xMin, xMax, yMax) of the words in the first page's header (above the text, which starts 2 cm down)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
    return [(w, float(x0), float(x1), float(y1)) for x0, y0, x1, y1, w in words if float(y0) < 1.7 * CM]


def test_a_long_course_and_title_wrap_in_the_header_clear_of_the_version(tmp_path):
    course = "CS 4780/5780 Machine Learning for Intelligent Systems"  # 53 characters
    title = "Midterm Examination: Backpropagation, Jacobians, Gates"  # 54: 107 with the course
    config = CONFIG.format(extra='answer_space = "none"').replace('title = "Quiz 2"', f'title = "{title}"').replace(
        'course = "CS 101"', f'course = "{course}"')
    config_path, roster = write_class(tmp_path, NAMES[:1], IDS[:1], config)
    assert run(config_path, "--roster", roster, "--out", tmp_path / "out").exit_code == 0
    for side in ("questions", "grading", "key"):
        words = header_words(tmp_path / "out" / "students" / f"s001-{side}.pdf")
        version = next(w for w in words if w[0] == "Version")
        text = [w for w in words if w[0] != "Version" and w[1] < version[1] - 20]  # the left part
        assert " ".join(w[0] for w in text).endswith("Jacobians, Gates")
        assert max(w[2] for w in text) < version[1], side  # nothing runs into "Version …"
        bottoms = sorted(w[3] for w in text)
        assert sum(1 for a, b in zip(bottoms, bottoms[1:]) if b - a > 3) == 1, side  # on two lines
