"""The Moodle XML export, checked the way Moodle reads it (no Moodle server here).

The file parses with lxml; every question's HTML is well-formed, with balanced math delimiters
and CDATA where the text holds markup; Moodle's own cloze regular expression (ported in
moodle_cloze.py) finds exactly one NUMERICAL sub-question per entry of answers.json, whose value,
tolerance and weight follow from that entry's key and acceptance rule; a student's correctly
rounded answer falls inside each interval and 0 does not (unless the key rounds to 0). What
Moodle stores and shows (moodle_import.py, ported from Moodle's sources): every box of a question
is one width, the category names survive Moodle's cleaning, and the text a student reads says
decimals only, with a minus they can type.
"""

import base64
import json
import math
import os
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from moodle_cloze import extract
from moodle_import import box_size, category_names, clean_text, stored_answer
from qgen.cli import main
from qgen.exam.config import load_config
from qgen.exam.draw import class_windows, draw_json
from qgen.exam.fairness import measure
from qgen.exam.run import shared_structures
from qgen.exam.secrets import load_secret, moodle_seed, question_seed
from qgen.answers import accepts
from qgen.kinds.base import Answer
from qgen.moodle.cloze import sub_questions
from qgen.moodle.export import build_quiz, category_path, draw_question, practice_quiz, practice_title
from qgen.numbers import Ln
from qgen.practice import PracticeRequest
from qgen.randomiser import KIND_MODULES
from test_moodle_html import math_balanced, text_nodes

GOLDEN = Path(__file__).parent / "golden"
COUNT = 3


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def export(tmp_path, *args):
    out = tmp_path / "quiz.xml"
    result = run("export", "moodle", *args, "--out", out)
    assert result.exit_code == 0, result.output
    return out.read_bytes(), json.loads((tmp_path / "quiz-answers.json").read_text(encoding="utf-8"))


MODES = ["exact", "given", "calculator"]
HOSTILE_TITLE = "Midterm 1/2: Backprop & <Gradients>"
_EXPORTS: dict[str, tuple[bytes, dict]] = {}  # each export made once per session


def _export(name: str, tmp_path_factory):
    """A practice export of every kind, COUNT variants each, in one mode (medium: the most varied
    structures); or ("exam") the example exam under a title Moodle would clean (< >) and escape (/)."""
    if name not in _EXPORTS:
        folder = tmp_path_factory.mktemp(name)
        if name == "exam":
            assert run("exam", "init", folder).exit_code == 0
            config = folder / "exam.toml"
            text = config.read_text(encoding="utf-8")
            config.write_text(re.sub(r"(?m)^title = .*$", f'title = "{HOSTILE_TITLE}"', text, count=1),
                              encoding="utf-8")
            result = run("exam", "moodle", config, "--count", COUNT, "--out", folder / "quiz.xml")
            assert result.exit_code == 0, result.output
            _EXPORTS[name] = ((folder / "quiz.xml").read_bytes(),
                              json.loads((folder / "quiz-answers.json").read_text(encoding="utf-8")))
        else:
            kinds = [a for kind in KIND_MODULES for a in ("--kind", kind)]
            _EXPORTS[name] = export(folder, *kinds, "--count", COUNT, "--seed", 11,
                                    "--difficulty", "medium", "--mode", name)
    return _EXPORTS[name]


@pytest.fixture(params=MODES)
def practice(request, tmp_path_factory):
    return _export(request.param, tmp_path_factory)


@pytest.fixture(params=MODES + ["exam"])
def any_export(request, tmp_path_factory):
    """Every kind in every practice mode, and an exam."""
    return _export(request.param, tmp_path_factory)


def questions_by_category(xml: bytes):
    """[(category path, [cloze question elements])] in file order."""
    groups = []
    for q in etree.fromstring(xml).findall("question"):
        if q.get("type") == "category":
            groups.append((q.findtext("category/text"), []))
        else:
            assert q.get("type") == "cloze"
            groups[-1][1].append(q)
    return groups


def variants_by_idnumber(doc: dict) -> dict:
    return {v["idnumber"]: v for q in doc["questions"] for v in q["variants"]}


def test_one_category_per_question_with_its_variants(practice):
    xml, doc = practice
    groups = questions_by_category(xml)
    title = doc["title"]
    assert [path for path, _ in groups] == [f"$course$/top/qgen/{title}/q{k}" for k in range(1, len(KIND_MODULES) + 1)]
    assert all(len(variants) == COUNT for _, variants in groups)
    ids = [q.findtext("idnumber") for _, variants in groups for q in variants]
    assert len(set(ids)) == len(ids) and set(ids) == set(variants_by_idnumber(doc))


def test_variants_of_a_question_share_the_structure_not_the_numbers(practice):
    _, doc = practice
    for question in doc["questions"]:
        shapes = {json.dumps([(a["name"], a["shape"]) for a in v["answers"]]) for v in question["variants"]}
        assert len(shapes) == 1, question["kind"]
        params = {json.dumps(v["parameters"], sort_keys=True) for v in question["variants"]}
        assert len(params) == COUNT, question["kind"]


def test_html_is_well_formed_with_balanced_math_and_cdata(practice):
    xml, _ = practice
    raw = xml.decode("utf-8")
    # A <text> holding markup is CDATA; one without CDATA has no escaped markup.
    for body in re.findall(r"<text>(.*?)</text>", raw, re.S):
        assert body.startswith("<![CDATA[") or "&" not in body, body[:80]
    for _, variants in questions_by_category(xml):
        for q in variants:
            for field in ("questiontext", "generalfeedback"):
                html = q.findtext(f"{field}/text")
                assert q.find(field).get("format") == "html"
                root = etree.fromstring(f"<div>{html}</div>")  # well-formed, or this raises
                assert all(math_balanced(t) for t in text_nodes(root)), field
                assert r"\(" in html


def test_every_picture_is_embedded_once_beside_its_text(practice):
    xml, _ = practice
    pictures = 0
    for _, variants in questions_by_category(xml):
        for q in variants:
            for field in ("questiontext", "generalfeedback"):
                element = q.find(field)
                html = etree.fromstring(f"<div>{element.findtext('text')}</div>")
                used = {img.get("src").removeprefix("@@PLUGINFILE@@/") for img in html.iter("img")}
                files = {f.get("name"): f for f in element.findall("file")}
                assert used == set(files), field
                for f in files.values():
                    assert f.get("encoding") == "base64" and f.get("path") == "/"
                    assert base64.b64decode(f.text).startswith(b"\x89PNG\r\n\x1a\n")
                pictures += len(files)
    assert pictures  # graph, mlp and the jacobian chain have diagrams


@pytest.mark.parametrize("key, style, marker", [
    (Fraction(1, 8), "fraction", "{1:NUMERICAL:=0.125000:0.005~%0%-999999999.9:0}"),  # 0.12 and 0.13 both accepted
    (Fraction(-1, 3), "fraction", "{1:NUMERICAL:=-0.333333:0.00499966~%0%-999999999.9:0}"),  # less the rounding
    (Fraction(0), "fraction", "{1:NUMERICAL:=0.000000:0.005~%0%-999999999.9:0}"),
    (0.0180, "decimal", "{1:NUMERICAL:=0.018000:0.00029~%0%-999999999.9:0}"),  # 0.0002 + 0.005 * 0.018
    (Ln(Fraction(12, 5)), "fraction", "{1:NUMERICAL:=0.875469:0.00457708~%0%-999999999.9:0}"),  # less rounding
])
def test_one_entry_as_a_sub_question(key, style, marker):
    (sub,), = sub_questions([Answer("v", "v", key)], style)
    assert sub.marker(12) == marker
    assert accepts(sub.entry, sub.value - sub.tolerance) and accepts(sub.entry, sub.value + sub.tolerance)


def test_category_path_escapes_a_slash_in_the_title():
    assert category_path(" Midterm 1/2 ", 3) == "$course$/top/qgen/Midterm 1//2/q3"


@pytest.mark.parametrize("title, stored", [
    (HOSTILE_TITLE, "Midterm 1/2: Backprop & \u2039Gradients\u203a"),  # Moodle would store "Midterm 1/2: Backprop & "
    ("x < y > z", "x \u2039 y \u203a z"),
    ("/Quiz/", "/Quiz/"),  # written " //Quiz// ": Moodle's escape of a name's end slashes
    (" a\0b\ufffe ", "ab"),
])
def test_category_names_are_stored_by_moodle_as_written(title, stored):
    """Moodle's reading of the path (question/format.php, split_category_path, ported in
    moodle_import.py) gives back the name, and its cleaning leaves it unchanged."""
    names = category_names(category_path(title, 2))
    assert names == [(n, n) for n in ("$course$", "top", "qgen", stored, "q2")]
    assert clean_text(HOSTILE_TITLE) == "Midterm 1/2: Backprop & "  # the port bites on the raw title


def test_category_names_survive_moodle_and_equal_the_answers_json(any_export):
    xml, doc = any_export
    paths = [path for path, _ in questions_by_category(xml)]
    assert paths == [q["category"] for q in doc["questions"]]
    for path in paths:
        names = category_names(path)
        assert all(written == stored for written, stored in names), names
        assert [n for n, _ in names][:3] == ["$course$", "top", "qgen"]


MOODLE_NAME_COLUMN = 255  # question_categories.name is a char(255) column (question/db/install.xml)


@pytest.mark.parametrize("kinds", [("softmax-ce",) * 30, tuple(KIND_MODULES) * 3])
def test_every_category_name_fits_moodles_column(kinds):
    """A long practice set (a kind repeated 30 times, every kind three times) still names its
    categories within Moodle's 255 characters, each kind once, in the order asked."""
    request = PracticeRequest(kinds, 1, 123456789, "medium", "calculator")
    title = practice_title(request)
    for written, stored in category_names(category_path(title, len(kinds))):
        assert len(stored) <= MOODLE_NAME_COLUMN, stored
    assert title == f"practice {', '.join(dict.fromkeys(kinds))} (medium, calculator, seed 123456789)"


def test_a_title_too_long_for_moodle_counts_its_kinds():
    """Kinds whose names together pass the column (more kinds than qgen has today) are counted."""
    request = PracticeRequest(tuple(f"a-kind-with-a-long-name-{i}" for i in range(12)), 1, 7, "easy", "exact")
    assert practice_title(request) == "practice, 12 kinds (easy, exact, seed 7)"


def sub_question_boxes(q) -> list[int]:
    """Moodle's size of each box of a cloze question (moodle_import.box_size, from
    question/type/multianswer/renderer.php), nothing typed yet."""
    subs, _ = extract(q.findtext("questiontext/text"))
    return [box_size([stored_answer(a.answer) for a in sub.alternatives]) for sub in subs if sub.qtype == "numerical"]


def test_every_box_of_a_question_has_one_width(any_export):
    """Every box of every variant of a question has the same size (so Moodle's random 0-15 % on
    top draws from the same range), and without the filler the sizes would tell the keys apart."""
    xml, _ = any_export
    keys_alone = set()
    for path, variants in questions_by_category(xml):
        sizes = {size for q in variants for size in sub_question_boxes(q)}
        if not sizes:  # menus only (a concepts question): Moodle sizes no box
            continue
        assert len(sizes) == 1 and min(sizes) >= 12, (path, sizes)
        for q in variants:
            subs, _ = extract(q.findtext("questiontext/text"))
            keys_alone |= {box_size([stored_answer(sub.alternatives[0].answer)]) for sub in subs
                           if sub.qtype == "numerical"}
    assert len(keys_alone) > 1


MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)


def test_no_unicode_minus_outside_math_and_the_instructions_say_how_to_type_one(any_export):
    """A student copies numbers from the text into a box: a U+2212 minus is marked wrong by Moodle.
    (The feedback, shown after a try in interactive mode, too.)"""
    xml, _ = any_export
    for _, variants in questions_by_category(xml):
        for q in variants:
            text = q.findtext("questiontext/text")
            for field in (text, q.findtext("generalfeedback/text")):
                assert "\u2212" not in MATH.sub("", field)
            if only_choices(q):  # a menu (concepts): nothing is typed
                assert "Choose the number of the right option from the menu." in text and "-0.75" not in text
            else:
                assert "Type a negative number with the hyphen-minus key: -0.75." in text


def typed(entry: dict) -> str:
    """The key as a student types it: an integer as one, else the decimal to the asked places."""
    value = entry["decimal"]
    return str(int(value)) if float(value).is_integer() else f"{value:.{entry['places']}f}"


def test_the_feedback_says_decimals_only_with_places_and_tolerance(any_export):
    xml, doc = any_export
    by_id = variants_by_idnumber(doc)
    for _, variants in questions_by_category(xml):
        for q in variants:
            feedback = q.findtext("generalfeedback/text")
            record = by_id[q.findtext("idnumber")]
            if only_choices(q):  # a menu (concepts): the option's number, no typing rule
                assert "decimal" not in feedback and "integer or fraction" not in feedback
                continue
            assert "integer or fraction" not in feedback and "Moodle reads decimals only" in feedback
            entries = [e for a in record["answers"] for e in a["entries"]]
            for e in entries:
                atol, rtol = format(e["atol"], "g"), format(e["rtol"], "g")
                if e["asked"] == "exact" and not e["rtol"]:
                    assert f"Accepted: a decimal within {atol} of the exact value ({e['places']} decimal places" in feedback
                else:
                    assert f"to {e['places']} places" in feedback
                    assert f"\\le {atol} + {rtol}\\,|\\text{{key}}|" in feedback
            # The answer list: every entry as the decimal Moodle takes, no fraction, no logarithm.
            items = re.findall(r"<li>\\\((.*?)\\\)</li>", feedback.split("<strong>Answers</strong>")[1])
            values = " ".join(item.split(" = ", 1)[1] for item in items)
            assert not re.search(r"[0-9]\s*/\s*[0-9]|\\frac|ln", values), values
            for e in entries:
                assert typed(e) in values, (e["name"], values)


def only_choices(q) -> bool:
    """Every sub-question of the cloze question is a MULTICHOICE menu (a concepts question)."""
    subs, _ = extract(q.findtext("questiontext/text"))
    return all(sub.qtype == "MULTICHOICE" for sub in subs)


def expected_weights(answers: list[dict]) -> list[int]:
    """Every answer (part) weighs the same; its entries share it equally."""
    counts = [len(a["entries"]) for a in answers]
    part = math.lcm(*counts)
    return [part // n for n in counts for _ in range(n)]


def key_of(entry: dict) -> Fraction:
    exact = entry["exact"]
    if exact is not None and not exact.startswith("ln"):
        return Fraction(exact)
    return Fraction(str(entry["decimal"]))


def rounded(value: Fraction, places: int) -> Fraction:
    """What a student types: the key rounded to the asked places."""
    return Fraction(round(value * 10**places), 10**places)


def test_cloze_sub_questions_match_answers_json(practice):
    """Moodle's regex finds one NUMERICAL sub-question per entry, nothing else; its interval lies
    inside the acceptance rule's, holds the rounded key, and holds 0 only for a key that rounds to 0."""
    xml, doc = practice
    by_id = variants_by_idnumber(doc)
    checked = 0
    for _, variants in questions_by_category(xml):
        for q in variants:
            record = by_id[q.findtext("idnumber")]
            subs, rest = extract(q.findtext("questiontext/text"))
            entries = [e for a in record["answers"] for e in a["entries"]]
            choices = [a.get("choices") for a in record["answers"] for _ in a["entries"]]
            assert len(subs) == len(entries)
            assert "NUMERICAL" not in rest and ":NM:" not in rest and "MULTICHOICE" not in rest
            assert [s.weight for s in subs] == expected_weights(record["answers"])
            for sub, entry, labels in zip(subs, entries, choices):
                if labels:  # a choice: a menu of the option labels, the key's option the one right
                    assert sub.qtype == "MULTICHOICE" and [a.answer for a in sub.alternatives] == labels
                    assert [a.fraction for a in sub.alternatives] == [float(k == int(entry["key"]))
                                                                     for k in range(1, len(labels) + 1)]
                    checked += 1
                    continue
                assert sub.qtype == "numerical" and len(sub.alternatives) == 2
                alt, filler = sub.alternatives
                assert alt.fraction == 1.0
                # The width filler: scores 0, matches only itself, and is far from every key.
                assert filler.fraction == 0.0 and Fraction(filler.tolerance) == 0
                assert Fraction(filler.answer) < -10**8
                # Fixed places: Moodle sizes the answer box to the answer's length.
                assert re.fullmatch(r"-?[0-9]+\.[0-9]{6}", alt.answer), alt.answer
                value, tolerance = Fraction(alt.answer), Fraction(alt.tolerance)
                key = key_of(entry)
                allowed = Fraction(str(entry["atol"])) + Fraction(str(entry["rtol"])) * abs(key)
                # Ln keys are known here to the 12 decimals answers.json keeps.
                slack = Fraction(1, 10**11) if entry["exact"] and entry["exact"].startswith("ln") else 0
                assert abs(value - key) + tolerance <= allowed + slack, entry["name"]
                assert tolerance >= allowed - Fraction(2, 10**6), entry["name"]  # not needlessly narrow
                typed = rounded(key, entry["places"])
                assert abs(typed - value) <= tolerance, entry["name"]
                assert (abs(value) <= tolerance) == (typed == 0), entry["name"]
                checked += 1
    assert checked > 100


def test_the_question_says_how_to_type_answers(practice):
    xml, doc = practice
    text = questions_by_category(xml)[0][1][0].findtext("questiontext/text")
    if doc["mode"] == "exact":
        assert "type each exact answer as a decimal to at least 2 places" in text
    else:
        assert "Give your answers to 4 decimal places." in text


def test_the_key_is_the_general_feedback(practice):
    xml, doc = practice
    first = questions_by_category(xml)[0][1][0]
    record = variants_by_idnumber(doc)[first.findtext("idnumber")]
    feedback = first.findtext("generalfeedback/text")
    assert "Backward pass." in feedback  # q1 is the graph key
    assert "Accepted:" in feedback
    last_entry = record["answers"][-1]["entries"][-1]
    assert typed(last_entry) in feedback


def test_same_seed_same_file_and_another_seed_another(tmp_path):
    args = ("--kind", "gates", "--count", 2, "--seed")
    one, _ = export(tmp_path / "a", *args, 5)
    two, _ = export(tmp_path / "b", *args, 5)
    three, _ = export(tmp_path / "c", *args, 6)
    assert one == two and one != three


def test_golden_xml_for_a_fixed_seed():
    """A change to the export or a template shows up as a diff to read. After importing the new file
    into a Moodle, accept it with: QGEN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_moodle_export.py"""
    request = PracticeRequest(("gates", "softmax-ce"), 1, 2026, "easy", "exact")
    xml = build_quiz(practice_title(request), practice_quiz(request, 2)).decode("utf-8")
    path = GOLDEN / "moodle-gates-softmax-ce.xml"
    if os.environ.get("QGEN_UPDATE_GOLDEN"):
        path.write_text(xml, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == xml, f"{path.name} differs from the golden file"


def test_exam_export_draws_from_the_secret(tmp_path):
    assert run("exam", "init", tmp_path).exit_code == 0
    config = tmp_path / "exam.toml"
    out = tmp_path / "m.xml"
    result = run("exam", "moodle", config, "--count", 2, "--out", out)
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "m-answers.json").read_text(encoding="utf-8"))
    secret = load_secret(tmp_path / "exam.secret")
    title = doc["exam"]["title"]
    for question in doc["questions"]:
        assert [v["seed"] for v in question["variants"]] == [moodle_seed(secret, title, question["question"], i)
                                                           for i in (1, 2)]
        assert question["points"] is not None
        subs_per_variant = {len(extract(q.findtext("questiontext/text"))[0])
                            for q in questions_by_category(out.read_bytes())[question["question"] - 1][1]}
        assert subs_per_variant == {sum(len(a["entries"]) for a in question["variants"][0]["answers"])}
    first = out.read_bytes()
    assert run("exam", "moodle", config, "--count", 2, "--out", out).exit_code == 0
    assert out.read_bytes() == first  # the same secret gives the same file
    # The Moodle seeds have their own HMAC label: no variant is a student's paper question.
    students = [line.split(",")[0] for line in (tmp_path / "roster.csv").read_text().splitlines()[1:]]
    paper = {question_seed(secret, title, s, q["question"]) for s in students + ["1", "2"] for q in doc["questions"]}
    assert not paper & {v["seed"] for q in doc["questions"] for v in q["variants"]}


@pytest.mark.parametrize("args, message", [
    (("export", "moodle", "--kind", "mlp", "--seed", 1, "--count", 0), "--count: expected a number of variants"),
    (("export", "moodle", "--kind", "nope", "--seed", 1), "kind: unknown kind 'nope'"),
    (("export", "moodle", "--kind", "mlp", "--seed", 1, "--set", "sizes=9"), "mlp option sizes"),
    (("exam", "moodle", "missing.toml"), "missing.toml"),
])
def test_bad_input_is_one_line_and_status_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output


def test_more_variants_than_a_structure_has_is_one_clear_line(tmp_path):
    """Easy gates have a few hundred distinct variants; 400 distinct ones cannot be drawn: the line
    says how many were."""
    result = run("export", "moodle", "--kind", "gates", "--seed", 1, "--count", 400, "--out", tmp_path / "q.xml")
    assert result.exit_code == 2
    assert result.output.startswith("qgen: question 1 (gates), variant ")
    assert "no two identical variants" in result.output
    failed, fit = re.search(r"variant (\d+) of 400: .* ask for --count (\d+) or fewer$", result.output.strip()).groups()
    assert int(fit) == int(failed) - 1 > 0
    assert not (tmp_path / "q.xml").exists()


def test_out_must_be_a_file(tmp_path):
    result = run("export", "moodle", "--kind", "gates", "--seed", 1, "--count", 1, "--out", tmp_path)
    assert result.exit_code == 2
    assert "--out" in result.output


def test_exam_quiz_variants_are_inside_the_class_windows(tmp_path):
    """The quiz is as fair as the paper: each variant inside its question's class window
    (exam.spread), which the same seeds drawn without the window are not."""
    assert run("exam", "init", tmp_path).exit_code == 0
    config = tmp_path / "exam.toml"
    (tmp_path / "exam.secret").write_text("5e" * 32 + "\n", encoding="utf-8")  # a fixed class
    out = tmp_path / "m.xml"
    assert run("exam", "moodle", config, "--count", 12, "--out", out).exit_code == 0
    doc = json.loads((tmp_path / "m-answers.json").read_text(encoding="utf-8"))
    secret = load_secret(tmp_path / "exam.secret")
    exam = class_windows(shared_structures(load_config(config), secret), secret)
    outside_without = 0
    for q, question in zip(exam.questions, doc["questions"]):
        assert q.window is not None
        for variant in question["variants"]:
            assert q.window.rule(measure(variant)) is None, (q.kind, variant["idnumber"])
        free = draw_question(q.number, q.kind, q.points, q.options, [v["seed"] for v in question["variants"]])
        outside_without += sum(q.window.rule(measure(draw_json(v.draw))) is not None for v in free.variants)
    assert outside_without > 0

