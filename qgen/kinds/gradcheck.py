"""`gradcheck`: a numerical gradient check. A function f of one or two variables (a sum of terms
in the graph kind's syntax), a point p and a step h are given; asked, for each checked variable v:
f(p ± h e_v) (not in given mode, where they are printed), the central difference
(f(p + h e_v) − f(p − h e_v))/2h, the analytic ∂f/∂v and their relative error
|numeric − analytic| / max(|numeric|, |analytic|).

Modes. exact: polynomials with integer coefficients at an integer point, h = 1/2 or 1/4; every
answer an exact fraction (the central difference is exact for quadratics, so the checked variable
always has a cubic or quartic term). given: exp, σ and tanh terms; the sheet prints f(p ± h e_v)
and the functions' values at p to 4 decimals, and the key works from those printed numbers.
calculator: the same functions at a 2-decimal point, answers to 4 decimals.

The engine (qgen.engine.gradcheck over the expression engine) computes every answer; the oracle
evaluates f from the terms with its own float64 code (math.exp, math.tanh), differentiates it by a
central difference with a tiny step, and recomputes the check.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.answers import accepts, entries
from qgen.engine.expression import parse_expression
from qgen.engine.gradcheck import check_gradient, relative_error, shifted
from qgen.errors import QgenError, VerificationError
from qgen.kinds import terms as T
from qgen.kinds.printed import reject_printed
from qgen.kinds.base import Answer, Draw, Option, Redraw, bounded, round_to, small_int
from qgen.kinds.jacobian import to_json

NAME = "gradcheck"
SUMMARY = ("a gradient check: f and a point given, h given; the central difference, the analytic "
           "derivative and their relative error")
AUTO = "auto"
VARIABLES = ("x", "y")
# Forms of f (the structure, drawn once per class): monomials (i, j) = x^i y^j, and (fn, v) terms.
POLYNOMIALS = {1: (((3, 0), (2, 0), (1, 0)), ((3, 0), (1, 0)), ((3, 0), (2, 0)), ((4, 0), (2, 0)), ((4, 0), (1, 0))),
               2: (((3, 0), (1, 1), (0, 3)), ((3, 0), (1, 2), (0, 3)), ((2, 1), (3, 0), (0, 3)), ((3, 1), (0, 3)),
                   ((3, 0), (1, 1), (0, 2)), ((1, 1), (0, 3), (2, 0)))}
FUNCTION_FORMS = {1: ((("sigmoid", "x"), (2, 0)), (("tanh", "x"), (1, 0)), (("exp", "x"), (2, 0)),
                      (("sigmoid", "x"), (1, 0)), (("tanh", "x"), (3, 0)), (("exp", "x"), (1, 0))),
                  2: (((1, 1), ("exp", "x"), ("tanh", "y")), ((2, 1), ("sigmoid", "y")),
                      (("sigmoid", "x"), (1, 1), ("tanh", "y")), (("tanh", "x"), (1, 2)),
                      ((1, 1), ("sigmoid", "x"), ("exp", "y")))}
STEPS = {"exact": (Fraction(1, 2), Fraction(1, 4)), "decimal": (Fraction(1, 2), Fraction(1, 4))}
MIN_RELATIVE = Fraction(1, 50)  # exact: a relative error the exact rule (atol 0.005) tells from 0
PRINTED_PLACES = 4
LIMIT = 60
RULE_EXACT_DIFFERENCE = "the central difference is not exact (a cubic term in the checked variable)"
RULE_ROUNDING = "a student rounding to 4 decimals is accepted"
RULE_RELATIVE = "a relative error of at least 0.02 (told apart from 0)"


def _variables(text):
    if str(text) not in ("1", "2"):
        raise ValueError(f"expected 1 or 2, got {text!r}")
    return int(str(text))


def _step(text):
    if str(text) == AUTO:
        return AUTO
    try:
        value = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        value = Fraction(0)
    if not 0 < value <= 1 or value.denominator > 100:
        raise ValueError(f"expected auto or a step h above 0 and at most 1, such as 1/2 or 0.25, got {text!r}")
    return value


OPTIONS = (
    Option("variables", "f of 1 (x) or 2 (x, y) variables", {"easy": 1, "medium": 2, "hard": 2}, _variables),
    Option("partials", "one (the check along one variable) or all (along every variable)",
           {"easy": "one", "medium": "one", "hard": "all"}, str, ("one", "all")),
    Option("step", "h; auto: 1/2 or 1/4 drawn once", {"easy": AUTO, "medium": AUTO, "hard": AUTO}, _step),
)


def check_options(options: dict) -> None:
    if options["variables"] == 1 and options["partials"] == "all":
        options["partials"] = "one"  # one variable: one partial


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """The structure for a whole class: the form of f, the checked variables, h. Options already
    resolved come back unchanged, with nothing drawn."""
    shared = dict(options)
    if "form" in options:
        return shared
    exact = options["mode"] == "exact"
    forms = (POLYNOMIALS if exact else FUNCTION_FORMS)[options["variables"]]
    checkable = []
    for k, form in enumerate(forms):
        nonlinear = [v for v in VARIABLES[:options["variables"]] if _nonlinear(form, v, exact)]
        if nonlinear and (options["partials"] == "one" or len(nonlinear) == options["variables"]):
            checkable.append((k, nonlinear))
    k, nonlinear = checkable[int(rng.integers(len(checkable)))]
    shared["form"] = k
    shared["checked"] = ",".join(nonlinear if options["partials"] == "all" else [str(rng.choice(nonlinear))])
    if options["step"] == AUTO:  # a quartic at h = 1/4 needs 256ths: only h = 1/2
        quartic = exact and any(isinstance(t[0], int) and max(t) >= 4 for t in forms[k])
        shared["step"] = Fraction(1, 2) if quartic else STEPS["exact" if exact else "decimal"][int(rng.integers(2))]
    shared["step"] = str(shared["step"])  # JSON text, as the manifest keeps options ("1/2")
    return shared


def _nonlinear(form, v: str, exact: bool) -> bool:
    """The central difference along v is not exact: a term of degree 3 or more in v, or a function of v."""
    index = VARIABLES.index(v)
    return any((term[index] >= 3) if isinstance(term[0], int) else (term[1] == v and not exact) for term in form)


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)
    mode, nvar = options["mode"], options["variables"]
    form = (POLYNOMIALS if mode == "exact" else FUNCTION_FORMS)[nvar][options["form"]]
    terms = [_term(rng, t, nvar) for t in form]
    if mode == "exact":
        point = {v: small_int(rng, -2, 2) for v in VARIABLES[:nvar]}
    elif mode == "given":
        point = {v: small_int(rng, -3, 3) / 2 for v in VARIABLES[:nvar]}
    else:
        point = {v: round_to(rng.uniform(-1.5, 1.5)) for v in VARIABLES[:nvar]}
    return solve(terms, point, Fraction(options["step"]), options["checked"].split(","), mode)


def _term(rng, spec, nvar: int) -> dict:
    """A term of the form's shape with drawn coefficients (qgen.kinds.terms)."""
    if isinstance(spec[0], int):
        return {"kind": "mono", "coef": small_int(rng, -3, 3, nonzero=True), "powers": list(spec[:nvar])}
    return {"kind": spec[0], "var": VARIABLES.index(spec[1]), "coef": small_int(rng, -2, 2, nonzero=True),
            "b": small_int(rng, -2, 2, nonzero=True)}


# ---------------------------------------------------------------------------------------------
# Solved by the engine, checked by the oracle.


def solve(terms: list[dict], point: dict, h: Fraction, checked: list[str], mode: str) -> Draw:
    names = list(VARIABLES[:len(point)])
    text = T.text(terms, names)
    graph = parse_expression(text)
    exact = mode == "exact"
    engine_point = point if mode != "calculator" else {v: float(p) for v, p in point.items()}
    step = h if mode != "calculator" else float(h)
    printed, table = ({}, []) if mode != "given" else _printed_table(graph, terms, list(point.values()))
    checks, f_printed = [], {}
    for v in checked:
        f_values = None
        if mode == "given":
            f_values = tuple(round_to(_plain(terms, shifted(point, v, s)), PRINTED_PLACES) for s in (h, -h))
            f_printed[v] = f_values
        try:
            checks.append(check_gradient(graph, engine_point, v, step, exact or mode == "given", printed, f_values))
        except QgenError:
            raise Redraw("values outside a function's domain") from None
    for c in checks:
        if c.analytic == 0 or c.numeric == 0:
            raise Redraw("no zero derivative")
        if c.relative_error == 0:
            raise Redraw(RULE_EXACT_DIFFERENCE)
        if exact and c.relative_error < MIN_RELATIVE:
            raise Redraw(RULE_RELATIVE)
        bounded([c.f_plus, c.f_minus, c.numeric, c.analytic], LIMIT)
        if exact and max(Fraction(x).denominator for x in (c.f_plus, c.f_minus, c.numeric)) > 64:
            raise Redraw("fractions too fine to compute by hand")
    _oracle(terms, point, h, checks, mode, table)
    sheet = [h, *point.values(), *[x for f in f_printed.values() for x in f], *[r[k] for r in table for k in ("arg", "value")]]
    asked = [x for c in checks for x in ((c.f_plus, c.f_minus) if mode != "given" else ()) + (c.numeric, c.analytic,
                                                                                               c.relative_error)]
    reject_printed(asked, sheet)
    if mode != "exact":
        for c in checks:
            _rounding_student(c, h, mode)

    two = len(point) == 2
    answers = []
    for c in checks:
        at = shifted_names(c.variable, two)
        if mode != "given":
            answers += [(f"f({at[0]})", f"f({at[2]})", c.f_plus), (f"f({at[1]})", f"f({at[3]})", c.f_minus)]
        answers += [(f"fd(df/d{c.variable})", rf"\mathrm{{fd}}_{{{c.variable}}}", c.numeric),
                    (f"df/d{c.variable}", rf"\partial f/\partial {c.variable}", c.analytic),
                    (f"relerr(df/d{c.variable})", rf"\mathrm{{rel}}_{{{c.variable}}}", c.relative_error)]
    style = {"exact": "fraction", "given": "decimal", "calculator": "rounded"}[mode]
    params = {"mode": mode, "function": text, "point": {v: to_json(p) for v, p in point.items()}, "h": to_json(h),
              "checked": checked, "f_printed": {v: [to_json(x) for x in f] for v, f in f_printed.items()} or None,
              "printed": {node: to_json(value) for node, value in printed.items()} or None}
    question = {"mode": mode, "terms": terms, "names": names, "point": list(point.values()), "h": h, "checked": checked, "two": two,
                "table": table, "f_printed": [f_printed[v] for v in checked] if f_printed else None}
    worked = [{"variable": c.variable, "at": shifted_names(c.variable, two), "f_plus": c.f_plus, "f_minus": c.f_minus,
               "numeric": c.numeric, "analytic": c.analytic, "relerr": c.relative_error,
               "derivative": T.derivative(terms, VARIABLES.index(c.variable)),
               "shifted": [list(shifted(point, c.variable, s).values()) for s in (h, -h)]} for c in checks]
    notes = (("Inputs are printed with 2 decimals; the answers are computed from them and shown to 4 decimals.",)
             if mode == "calculator" else
             ("f(p ± h) and the function values at p are printed to 4 decimals; the key works from exactly those.",)
             if mode == "given" else ())
    return Draw(params, tuple(Answer(n, label, value) for n, label, value in answers), question,
                {**question, "checks": worked}, None, style, notes)


def shifted_names(v: str, two: bool) -> tuple[str, str, str, str]:
    """Answer names and LaTeX of the shifted points: ("x+h", "x-h", "x_0 + h", "x_0 - h"), or with y."""
    if not two:
        return "x+h", "x-h", "x_0 + h", "x_0 - h"
    if v == "x":
        return "x+h,y", "x-h,y", "x_0 + h, y_0", "x_0 - h, y_0"
    return "x,y+h", "x,y-h", "x_0, y_0 + h", "x_0, y_0 - h"


def _printed_table(graph, terms: list[dict], values: list) -> tuple[dict, list[dict]]:
    """Given mode: each function node's value at p, printed to 4 decimals (solve_expression's
    `printed`), and the table rows for the sheet; no σ or tanh printed as ±0.99 or beyond."""
    printed, table = T.printed_values(graph, terms, values, PRINTED_PLACES)
    if any(row["fn"] != "exp" and abs(row["value"]) >= Fraction(99, 100) for row in table):
        raise Redraw("no saturated sigmoid or tanh")
    return printed, table


def _plain(terms: list[dict], point: dict) -> float:
    """The oracle's f at a point given by name (qgen.kinds.terms' own float64 evaluation)."""
    return T.plain(terms, list(point.values()))


def _oracle(terms, point, h, checks, mode: str, table) -> None:
    """f at p ± h e_v by the oracle's own evaluation, ∂f/∂v by a central difference with a tiny
    step, and the check recomputed; in given mode, the key's numbers from the printed values."""
    hf = float(h)
    for c in checks:
        plus, minus = (_plain(terms, shifted(point, c.variable, s)) for s in (h, -h))
        tiny = 1e-6
        true = (_plain(terms, shifted(point, c.variable, Fraction(tiny))) -
                _plain(terms, shifted(point, c.variable, Fraction(-tiny)))) / (2 * tiny)
        if mode == "given":  # printed values: f± within half a unit of the 4th decimal; f' from the table
            if max(abs(float(c.f_plus) - plus), abs(float(c.f_minus) - minus)) > 0.5e-4 + 1e-12:
                raise VerificationError(f"gradcheck: printed f(p±h) {c.f_plus}, {c.f_minus} are not {plus}, {minus} rounded")
            values = {(row["fn"], row["arg"]): row["value"] for row in table}
            analytic = T.plain_derivative(terms, VARIABLES.index(c.variable), list(point.values()), values)
            _agree("df/dv from the printed values", c.analytic, analytic, 1e-9)
            _agree("df/dv", c.analytic, true, 1e-3 * (1 + abs(true)))
        else:
            _agree("f(p+h)", c.f_plus, plus, 1e-9 * (1 + abs(plus)))
            _agree("f(p-h)", c.f_minus, minus, 1e-9 * (1 + abs(minus)))
            _agree("df/dv", c.analytic, true, 1e-6 * (1 + abs(true)))
        numeric = (float(c.f_plus) - float(c.f_minus)) / (2 * hf)
        _agree("central difference", c.numeric, numeric, 1e-9 * (1 + abs(numeric)))
        rel = abs(numeric - float(c.analytic)) / max(abs(numeric), abs(float(c.analytic)))
        _agree("relative error", c.relative_error, rel, 1e-9)
        if mode == "exact" and Fraction(c.relative_error) != relative_error(Fraction(c.numeric), Fraction(c.analytic)):
            raise VerificationError("gradcheck: the exact relative error is not |n - a| / max(|n|, |a|)")


def _rounding_student(c, h: Fraction, mode: str) -> None:
    """A student who rounds every intermediate result to 4 decimals (f(p ± h), fd, ∂f/∂v) must be
    accepted by the one rule on every answer, or the draw is redrawn."""
    r = lambda v: round_to(v, PRINTED_PLACES)  # noqa: E731
    plus, minus = (r(c.f_plus), r(c.f_minus)) if mode == "calculator" else (c.f_plus, c.f_minus)
    numeric, analytic = r((plus - minus) / (2 * h)), r(c.analytic)
    student = {"numeric": numeric, "analytic": analytic, "relative_error": relative_error(numeric, analytic)}
    for name, value in student.items():
        if not accepts(entries("", getattr(c, name), "rounded")[0], value):
            raise Redraw(RULE_ROUNDING)


def _agree(what: str, got, expected: float, tol: float) -> None:
    if not abs(float(got) - expected) <= tol:
        raise VerificationError(f"gradcheck: {what}: engine {float(got)} != oracle {expected}")
