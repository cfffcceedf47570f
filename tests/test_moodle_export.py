"""The Moodle XML export, checked the way Moodle reads it (no Moodle server here).

The file parses with lxml; every question's HTML is well-formed, with balanced math delimiters
and CDATA where the text holds markup; Moodle's own cloze regular expression (ported in
moodle_cloze.py) finds exactly one NUMERICAL sub-question per entry of answers.json, whose value,
tolerance and weight follow from that entry's key and acceptance rule; a student's correctly
rounded answer falls inside each interval and 0 does not (unless the key rounds to 0).
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
from qgen.cli import main
from qgen.exam.secrets import load_secret, moodle_seed, question_seed
from qgen.answers import accepts
from qgen.kinds.base import Answer
from qgen.moodle.cloze import sub_questions
from qgen.moodle.export import build_quiz, category_path, practice_quiz, practice_title
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


@pytest.fixture(scope="module", params=["exact", "given", "calculator"])
def practice(request, tmp_path_factory):
    """Every kind, COUNT variants each, in one mode (medium: the most varied structures)."""
    kinds = [a for kind in KIND_MODULES for a in ("--kind", kind)]
    return export(tmp_path_factory.mktemp(request.param), *kinds, "--count", COUNT, "--seed", 11,
                  "--difficulty", "medium", "--mode", request.param)


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
    (Fraction(1, 8), "fraction", "{1:NUMERICAL:=0.125000:0.005}"),  # 0.12 and 0.13 both accepted, as by the rule
    (Fraction(-1, 3), "fraction", "{1:NUMERICAL:=-0.333333:0.00499966}"),  # less the 6-place rounding
    (Fraction(0), "fraction", "{1:NUMERICAL:=0.000000:0.005}"),
    (0.0180, "decimal", "{1:NUMERICAL:=0.018000:0.00029}"),  # 0.0002 + 0.005 * 0.018
    (Ln(Fraction(12, 5)), "fraction", "{1:NUMERICAL:=0.875469:0.00457708}"),  # 0.0002 + 0.005 * 0.875469, less rounding
])
def test_one_entry_as_a_sub_question(key, style, marker):
    (sub,), = sub_questions([Answer("v", "v", key)], style)
    assert sub.marker() == marker
    assert accepts(sub.entry, sub.value - sub.tolerance) and accepts(sub.entry, sub.value + sub.tolerance)


def test_category_path_escapes_a_slash_in_the_title():
    assert category_path(" Midterm 1/2 ", 3) == "$course$/top/qgen/Midterm 1//2/q3"


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
            assert len(subs) == len(entries)
            assert "NUMERICAL" not in rest and ":NM:" not in rest
            assert [s.weight for s in subs] == expected_weights(record["answers"])
            for sub, entry in zip(subs, entries):
                assert sub.qtype == "numerical" and len(sub.alternatives) == 1
                alt = sub.alternatives[0]
                assert alt.fraction == 1.0
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
    assert last_entry["key"] in feedback


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
    """Easy gates have a few hundred distinct variants; 400 distinct ones cannot be drawn."""
    result = run("export", "moodle", "--kind", "gates", "--seed", 1, "--count", 400, "--out", tmp_path / "q.xml")
    assert result.exit_code == 2
    assert result.output.startswith("qgen: question 1 (gates), variant ")
    assert "no two identical variants" in result.output and "(--count)" in result.output
    assert not (tmp_path / "q.xml").exists()


def test_out_must_be_a_file(tmp_path):
    result = run("export", "moodle", "--kind", "gates", "--seed", 1, "--count", 1, "--out", tmp_path)
    assert result.exit_code == 2
    assert "--out" in result.output
