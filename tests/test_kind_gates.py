"""The `gates` kind: every row of the note's gate table by hand, every difficulty × mode drawn and
recomputed independently, every row covered by `mixed`, determinism, the reject rules, option
errors, the oracle catching a wrong engine, and what the two templates show."""

from fractions import Fraction as F

import numpy as np
import pytest

from exact import mat, vec
from structure import class_choices
from qgen.answers import DECIMAL, EXACT
from qgen.engine.gates import Linear
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.kinds import gates
from qgen.kinds.base import (
    DIFFICULTIES, MODES, RULE_DIAGONAL, RULE_ZERO_BIAS, RULE_ZERO_LINE, RULE_ZERO_VECTOR, Redraw,
)
from qgen.randomiser import draw_variant, resolve_options
from qgen.render import render

SEEDS = range(200)


def answers(case):
    return {name: np.asarray(value, dtype=object).tolist() for name, _, value in case[2]}


# ---------------------------------------------------------------------------------------------
# The table, row by row, by hand


def test_linear_row_by_hand():
    W, b, x, delta = mat([[1, 2, 0], [0, -1, 3]]), vec(1, 1), vec(3, -1, 2), vec(2, -1)
    a = answers(gates.solve_linear_gate(W, b, x, delta, "exact"))
    assert a["dz/dx"] == W.tolist()
    assert a["dL/dW"] == [[6, -2, 4], [-3, 1, -2]]  # δxᵀ: 2×1 times 1×3, the shape of W
    assert a["dL/db"] == [2, -1]
    assert a["dL/dx"] == [2, 5, -3]  # Wᵀδ
    a = answers(gates.solve_linear_gate(W, None, x, delta, "exact"))  # z = Wx: no ∂L/∂b to ask
    assert list(a) == ["dz/dx", "dL/dW", "dL/dx"] and a["dL/dW"] == [[6, -2, 4], [-3, 1, -2]]


def test_identity_row_by_hand():
    a = answers(gates.solve_identity_gate(vec(1, -2, 0), vec(3, 0, -1), "exact"))
    assert a["dz/dx"] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert a["dL/dx"] == [3, 0, -1]


def test_elementwise_row_relu_mask_by_hand():
    a = answers(gates.solve_elementwise_gate(vec(2, -1, 3), vec(1, 2, -1), "relu", "exact"))
    assert a["f'(x)"] == [1, 0, 1]  # the mask
    assert a["dz/dx"] == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert a["dL/dx"] == [1, 0, -1]


def test_elementwise_row_given_tanh_by_hand():
    given, worked, ans = gates.solve_elementwise_gate(vec(F(1, 2), -1), vec(2, 1), "tanh", "given")
    # tanh(0.5) = 0.4621 → 0.46, tanh(−1) = −0.7616 → −0.76; tanh' = 1 − a² from those.
    assert given["printed"].tolist() == [F(46, 100), F(-76, 100)]
    a = answers((given, worked, ans))
    assert a["f'(x)"] == [F(7884, 10000), F(4224, 10000)]
    assert a["dL/dx"] == [F(15768, 10000), F(4224, 10000)]


def test_softmax_ce_row_exact_by_hand():
    given, worked, ans = gates.solve_softmax_ce(None, vec(F(1, 4), F(1, 2), F(1, 4)), 1, "exact")
    assert answers((given, worked, ans)) == {"dL/dz": [F(1, 4), F(-1, 2), F(1, 4)]}  # ŷ − y
    assert worked["dL_dyhat"].tolist() == [0, -2, 0]  # −y/ŷ
    assert worked["S"].tolist() == [[F(3, 16), F(-1, 8), F(-1, 16)], [F(-1, 8), F(1, 4), F(-1, 8)],
                                    [F(-1, 16), F(-1, 8), F(3, 16)]]  # Diag[ŷ] − ŷŷᵀ
    assert given["target"] == 2 and given["z"] is None


def test_softmax_ce_row_given_by_hand():
    # softmax(1, 0, −1/2) = (0.6285, 0.2312, 0.1402): floors 62 + 23 + 14 = 99, the largest
    # remainder (0.85) gets the last hundredth.
    given, worked, ans = gates.solve_softmax_ce(vec(1, 0, F(-1, 2)), None, 0, "given")
    assert given["yhat"].tolist() == [F(63, 100), F(23, 100), F(14, 100)]
    assert answers((given, worked, ans)) == {"dL/dz": [F(-37, 100), F(23, 100), F(14, 100)]}


def test_largest_remainder_sums_to_one_and_stays_close():
    rng = np.random.default_rng(3)
    for _ in range(500):
        p = rng.dirichlet(np.ones(int(rng.integers(2, 6))))
        printed = gates._largest_remainder(p)
        assert sum(printed) == 1
        assert np.max(np.abs(np.array(printed, dtype=float) - p)) < 0.01


def test_simple_distributions_are_simple():
    rng = np.random.default_rng(4)
    for _ in range(200):
        yhat = gates._simple_distribution(rng, 3)
        assert sum(yhat) == 1 and all(0 < v < 1 for v in yhat) and all(v.denominator <= 10 for v in yhat)


# ---------------------------------------------------------------------------------------------
# Every difficulty × mode, recomputed independently from the printed parameters


def _numbers(a):
    if isinstance(a, list):
        return np.array([_numbers(v) for v in a], dtype=float)
    return float(F(str(a)))


def _slope(p, x):
    alpha = float(F(p["alpha"]))
    if p["printed"] is not None:
        a = _numbers(p["printed"])
        return a * (1 - a) if p["activation"] == "sigmoid" else 1 - a * a
    s = 1 / (1 + np.exp(-x))
    return {"identity": np.ones_like(x), "relu": (x > 0) * 1.0, "leaky_relu": np.where(x > 0, 1.0, alpha),
            "sigmoid": s * (1 - s), "tanh": 1 - np.tanh(x) ** 2}[p["activation"]]


def recompute(p):
    """The asked answers from Draw.params alone, with plain numpy and the table's rules."""
    if p["gate"] == "linear":
        W, x, delta = _numbers(p["W"]), _numbers(p["x"]), _numbers(p["delta"])
        bias = {} if p["b"] is None else {"dL/db": delta}
        return {"dz/dx": W, "dL/dW": np.outer(delta, x), **bias, "dL/dx": W.T @ delta}
    if p["gate"] == "identity":
        return {"dz/dx": np.eye(p["n"]), "dL/dx": _numbers(p["delta"])}
    if p["gate"] == "elementwise":
        slope = _slope(p, _numbers(p["x"]))
        return {"f'(x)": slope, "dz/dx": np.diag(slope), "dL/dx": slope * _numbers(p["delta"])}
    y = _numbers(p["y"])
    if p["yhat"] is not None:
        return {"dL/dz": _numbers(p["yhat"]) - y}
    e = np.exp(_numbers(p["z"]))
    return {"yhat": e / e.sum(), "dL/dz": e / e.sum() - y}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_draws_recomputes_and_covers_the_table(difficulty, mode):
    options = resolve_options("gates", difficulty, mode)  # gate: mixed
    rows = set()
    for seed in SEEDS:
        draw = draw_variant("gates", seed, options).draw
        rows.add(draw.params["gate"])
        expected = recompute(draw.params)
        assert [a.name for a in draw.answers] == list(expected)
        for a in draw.answers:
            np.testing.assert_allclose(np.array(a.value, dtype=float), expected[a.name], rtol=1e-9, atol=1e-9)
            assert all(e.precision == (EXACT if mode == "exact" else DECIMAL) for e in a.entries(draw.number_style))
            if mode != "calculator":
                assert all(isinstance(v, F) for v in np.asarray(a.value, dtype=object).flat)
        if draw.params["gate"] == "linear":  # ∂L/∂W has the shape of W
            assert np.shape(draw.answers[1].value) == np.shape(draw.params["W"])
        if draw.params["gate"] == "softmax_ce" and mode != "calculator":
            assert sum(F(v) for v in draw.params["yhat"]) == 1
    assert rows == set(gates.MIXED_ROWS[difficulty])  # every row the difficulty allows
    assert ("identity" in rows) == (difficulty == "easy")  # its answer is the printed δ: too little work


def test_same_seed_same_question():
    options = resolve_options("gates", "medium", "given")
    for seed in range(20):
        assert draw_variant("gates", seed, options).to_json() == draw_variant("gates", seed, options).to_json()
    assert draw_variant("gates", 1, options).to_json() != draw_variant("gates", 2, options).to_json()


# ---------------------------------------------------------------------------------------------
# Reject rules


@pytest.mark.parametrize("case, rule", [
    (lambda: gates.solve_elementwise_gate(vec(0, 2), vec(1, 1), "relu", "exact"), "no pre-activation at a ReLU kink"),
    (lambda: gates.solve_elementwise_gate(vec(-1, -2), vec(1, 1), "relu", "exact"), "no all-zero gradient"),
    (lambda: gates.solve_elementwise_gate(vec(5, 1), vec(1, 1), "sigmoid", "given"), "no saturated sigmoid or tanh"),
    (lambda: gates.solve_linear_gate(mat([[1, 2], [2, 4]]), None, vec(1, 1), vec(2, -1), "exact"),
     "no all-zero gradient"),  # Wᵀδ = 0
    (lambda: gates.solve_linear_gate(mat([[1, 0], [2, 0]]), None, vec(1, 1), vec(2, -1), "exact"), RULE_ZERO_LINE),
    (lambda: gates.solve_linear_gate(mat([[3, 0], [0, 2]]), None, vec(1, 1), vec(2, -1), "exact"), RULE_DIAGONAL),
    (lambda: gates.solve_linear_gate(mat([[3, 1], [0, 2]]), vec(0, 0), vec(1, 1), vec(2, -1), "exact"),
     RULE_ZERO_BIAS),
    (lambda: gates.solve_identity_gate(vec(0, 0), vec(1, 2), "exact"), RULE_ZERO_VECTOR),
    (lambda: gates.solve_identity_gate(vec(1, 2), vec(0, 0), "exact"), "no all-zero gradient"),
    (lambda: gates.solve_softmax_ce(None, vec(F(19, 20), F(1, 40), F(1, 40)), 0, "exact"), "no near-one-hot softmax"),
    (lambda: gates.solve_softmax_ce(vec(4, -2, -2), None, 0, "given"), "no near-one-hot softmax"),
])
def test_reject_rules_fire(case, rule):
    with pytest.raises(Redraw) as e:
        case()
    assert e.value.rule == rule


# ---------------------------------------------------------------------------------------------
# Options


@pytest.mark.parametrize("overrides, mode, words", [
    ({"gate": "conv"}, "exact", ["gates option gate", "linear, identity, elementwise, softmax_ce, mixed"]),
    ({"activation": "softplus"}, "exact", ["gates option activation"]),
    ({"activation": "tanh"}, "exact", ["gates option activation", "mode given or calculator"]),
    ({"gate": "elementwise", "activation": "relu"}, "given", ["gates option activation", "mode exact"]),
    ({"layers": "2"}, "exact", ["gates option layers", "unknown option"]),
    ({"n": "9"}, "exact", ["gates option n", "from 2 to 5"]),
    ({"gate": "identity", "m": "3"}, "exact", ["gates option m", "set n only"]),
    ({"bias": "perhaps"}, "exact", ["gates option bias"]),
])
def test_bad_options_name_the_option(overrides, mode, words):
    with pytest.raises(QgenError) as e:
        resolve_options("gates", "easy", mode, overrides)
    for word in words:
        assert word in str(e.value)


def test_activation_is_free_when_no_elementwise_gate_is_drawn():
    assert resolve_options("gates", "easy", "exact", {"gate": "linear", "activation": "tanh"})["gate"] == "linear"
    options = resolve_options("gates", "easy", "exact", {"gate": "elementwise", "activation": "identity"})
    draw = draw_variant("gates", 5, options).draw
    assert draw.params["activation"] == "identity" and np.asarray(draw.answers[0].value).tolist() == [1, 1]


# ---------------------------------------------------------------------------------------------
# The oracle refuses a wrong engine


class TransposedLinear(Linear):
    def param_grads(self, x, delta):
        return {"W": np.outer(x, delta), "b": delta.copy()}  # xδᵀ: the classic slip


class UntransposedLinear(Linear):
    def vjp(self, x, delta):
        return self.W @ delta  # W δ instead of Wᵀδ


@pytest.mark.parametrize("wrong", [TransposedLinear, UntransposedLinear])
def test_oracle_catches_a_wrong_linear_gate(monkeypatch, wrong):
    monkeypatch.setattr(gates, "Linear", wrong)
    with pytest.raises(VerificationError):
        gates.solve_linear_gate(mat([[1, 2], [0, -1]]), vec(1, 0), vec(3, 1), vec(1, 2), "exact")


def test_oracle_refuses_printed_softmax_far_from_the_truth(monkeypatch):
    monkeypatch.setattr(gates, "_largest_remainder", lambda p: vec(F(1, 2), F(1, 4), F(1, 4)))
    with pytest.raises(VerificationError):
        gates.solve_softmax_ce(vec(1, 0, F(-1, 2)), None, 0, "given")  # truth (0.63, 0.23, 0.14)


# ---------------------------------------------------------------------------------------------
# Templates: the sheet shows only givens; the key names the row and boxes every answer


def _render(draw, side):
    context = draw.question if side == "question" else draw.solution
    return render(f"kinds/gates_{side}.tex", d=context, number_style=draw.number_style, diagram=None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("gate", gates.GATES)
def test_templates(gate, mode):
    options = resolve_options("gates", "medium", mode, {"gate": gate})
    for seed in range(10):
        draw = draw_variant("gates", seed, options).draw
        question, key = _render(draw, "question"), _render(draw, "solution")
        assert "\\boxed" not in question
        assert key.count("\\boxed") >= len(draw.answers)
        assert "row" in key  # the key names the row of the note's table
        if gate == "softmax_ce":
            assert ("given directly" in question) == (mode == "exact")


def test_a_gate_without_bias_prints_no_b():
    options = resolve_options("gates", "easy", "exact", {"gate": "linear"})  # easy: bias off
    for seed in range(20):
        draw = draw_variant("gates", seed, options).draw
        question, key = _render(draw, "question"), _render(draw, "solution")
        assert "+ b" not in question and "b =" not in question and "partial L/\\partial b" not in question
        assert "pd{L}{b}" not in key and "dL/db" not in [a.name for a in draw.answers]


# ---------------------------------------------------------------------------------------------
# One structure for a class (issue 7 §1), more work with the difficulty, no degenerate draws (§4)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_class_options_give_every_student_the_same_structure(difficulty, mode):
    options = resolve_options("gates", difficulty, mode)  # gate: mixed
    assert len(class_choices("gates", options, "gate")) > 1  # the class draw itself still varies the row


def test_class_options_keep_what_the_user_set():
    options = resolve_options("gates", "hard", "given", {"gate": "softmax_ce", "n": "5"})
    shared = gates.class_options(np.random.default_rng(0), options)
    assert (shared["gate"], shared["n"]) == ("softmax_ce", 5)
    assert len(draw_variant("gates", 1, shared).draw.params["y"]) == 5
    for seed in range(50):  # exact: ŷ as simple fractions, for 5 classes too
        exact = resolve_options("gates", "easy", "exact", {"gate": "softmax_ce", "n": "5"})
        yhat = draw_variant("gates", seed, exact).draw.params["yhat"]
        assert len(yhat) == 5 and sum(F(v) for v in yhat) == 1


def _draws(difficulty, mode, count=300):
    options = resolve_options("gates", difficulty, mode)
    return [draw_variant("gates", seed, options).draw for seed in range(count)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_no_degenerate_draws(difficulty, mode):
    for draw in _draws(difficulty, mode):
        p = draw.params
        if p["gate"] == "linear":
            W = _numbers(p["W"])
            assert all(W.any(axis=1)) and all(W.any(axis=0)), "an all-zero row or column of W"
            assert W.shape[0] != W.shape[1] or (W - np.diag(np.diag(W))).any(), "a diagonal W"
            assert all(_numbers(p["x"])), "an x with a zero entry"
            assert (p["b"] is not None) == (difficulty != "easy")  # the bias follows the difficulty
            assert p["b"] is None or _numbers(p["b"]).any(), "a printed bias that is all zero"
        if p["gate"] == "identity":
            assert _numbers(p["x"]).any(), "an all-zero x"


@pytest.mark.parametrize("mode", MODES)
def test_work_grows_with_the_difficulty(mode):
    """Before, medium and hard drew the identity gate (answer: the printed δ) a quarter of the time."""
    def entries(difficulty):
        return np.mean([sum(np.asarray(a.value, dtype=object).size for a in d.answers)
                        for d in _draws(difficulty, mode, 150)])

    easy, medium, hard = entries("easy"), entries("medium"), entries("hard")
    assert easy < medium < hard
