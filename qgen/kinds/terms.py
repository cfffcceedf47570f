"""Functions written as sums of terms, for questions whose functions are drawn: a monomial
c·v₁^p₁·v₂^p₂·… or c·g(b·v) with g = exp, sigmoid or tanh. A term list gives the text in the graph
kind's syntax (the engine parses and solves it), its derivative term by term (for the key's
symbolic line; the values come from the engine), and the oracle's own float64 evaluation.

A term is a dict: {"kind": "mono", "coef": c, "powers": [p₁, …]} or {"kind": "exp" | "sigmoid" |
"tanh", "var": index, "coef": c, "b": b}; a derivative term's kind is "dexp", "dsigmoid", "dtanh".
"""

from __future__ import annotations

import math
from fractions import Fraction

FUNCTIONS = {"exp": math.exp, "sigmoid": lambda a: 1 / (1 + math.exp(-a)), "tanh": math.tanh}


def text(terms: list[dict], names: list[str]) -> str:
    """The sum in graph syntax, e.g. "2*x1**2*x2 - 3*sigmoid(2*x1)" ("0" for no terms)."""
    out = ""
    for t in terms:
        c = t["coef"]
        if t["kind"] == "mono":
            factors = [f"{n}**{p}" if p > 1 else n for n, p in zip(names, t["powers"]) if p]
        else:
            factors = [f"{t['kind']}({t['b']}*{names[t['var']]})"]
        body = "*".join(([str(abs(c))] if abs(c) != 1 or not factors else []) + factors)
        out += (("-" if c < 0 else "") if not out else (" - " if c < 0 else " + ")) + body
    return out or "0"


def derivative(terms: list[dict], var: int) -> list[dict]:
    """∂/∂v_var of the sum, term by term (terms that do not contain v_var drop out)."""
    out = []
    for t in terms:
        if t["kind"] == "mono":
            p = t["powers"][var]
            if p:
                powers = list(t["powers"])
                powers[var] -= 1
                out.append({"kind": "mono", "coef": t["coef"] * p, "powers": powers})
        elif t["var"] == var:
            out.append({**t, "kind": "d" + t["kind"], "coef": t["coef"] * t["b"]})
    return out


def uses(terms: list[dict], var: int) -> bool:
    return bool(derivative(terms, var))


def plain(terms: list[dict], values: list) -> float:
    """The oracle's own float64 value of the sum at the point `values` (no engine code)."""
    total = 0.0
    for t in terms:
        if t["kind"] == "mono":
            total += float(t["coef"]) * math.prod(float(v) ** p for v, p in zip(values, t["powers"]))
        else:
            total += float(t["coef"]) * FUNCTIONS[t["kind"]](float(t["b"]) * float(values[t["var"]]))
    return total


def plain_derivative(terms: list[dict], var: int, values: list, printed: dict | None = None) -> float:
    """The oracle's ∂/∂v_var from the derivative rules, with g(b·v) read from `printed`
    ((kind, argument) -> printed value) when given, else computed."""
    total = 0.0
    for d in derivative(terms, var):
        if d["kind"] == "mono":
            total += float(d["coef"]) * math.prod(float(v) ** p for v, p in zip(values, d["powers"]))
            continue
        arg = d["b"] * values[d["var"]]
        fn = d["kind"][1:]
        s = float(printed[(fn, arg)]) if printed is not None else FUNCTIONS[fn](float(arg))
        total += float(d["coef"]) * {"exp": s, "sigmoid": s * (1 - s), "tanh": 1 - s * s}[fn]
    return total


def printed_values(graph, terms: list[dict], values: list, places: int = 4) -> tuple[dict, list[dict]]:
    """Given mode: each function node of the parsed sum at the point, rounded to `places` decimals:
    (node id -> value, for solve_expression's `printed`), and the table rows for the sheet."""
    printed, rows = {}, []
    fns = iter([t for t in terms if t["kind"] != "mono"])
    for node in graph.nodes:
        if node.op in FUNCTIONS:
            t = next(fns)
            arg = t["b"] * values[t["var"]]
            printed[node.id] = Fraction(round(Fraction(FUNCTIONS[node.op](float(arg))), places))
            rows.append({"fn": node.op, "arg": arg, "value": printed[node.id]})
    return printed, rows
