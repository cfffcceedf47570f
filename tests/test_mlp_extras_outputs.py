"""mlp's training extras in every output: the sheet and the worked key (PDFs read back with
pdftotext), answers.json, the practice page (in Chromium), Moodle XML, a class exam's grading key,
`qgen grade` with follow-through re-marked independently, and bad option values on the command line."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner
from pdftext import page_texts, printed_forms, squeeze
from test_exam import run as run_exam
from test_exam import write_class
from test_grade_marking import key_texts, mark, row_for, with_answer

from qgen.cli import main
from qgen.grade.mark import CORRECT, FOLLOW_THROUGH, WRONG

EXTRAS = ["--set", "weight_decay=1/10", "--set", "momentum=1/2", "--set", "input_gradient=yes"]
NEW = ("dL/dx", "L'", "dL'/dW1", "dL'/dW2", "velocity W1", "velocity b1", "velocity W2", "velocity b2")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module", params=["exact", "given", "calculator"])
def extras_set(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"extras-{request.param}")
    result = invoke("generate", "--out", out, "--kind", "mlp", "--seed", "7", "--difficulty", "medium",
                    "--mode", request.param, "--format", "pdf,html", "--pool", "2", *EXTRAS)
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "answers.json").read_text())


def test_the_sheet_states_the_conventions_and_asks_the_new_parts(extras_set):
    out, _ = extras_set
    sheet = " ".join(" ".join(page.split()) for page in page_texts(out / "questions.pdf"))
    for words in ("Weight decay (L2)", "The biases are not decayed", "Momentum: every parameter",
                  "finally the input gradient", "Weight decay: the loss", "new velocities"):
        assert words in sheet, words


def test_the_key_works_each_new_step_and_holds_every_new_answer(extras_set):
    out, data = extras_set
    key = " ".join(page_texts(out / "answers.pdf"))
    for words in ("The input gradient passes", "weight decay", "one step of SGD with momentum",
                  "the biases are not decayed"):
        assert words in " ".join(key.split()), words
    text = squeeze(key)
    variant = data["variants"][0]
    names = [a["name"] for a in variant["answers"]]
    assert set(NEW) <= set(names)
    for answer in variant["answers"]:
        assert any(form in text for form in printed_forms(answer)), answer["name"]


def test_answers_json_gives_lambda_mu_and_the_velocities_as_text(extras_set):
    _, data = extras_set
    p = data["variants"][0]["parameters"]
    assert Fraction(p["weight_decay"]) == Fraction(1, 10) and Fraction(p["momentum"]) == Fraction(1, 2)
    assert p["input_gradient"] is True
    assert [np.shape(v) for v in p["velocity_W"]] == [np.shape(W) for W in p["W"]]
    assert [len(v) for v in p["velocity_b"]] == [len(b) for b in p["b"]]
    assert all(isinstance(t, str) for v in p["velocity_W"] for row in v for t in row)


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("extras-html")
    result = invoke("generate", "--out", out, "--kind", "mlp", "--seed", "7", "--difficulty", "medium",
                    "--format", "html", "--pool", "2", *EXTRAS)
    assert result.exit_code == 0, result.output
    return out / "practice.html"


def test_the_practice_page_asks_checks_and_hints_the_new_parts(page):
    body = " ".join(page.inner_text("body").split())
    assert "Weight decay (L2)" in body and "Momentum" in body
    for name in NEW:
        form = page.locator(f'form.answer[data-answer="{name}"]').first
        assert form.count() == 1, name
        for box in form.locator("input").all():
            box.fill(box.get_attribute("data-key-text"))
        form.locator("button.check").click()
        assert form.locator("input.right").count() == form.locator("input").count(), name
    rows = {"velocity W1": "Momentum", "dL'/dW1": "L2 weight decay", "L'": "L2 weight decay",
            "updated W1": "SGD step with momentum", "dL/dx": "𝑧 = 𝑊 𝑥"}  # math shows as math italic
    for name, row in rows.items():
        form = page.locator(f'form.answer[data-answer="{name}"]').first
        form.locator("button.hint").click()
        assert row in " ".join(form.locator(".rule-row").inner_text().split()), name


def test_moodle_asks_every_new_part_with_its_key(tmp_path):
    result = invoke("export", "moodle", "--kind", "mlp", "--count", "2", "--seed", "4", "--difficulty", "medium",
                    "--out", tmp_path / "m.xml", *EXTRAS)
    assert result.exit_code == 0, result.output
    xml = (tmp_path / "m.xml").read_text()
    for label in (r"\partial L/\partial x", r"\partial L'/\partial W^{[1]}", r"v_{W^{[1]},\mathrm{new}}",
                  r"v_{b^{[2]},\mathrm{new}}", "Weight decay (L2)", "Momentum"):
        assert label in xml.replace("&#39;", "'"), label
    doc = json.loads((tmp_path / "m-answers.json").read_text())
    for variant in doc["questions"][0]["variants"]:
        assert set(NEW) <= {a["name"] for a in variant["answers"]}
        assert "velocity_W" in variant["parameters"]


# ---------------------------------------------------------------------------------------------
# A class exam: one structure, each student's velocities, every entry on the grading key.

EXAM = """
[exam]
title = "Training step"
course = "CS 101"
date = "2026-03-14"
duration = 45

[[questions]]
kind = "mlp"
points = 10
[questions.options]
sizes = "2-2-1"
input_gradient = "yes"
weight_decay = "1/10"
momentum = "1/2"
"""


def test_an_exam_grading_key_and_worked_key_hold_the_new_parts(tmp_path):
    config, roster = write_class(tmp_path, ["Ada Lovelace", "Alan Turing"], ["s001", "s002"], EXAM)
    result = run_exam(config, "--roster", roster, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    rows = json.loads((out / "manifest.json").read_text())["rows"]
    assert len({tuple(a["name"] for a in r["answers"]) for r in rows}) == 1  # one structure for the class
    assert len({json.dumps(r["parameters"]["velocity_W"]) for r in rows}) == 2  # each student's velocities
    for r in rows:
        student = r["student_id"]
        grading = squeeze(" ".join(page_texts(out / "students" / f"{student}-grading.pdf")))
        for answer in r["answers"]:
            for entry in answer["entries"]:
                assert squeeze(entry["key"]) in grading, (student, entry["name"])
        worked = " ".join(" ".join(page_texts(out / "students" / f"{student}-key.pdf")).split())
        assert "one step of SGD with momentum" in worked and "weight decay" in worked
        sheet = " ".join(" ".join(page_texts(out / "students" / f"{student}-questions.pdf")).split())
        assert "Momentum: every parameter" in sheet


# ---------------------------------------------------------------------------------------------
# Grading with follow-through, re-marked here with the rules written out.


def F_(text):
    return Fraction(str(text))


def test_a_wrong_delta_then_consistent_work_earns_follow_through_to_the_momentum_step():
    row = row_for("mlp", 3, "exact", "medium", sizes="2-2-1", input_gradient="yes", weight_decay="1/10",
                  momentum="1/2")
    p = row.parameters
    x = np.array([F_(t) for t in p["x"]], dtype=object)
    W1 = np.array([[F_(t) for t in r] for r in p["W"][0]], dtype=object)
    b1 = np.array([F_(t) for t in p["b"][0]], dtype=object)
    v1 = np.array([[F_(t) for t in r] for r in p["velocity_W"][0]], dtype=object)
    vb1 = np.array([F_(t) for t in p["velocity_b"][0]], dtype=object)
    lam, mu, eta = F_(p["weight_decay"]), F_(p["momentum"]), F_(p["learning_rate"])
    answers = {a.name: a for a in row.answers}
    key_delta = np.array([e.key for e in answers["delta1"].entries], dtype=object)
    delta = key_delta + np.array([1, 0], dtype=object)  # the slip: δ¹₁ one too large
    dW1 = np.outer(delta, x)  # δ xᵀ
    dx = W1.T.dot(delta)  # W¹ᵀ δ
    decayed = dW1 + lam * W1  # ∂L/∂W + λW
    new_v, new_vb = mu * v1 + decayed, mu * vb1 + delta  # v ← μv + g (biases: ∂L/∂b = δ)
    texts = key_texts(row)
    for name, value in (("delta1", delta), ("dL/dW1", dW1), ("dL/db1", delta), ("dL/dx", dx),
                        ("dL'/dW1", decayed), ("velocity W1", new_v), ("velocity b1", new_vb),
                        ("updated W1", W1 - eta * new_v), ("updated b1", b1 - eta * new_vb)):
        texts = with_answer(texts, name, value)
    texts = with_answer(texts, "updated W2", np.array([e.key for e in answers["updated W2"].entries]) + 1)
    marks = mark(row, texts)
    follow = 0
    for name, v in marks.items():
        base = name.split("[")[0]
        if name.startswith("delta1[1]") or base == "updated W2":
            assert v.verdict == WRONG, (name, v.verdict)
        elif base in ("delta1", "dL/dW1", "dL/db1", "dL/dx", "dL'/dW1", "velocity W1", "velocity b1",
                      "updated W1", "updated b1"):
            assert v.verdict in (CORRECT, FOLLOW_THROUGH), (name, v.verdict, v.note)
            follow += v.verdict == FOLLOW_THROUGH
        else:
            assert v.verdict == CORRECT, (name, v.verdict)
    assert follow >= 6  # every entry that moved with the slip: ∂L/∂W¹ row 1, δ-driven velocities, …
    assert marks["dL'/dW1[1,1]"].verdict == FOLLOW_THROUGH and marks["velocity b1[1]"].verdict == FOLLOW_THROUGH


def test_a_velocity_from_the_wrong_rule_is_wrong():
    """v ← μv − g (the gradient's sign flipped) is not the stated rule: marked wrong, the step after
    it consistent with it earns follow-through."""
    row = row_for("mlp", 5, "exact", "medium", sizes="2-2-1", momentum="1/2")
    p = row.parameters
    W2 = np.array([[F_(t) for t in r] for r in p["W"][1]], dtype=object)
    v2 = np.array([[F_(t) for t in r] for r in p["velocity_W"][1]], dtype=object)
    mu, eta = F_(p["momentum"]), F_(p["learning_rate"])
    g = np.array([e.key for e in {a.name: a for a in row.answers}["dL/dW2"].entries], dtype=object).reshape(W2.shape)
    wrong_v = mu * v2 - g
    texts = with_answer(key_texts(row), "velocity W2", wrong_v)
    texts = with_answer(texts, "updated W2", W2 - eta * wrong_v)
    marks = mark(row, texts)
    for (i, j), gij in np.ndenumerate(g):  # μv − g differs from μv + g exactly where g ≠ 0
        assert marks[f"velocity W2[{i + 1},{j + 1}]"].verdict == (WRONG if gij else CORRECT), (i, j)
        assert marks[f"updated W2[{i + 1},{j + 1}]"].verdict == (FOLLOW_THROUGH if gij else CORRECT), (i, j)


@pytest.mark.parametrize("option,value", [("weight_decay", "-1"), ("momentum", "1"), ("input_gradient", "maybe"),
                                          ("weight_decay", "x")])
def test_bad_option_values_give_one_line_naming_the_option_and_exit_2(tmp_path, option, value):
    result = invoke("generate", "--out", tmp_path / "o", "--kind", "mlp", "--seed", "1", "--set", f"{option}={value}")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"mlp option {option}:" in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_qgen_kinds_lists_the_new_options():
    result = invoke("kinds")
    assert result.exit_code == 0
    for name in ("input_gradient", "weight_decay", "momentum"):
        assert name in result.output
