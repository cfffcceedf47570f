"""`qgen generate` end to end: real PDFs, read back with pdftotext."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from pdftext import HEADER, page_texts, printed_forms, squeeze
from qgen.cli import main
from qgen.randomiser import KIND_MODULES

ALL_KINDS = list(KIND_MODULES)


def generate(out, *args):
    result = CliRunner().invoke(main, ["generate", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return json.loads((out / "answers.json").read_text())


def pages_by_question(pdf) -> dict[int, str]:
    """Each question's text, from the pages whose header names it; checks every page has one."""
    texts: dict[int, str] = {}
    for number, page in enumerate(page_texts(pdf), start=1):
        found = HEADER.search(page)
        assert found, f"{pdf.name} page {number} has no question number and variant code"
        texts[int(found.group(1))] = texts.get(int(found.group(1)), "") + page
    return texts


@pytest.fixture(scope="module", params=["exact", "given", "calculator"])
def practice_set(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"set-{request.param}")
    data = generate(out, *sum((["--kind", k] for k in ALL_KINDS), []), "--count", "2", "--seed", "11",
                    "--mode", request.param, "--difficulty", "medium")
    return out, data


def test_every_page_carries_its_question_number_and_variant_code(practice_set):
    out, data = practice_set
    codes = {v["question"]: v["code"] for v in data["variants"]}
    assert len(codes) == 2 * len(ALL_KINDS)
    for pdf in ("questions.pdf", "answers.pdf"):
        seen = {}
        for page in page_texts(out / pdf):
            number, code = HEADER.search(page).groups()
            assert codes[int(number)] == code
            seen[int(number)] = code
        assert seen == codes, f"{pdf}: every question appears, with its code"


def test_the_key_holds_every_answer_of_answers_json(practice_set):
    out, data = practice_set
    key = pages_by_question(out / "answers.pdf")
    for variant in data["variants"]:
        text = squeeze(key[variant["question"]])
        for answer in variant["answers"]:
            forms = printed_forms(answer)
            assert any(form in text for form in forms), (variant["kind"], answer["name"], forms)


def test_the_question_sheet_holds_no_answer(practice_set):
    out, data = practice_set
    sheet = pages_by_question(out / "questions.pdf")
    for variant in data["variants"]:
        text = squeeze(sheet[variant["question"]])
        assert "Answers." not in text and "workedsolution" not in text
        for answer in variant["answers"]:
            if isinstance(answer["decimal"], list):  # a vector or matrix as the key writes it out
                for form in printed_forms(answer):
                    assert form not in text, (variant["kind"], answer["name"], form)


def test_conventions_block_stands_on_the_question_sheet(practice_set):
    out, _ = practice_set
    first = page_texts(out / "questions.pdf")[0]
    assert "Conventions" in first and "ReLU′(0)=0" in squeeze(first)


def test_same_seed_gives_identical_files(tmp_path):
    args = ["--kind", "mlp", "--kind", "graph", "--count", "2", "--seed", "5"]
    generate(tmp_path / "a", *args)
    generate(tmp_path / "b", *args)
    for name in ("questions.tex", "answers.tex", "answers.json", "questions.pdf", "answers.pdf"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_child_seed_draws_the_same_question_again(tmp_path):
    from qgen.randomiser import draw_variant, resolve_options

    data = generate(tmp_path, "--kind", "mlp", "--count", "3", "--seed", "9")
    third = data["variants"][2]
    again = draw_variant("mlp", third["seed"], resolve_options("mlp"))
    assert [a.to_json(again.draw.number_style) for a in again.draw.answers] == third["answers"]
    assert again.code == third["code"]


@pytest.mark.parametrize("args, message", [
    (["--kind", "nope", "--seed", "1"], "kind: unknown kind 'nope'"),
    (["--kind", "mlp", "--seed", "1", "--mode", "fuzzy"], "mode: expected one of exact, given, calculator"),
    (["--kind", "mlp", "--seed", "1", "--difficulty", "insane"], "difficulty: expected one of easy, medium, hard"),
    (["--kind", "mlp", "--seed", "1", "--set", "colour=red"], "--set colour: no chosen kind has this option"),
    (["--kind", "mlp", "--seed", "1", "--set", "sizes"], "expected NAME=VALUE"),
    (["--kind", "mlp", "--seed", "1", "--count", "0"], "--count: expected a positive number"),
])
def test_bad_options_get_one_line_and_exit_2_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["generate", "--out", str(out), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_latex_failure_leaves_the_old_files_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    generate(out, "--kind", "shapes", "--seed", "1")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    import qgen.practice

    real = qgen.practice.render_practice

    def broken(*a, **k):
        questions, answers = real(*a, **k)
        return questions, answers.replace(r"\end{document}", r"\undefinedmacro\end{document}")

    monkeypatch.setattr(qgen.practice, "render_practice", broken)
    result = CliRunner().invoke(main, ["generate", "--out", str(out), "--kind", "shapes", "--seed", "2"])
    assert result.exit_code == 2 and "Undefined control sequence" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]


NUMBER = re.compile(r"(?<![\d.])-?\d+\.\d+")


def test_no_scalar_answer_nor_its_negation_is_printed_on_the_question_sheet(practice_set):
    """Issue 7 §5: a given-mode softmax-ce once printed ln ŷ_k, so L was a printed number negated.
    Every decimal printed on a question's page is compared with every scalar answer at the places
    that decimal shows; integers are left out (small integers are everywhere in exact mode), and so
    is a graph's max, min or ReLU node: its value is one of its inputs by definition (which one is
    the question)."""
    out, data = practice_set
    sheet = pages_by_question(out / "questions.pdf")
    for variant in data["variants"]:
        printed = {m.group(0) for m in NUMBER.finditer(sheet[variant["question"]].replace("−", "-"))}
        nodes = variant["parameters"].get("nodes", {}) if variant["kind"] == "graph" else {}
        for answer in variant["answers"]:
            if answer["shape"] or nodes.get(answer["name"], "").startswith(("max(", "min(", "relu(")):
                continue
            if variant["kind"] == "graph" and answer["name"].startswith("df/d"):
                continue  # a multiply gate's partial is its other input by the rule: no giveaway
            if variant["kind"] == "graph" and data["mode"] == "given":
                # The lookup tables print σ, tanh, exp over a range of k, so an answer may equal a
                # table entry by symmetry (1 − σ(−3) = σ(3)); no value read off a table is asked
                # (test_kind_graph.py: test_given_mode_asks_no_value_read_off_a_table).
                continue
            value = answer["decimal"]
            if value == round(value):
                continue
            for text in printed:
                places = len(text.split(".")[1])
                shown = {f"{value:.{places}f}", f"{-value:.{places}f}"}
                assert text not in shown, (variant["kind"], variant["question"], answer["name"], text)
