"""The `gradcheck` kind: gradient checks worked by hand, every difficulty × mode recomputed from the
printed function text by plain Python, 200 distinct variants per difficulty, one structure per
class, the rounding student, option errors, the oracle catching a wrong engine, the templates and
grading with follow-through."""

import json
import math
from fractions import Fraction as F

import numpy as np
import pytest

from structure import class_choices
from qgen.answers import accepts
from qgen.engine import gradcheck as engine_gradcheck
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.grade.manifest import question_row
from qgen.grade.mark import CORRECT, FOLLOW_THROUGH, WRONG, mark_question
from qgen.grade.values import parse_value
from qgen.kinds import gradcheck
from qgen.kinds.base import DIFFICULTIES, MODES
from qgen.randomiser import draw_sheet, draw_variant, resolve_options
from qgen.render import render


def mono(coef, *powers):
    return {"kind": "mono", "coef": F(coef), "powers": list(powers)}


def values(draw):
    return {a.name: a.value for a in draw.answers}


# ---------------------------------------------------------------------------------------------
# By hand


def test_cubic_in_one_variable_by_hand():
    """f(x) = x³ − 2x at x₀ = 1, h = 1/2.
    f(3/2) = 27/8 − 3 = 3/8;  f(1/2) = 1/8 − 1 = −7/8
    fd = (3/8 + 7/8) / (2 · 1/2) = 5/4;  f′(1) = 3·1² − 2 = 1   (the error h² = 1/4 of a cubic's fd)
    rel = |5/4 − 1| / max(5/4, 1) = (1/4) / (5/4) = 1/5."""
    draw = gradcheck.solve([mono(1, 3), mono(-2, 1)], {"x": F(1)}, F(1, 2), ["x"], "exact")
    assert draw.params["function"] == "x**3 - 2*x"
    assert values(draw) == {"f(x+h)": F(3, 8), "f(x-h)": F(-7, 8), "fd(df/dx)": F(5, 4), "df/dx": 1,
                            "relerr(df/dx)": F(1, 5)}


def test_two_variables_along_y_by_hand():
    """f(x, y) = 2x³ + xy − y³ at (1, 1), h = 1/2, along y.
    f(1, 3/2) = 2 + 3/2 − 27/8 = 1/8;  f(1, 1/2) = 2 + 1/2 − 1/8 = 19/8
    fd = (1/8 − 19/8) / 1 = −9/4;  ∂f/∂y = x − 3y² = −2;  rel = (1/4) / (9/4) = 1/9."""
    draw = gradcheck.solve([mono(2, 3, 0), mono(1, 1, 1), mono(-1, 0, 3)], {"x": F(1), "y": F(1)}, F(1, 2), ["y"], "exact")
    assert values(draw) == {"f(x,y+h)": F(1, 8), "f(x,y-h)": F(19, 8), "fd(df/dy)": F(-9, 4), "df/dy": -2,
                            "relerr(df/dy)": F(1, 9)}


def test_given_sigmoid_from_the_printed_values_by_hand():
    """f(x) = 2σ(2x) + x² at x₀ = 1/2, h = 1/2. Printed: f(1) = 2σ(2) + 1 = 2(0.880797) + 1 = 2.761594 → 2.7616,
    f(0) = 2σ(0) + 0 = 1 → 1, and σ(2 · 1/2) = σ(1) = 0.731059 → 0.7311.
    fd = (2.7616 − 1) / (2 · 1/2) = 1.7616;
    f′(1/2) = 2 · 2 · σ(1)(1 − σ(1)) + 2 · 1/2 = 4 · 0.7311 · 0.2689 + 1 = 0.78637116 + 1 = 1.78637116;
    rel = |1.7616 − 1.78637116| / 1.78637116 = 0.02477116 / 1.78637116 = 619279/44659279."""
    sig = {"kind": "sigmoid", "var": 0, "coef": F(2), "b": F(2)}
    draw = gradcheck.solve([sig, mono(1, 2)], {"x": F(1, 2)}, F(1, 2), ["x"], "given")
    assert draw.question["f_printed"][0] == (F(27616, 10000), 1)
    assert [row["value"] for row in draw.question["table"]] == [F(7311, 10000)]
    assert values(draw) == {"fd(df/dx)": F(17616, 10000), "df/dx": F(178637116, 10**8),
                            "relerr(df/dx)": F(2477116, 178637116)}


# ---------------------------------------------------------------------------------------------
# Every difficulty × mode, recomputed from the function's text by plain Python


def evaluate(text: str, point: dict) -> float:
    names = {"exp": math.exp, "tanh": math.tanh, "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "__builtins__": {}}
    return eval(text, names, {k: float(F(v)) for k, v in point.items()})  # test only: the kind's own text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_draws_and_recomputes(difficulty, mode):
    options = resolve_options("gradcheck", difficulty, mode)
    for seed in range(10):
        variant = draw_variant("gradcheck", seed, options)
        p, got = variant.draw.params, values(variant.draw)
        h = float(F(p["h"]))
        assert len(p["checked"]) == (2 if difficulty == "hard" else 1) and len(p["point"]) == (1 if difficulty == "easy" else 2)
        for v in p["checked"]:
            at = gradcheck.shifted_names(v, len(p["point"]) == 2)
            moved = [{**p["point"], v: float(F(p["point"][v])) + s} for s in (h, -h)]
            f_values = [evaluate(p["function"], q) for q in moved]
            if mode == "given":
                f_values = [float(F(x)) for x in p["f_printed"][v]]
                assert all(abs(float(F(x)) - evaluate(p["function"], q)) <= 0.5e-4 for x, q in zip(p["f_printed"][v], moved))
            else:
                assert np.allclose([float(got[f"f({at[0]})"]), float(got[f"f({at[1]})"])], f_values, rtol=1e-9)
            fd = (f_values[0] - f_values[1]) / (2 * h)
            tiny = 1e-6
            true = (evaluate(p["function"], {**p["point"], v: float(F(p["point"][v])) + tiny})
                    - evaluate(p["function"], {**p["point"], v: float(F(p["point"][v])) - tiny})) / (2 * tiny)
            assert math.isclose(float(got[f"fd(df/d{v})"]), fd, rel_tol=1e-9)
            assert abs(float(got[f"df/d{v}"]) - true) <= (1e-6 if mode != "given" else 2e-3) * (1 + abs(true))
            a = float(got[f"df/d{v}"])
            assert math.isclose(float(got[f"relerr(df/d{v})"]), abs(fd - a) / max(abs(fd), abs(a)), rel_tol=1e-9)
            if mode == "exact":
                assert all(isinstance(x, F) for x in got.values())


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_two_hundred_distinct_variants_at_every_difficulty(difficulty):
    options = resolve_options("gradcheck", difficulty, "exact")
    variants = draw_sheet(["gradcheck"], 200, 11, {"gradcheck": options})
    assert len({json.dumps(v.draw.params, sort_keys=True) for v in variants}) == 200


def test_one_structure_per_class():
    for difficulty in DIFFICULTIES:
        for mode in ("exact", "given"):
            assert class_choices("gradcheck", resolve_options("gradcheck", difficulty, mode), "form", classes=3)


def test_a_student_rounding_every_step_to_4_decimals_is_accepted():
    for mode in ("given", "calculator"):
        options = resolve_options("gradcheck", "hard", mode)
        for seed in range(30):
            draw = draw_variant("gradcheck", seed, options).draw
            got = values(draw)
            r = lambda v: F(round(F(v), 4))  # noqa: E731
            for v in draw.params["checked"]:
                at = gradcheck.shifted_names(v, True)
                plus, minus = (r(got[f"f({at[0]})"]), r(got[f"f({at[1]})"])) if mode == "calculator" else (
                    F(draw.params["f_printed"][v][0]), F(draw.params["f_printed"][v][1]))
                fd, a = r((plus - minus) / (2 * F(draw.params["h"]))), r(got[f"df/d{v}"])
                entry = {e.name: e for ans in draw.answers for e in ans.entries(draw.number_style)}
                assert accepts(entry[f"relerr(df/d{v})"], abs(fd - a) / max(abs(fd), abs(a)))


@pytest.mark.parametrize("overrides, words", [
    ({"variables": "3"}, ["gradcheck option variables", "1 or 2"]),
    ({"step": "2"}, ["gradcheck option step", "at most 1"]),
    ({"partials": "some"}, ["gradcheck option partials", "one, all"]),
])
def test_option_errors_are_one_clear_line(overrides, words):
    with pytest.raises(QgenError) as e:
        resolve_options("gradcheck", "medium", "exact", overrides)
    assert all(w in str(e.value) for w in words) and "\n" not in str(e.value)


def test_the_oracle_catches_a_wrong_engine(monkeypatch):
    monkeypatch.setattr(engine_gradcheck, "central_difference", lambda a, b, h: (a - b) / h)  # forgot the 2
    with pytest.raises(VerificationError):
        gradcheck.solve([mono(1, 3), mono(-2, 1)], {"x": F(1)}, F(1, 2), ["x"], "exact")


# ---------------------------------------------------------------------------------------------
# Templates and grading


def test_the_templates_show_the_function_the_step_and_each_check():
    draw = gradcheck.solve([mono(2, 3, 0), mono(1, 1, 1), mono(-1, 0, 3)], {"x": F(1), "y": F(1)}, F(1, 2),
                           ["x", "y"], "exact")
    sheet = render("kinds/gradcheck_question.tex", d=draw.question, number_style="fraction")
    assert r"f(x, y) = 2\,x^{3} + xy - y^{3}" in sheet and r"h = \tfrac{1}{2}" in sheet
    assert r"\partial f/\partial x$ and $\partial f/\partial y" in sheet
    key = render("kinds/gradcheck_solution.tex", d=draw.solution, number_style="fraction")
    assert r"\pd{f}{x} = 6\,x^{2} + y" in key and r"\pd{f}{y} = x - 3\,y^{2}" in key


def _row(draw_json):
    data = json.loads(json.dumps(draw_json, default=str))
    return question_row({"student_id": "s1", "question": 1, "kind": "gradcheck", "points": 10,
                         "options": data["options"], "parameters": data["parameters"], "answers": data["answers"]})


def _mark(row, texts):
    parsed = {f"q1.{k}": parse_value(v) for k, v in texts.items()}
    return {v.entry.name: v.verdict for v in mark_question(row, parsed, {f"q1.{k}": t for k, t in texts.items()}, F(1))}


def test_grading_follows_through_from_a_wrong_function_value():
    variant = draw_variant("gradcheck", 4, resolve_options("gradcheck", "easy", "exact"))
    row = _row(variant.to_json())
    keys = {e.name: e.key_text() for a in row.answers for e in a.entries}
    assert set(_mark(row, keys).values()) == {CORRECT}
    got = values(variant.draw)
    h = F(variant.draw.params["h"])
    plus = got["f(x+h)"] + 1  # a slip in f(x0 + h): fd and the relative error follow from it
    fd = (plus - got["f(x-h)"]) / (2 * h)
    rel = abs(fd - got["df/dx"]) / max(abs(fd), abs(got["df/dx"]))
    texts = {**keys, "f(x+h)": str(plus), "fd(df/dx)": str(fd), "relerr(df/dx)": str(rel)}
    verdicts = _mark(row, texts)
    assert verdicts["f(x+h)"] == WRONG
    assert verdicts["fd(df/dx)"] == FOLLOW_THROUGH and verdicts["relerr(df/dx)"] in (FOLLOW_THROUGH, CORRECT)
