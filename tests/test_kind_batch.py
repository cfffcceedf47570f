"""The `batch` kind: mini-batches worked by hand, every difficulty × mode recomputed independently
(example by example, with plain numpy), 200 distinct variants per difficulty, one structure per
class, the reject rules, option errors, the oracle catching a wrong engine, the templates, and
grading with follow-through and a named mistake."""

import json
from fractions import Fraction as F

import numpy as np
import pytest

from exact import mat, vec
from structure import class_choices
from qgen.answers import DECIMAL, EXACT
from qgen.engine import batch as engine_batch
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.grade import mistakes as M
from qgen.grade.manifest import question_row
from qgen.grade.mark import CORRECT, FOLLOW_THROUGH, mark_question
from qgen.grade.values import parse_value
from qgen.kinds import batch
from qgen.kinds.base import DIFFICULTIES, MODES, RULE_ZERO_LINE, Redraw
from qgen.randomiser import draw_sheet, draw_variant, resolve_options
from qgen.render import render


def answers(case):
    return {name: np.asarray(value, dtype=object).tolist() for name, _, value in case[2]}


# ---------------------------------------------------------------------------------------------
# By hand


def test_linear_layer_with_given_upstream_by_hand():
    """N = 2, no activation, Δ = ∂L/∂Z given. Rows are examples: x₁ = (1, 2), x₂ = (3, −1);
    δ₁ = (1, −1), δ₂ = (2, 1).
    ∂L/∂W = δ₁ᵀx₁ + δ₂ᵀx₂ = [1 2; −1 −2] + [6 −2; 3 −1] = [7 0; 2 −3]   (= ΔᵀX)
    ∂L/∂b = δ₁ + δ₂ = (3, 0)
    ∂L/∂X: row k is (Wᵀδ_k)ᵀ = δ_k W: (1, −1)W = (1 − 2, 0 + 1) = (−1, 1); (2, 1)W = (2 + 2, −1) = (4, −1)."""
    X, W, b, G = mat([[1, 2], [3, -1]]), mat([[1, 0], [2, -1]]), vec(1, -1), mat([[1, -1], [2, 1]])
    a = answers(batch.solve(X, W, b, "none", G, None, "given", "exact"))
    assert list(a) == ["dL/dW", "dL/db", "dL/dX"]  # Δ is given: nothing forward is needed
    assert a["dL/dW"] == [[7, 0], [2, -3]]
    assert a["dL/db"] == [3, 0]
    assert a["dL/dX"] == [[-1, 1], [4, -1]]


def test_relu_layer_with_loss_averaged_over_the_batch_by_hand():
    """X = [2 1; 1 −1], W = [1 −1; 2 1], b = (1, −2), ReLU, Y = [1 2; 0 1], L averaged (N = 2).
    Z: z₁ = (2 − 1 + 1, 4 + 1 − 2) = (2, 3); z₂ = (1 + 1 + 1, 2 − 1 − 2) = (3, −1)
    A = ReLU(Z) = [2 3; 3 0];  A − Y = [1 1; 3 −1]
    L = ½ · ½ (1 + 1 + 9 + 1) = 3;  ∂L/∂A = ½ (A − Y) = [1/2 1/2; 3/2 −1/2]
    Δ = ReLU′(Z) ⊙ ∂L/∂A = [1 1; 1 0] ⊙ … = [1/2 1/2; 3/2 0]
    ∂L/∂W = δ₁ᵀx₁ + δ₂ᵀx₂ = [1 1/2; 1 1/2] + [3/2 −3/2; 0 0] = [5/2 −1; 1 1/2]
    ∂L/∂b = (1/2 + 3/2, 1/2 + 0) = (2, 1/2)
    ∂L/∂X = ΔW: (1/2)(1, −1) + (1/2)(2, 1) = (3/2, 0); (3/2)(1, −1) + 0 = (3/2, −3/2)."""
    X, W, b, Y = mat([[2, 1], [1, -1]]), mat([[1, -1], [2, 1]]), vec(1, -2), mat([[1, 2], [0, 1]])
    a = answers(batch.solve(X, W, b, "relu", None, Y, "mean", "exact"))
    assert list(a) == ["Z", "A", "L", "dL/dA", "delta", "dL/dW", "dL/db", "dL/dX"]
    assert a["Z"] == [[2, 3], [3, -1]]
    assert a["A"] == [[2, 3], [3, 0]]
    assert a["L"] == 3
    assert a["dL/dA"] == [[F(1, 2), F(1, 2)], [F(3, 2), F(-1, 2)]]
    assert a["delta"] == [[F(1, 2), F(1, 2)], [F(3, 2), 0]]
    assert a["dL/dW"] == [[F(5, 2), -1], [1, F(1, 2)]]
    assert a["dL/db"] == [2, F(1, 2)]
    assert a["dL/dX"] == [[F(3, 2), 0], [F(3, 2), F(-3, 2)]]
    # Summed instead of averaged: every example counts once, so L and every gradient double.
    s = answers(batch.solve(X, W, b, "relu", None, Y, "sum", "exact"))
    assert s["L"] == 6 and s["dL/dW"] == [[5, -2], [2, 1]] and s["dL/db"] == [4, 1]


def test_given_sigmoid_works_from_the_printed_table_by_hand():
    """X = [1 1; −1 0], W = [1 −1; 1 1], no bias: Z = [0 2; −1 −1]. Printed σ to 2 decimals:
    σ(0) = 0.50, σ(2) = 0.8808 → 0.88, σ(−1) = 0.2689 → 0.27. σ′ = a(1 − a): 0.25, 0.1056, 0.1971.
    G = [1 2; −1 1]: Δ = [0.25 0.2112; −0.1971 0.1971]."""
    X, W, G = mat([[1, 1], [-1, 0]]), mat([[1, -1], [1, 1]]), mat([[1, 2], [-1, 1]])
    given, worked, ans = batch.solve(X, W, None, "sigmoid", G, None, "given", "given")
    assert given["printed"].tolist() == [[F(1, 2), F(88, 100)], [F(27, 100), F(27, 100)]]
    a = answers((given, worked, ans))
    assert a["delta"] == [[F(1, 4), F(2112, 10000)], [F(-1971, 10000), F(1971, 10000)]]
    # ΔᵀX: δ₁ᵀx₁ + δ₂ᵀx₂ with x₁ = (1, 1), x₂ = (−1, 0)
    assert a["dL/dW"] == [[F(1, 4) + F(1971, 10000), F(1, 4)], [F(2112, 10000) - F(1971, 10000), F(2112, 10000)]]


# ---------------------------------------------------------------------------------------------
# Every difficulty × mode, recomputed example by example from the printed parameters


def _numbers(a):
    return np.array(a, dtype=object).astype(str).astype(object)


def _float(a):
    arr = np.array(a, dtype=object)
    return np.array([float(F(str(v))) for v in arr.flat]).reshape(arr.shape)


def recompute(p):
    X, W = _float(p["X"]), _float(p["W"])
    b = np.zeros(len(W)) if p["b"] is None else _float(p["b"])
    Z = np.array([W @ x + b for x in X])  # one example at a time
    act = p["activation"]
    alpha = float(F(p["alpha"])) if act == "leaky_relu" else 0.0
    if p["printed"] is not None:
        A = _float(p["printed"])
        slope = A * (1 - A) if act == "sigmoid" else 1 - A * A
    elif act in ("relu", "leaky_relu"):
        A, slope = np.where(Z > 0, Z, alpha * Z), np.where(Z > 0, 1.0, alpha)
    elif act == "sigmoid":
        A = 1 / (1 + np.exp(-Z))
        slope = A * (1 - A)
    elif act == "tanh":
        A = np.tanh(Z)
        slope = 1 - A * A
    else:
        A, slope = Z, np.ones_like(Z)
    out = {}
    if act is not None or p["upstream"] != "given":
        out["Z"] = Z
    if p["upstream"] == "given":
        dA = _float(p["G"])
    else:
        Y, s = _float(p["Y"]), 1.0 if p["upstream"] == "sum" else 1.0 / len(X)
        if act is not None and p["printed"] is None:
            out["A"] = A
        out["L"] = s * 0.5 * sum(float(r @ r) for r in A - Y)
        dA = out["dL/dA"] = s * (A - Y)
    D = slope * dA
    if act is not None:
        out["delta"] = D
    out["dL/dW"] = sum(np.outer(d, x) for d, x in zip(D, X))  # δ_kᵀ x_k summed over the examples
    if p["b"] is not None:
        out["dL/db"] = sum(D)
    out["dL/dX"] = np.array([W.T @ d for d in D])  # row k: (Wᵀ δ_k)ᵀ
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_draws_and_recomputes(difficulty, mode):
    options = resolve_options("batch", difficulty, mode)
    for seed in range(12):
        draw = draw_variant("batch", seed, options).draw
        expected = recompute(draw.params)
        assert [a.name for a in draw.answers] == list(expected)
        for a in draw.answers:
            np.testing.assert_allclose(np.array(a.value, dtype=float), expected[a.name], rtol=1e-9, atol=1e-9)
            assert all(e.precision == (EXACT if mode == "exact" else DECIMAL) for e in a.entries(draw.number_style))
            if mode != "calculator":
                assert all(isinstance(v, F) for v in np.asarray(a.value, dtype=object).flat)
        p = draw.params
        assert np.shape(p["X"]) == (p["examples"], p["inputs"]) and np.shape(p["W"]) == (p["outputs"], p["inputs"])
        assert (p["activation"] is None) == (difficulty == "easy")
        assert (p["upstream"] in ("sum", "mean")) == (difficulty == "hard")


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_two_hundred_distinct_variants_at_every_difficulty(difficulty):
    options = resolve_options("batch", difficulty, "exact")
    variants = draw_sheet(["batch"], 200, 11, {"batch": options})
    assert len({json.dumps(v.draw.params, sort_keys=True) for v in variants}) == 200


def test_one_structure_per_class():
    for difficulty in DIFFICULTIES:
        options = resolve_options("batch", difficulty, "exact")
        seen = class_choices("batch", options, "examples", classes=3)
        assert seen <= set(range(*batch.EXAMPLES[difficulty])) | {batch.EXAMPLES[difficulty][1]}
    assert class_choices("batch", resolve_options("batch", "hard", "given"), "upstream", classes=4) <= {"sum", "mean"}


# ---------------------------------------------------------------------------------------------
# Reject rules, options, the oracle


@pytest.mark.parametrize("case, rule", [
    (lambda: batch.solve(mat([[1, 0], [2, 0]]), mat([[1, 1], [2, -1]]), None, "none", mat([[1, 1], [1, 2]]), None,
                         "given", "exact"), RULE_ZERO_LINE),  # an input no example uses
    (lambda: batch.solve(mat([[1, 2], [1, 2]]), mat([[1, 1], [2, -1]]), None, "none", mat([[1, 1], [1, 2]]), None,
                         "given", "exact"), "no two equal examples in a batch"),
    (lambda: batch.solve(mat([[1, 2], [2, 1]]), mat([[1, 1], [2, 1]]), None, "relu", mat([[1, 1], [1, 2]]), None,
                         "given", "exact"), batch.RULE_MASK),  # every entry positive: the mask does nothing
])
def test_reject_rules_fire(case, rule):
    with pytest.raises(Redraw) as e:
        case()
    assert e.value.rule == rule


@pytest.mark.parametrize("overrides, mode, words", [
    ({"activation": "sigmoid"}, "exact", ["batch option activation", "mode given or calculator"]),
    ({"examples": "7"}, "exact", ["batch option examples", "2 to 4"]),
    ({"upstream": "median"}, "exact", ["batch option upstream", "given, sum, mean, auto"]),
    ({"activation": "leaky_relu", "upstream": "mean"}, "exact", ["batch option activation", "set upstream to sum"]),
])
def test_option_errors_are_one_clear_line(overrides, mode, words):
    with pytest.raises(QgenError) as e:
        resolve_options("batch", "medium", mode, overrides)
    assert all(w in str(e.value) for w in words) and "\n" not in str(e.value)


def test_the_oracle_catches_a_wrong_engine(monkeypatch):
    wrong = lambda self, X, D: {"W": D.T @ X * 2, "b": D.sum(axis=0)}  # noqa: E731
    monkeypatch.setattr(engine_batch.BatchLinear, "param_grads", wrong)
    with pytest.raises(VerificationError):
        batch.solve(mat([[1, 2], [3, -1]]), mat([[1, 0], [2, -1]]), vec(1, -1), "none", mat([[1, -1], [2, 1]]),
                    None, "given", "exact")


# ---------------------------------------------------------------------------------------------
# Templates and grading


def test_the_sheet_states_the_layout_and_the_reduction():
    for upstream, word in (("sum", "summed"), ("mean", "averaged")):
        options = resolve_options("batch", "hard", "exact", {"upstream": upstream})
        draw = draw_variant("batch", 3, options).draw
        sheet = render("kinds/batch_question.tex", d=draw.question, number_style=draw.number_style)
        assert "Rows are examples" in sheet and r"\delta\T x" in sheet and word in sheet
        key = render("kinds/batch_solution.tex", d=draw.solution, number_style=draw.number_style)
        assert r"\Delta\T X" in key and r"\delta_{1}\T x_{1}" in key


def _row(seed, difficulty="hard", mode="exact"):
    variant = draw_variant("batch", seed, resolve_options("batch", difficulty, mode))
    data = json.loads(json.dumps(variant.to_json(), default=str))
    return question_row({"student_id": "s1", "question": 1, "kind": "batch", "points": 12,
                         "options": data["options"], "parameters": data["parameters"], "answers": data["answers"]}), variant


def _mark(row, texts):
    values = {f"q1.{k}": parse_value(v) for k, v in texts.items()}
    return {v.entry.name: v.verdict for v in mark_question(row, values, {f"q1.{k}": t for k, t in texts.items()}, F(1))}


def _texts(name, value, texts):
    flat = [F(v) for v in np.asarray(value, dtype=object).reshape(-1)]
    names = [k for k in texts if k.startswith(name + "[")]
    return {**texts, **{k: f"{v.numerator}/{v.denominator}" for k, v in zip(names, flat)}}


def test_grading_follows_through_from_a_wrong_delta_and_names_a_transposed_gradient():
    row, variant = _row(2)
    keys = {e.name: e.key_text() for a in row.answers for e in a.entries}
    assert set(_mark(row, keys).values()) == {CORRECT}
    value = {a.name: np.asarray(a.value, dtype=object) for a in variant.draw.answers}
    X = np.array([[F(v) for v in r] for r in variant.draw.params["X"]], dtype=object)
    slipped = value["delta"].copy()
    slipped[0, 0] += 1  # a slip in Δ: ∂L/∂W, ∂L/∂b and ∂L/∂X from the student's Δ earn follow-through
    texts = _texts("delta", slipped, keys)
    texts = _texts("dL/dW", slipped.T @ X, texts)
    texts = _texts("dL/db", slipped.sum(axis=0), texts)
    W = np.array([[F(v) for v in r] for r in variant.draw.params["W"]], dtype=object)
    texts = _texts("dL/dX", slipped @ W, texts)
    verdicts = _mark(row, texts)
    assert verdicts["delta[1,1]"] != CORRECT
    assert {v for k, v in verdicts.items() if k.startswith(("dL/dW", "dL/db", "dL/dX")) and v != CORRECT} == {FOLLOW_THROUGH}
    n, m = np.shape(value["dL/dW"])
    transposed = (X.T @ value["delta"]).reshape(n, m)
    if (transposed != value["dL/dW"]).any():
        verdicts = _mark(row, _texts("dL/dW", transposed, keys))
        assert M.TRANSPOSED in {v for k, v in verdicts.items() if k.startswith("dL/dW")}
