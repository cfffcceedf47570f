"""`jacobian`, forms `general` and `general_chain`: Jacobians of functions whose components are
small expressions in the graph kind's syntax (sums of terms, qgen.kinds.terms).

- general: f: ℝⁿ → ℝᵐ (n, m ≤ 3) at a point; asked the Jacobian ∂f/∂x (m×n).
- general_chain: the note's example with general functions, x ∈ ℝ → f(x) ∈ ℝ² → g(f) ∈ ℝ²;
  asked f(x), ∂f/∂x, ∂g/∂f at f(x) and ∂g/∂x = (∂g/∂f)(∂f/∂x).

exact: polynomials at integer points; given: exp, σ, tanh terms with their values at the point
printed to 4 decimals (the key works from them; f of the chain stays a polynomial, so g's
arguments are exact); calculator: the same functions at 2-decimal points, answers to 4 decimals.
The engine solves each component with the expression engine (one backward pass per component
gives a row of the Jacobian); the oracle differences the terms' own float64 evaluation.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np

from qgen.answers import accepts
from qgen.engine.expression import parse_expression, solve_expression
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.kinds import terms as T
from qgen.kinds.base import Answer, Draw, Redraw, bounded, reject_zero_share, round_to, small_int

FORMS = ("general", "general_chain")
SHAPES = {"easy": ((2, 2),), "medium": ((2, 2), (3, 2), (2, 3)), "hard": ((3, 2), (2, 3), (3, 3))}  # (n, m)
FUNCTION_KINDS = ("exp", "sigmoid", "tanh")
LIMIT = 40
NUMBER_STYLE = {"exact": "fraction", "given": "decimal", "calculator": "rounded"}
RULE_ZERO_JACOBIAN = "no all-zero row or column in the Jacobian"
RULE_ZERO_SHARE = "at most a third of the Jacobian's entries are 0"


def check_options(options: dict) -> None:
    if options["n"] != "auto" or options["m"] != "auto":
        raise QgenError(f"jacobian option n, m: the form {options['form']} draws its own sizes; leave n and m at auto")


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """The structure for a whole class: the sizes and every term's shape (kept as JSON text in
    the option `structure`); each student draws the coefficients and the point."""
    if options.get("structure"):
        return dict(options)
    exact = options["mode"] == "exact"
    if options["form"] == "general":
        n, m = SHAPES[options["difficulty"]][int(rng.integers(len(SHAPES[options["difficulty"]])))]
        while True:
            components = [_component(rng, n, allow_fn=not exact) for _ in range(m)]
            zeros = sum(not T.uses(c, v) for c in components for v in range(n))  # entries 0 whatever the point
            if all(any(T.uses(c, v) for c in components) for v in range(n)) and zeros <= n * m / 3:
                break
        structure = {"n": n, "m": m, "f": components}
    else:
        while True:  # ∂f/∂x depends on x, ∂g/∂f on f: a term beyond degree 1 in each
            f = [_component(rng, 1, allow_fn=options["mode"] == "calculator", degree=2) for _ in range(2)]
            if _curved(f):
                break
        while True:
            g = [_component(rng, 2, allow_fn=not exact, degree=2) for _ in range(2)]
            if all(any(T.uses(c, v) for c in g) for v in range(2)) and _curved(g):
                break
        structure = {"f": f, "g": g}
    return {**options, "structure": json.dumps(structure, default=str, sort_keys=True)}


def _curved(components: list[list[dict]]) -> bool:
    return any(t["kind"] != "mono" or sum(t["powers"]) > 1 for c in components for t in c)


def _component(rng, n: int, allow_fn: bool, degree: int = 3) -> list[dict]:
    """One component's term shapes (coefficients 1 for now): 1 or 2 terms, distinct."""
    shapes = []
    for _ in range(int(rng.integers(1, 3))):
        if allow_fn and rng.random() < 0.5:
            term = {"kind": str(rng.choice(FUNCTION_KINDS)), "var": int(rng.integers(n)), "coef": 1, "b": 1}
        else:
            powers = [0] * n
            for _ in range(int(rng.integers(1, degree + 1))):
                powers[int(rng.integers(n))] += 1
            term = {"kind": "mono", "coef": 1, "powers": powers}
        if term not in shapes:
            shapes.append(term)
    return shapes


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)
    mode, structure = options["mode"], json.loads(options["structure"])
    if options["form"] == "general":
        f = [[_coefficients(rng, t) for t in c] for c in structure["f"]]
        point = [_point_value(rng, mode) for _ in range(structure["n"])]
        return solve_general(f, point, mode)
    f = [[_coefficients(rng, t) for t in c] for c in structure["f"]]
    g = [[_coefficients(rng, t) for t in c] for c in structure["g"]]
    return solve_chain(f, g, _point_value(rng, mode), mode)


def _coefficients(rng, shape: dict) -> dict:
    term = {**shape, "coef": small_int(rng, -3, 3, nonzero=True)}
    if term["kind"] != "mono":
        term["coef"], term["b"] = small_int(rng, -2, 2, nonzero=True), small_int(rng, -2, 2, nonzero=True)
    return term


def _point_value(rng, mode: str) -> Fraction:
    if mode == "exact":
        return small_int(rng, -2, 2, nonzero=True)
    if mode == "given":
        return small_int(rng, -3, 3, nonzero=True) / 2
    value = Fraction(0)
    while abs(value) < Fraction(1, 10):
        value = round_to(rng.uniform(-1.5, 1.5))
    return value


# ---------------------------------------------------------------------------------------------
# Engine and oracle


def jacobian_of(components: list[list[dict]], names: list[str], point: list, mode: str):
    """The engine: each component parsed and solved (value and gradient by backprop); row i of
    the Jacobian is component i's gradient (0 for an input it does not use). Returns the values,
    the Jacobian, the printed table (given mode) and the components' texts."""
    exact = mode != "calculator"
    values, rows, table, texts = [], [], [], []
    for c in components:
        texts.append(T.text(c, names))
        graph = parse_expression(texts[-1])
        printed, printed_rows = T.printed_values(graph, c, point) if mode == "given" else ({}, [])
        for row in printed_rows:  # one row per function of f: the same table for every student
            if any((r["fn"], r["arg"]) == (row["fn"], row["arg"]) for r in table):
                raise Redraw("no function value printed twice")
            table.append(row)
        inputs = {name: (v if exact else float(v)) for name, v in zip(names, point) if name in graph.variables}
        try:
            sol = solve_expression(graph, inputs, exact, printed)
        except QgenError:
            raise Redraw("values outside a function's domain") from None
        values.append(sol.value)
        rows.append([sol.gradients.get(name, sol.value * 0) for name in names])
    return np.array(values, dtype=object), np.array(rows, dtype=object), table, texts


def _oracle(components, point, values, jac, mode: str, table) -> None:
    """Plain float64 from the terms: the values, and the Jacobian by central differences (given
    mode: the key's entries from the printed values by the derivative rules, near the truth)."""
    p = np.array([float(v) for v in point])
    plain = lambda v: np.array([T.plain(c, list(v)) for c in components])  # noqa: E731
    fd = _fd_jacobian(plain, p)
    if mode == "given":
        printed = {(r["fn"], r["arg"]): r["value"] for r in table}
        for (fn, arg), value in printed.items():
            if abs(float(value) - T.FUNCTIONS[fn](float(arg))) > 0.5e-4 + 1e-12:
                raise VerificationError(f"jacobian: printed {fn}({arg}) = {value} is not the truth rounded")
        rules = np.array([[T.plain_derivative(c, j, point, printed) for j in range(len(point))] for c in components])
        _agree("df/dx from the printed values", jac, rules, 1e-9)
        if np.max(np.abs(np.array(jac, float) - fd)) > 2e-3 * (1 + np.max(np.abs(fd))):
            raise VerificationError(f"jacobian: {np.array(jac, float).tolist()} is far from {fd.tolist()}")
        return
    _agree("f", values, plain(p), 1e-9)
    _agree("df/dx", jac, fd, 1e-6)


def _fd_jacobian(f, p: np.ndarray) -> np.ndarray:
    """The oracle's central differences, step 1e-6·max(1, |p_j|)."""
    columns = []
    for j in range(len(p)):
        step = np.zeros(len(p))
        step[j] = 1e-6 * max(1.0, abs(p[j]))
        columns.append((f(p + step) - f(p - step)) / (2 * step[j]))
    return np.column_stack(columns)


def _agree(what: str, got, expected, rtol: float) -> None:
    got, expected = np.array(got, dtype=float), np.array(expected, dtype=float)
    if got.shape != expected.shape or np.any(np.abs(got - expected) > rtol * (1 + np.abs(expected))):
        raise VerificationError(f"jacobian: {what}: engine {got.tolist()} != oracle {expected.tolist()}")


def _checked(values, jac) -> None:
    if any(not any(float(v) != 0 for v in row) for row in np.asarray(jac)) or \
            any(not any(float(v) != 0 for v in col) for col in np.asarray(jac).T):
        raise Redraw(RULE_ZERO_JACOBIAN)
    bounded(list(np.asarray(values).flat) + list(np.asarray(jac).flat), LIMIT)


def solve_general(f: list[list[dict]], point: list, mode: str) -> Draw:
    n = len(point)
    names, latex = [f"x{j + 1}" for j in range(n)], [f"x_{{{j + 1}}}" for j in range(n)]
    values, jac, table, texts = jacobian_of(f, names, point, mode)
    _checked(values, jac)
    _oracle(f, point, values, jac, mode, table)
    reject_zero_share(jac, RULE_ZERO_SHARE, most=1 / 3)
    partials = [[_partial(c, j) for j in range(n)] for c in f]
    context = {"form": "general", "mode": mode, "n": n, "m": len(f), "f": f, "names": latex, "point": point,
               "table": table}
    params = {"form": "general", "mode": mode, "components": texts, "variables": names,
              "point": [_json(v) for v in point], "printed": [_row_json(r) for r in table] or None}
    answers = (Answer("df/dx", r"\partial f/\partial x", jac),)
    return _draw(params, answers, context, {**context, "values": values, "jac": jac, "partials": partials}, mode)


def solve_chain(f: list[list[dict]], g: list[list[dict]], x: Fraction, mode: str) -> Draw:
    """x → f(x) = (f₁, f₂) → g(f): the chain rule as a product of Jacobians."""
    fx, df_dx, table_f, texts_f = jacobian_of(f, ["x"], [x], mode)
    inner = list(fx)
    gx, dg_df, table_g, texts_g = jacobian_of(g, ["f1", "f2"], inner, mode)
    dg_dx = dg_df @ df_dx  # the chain rule: (2×2)(2×1)
    for jac in (df_dx, dg_df):
        _checked(inner, jac)
    _checked(gx, dg_dx)
    _oracle(f, [x], fx, df_dx, mode, table_f)
    _oracle(g, inner, gx, dg_df, mode, table_g)
    # The whole chain differenced at x: the product must be the composition's derivative.
    if mode != "given":  # given: ∂g/∂f comes from printed values, checked against them above
        whole = _fd_jacobian(lambda v: np.array([T.plain(c, [T.plain(fc, [v[0]]) for fc in f]) for c in g]),
                             np.array([float(x)]))
        _agree("dg/dx = (dg/df)(df/dx)", dg_dx, whole, 1e-6)
    if mode != "exact":  # a student who rounds ∂f/∂x and ∂g/∂f to 4 decimals, then multiplies, is accepted
        rounded = lambda a: np.array([[round_to(v, 4) for v in row] for row in a], dtype=object)  # noqa: E731
        student = rounded(dg_df) @ rounded(df_dx)
        keys = Answer("dg/dx", "", dg_dx).entries(NUMBER_STYLE[mode])
        if not all(accepts(e, v) for e, v in zip(keys, student.flat)):
            raise Redraw("a student rounding to 4 decimals is accepted")
    context = {"form": "general_chain", "mode": mode, "f": f, "g": g, "x": x, "table": table_f + table_g}
    worked = {"fx": fx, "gx": gx, "df_dx": df_dx, "dg_df": dg_df, "dg_dx": dg_dx,
              "f_partials": [[_partial(c, 0)] for c in f], "g_partials": [[_partial(c, j) for j in range(2)] for c in g]}
    params = {"form": "general_chain", "mode": mode, "f": texts_f, "g": texts_g, "x": _json(x),
              "printed": [_row_json(r) for r in table_f + table_g] or None}
    answers = (Answer("f", "f(x)", fx), Answer("df/dx", r"\partial f/\partial x", df_dx),
               Answer("dg/df", r"\partial g/\partial f", dg_df), Answer("dg/dx", r"\partial g/\partial x", dg_dx))
    return _draw(params, answers, context, {**context, **worked}, mode)


def _partial(component: list[dict], var: int) -> dict:
    """A partial derivative for the key: its terms, and whether it is a constant (then shown once)."""
    terms = T.derivative(component, var)
    return {"terms": terms, "constant": all(t["kind"] == "mono" and not sum(t["powers"]) for t in terms)}


def _draw(params, answers, question, solution, mode: str) -> Draw:
    notes = {"calculator": ("Inputs are printed with 2 decimals; the answers are computed from them and shown to 4 "
                            "decimals.",),
             "given": ("The function values at the point are printed to 4 decimals; the key works from exactly "
                       "those.",)}.get(mode, ())
    return Draw(params, answers, question, solution, None, NUMBER_STYLE[mode], notes)


def _json(v):
    return str(v) if isinstance(v, Fraction) else round(float(v), 12)


def _row_json(row: dict) -> dict:
    return {"function": row["fn"], "argument": _json(row["arg"]), "value": _json(row["value"])}
