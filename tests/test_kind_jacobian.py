"""The `jacobian` kind: hand-checked cases (the note's composition among them), every difficulty ×
mode drawn and recomputed independently, determinism, the reject rules, option errors, the oracle
catching a wrong engine, and what the two templates show."""

from fractions import Fraction as F

import numpy as np
import pytest

from exact import mat, vec
from gradcheck import assert_jacobian
from structure import class_choices
from qgen.answers import DECIMAL, EXACT
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.kinds import jacobian
from qgen.kinds.base import (
    DIFFICULTIES, MODES, RULE_DIAGONAL, RULE_ZERO_BIAS, RULE_ZERO_LINE, RULE_ZERO_VECTOR, Redraw,
)
from qgen.randomiser import draw_variant, resolve_options
from qgen.render import render

SEEDS = range(200)


def answers(case):
    return {name: value for name, _, value in case[2]}


def as_list(a):
    return np.asarray(a, dtype=object).tolist()


# ---------------------------------------------------------------------------------------------
# Hand-checked cases


def test_linear_by_hand():
    W, b, x = mat([[2, -1], [0, 3], [1, 1]]), vec(1, -2, 0), vec(3, 1)
    a = answers(jacobian.solve_linear(W, b, x, "exact"))
    assert as_list(a["dz/dx"]) == as_list(W)  # ∂(Wx + b)/∂x = W, 3×2
    assert as_list(a["z"]) == [6, 1, 4]  # 6 − 1 + 1, 0 + 3 − 2, 3 + 1


def test_elementwise_relu_and_leaky_by_hand():
    a = answers(jacobian.solve_elementwise(vec(2, -1, 3), "relu", "exact"))
    assert as_list(a["dz/dx"]) == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert as_list(a["z"]) == [2, 0, 3]
    a = answers(jacobian.solve_elementwise(vec(-2, 1), "leaky_relu", "exact"))
    assert as_list(a["dz/dx"]) == [[F(1, 10), 0], [0, 1]]
    assert as_list(a["z"]) == [F(-1, 5), 1]


def test_given_sigmoid_derivative_comes_from_the_printed_values():
    given, worked, ans = jacobian.solve_elementwise(vec(1, F(-1, 2)), "sigmoid", "given")
    # σ(1) = 0.7311 → 0.73, σ(−0.5) = 0.3775 → 0.38; σ' = p(1 − p) from those.
    assert as_list(given["printed"]) == [F(73, 100), F(38, 100)]
    assert as_list(dict((n, v) for n, _, v in ans)["dz/dx"]) == [[F(1971, 10000), 0], [0, F(2356, 10000)]]
    assert "z" not in answers((given, worked, ans))  # printed on the sheet, so not asked


def test_the_notes_composition_by_hand():
    """f(x) = LReLU(wx + b), g(y) = LReLU(Vy + c) at x = 1, α = 1/10:
    s = (3, −1), f = (3, −1/10); t = (14/5, −21/10), g = (14/5, −21/100);
    ∂f/∂x = Diag[1, 1/10] w = (2, −1/10); ∂g/∂f = Diag[1, 1/10] V; ∂g/∂x = (9/5, −21/100)."""
    w, b, V, c = mat([[2], [-1]]), vec(1, 0), mat([[1, 2], [-1, 1]]), vec(0, 1)
    given, worked, ans = jacobian.solve_composition(vec(1), w, b, V, c, "leaky_relu", "exact")
    a = answers((given, worked, ans))
    assert as_list(a["f"]) == [3, F(-1, 10)]
    assert as_list(a["g"]) == [F(14, 5), F(-21, 100)]
    assert as_list(a["df/dx"]) == [[2], [F(-1, 10)]]
    assert as_list(a["dg/df"]) == [[1, 2], [F(-1, 10), F(1, 10)]]
    assert as_list(a["dg/dx"]) == [[F(9, 5)], [F(-21, 100)]]
    # The note's entrywise form: ∂g_i/∂x = Σ_k ∂g_i/∂f_k ∂f_k/∂x.
    for i in range(2):
        assert a["dg/dx"][i][0] == sum(a["dg/df"][i][k] * a["df/dx"][k][0] for k in range(2))
    assert worked["s"].tolist() == [3, -1] and worked["t"].tolist() == [F(14, 5), F(-21, 10)]


def test_given_mode_composition_has_a_linear_f_and_a_printed_g():
    w, b, V = mat([[2], [-1]]), vec(0, 1), mat([[1, -1], [2, 1]])
    given, worked, ans = jacobian.solve_composition(vec(F(1, 2)), w, b, V, None, "sigmoid", "given")
    a = answers((given, worked, ans))
    # f = (1, 1/2), t = (1/2, 5/2), σ(t) printed (0.62, 0.92), σ' = (0.2356, 0.0736).
    assert given["f_linear"] and as_list(a["f"]) == [1, F(1, 2)]
    assert as_list(given["printed_g"]) == [F(62, 100), F(92, 100)]
    assert as_list(a["df/dx"]) == [[2], [-1]]
    assert as_list(a["dg/df"]) == [[F(2356, 10000), F(-2356, 10000)], [F(1472, 10000), F(736, 10000)]]
    assert as_list(a["dg/dx"]) == [[F(7068, 10000)], [F(2208, 10000)]]


# ---------------------------------------------------------------------------------------------
# Every difficulty × mode, with an independent recomputation from the printed parameters


def _numbers(a):
    """Draw.params numbers ("3/2", 0.25) back to floats."""
    if isinstance(a, list):
        return np.array([_numbers(v) for v in a], dtype=float)
    return float(F(str(a)))


def _act(name, v, alpha):
    return {"identity": v, "relu": np.maximum(v, 0), "leaky_relu": np.where(v > 0, v, alpha * v),
            "sigmoid": 1 / (1 + np.exp(-v)), "tanh": np.tanh(v)}[name]


def _slope(name, v, alpha, printed):
    if printed is not None:
        return printed * (1 - printed) if name == "sigmoid" else 1 - printed ** 2
    s = 1 / (1 + np.exp(-v))
    return {"identity": np.ones_like(v), "relu": (v > 0) * 1.0, "leaky_relu": np.where(v > 0, 1.0, alpha),
            "sigmoid": s * (1 - s), "tanh": 1 - np.tanh(v) ** 2}[name]


def recompute(p):
    """The asked answers from Draw.params alone, with plain numpy and the test's own rules."""
    alpha = float(F(p["alpha"]))
    if p["form"] == "linear":
        W, x = _numbers(p["W"]), _numbers(p["x"])
        b = np.zeros(len(W)) if p["b"] is None else _numbers(p["b"])
        return {"dz/dx": W, "z": W @ x + b}
    if p["form"] == "elementwise":
        x, printed = _numbers(p["x"]), None if p["printed"] is None else _numbers(p["printed"])
        out = {"dz/dx": np.diag(_slope(p["activation"], x, alpha, printed))}
        if printed is None:
            out["z"] = _act(p["activation"], x, alpha)
        return out
    x, w, V = _numbers(p["x"]), _numbers(p["w"]), _numbers(p["V"])
    b = np.zeros(2) if p["b"] is None else _numbers(p["b"])
    c = np.zeros(2) if p["c"] is None else _numbers(p["c"])
    act = p["activation"]
    s = w @ x + b
    f = s if p["f_linear"] else _act(act, s, alpha)
    df_dx = w if p["f_linear"] else np.diag(_slope(act, s, alpha, None)) @ w
    t = V @ f + c
    printed = None if p["printed_g"] is None else _numbers(p["printed_g"])
    dg_df = np.diag(_slope(act, t, alpha, printed)) @ V
    out = {"f": f, "df/dx": df_dx, "dg/df": dg_df, "dg/dx": dg_df @ df_dx}
    if printed is None:
        out["g"] = _act(act, t, alpha)
        # and the composition against the shared gradient-check helper
        assert_jacobian(lambda v: _act(act, V @ _act(act, w @ v + b, alpha) + c, alpha), x, out["dg/dx"])
    return out


@pytest.mark.parametrize("form", ["default", "mixed"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_draws_and_recomputes(difficulty, mode, form):
    options = resolve_options("jacobian", difficulty, mode, {} if form == "default" else {"form": "mixed"})
    forms = set()
    for seed in SEEDS:
        draw = draw_variant("jacobian", seed, options).draw
        forms.add(draw.params["form"])
        expected = recompute(draw.params)
        assert {a.name for a in draw.answers} == set(expected)
        for a in draw.answers:
            # calculator keys are floats from the printed inputs; exact and given keys are rationals
            np.testing.assert_allclose(np.array(a.value, dtype=float), expected[a.name], rtol=1e-9, atol=1e-9)
            assert all(e.precision == (EXACT if mode == "exact" else DECIMAL) for e in a.entries(draw.number_style))
            if mode != "calculator":
                assert all(isinstance(v, F) for v in np.asarray(a.value, dtype=object).flat)
        assert draw.number_style == {"exact": "fraction", "given": "decimal", "calculator": "rounded"}[mode]
        assert bool(draw.notes) == (mode == "calculator")
    if form == "mixed":
        assert forms == set(jacobian.FORMS)
    else:
        assert forms == {{"easy": "elementwise", "medium": "linear", "hard": "composition"}[difficulty]}


def test_same_seed_same_question():
    options = resolve_options("jacobian", "hard", "exact", {"form": "mixed"})
    for seed in range(20):
        one, two = draw_variant("jacobian", seed, options), draw_variant("jacobian", seed, options)
        assert one.to_json() == two.to_json()
    assert draw_variant("jacobian", 1, options).to_json() != draw_variant("jacobian", 2, options).to_json()


# ---------------------------------------------------------------------------------------------
# Reject rules


@pytest.mark.parametrize("case, rule", [
    (lambda: jacobian.solve_elementwise(vec(0, 1), "relu", "exact"), "no pre-activation at a ReLU kink"),
    (lambda: jacobian.solve_elementwise(vec(-1, -2), "relu", "exact"), "no all-zero Jacobian"),
    (lambda: jacobian.solve_elementwise(vec(5, 1), "sigmoid", "given"), "no saturated sigmoid or tanh"),
    (lambda: jacobian.solve_elementwise(vec(F(1, 2), 3), "tanh", "calculator"), "no saturated sigmoid or tanh"),
    (lambda: jacobian.solve_linear(mat([[0, 0], [1, 2]]), None, vec(1, 2), "exact"), RULE_ZERO_LINE),
    (lambda: jacobian.solve_linear(mat([[1, 0], [2, 0]]), None, vec(1, 2), "exact"), RULE_ZERO_LINE),
    (lambda: jacobian.solve_linear(mat([[2, 0], [0, -1]]), None, vec(1, 2), "exact"), RULE_DIAGONAL),
    (lambda: jacobian.solve_linear(mat([[2, 1], [0, -1]]), vec(0, 0), vec(1, 2), "exact"), RULE_ZERO_BIAS),
    (lambda: jacobian.solve_linear(mat([[2, 1], [0, -1]]), None, vec(0, 0), "exact"), RULE_ZERO_VECTOR),
    # t = Vf + c = (−1, −1): both ReLUs off, so ∂g/∂f = 0
    (lambda: jacobian.solve_composition(vec(1), mat([[1], [1]]), None, mat([[-1, 0], [0, -1]]), None,
                                        "relu", "exact"), "no all-zero Jacobian (dg/df)"),
    # f(x) = wx + b = 0 (seed 219's fault: tanh'(Vf + c) at f = 0 made the key trivial)
    (lambda: jacobian.solve_composition(vec(1), mat([[1], [-2]]), vec(-1, 2), mat([[1, 2], [-1, 1]]), vec(1, 1),
                                        "tanh", "given"), jacobian.RULE_ZERO_INNER),
    # V f(x) + c = 0: g's activation at 0, φ' a constant
    (lambda: jacobian.solve_composition(vec(1), mat([[1], [1]]), None, mat([[1, -1], [2, 1]]), vec(0, -3),
                                        "tanh", "given"), jacobian.RULE_ZERO_INNER),
    (lambda: jacobian.solve_composition(vec(1), mat([[1], [1]]), vec(0, 0), mat([[1, 2], [2, 1]]), vec(1, 1),
                                        "relu", "exact"), RULE_ZERO_BIAS),
    # s = wx + b = 0 at the ReLU
    (lambda: jacobian.solve_composition(vec(1), mat([[1], [2]]), vec(-1, 1), mat([[1, 1], [1, 1]]), None,
                                        "relu", "exact"), "no pre-activation at a ReLU kink"),
    (lambda: jacobian.make_draw({}, {}, [("z", "z", vec(41, 0))], "exact"), "answers of bounded size"),
])
def test_reject_rules_fire(case, rule):
    with pytest.raises(Redraw) as e:
        case()
    assert e.value.rule == rule


def test_relu_inputs_always_show_both_branches():
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = jacobian.pre_activation_vector(rng, "exact", "relu", 2)
        assert {v > 0 for v in x} == {True, False} and all(x)


# ---------------------------------------------------------------------------------------------
# Options


@pytest.mark.parametrize("overrides, mode, words", [
    ({"form": "cubic"}, "exact", ["jacobian option form", "linear, elementwise, composition, mixed"]),
    ({"activation": "softplus"}, "exact", ["jacobian option activation"]),
    ({"form": "elementwise", "activation": "sigmoid"}, "exact", ["option activation", "mode given or calculator"]),
    ({"form": "mixed", "activation": "relu"}, "given", ["option activation", "mode exact"]),
    ({"bias": "maybe"}, "exact", ["jacobian option bias"]),
    ({"n": "7"}, "exact", ["jacobian option n", "from 2 to 5"]),
    ({"m": "wide"}, "exact", ["jacobian option m", "auto or a whole number"]),
    ({"form": "composition", "n": "3"}, "exact", ["jacobian option n, m", "fixed"]),
    ({"form": "elementwise", "m": "3"}, "exact", ["jacobian option m", "set n only"]),
])
def test_bad_options_name_the_option(overrides, mode, words):
    with pytest.raises(QgenError) as e:
        resolve_options("jacobian", "easy", mode, overrides)
    for word in words:
        assert word in str(e.value)


def test_options_defaults_and_overrides():
    assert resolve_options("jacobian", "easy")["form"] == "elementwise"
    assert resolve_options("jacobian", "medium")["form"] == "linear"
    assert resolve_options("jacobian", "hard")["form"] == "composition"
    assert resolve_options("jacobian", "easy", "exact", {"bias": "yes"})["bias"] is True
    assert resolve_options("jacobian", "easy", "exact", {"n": "3"})["n"] == 3
    # the activation does not matter for z = Wx, so any mode goes
    assert resolve_options("jacobian", "medium", "given", {"activation": "relu"})["form"] == "linear"


# ---------------------------------------------------------------------------------------------
# The oracle refuses a wrong engine


def test_oracle_catches_a_wrong_product(monkeypatch):
    real = jacobian.chain_jacobians

    def doubled(gates, x):
        values, jacobians, product = real(gates, x)
        return values, jacobians, product * 2

    monkeypatch.setattr(jacobian, "chain_jacobians", doubled)
    with pytest.raises(VerificationError):
        jacobian.solve_linear(mat([[1, 2]]), None, vec(1, 1), "exact")


def test_oracle_refuses_a_printed_value_that_is_not_the_rounded_truth():
    with pytest.raises(VerificationError):
        jacobian.plain_activation("sigmoid", [1.0], [0.80])  # σ(1) = 0.7311


# ---------------------------------------------------------------------------------------------
# Templates: the sheet shows only givens; the key boxes every answer; the diagram is the form's


def _render(draw, side):
    context = draw.question if side == "question" else draw.solution
    return render(f"kinds/jacobian_{side}.tex", d=context, number_style=draw.number_style, diagram="chain.pdf")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("form", jacobian.FORMS)
def test_templates(form, mode):
    options = resolve_options("jacobian", "hard", mode, {"form": form})
    draws = [draw_variant("jacobian", seed, options).draw for seed in range(10)]
    for draw in draws:
        question, key = _render(draw, "question"), _render(draw, "solution")
        assert "\\boxed" not in question and "\\boxed" in key
        assert key.count("\\boxed") >= len(draw.answers)
        assert ("includegraphics" in question) == (form == "composition")
        assert "table" not in question and "row" in key  # the key names the table row it uses
    diagrams = {draw.diagram for draw in draws}
    assert diagrams == ({None} if form != "composition" else {jacobian.render("diagrams/chain.tex")})


# ---------------------------------------------------------------------------------------------
# One structure for a class (issue 7 §1), and no degenerate draws (§4)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_class_options_give_every_student_the_same_structure(difficulty, mode):
    options = resolve_options("jacobian", difficulty, mode, {"form": "mixed"})
    assert len(class_choices("jacobian", options, "form")) > 1  # the class draw itself still varies the form


def test_class_options_keep_what_the_user_set():
    options = resolve_options("jacobian", "medium", "exact", {"n": "4", "m": "2", "activation": "relu"})
    shared = jacobian.class_options(np.random.default_rng(0), options)
    assert (shared["form"], shared["n"], shared["m"]) == ("linear", 4, 2)
    draw = draw_variant("jacobian", 3, shared).draw
    assert np.shape(np.asarray(draw.params["W"])) == (4, 2)


def _draws(difficulty, mode, count=300):
    options = resolve_options("jacobian", difficulty, mode, {"form": "mixed"})
    return [draw_variant("jacobian", seed, options).draw for seed in range(count)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_no_degenerate_draws(difficulty, mode):
    """Before: easy had at most one nonzero x entry 30% of the time and a diagonal W, b = 0 was
    printed, and hard given seed 219 had f(x) = 0 (so tanh' = I)."""
    for draw in _draws(difficulty, mode):
        p = {k: None if v is None else np.array(_numbers(v)) if isinstance(v, list) else v
             for k, v in draw.params.items()}
        if p["form"] == "linear":
            W = p["W"]
            assert all(W.any(axis=1)) and all(W.any(axis=0)), "an all-zero row or column of W"
            assert W.shape[0] != W.shape[1] or (W - np.diag(np.diag(W))).any(), "a diagonal W"
            assert all(p["x"]), "an x with a zero entry"
            assert p["b"] is None or p["b"].any(), "a printed bias that is all zero"
            assert (p["b"] is not None) == p["bias"]
        elif p["form"] == "composition":
            f = recompute(draw.params)["f"]
            assert f.any(), "a composition with f(x) = 0"
            for bias in (p["b"], p["c"]):
                assert bias is None or bias.any()


@pytest.mark.parametrize("mode", MODES)
def test_work_grows_with_the_difficulty(mode):
    """Before, easy's linear Jacobian was more work than medium's diagonal one. Work is the entries
    a student computes: a diagonal Jacobian's zeros off the diagonal are no work (easy's n = 3
    elementwise gate is 3 derivatives and 3 values, as much as medium's smallest linear gate)."""
    def work(draw, a):
        size = np.asarray(a.value, dtype=object).size
        return len(a.value) if draw.params["form"] == "elementwise" and a.name == "dz/dx" else size

    def entries(difficulty):
        options = resolve_options("jacobian", difficulty, mode)
        draws = [draw_variant("jacobian", s, options).draw for s in range(100)]
        return [sum(work(d, a) for a in d.answers) for d in draws]

    easy, medium, hard = entries("easy"), entries("medium"), entries("hard")
    assert max(easy) <= min(medium)
    assert np.mean(easy) < np.mean(medium) and np.mean(easy) < np.mean(hard)
