"""`jacobian` forms general (f: ℝⁿ → ℝᵐ of expressions) and general_chain (the note's scalar →
ℝ² → ℝ² chain with general f and g): worked by hand, every difficulty × mode recomputed from the
printed component texts by plain Python, 200 distinct variants, one structure per class, the
printed values, option errors, the oracle, and grading follow-through through the chain."""

import json
import math
from fractions import Fraction as F

import numpy as np
import pytest

from structure import class_choices
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.grade.manifest import question_row
from qgen.grade.mark import CORRECT, FOLLOW_THROUGH, mark_question
from qgen.grade.values import parse_value
from qgen.kinds import jacobian_general as G
from qgen.kinds.base import DIFFICULTIES, MODES
from qgen.randomiser import draw_sheet, draw_variant, resolve_options
from qgen.render import render


def mono(coef, *powers):
    return {"kind": "mono", "coef": F(coef), "powers": list(powers)}


def answers(draw):
    return {a.name: np.asarray(a.value, dtype=object).tolist() for a in draw.answers}


def test_the_issues_example_by_hand():
    """f(x) = (x₁²x₂, x₁ + 3x₂) at x = (2, −1):
    ∂f₁/∂x₁ = 2x₁x₂ = −4, ∂f₁/∂x₂ = x₁² = 4, ∂f₂/∂x₁ = 1, ∂f₂/∂x₂ = 3."""
    draw = G.solve_general([[mono(1, 2, 1)], [mono(1, 1, 0), mono(3, 0, 1)]], [F(2), F(-1)], "exact")
    assert draw.params["components"] == ["x1**2*x2", "x1 + 3*x2"]
    assert answers(draw) == {"df/dx": [[-4, 4], [1, 3]]}


def test_the_notes_chain_with_general_functions_by_hand():
    """f(x) = (x², 2x), g(f) = (f₁f₂, f₁² − f₂) at x = 1: f = (1, 2); ∂f/∂x = (2x, 2) = (2, 2);
    ∂g/∂f = [f₂ f₁; 2f₁ −1] = [2 1; 2 −1]; ∂g/∂x = [2·2 + 1·2; 2·2 − 2] = (6, 2).
    Directly: g₁ = 2x³ → 6x² = 6, g₂ = x⁴ − 2x → 4x³ − 2 = 2."""
    draw = G.solve_chain([[mono(1, 2)], [mono(2, 1)]], [[mono(1, 1, 1)], [mono(1, 2, 0), mono(-1, 0, 1)]], F(1), "exact")
    assert answers(draw) == {"f": [1, 2], "df/dx": [[2], [2]], "dg/df": [[2, 1], [2, -1]], "dg/dx": [[6], [2]]}


def test_given_mode_works_from_the_printed_sigmoid_by_hand():
    """f(x) = (σ(2x₁) + x₂², x₁x₂) at (1/2, 1): σ(1) = 0.7311 printed;
    ∂f₁/∂x₁ = 2σ(1)(1 − σ(1)) = 2 · 0.7311 · 0.2689 = 0.39318558; ∂f₁/∂x₂ = 2x₂ = 2; ∂f₂ = (x₂, x₁) = (1, 1/2)."""
    sig = {"kind": "sigmoid", "var": 0, "coef": F(1), "b": F(2)}
    draw = G.solve_general([[sig, mono(1, 0, 2)], [mono(1, 1, 1)]], [F(1, 2), F(1)], "given")
    assert draw.question["table"] == [{"fn": "sigmoid", "arg": 1, "value": F(7311, 10000)}]
    assert answers(draw) == {"df/dx": [[F(39318558, 10**8), 2], [1, F(1, 2)]]}


# ---------------------------------------------------------------------------------------------


def evaluate(text, names, values):
    scope = {"exp": math.exp, "tanh": math.tanh, "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "__builtins__": {}}
    return eval(text, scope, dict(zip(names, values)))  # test only: the kind's own printed text


def fd(texts, names, point):
    p = [float(v) for v in point]
    out = np.zeros((len(texts), len(p)))
    for j in range(len(p)):
        hi, lo = list(p), list(p)
        hi[j] += 1e-6
        lo[j] -= 1e-6
        out[:, j] = [(evaluate(t, names, hi) - evaluate(t, names, lo)) / 2e-6 for t in texts]
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_recomputes(difficulty, mode):
    tol = 2e-3 if mode == "given" else 1e-5
    for form in G.FORMS:
        options = resolve_options("jacobian", difficulty, mode, {"form": form})
        for seed in range(8):
            draw = draw_variant("jacobian", seed, options).draw
            p, got = draw.params, answers(draw)
            if form == "general":
                point = [F(v) for v in p["point"]]
                assert np.allclose(np.array(got["df/dx"], float), fd(p["components"], p["variables"], point), atol=tol, rtol=tol)
            else:
                x = F(p["x"])
                f = [evaluate(t, ["x"], [float(x)]) for t in p["f"]]
                assert np.allclose(np.array(got["f"], float), f, atol=1e-9)
                assert np.allclose(np.array(got["df/dx"], float), fd(p["f"], ["x"], [x]), atol=tol)
                assert np.allclose(np.array(got["dg/df"], float), fd(p["g"], ["f1", "f2"], f), atol=tol, rtol=tol)
                assert np.array_equal(np.array(got["dg/dx"], dtype=object),
                                      np.array(got["dg/df"], dtype=object) @ np.array(got["df/dx"], dtype=object))
            if mode == "exact":
                assert all(isinstance(v, F) for a in draw.answers for v in np.asarray(a.value, dtype=object).flat)


@pytest.mark.parametrize("form", G.FORMS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_two_hundred_distinct_variants(form, difficulty):
    options = resolve_options("jacobian", difficulty, "exact", {"form": form})
    variants = draw_sheet(["jacobian"], 200, 11, {"jacobian": options})
    assert len({json.dumps(v.draw.params, sort_keys=True) for v in variants}) == 200


def test_one_structure_per_class():
    for form in G.FORMS:
        for mode in ("exact", "given"):
            assert len(class_choices("jacobian", resolve_options("jacobian", "medium", mode, {"form": form}),
                                     "structure", classes=3)) == 3


def test_sizes_are_the_forms_own():
    with pytest.raises(QgenError) as e:
        resolve_options("jacobian", "medium", "exact", {"form": "general", "n": "3"})
    assert "leave n and m at auto" in str(e.value)


def test_the_oracle_catches_a_wrong_jacobian(monkeypatch):
    real = G.jacobian_of

    def transposed(*args):
        values, jac, table, texts = real(*args)
        return values, jac.T, table, texts
    monkeypatch.setattr(G, "jacobian_of", transposed)
    with pytest.raises(VerificationError):
        G.solve_general([[mono(1, 2, 1)], [mono(1, 1, 0), mono(3, 0, 1)]], [F(2), F(-1)], "exact")


def test_the_key_shows_each_partial_symbolically_then_its_value():
    draw = G.solve_general([[mono(1, 2, 1)], [mono(1, 1, 0), mono(3, 0, 1)]], [F(2), F(-1)], "exact")
    sheet = render("kinds/jacobian_question.tex", d=draw.question, number_style="fraction")
    assert r"f_{1}(x) &= x_{1}^{2}x_{2}" in sheet
    key = render("kinds/jacobian_solution.tex", d=draw.solution, number_style="fraction")
    assert r"\pd{f_{1}}{x_{1}} &= 2\,x_{1}x_{2} = -4" in key and r"\pd{f_{2}}{x_{2}} &= 3" in key


def test_grading_follows_through_the_chain():
    variant = draw_variant("jacobian", 3, resolve_options("jacobian", "hard", "exact", {"form": "general_chain"}))
    data = json.loads(json.dumps(variant.to_json(), default=str))
    row = question_row({"student_id": "s1", "question": 1, "kind": "jacobian", "points": 8,
                        "options": data["options"], "parameters": data["parameters"], "answers": data["answers"]})
    keys = {e.name: e.key_text() for a in row.answers for e in a.entries}
    got = {a.name: np.asarray(a.value, dtype=object) for a in variant.draw.answers}
    slipped = got["dg/df"].copy()
    slipped[0, 0] += 1
    product = slipped @ got["df/dx"]
    texts = {**keys, "dg/df[1,1]": str(slipped[0, 0]), "dg/dx[1,1]": str(product[0, 0])}
    parsed = {f"q1.{k}": parse_value(v) for k, v in texts.items()}
    verdicts = {v.entry.name: v.verdict for v in mark_question(row, parsed, {f"q1.{k}": t for k, t in texts.items()}, F(1))}
    assert verdicts["dg/df[1,1]"] not in (CORRECT, FOLLOW_THROUGH)
    assert verdicts["dg/dx[1,1]"] in (FOLLOW_THROUGH, CORRECT) and verdicts["dg/dx[2,1]"] == CORRECT
