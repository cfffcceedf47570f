"""The `mlp` kind: a hand-checked case, every drawn answer recomputed independently from the drawn
parameters, every difficulty × mode, determinism, reject rules, option errors, the diagram."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from qgen.answers import DECIMAL, EXACT
from qgen.errors import QgenError
from qgen.kinds import base, mlp
from qgen.kinds.base import DIFFICULTIES, Redraw
from qgen.randomiser import draw_variant, resolve_options
from qgen.render import render

F = Fraction
SEEDS = range(200)


def answers(draw) -> dict:
    return {a.name: a for a in draw.answers}


def values(answer) -> list:
    return list(np.ravel(np.asarray(answer.value, dtype=object)))


# ---------------------------------------------------------------------------------------------
# An independent recomputation from the drawn parameters (plain Python, no engine code).


def num(text: str, exact: bool):
    return F(text) if exact else float(F(text))


def act(name, z, alpha):
    if name == "identity":
        return z
    if name == "relu":
        return z if z > 0 else 0 * z
    if name == "leaky_relu":
        return z if z > 0 else alpha * z
    if name == "sigmoid":
        return 1 / (1 + math.exp(-z))
    return math.tanh(z)


def act_prime(name, z, a, alpha):
    """From z (piecewise-linear ones) or from the value a (σ' = a(1 − a), tanh' = 1 − a²)."""
    if name == "identity":
        return 1
    if name in ("relu", "leaky_relu"):
        return 1 if z > 0 else (0 if name == "relu" else alpha)
    return a * (1 - a) if name == "sigmoid" else 1 - a * a


def matvec(W, v):
    return [sum(w * x for w, x in zip(row, v)) for row in W]


def recompute(p: dict, exact: bool) -> dict:
    """Forward, loss, backward and SGD step, by hand-written loops from `params`."""
    n = lambda t: num(t, exact)  # noqa: E731
    x = [n(t) for t in p["x"]]
    Ws = [[[n(t) for t in row] for row in W] for W in p["W"]]
    bs = [None if b is None else [n(t) for t in b] for b in p["b"]]
    y = [n(t) for t in p["y"]]
    eta = n(p["learning_rate"])
    alpha = n(p["alpha"]) if p["alpha"] else None
    printed = {k: [n(t) for t in v] for k, v in p["printed"].items()}
    acts, count = p["activations"], len(p["activations"])

    out, a_list, z_list = {}, [x], []
    for l in range(1, count + 1):
        z = matvec(Ws[l - 1], a_list[-1])
        if bs[l - 1] is not None:
            z = [zi + bi for zi, bi in zip(z, bs[l - 1])]
        a = printed.get(f"a{l}") or [act(acts[l - 1], zi, alpha) for zi in z]
        z_list.append(z)
        a_list.append(a)
        out[f"z{l}"], out[f"a{l}"] = z, a
    last = a_list[-1]
    if p["loss"] == "half_sse":
        yhat = last
        out["L"] = sum((u - v) ** 2 for u, v in zip(yhat, y)) / 2
        out["dL/dyhat"] = [u - v for u, v in zip(yhat, y)]
        g = out["dL/dyhat"]
        start = count
    else:
        if "yhat" in printed:
            yhat = printed["yhat"]
        else:
            e = [math.exp(v - max(last)) for v in last]
            yhat = [v / sum(e) for v in e]
        out["L"] = -math.log(float(yhat[y.index(1)]))
        out[f"delta{count}"] = [u - v for u, v in zip(yhat, y)]
        start = count - 1
    out["yhat"] = yhat

    for l in range(count, 0, -1):
        if l <= start:
            da = g
            out[f"delta{l}"] = [act_prime(acts[l - 1], zi, ai, alpha) * gi
                                for zi, ai, gi in zip(z_list[l - 1], a_list[l], da)]
        delta = out[f"delta{l}"]
        out[f"dL/dW{l}"] = [[d * ai for ai in a_list[l - 1]] for d in delta]
        out[f"dL/db{l}"] = delta
        W = Ws[l - 1]
        g = [sum(W[i][j] * delta[i] for i in range(len(delta))) for j in range(len(W[0]))]
        if l > 1:
            out[f"dL/da{l - 1}"] = g
        out[f"updated W{l}"] = [[w - eta * d for w, d in zip(row, drow)] for row, drow in zip(W, out[f"dL/dW{l}"])]
        if bs[l - 1] is not None:
            out[f"updated b{l}"] = [b - eta * d for b, d in zip(bs[l - 1], delta)]
    out["dL/dx"] = g  # W1ᵀ δ1, asked at medium and hard
    return out


def assert_matches(draw, mode: str):
    exact = mode != "calculator"
    expected = recompute(draw.params, exact)
    for name, answer in answers(draw).items():
        got = values(answer)
        want = list(np.ravel(np.asarray(expected[name], dtype=object)))
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            if exact and isinstance(g, Fraction):
                assert g == w, (name, got, want)  # exact keys are exactly right
            else:
                assert float(g) == pytest.approx(float(w), abs=1e-9), (name, got, want)


# ---------------------------------------------------------------------------------------------
# A fixed case checked by hand.


def fixed_draw(monkeypatch, x, Ws, bs, y, **overrides):
    """Draw with preset numbers: _entry yields x, then each W row by row, then each b."""
    queue = [F(v) for v in x] + [F(v) for W in Ws for row in W for v in row] + [F(v) for b in bs for v in b]
    it = iter(queue)
    monkeypatch.setattr(mlp, "_entry", lambda *args: next(it))
    monkeypatch.setattr(mlp, "_target", lambda *args: [F(v) for v in y])
    options = resolve_options("mlp", "easy", "exact", {"inactive": "any", **overrides})  # the numbers as given
    return mlp.draw(np.random.default_rng(0), options)


def test_hand_checked_relu_network(monkeypatch):
    # z1 = W1 x + b1 = [1·1 − 1·2 + 0, 2·1 + 0·2 + 1] = [−1, 3]; a1 = [0, 3]; ŷ = z2 = 1·0 + 2·3 + 1 = 7
    # L = ½(7 − 5)² = 2; δ2 = 2; ∂L/∂W2 = δ2 a1ᵀ = [0, 6]; ∂L/∂a1 = W2ᵀδ2 = [2, 4]; δ1 = [0, 4] (mask 0, 1)
    # ∂L/∂W1 = δ1 xᵀ = [[0, 0], [4, 8]]; η = 1/2: W1 ← [[1, −1], [0, −4]], b1 ← [0, −1], W2 ← [[1, −1]], b2 ← [0]
    draw = fixed_draw(monkeypatch, [1, 2], [[[1, -1], [2, 0]], [[1, 2]]], [[0, 1], [1]], [5],
                      sizes="2-2-1", learning_rate="1/2")
    got = {name: values(a) for name, a in answers(draw).items()}
    assert got["z1"] == [-1, 3] and got["a1"] == [0, 3] and got["z2"] == [7] and got["yhat"] == [7]
    assert got["L"] == [2] and got["dL/dyhat"] == [2] and got["delta2"] == [2]
    assert got["dL/dW2"] == [0, 6] and got["dL/db2"] == [2] and got["dL/da1"] == [2, 4]
    assert got["delta1"] == [0, 4] and got["dL/dW1"] == [0, 0, 4, 8] and got["dL/db1"] == [0, 4]
    assert got["updated W1"] == [1, -1, 0, -4] and got["updated b1"] == [0, -1]
    assert got["updated W2"] == [1, -1] and got["updated b2"] == [0]
    assert np.shape(answers(draw)["dL/dW1"].value) == (2, 2)
    assert draw.number_style == "fraction" and all(e.precision == EXACT for a in draw.answers for e in a.entries("fraction"))

    key = render("kinds/mlp_solution.tex", d=draw.solution, diagram=None, number_style="fraction")
    assert r"\operatorname{Diag}\left[0, 1\right]" in key  # the ReLU mask written out
    assert r"(2\times 1)(1\times 2) = 2\times 2" in key  # the shape check of ∂L/∂W1
    assert key.count(r"\boxed") >= 15


def test_hand_checked_leaky_fractions(monkeypatch):
    # z1 = [−2]; a1 = α·(−2) = −1/5; ŷ = 3·(−1/5) = −3/5; L = ½(−3/5 − 1)² = 32/25
    # δ2 = −8/5; ∂L/∂W2 = δ2 a1 = 8/25; ∂L/∂a1 = 3·(−8/5) = −24/5; δ1 = α·(−24/5) = −12/25; ∂L/∂W1 = δ1·2 = −24/25
    draw = fixed_draw(monkeypatch, [2], [[[-1]], [[3]]], [], [1], sizes="1-1-1", activation="leaky_relu",
                      bias="no", learning_rate="1/10")
    got = {name: values(a) for name, a in answers(draw).items()}
    assert got["a1"] == [F(-1, 5)] and got["yhat"] == [F(-3, 5)] and got["L"] == [F(32, 25)]
    assert got["dL/dW2"] == [F(8, 25)] and got["dL/da1"] == [F(-24, 5)] and got["delta1"] == [F(-12, 25)]
    assert got["dL/dW1"] == [F(-24, 25)] and got["updated W1"] == [F(-1) + F(24, 250)]
    assert "dL/db1" not in got and draw.params["alpha"] == "0.1"


# ---------------------------------------------------------------------------------------------
# Every difficulty × mode draws, passes the oracle (inside draw), and matches the recomputation.

CASES = [("exact", {}), ("given", {}), ("calculator", {}),
         ("given", {"activation": "sigmoid", "loss": "softmax_ce", "sizes": "2-3-2"}),
         ("given", {"activation": "tanh"}),
         ("calculator", {"activation": "sigmoid", "loss": "softmax_ce", "sizes": "3-3-2"}),
         ("exact", {"activation": "leaky_relu"})]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("mode,overrides", CASES)
def test_every_difficulty_and_mode_draws_and_matches(difficulty, mode, overrides):
    options = resolve_options("mlp", difficulty, mode, overrides)
    for seed in SEEDS:
        draw = draw_variant("mlp", seed, options).draw
        assert_matches(draw, mode)
        for name, a in answers(draw).items():
            assert all(abs(float(v)) <= mlp.LIMIT for v in values(a)), name
        if mode == "exact":
            assert all(isinstance(v, Fraction) and v.denominator <= mlp.MAX_DENOMINATOR
                       for a in draw.answers for v in values(a))


def test_given_mode_prints_rounded_values_and_softmax_sums_to_one():
    options = resolve_options("mlp", "medium", "given", {"activation": "sigmoid", "loss": "softmax_ce"})
    for seed in range(50):
        draw = draw_variant("mlp", seed, options).draw
        p = draw.params
        yhat = [F(t) for t in p["printed"]["yhat"]]
        assert sum(yhat) == 1 and all((v * 100).denominator == 1 for v in yhat)
        a1 = [F(t) for t in p["printed"]["a1"]]
        z1 = values(answers(draw)["z1"])
        assert all(abs(float(a) - 1 / (1 + math.exp(-float(z)))) <= 0.005 + 1e-12 for a, z in zip(a1, z1))
        # printed values are given, never asked
        assert "a1" not in answers(draw) and "yhat" not in answers(draw)
        assert draw.number_style == "decimal" and answers(draw)["L"].entries("decimal")[0].precision == DECIMAL
        assert all(mlp._places(v) <= mlp.MAX_PLACES for a in draw.answers for v in values(a) if isinstance(v, Fraction))


def test_calculator_mode_inputs_have_two_decimals_and_a_tolerance_note():
    options = resolve_options("mlp", "medium", "calculator", {})
    draw = draw_variant("mlp", 3, options).draw
    inputs = draw.params["x"] + [t for W in draw.params["W"] for row in W for t in row]
    assert all((F(t) * 100).denominator == 1 for t in inputs)
    assert draw.number_style == "rounded" and all(e.precision == DECIMAL for a in draw.answers for e in a.entries("rounded"))
    assert draw.notes and "4 decimals" in draw.notes[0]


def test_same_seed_same_question():
    options = resolve_options("mlp", "hard", "given", {"activation": "sigmoid", "loss": "softmax_ce"})
    first, again = draw_variant("mlp", 1234, options).draw, draw_variant("mlp", 1234, options).draw
    assert first.params == again.params
    assert [a.to_json(first.number_style) for a in first.answers] == [a.to_json(again.number_style) for a in again.answers]
    assert draw_variant("mlp", 1235, options).draw.params != first.params


# ---------------------------------------------------------------------------------------------
# Reject rules, forced.


@pytest.mark.parametrize("x,Ws,bs,y,overrides,rule", [
    ([1, 1], [[[1, -1], [1, 1]], [[1, 1]]], [[0, 1], [1]], [0], {}, "no pre-activation at a ReLU kink"),
    ([1, 1], [[[1, 0], [0, 1]], [[1, 1]]], [[1, 0], [1]], [4], {}, "no all-zero gradient"),  # output = target
    ([1, 1], [[[-1, -1], [-1, -2]], [[1, 1]]], [[1, 0], [1]], [0], {}, "at least half of a ReLU layer active"),
    ([2, 2], [[[2, 2], [2, 2]], [[2, 2]]], [[2, 2], [2]], [0], {}, "answers of bounded size"),
    ([2, 2], [[[2, 2], [1, 1]], [[1, 1]]], [[1, 0], [1]], [0], {"activation": "sigmoid"}, "no saturated sigmoid"),
    ([2, 2], [[[2, 2], [1, 0]], [[1, 1], [-1, -1]]], [[1, 0], [1, 0]], [1, 0],
     {"loss": "softmax_ce", "sizes": "2-2-2"}, "no near-one-hot softmax"),
    # the seed 380: row 2 of W1 and W2 zero, so ŷ2 is constant
    ([1, 2], [[[1, 2], [0, 0]], [[1, 1], [0, 0]]], [[1, 1], [1, 1]], [1, 0], {"sizes": "2-2-2"},
     base.RULE_ZERO_LINE),
    ([1, 2], [[[1, 0], [2, 0]], [[1, 1]]], [[1, 1], [1]], [1], {}, base.RULE_ZERO_LINE),  # x2 ignored
    ([0, 0], [[[1, 2], [2, 1]], [[1, 1]]], [[1, 1], [1]], [1], {}, base.RULE_ZERO_VECTOR),
    ([1, 2], [[[1, 2], [2, 1]], [[1, 1]]], [[0, 0], [1]], [1], {}, base.RULE_ZERO_BIAS),
    ([1, 2], [[[1, 2], [2, 1]], [[1, 1]]], [[1, 0], [0]], [1], {}, base.RULE_ZERO_BIAS),  # b2 = [0] does nothing
    ([1, 2], [[[1, 2], [2, 1]], [[1, 1], [1, -1]]], [[1, 1], [1, 1]], [12, 0], {"sizes": "2-2-2"},
     mlp.RULE_OUTPUT_DELTA),  # ŷ = [12, 2]: the first output is at its target
])
def test_reject_rules_fire(monkeypatch, x, Ws, bs, y, overrides, rule):
    queue = [F(v) for v in x] + [F(v) for W in Ws for row in W for v in row] + [F(v) for b in bs for v in b]
    it = iter(queue)
    monkeypatch.setattr(mlp, "_entry", lambda *args: next(it))
    monkeypatch.setattr(mlp, "_target", lambda *args: [F(v) for v in y])
    mode = "given" if {"activation", "loss"} & set(overrides) else "exact"
    options = resolve_options("mlp", "easy", mode, {"inactive": "any", **overrides})  # the numbers as given
    with pytest.raises(Redraw) as e:
        mlp.draw(np.random.default_rng(0), options)
    assert e.value.rule == rule


def test_largest_remainder_sums_to_one():
    p = np.array([0.333, 0.333, 0.334])
    printed = mlp._largest_remainder(p)
    assert sum(printed) == 1 and sorted(printed) == [F(33, 100), F(33, 100), F(34, 100)]
    printed = mlp._largest_remainder(np.array([0.126, 0.126, 0.748]))
    assert sum(printed) == 1 and all(abs(float(a) - b) < 0.01 for a, b in zip(printed, [0.126, 0.126, 0.748]))


# ---------------------------------------------------------------------------------------------
# Options.


@pytest.mark.parametrize("mode,overrides,option", [
    ("exact", {"sizes": "2-5-1"}, "sizes"),
    ("exact", {"sizes": "2-2-2-2-2"}, "sizes"),
    ("exact", {"sizes": "two"}, "sizes"),
    ("exact", {"activation": "softplus"}, "activation"),
    ("exact", {"activation": "sigmoid"}, "activation"),
    ("exact", {"output_activation": "tanh"}, "output_activation"),
    ("exact", {"loss": "softmax_ce", "sizes": "2-2-2"}, "loss"),
    ("given", {"loss": "softmax_ce"}, "sizes"),  # easy: one output
    ("given", {"loss": "softmax_ce", "sizes": "2-2-2", "output_activation": "sigmoid"}, "output_activation"),
    ("given", {"activation": "sigmoid", "sizes": "2-2-2-1"}, "activation"),
    ("given", {"activation": "relu", "output_activation": "tanh", "sizes": "2-2-1"}, None),  # allowed
    ("exact", {"learning_rate": "0"}, "learning_rate"),
    ("exact", {"bias": "maybe"}, "bias"),
])
def test_option_errors_name_the_option(mode, overrides, option):
    if option is None:
        resolve_options("mlp", "easy", mode, overrides)
        return
    with pytest.raises(QgenError, match=f"mlp option {option}:"):
        resolve_options("mlp", "easy", mode, overrides)


def test_exact_mode_smooth_error_suggests_given_mode():
    with pytest.raises(QgenError, match="--mode given"):
        resolve_options("mlp", "medium", "exact", {"activation": "tanh"})
    with pytest.raises(QgenError, match="--mode given"):
        resolve_options("mlp", "medium", "exact", {"loss": "softmax_ce"})


def test_defaults_per_difficulty():
    assert resolve_options("mlp", "easy")["sizes"] == (2, 2, 1)
    assert resolve_options("mlp", "medium")["sizes"] == (2, 3, 2)
    hard = resolve_options("mlp", "hard")
    assert hard["sizes"] == (3, 3, 2) and hard["learning_rate"] == F(1, 10) and hard["activation"] == "relu"
    assert resolve_options("mlp", "easy", overrides={"sizes": "3-4-2"})["sizes"] == (3, 4, 2)
    assert str(resolve_options("mlp", "medium")["sizes"]) == "2-3-2"  # as answers.json shows the options


# ---------------------------------------------------------------------------------------------
# The diagram and the two renders.


def test_diagram_depends_only_on_the_shape():
    options = resolve_options("mlp", "medium", "exact", {})
    diagrams = {draw_variant("mlp", seed, options).draw.diagram for seed in range(20)}
    assert len(diagrams) == 1
    source = diagrams.pop()
    assert source.lstrip().startswith(r"\begin{tikzpicture}") and r"\documentclass" not in source
    assert source.count(r"\draw[link]") == 2 * 3 + 3 * 2 + 2  # every connection, and outputs to the loss
    leaky = draw_variant("mlp", 0, resolve_options("mlp", "medium", "exact", {"activation": "leaky_relu"})).draw
    assert leaky.diagram != source and "leaky ReLU" in leaky.diagram


def test_question_shows_only_givens_and_key_shows_every_step():
    options = resolve_options("mlp", "medium", "given", {"activation": "sigmoid", "loss": "softmax_ce"})
    draw = draw_variant("mlp", 7, options).draw
    question = render("kinds/mlp_question.tex", d=draw.question, diagram="pic.pdf", number_style="decimal")
    key = render("kinds/mlp_solution.tex", d=draw.solution, diagram=None, number_style="decimal")
    assert r"\includegraphics{pic.pdf}" in question and r"\boxed" not in question
    assert not {"work", "L", "yhat", "residual"} & set(draw.question)
    for text in (r"\hat y - y", r"\operatorname{Diag}", r"W^{[2]\mathsf{T}}\delta^{[2]}", r"\leftarrow",
                 "shape of", "row", r"-\ln"):
        assert text in key, text


# ---------------------------------------------------------------------------------------------
# No degenerate draws, and one structure for a class.


def matrix(rows) -> np.ndarray:
    return np.array([[F(t) for t in row] for row in rows], dtype=object)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("mode", ["exact", "given", "calculator"])
def test_no_idle_numbers_in_many_draws(difficulty, mode):
    """The issue's rates were 70-94% of exact variants with a zero weight and 9-19% with a whole
    zero row. Now: no zero row or column, no zero x, no all-zero bias, no output δ entry 0, hidden
    layers 2 wide or more, and a zero weight in well under half of the variants."""
    options = resolve_options("mlp", difficulty, mode)
    with_zero_weight = 0
    for seed in range(150):
        draw = draw_variant("mlp", seed, options).draw
        p = draw.params
        assert all(values(answers(draw)[f"delta{len(p['sizes']) - 1}"]))  # no output at its target
        assert min(p["sizes"][1:-1]) >= 2
        assert any(F(t) for t in p["x"])
        for W in map(matrix, p["W"]):
            assert all(any(row) for row in W) and all(any(col) for col in W.T), p["W"]
        assert all(any(F(t) for t in b) for b in p["b"]), p["b"]
        with_zero_weight += any(F(t) == 0 for W in p["W"] for row in W for t in row)
    assert with_zero_weight <= 0.45 * 150


def test_class_options_fix_the_structure_and_draw_numbers_per_student():
    options = resolve_options("mlp", "hard", "given", {"activation": "sigmoid", "loss": "softmax_ce"})
    shared = mlp.class_options(np.random.default_rng(1), options)
    assert mlp.class_options(np.random.default_rng(2), shared) == shared  # idempotent
    assert {k: shared[k] for k in ("sizes", "activation", "output_activation", "loss", "bias", "learning_rate")} \
        == {k: options[k] for k in ("sizes", "activation", "output_activation", "loss", "bias", "learning_rate")}
    draws = [draw_variant("mlp", seed, shared).draw for seed in range(40)]
    shapes = {tuple((a.name, np.shape(a.value)) for a in d.answers) for d in draws}
    assert len(shapes) == 1  # every student: the same answers, of the same shapes
    assert len({str(d.params["W"]) for d in draws}) == 40  # and numbers of their own


def test_given_mode_without_printed_values_prints_no_heading_for_them():
    """Issue 7 §6: relu hidden, identity output, half_sse in given mode printed "Printed values
    (rounded to 2 decimals): use exactly these, …" followed by nothing."""
    plain = draw_variant("mlp", 408, resolve_options("mlp", "hard", "given")).draw
    sheet = render("kinds/mlp_question.tex", d=plain.question, diagram=None, number_style="decimal")
    assert "Printed values" not in sheet and "need not be recomputed" not in sheet
    smooth = draw_variant("mlp", 408, resolve_options("mlp", "hard", "given", {"activation": "tanh"})).draw
    sheet = render("kinds/mlp_question.tex", d=smooth.question, diagram=None, number_style="decimal")
    assert "Printed values" in sheet and r"a^{[1]} = \tanh(z^{[1]})" in sheet
