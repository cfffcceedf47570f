"""`qgen grade` end to end: a small class, responses filled from the manifest with injected
mistakes, grades and feedback read back (pdftotext); bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import csv
import io
import json
import shutil
from fractions import Fraction

import pytest
from click.testing import CliRunner

from gradebuild import key_responses, make_build, read_table
from pdftext import page_texts, squeeze
from qgen import __version__
from qgen.cli import main
from qgen.grade import mistakes as M

STUDENTS = 5


def run(*args):
    result = CliRunner().invoke(main, ["grade", *[str(a) for a in args]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def keys(build):
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    return {(r["student_id"], f"q{r['question']}.{e['name']}"): e for r in doc["rows"] for a in r["answers"]
            for e in a["entries"]}


def injected(build):
    """s001 the key; s002 L without the ½ (q1); s003 nothing; s004 ∂L/∂z = y − ŷ (q2); s005 z1 wrong."""
    entries = keys(build)

    def change(student, column, key):
        if student == "s002" and column == "q1.L":
            return str(2 * Fraction(entries[(student, column)]["exact"]))
        if student == "s003":
            return ""
        if student == "s004" and column.startswith("q2.dL/dz["):
            return str(-float(key))
        if student == "s005" and column == "q1.z1[1]":
            return "1234"
        return key
    return change


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grade")
    build = make_build(folder, STUDENTS)
    (folder / "filled.csv").write_bytes(key_responses(build, injected(build)))
    first = run(build, "--responses", folder / "filled.csv")
    assert first.exit_code == 0, first.output
    second = run(build, "--responses", folder / "filled.csv", "--out", folder / "again")
    assert second.exit_code == 0, second.output
    return folder, build


def test_responses_csv_has_a_row_per_student_and_a_column_per_entry_in_sheet_order(graded):
    folder, build = graded
    table = read_table((build / "responses.csv").read_bytes())
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    first = [r for r in doc["rows"] if r["student_id"] == "s001"]
    expected = [f"q{r['question']}.{e['name']}" for r in first for a in r["answers"] for e in a["entries"]]
    assert table[0] == ["student_id", "name", "version_code"] + expected
    assert [line[:3] for line in table[1:]] == [[s["student_id"], s["name"], s["version_code"]] for s in doc["students"]]
    assert all(not any(line[3:]) for line in table[1:])
    assert "q1.dL/dW1[1,1]" in table[0]


def test_grades_csv_totals_and_verdicts(graded):
    folder, build = graded
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO((build / "grades" / "grades.csv").read_text()))}
    assert rows["s001"]["total"] == "20" and rows["s001"]["percentage"] == "100.0"
    assert rows["s003"]["total"] == "0"
    doc = json.loads((build / "grades" / "grades.json").read_text(encoding="utf-8"))
    students = {s["student_id"]: s for s in doc["students"]}
    for s in doc["students"]:  # the total is the sum of the entry points (4 decimals each at most)
        entry_sum = sum(float(e["points"]) for q in s["questions"] for e in q["entries"])
        assert abs(entry_sum - float(s["total"])) < 1e-3 * len(s["questions"][0]["entries"])
        assert sum(float(q["points"]) for q in s["questions"]) == pytest.approx(float(s["total"]), abs=1e-3)
    verdict = {e["entry"]: e for q in students["s002"]["questions"] for e in q["entries"]}
    assert verdict["q1.L"]["verdict"] == M.NO_HALF and verdict["q1.L"]["points"] == "0"
    verdict = {e["entry"]: e for q in students["s004"]["questions"] for e in q["entries"]}
    assert {e["verdict"] for k, e in verdict.items() if k.startswith("q2.dL/dz[")} <= {M.SOFTMAX_SIGN, "correct"}
    assert any(e["verdict"] == M.SOFTMAX_SIGN for e in verdict.values())
    verdict = {e["entry"]: e for q in students["s005"]["questions"] for e in q["entries"]}
    assert verdict["q1.z1[1]"] | {"verdict": "wrong", "given": "1234"} == verdict["q1.z1[1]"]
    assert {e["verdict"] for q in students["s003"]["questions"] for e in q["entries"]} == {"blank"}
    assert float(rows["s002"]["total"]) < 20 and float(rows["s005"]["total"]) < 20


def test_feedback_pdfs_show_answers_keys_verdicts_and_the_sheet_header(graded):
    folder, build = graded
    feedback = build / "grades" / "feedback"
    assert sorted(p.name for p in feedback.iterdir()) == [f"s{i:03d}.pdf" for i in range(1, STUDENTS + 1)]
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    for s in doc["students"]:
        text = "\n".join(page_texts(feedback / f"{s['student_id']}.pdf"))
        assert s["version_code"] in text and s["name"] in text and "Grading test" in text
    s002 = squeeze("\n".join(page_texts(feedback / "s002.pdf")))
    assert "squarederrorwithoutthe" in s002 and "19." in s002
    s005 = squeeze("\n".join(page_texts(feedback / "s005.pdf")))
    assert "q1.z1[1]" not in s005 and "z[1][1]" in s005 and "1234" in s005 and "wrong" in s005  # as the sheet names it
    report = squeeze("\n".join(page_texts(build / "grades" / "report.pdf")))
    for words in ("Distributionoftotals", "Perquestion", "Namedmistakes,instudents", "softmaxgradient",
                  "Facility", "Discrimination", "upper27%", "Copyflags", "Lowesttotals", "s003"):
        assert words in report


def test_grading_twice_gives_identical_files(graded):
    folder, build = graded
    first = {p.relative_to(build / "grades"): p.read_bytes() for p in (build / "grades").rglob("*") if p.is_file()}
    again = {p.relative_to(folder / "again"): p.read_bytes() for p in (folder / "again").rglob("*") if p.is_file()}
    assert first == again and len(first) == STUDENTS + 4  # grades.csv, grades.json, report, the qgen marker


# --- bad input ----------------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path_factory, graded):
    folder, build = graded
    tmp = tmp_path_factory.mktemp("bad")
    shutil.copy(build / "manifest.json", tmp / "manifest.json")
    shutil.copy(build / "responses.csv", tmp / "responses.csv")
    (tmp / "filled.csv").write_bytes(key_responses(tmp))
    return tmp


def edit_cell(path, row, column, value):
    table = read_table(path.read_bytes())
    table[row - 1][table[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(table)
    path.write_text(out.getvalue(), encoding="utf-8")


def rename_column(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def drop_row(path, row):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:row - 1] + lines[row:]), encoding="utf-8")


def old_manifest(path):
    doc = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8"))
    doc["qgen"] = "0.0.1"
    (path.parent / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.parametrize("edit, message", [
    (lambda p: edit_cell(p, 3, "student_id", "s999"), "row 3, column student_id: 's999': not a student of this build"),
    (lambda p: drop_row(p, 4), "student s003: a student of the build without a row"),
    (lambda p: rename_column(p, "q1.z1[1]", "q1.z9[1]"), "row 1, column 'q1.z9[1]': names no answer entry of this build"),
    (lambda p: edit_cell(p, 2, "version_code", "AAAA-BBBB"), "row 2, column version_code: 'AAAA-BBBB': expected"),
    (lambda p: edit_cell(p, 4, "q1.L", "two"), "row 4, column q1.L: 'two': expected a number such as 2, -0.25, -3/4"),
    (lambda p: edit_cell(p, 2, "q1.z1[1]", "1/0"), "row 2, column q1.z1[1]: '1/0': a fraction with denominator 0"),
    (old_manifest, f"manifest.json: qgen: written by qgen 0.0.1, this is qgen {__version__}"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(small, edit, message):
    edit(small / "filled.csv")
    result = run(small, "--responses", small / "filled.csv")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qgen: ") and message in lines[0], result.output
    assert not (small / "grades").exists()
    assert not [p for p in small.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("value", ["2", "-1", "half"])
def test_follow_through_must_be_a_share(small, value):
    result = run(small, "--responses", small / "filled.csv", "--follow-through", value, "--out", small / "g")
    assert result.exit_code == 2 and "--follow-through: expected a number from 0 to 1" in result.output
    assert not (small / "g").exists()


def test_an_out_folder_with_other_files_is_refused(small):
    (small / "mine").mkdir()
    (small / "mine" / "notes.txt").write_text("keep me")
    result = run(small, "--responses", small / "filled.csv", "--out", small / "mine")
    assert result.exit_code == 2 and "not empty and not written by qgen" in result.output
    assert (small / "mine" / "notes.txt").read_text() == "keep me"


def test_the_build_folder_itself_is_never_replaced(small):
    result = run(small, "--responses", small / "filled.csv", "--out", small)
    assert result.exit_code == 2 and "an input of this run" in result.output
    assert (small / "manifest.json").exists()
