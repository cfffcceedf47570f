"""The practice page's hint ladder for each answer, read off the engine's chain (qgen.grade.chains):
1. the rule: the row of the note's gate table and its formula, in symbols (templates/html/hint_rules.json);
2. the pieces: what the step uses, by name, and where each comes from (the question, an earlier answer);
3. the numbers: the pieces' values (an earlier answer's only once the student has it: the page
   shows it when that answer's boxes are right or revealed);
4. the solution: the answer's key.
A rung never holds an answer of the question the student has not been given: a piece whose values
are another answer's (or its diagonal) is shown as that answer, under the same condition."""

from __future__ import annotations

import html
import json
import re
from fractions import Fraction
from importlib import resources

import numpy as np

from qgen.answers import decimal_text
from qgen.grade.chains import problem_for
from qgen.latex_html import math
from qgen.numbers import Ln, fraction_text
from qgen.page_mistakes import resolve
from qgen.randomiser import Variant, options_json

_RULES = json.loads(resources.files("qgen.templates").joinpath("html", "hint_rules.json").read_text(encoding="utf-8"))["rules"]


def rule_for(kind: str, name: str, gate: str) -> dict:
    return next(r for r in _RULES if re.search(r["kind"], kind) and re.search(r["name"], name)
                and re.search(r["gate"], gate))


def hints(v: Variant, form_ids: dict[str, str]) -> dict[str, dict]:
    """answer name -> {"row", "formula" (HTML), "pieces": [{"label", "source", "needs", "value"}],
    "solution" (HTML)}; `form_ids`: answer name -> the id of its form on the page."""
    problem = problem_for(v.kind, v.draw.params, options_json(v.options))
    labels = {a.name: a.label for a in v.draw.answers}
    asked = {a.name: _flat(a.value) for a in v.draw.answers}
    out = {}
    for answer in v.draw.answers:
        step = problem.steps.get(answer.name)
        rule = rule_for(v.kind, answer.name, step.gate if step else str(v.draw.params.get("template", "")))
        pieces = []
        for name in (step.inputs if step else ()):
            value = resolve(problem, name)
            printed = name in v.draw.params or name in (v.draw.params.get("values") or {}) or v.kind == "graph"
            same = name if name in asked else None if printed else _answer_with(value, asked, exclude=answer.name)
            pieces.append({
                "label": _inline(labels.get(name) or _symbol(v.kind, name)),
                "source": ("your answer " if same == name else "the same values as your answer ") + _inline(labels[same])
                if same else "given on the sheet" if printed else "from the question's values",
                "needs": form_ids[same] if same else "",
                "value": "" if value is None else math(f"{labels.get(name) or _symbol(v.kind, name)} = {_latex(value)}"),
            })
        out[answer.name] = {
            "row": _text(rule["row"]), "formula": math(rule["formula"], display=True), "pieces": pieces,
            "solution": math(f"{answer.label} = {_latex(answer.value)}"),
        }
    return out


def _flat(value) -> list[float]:
    try:
        return [float(x) for x in np.asarray(value, dtype=object).reshape(-1)]
    except (TypeError, ValueError):
        return []


def _answer_with(value, asked: dict[str, list], exclude: str) -> str | None:
    """The asked answer whose values (or the diagonal of whose matrix) these values are."""
    if value is None:
        return None
    mine = _flat(value)
    for name, key in asked.items():
        if name == exclude or not key:
            continue
        n = int(round(len(key) ** 0.5))
        diagonal = [key[i * n + i] for i in range(n)] if n * n == len(key) and n > 1 else None
        if _close(mine, key) or (diagonal and _close(mine, diagonal)):
            return name
    return None


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 1e-9 * (1 + abs(y)) for x, y in zip(a, b))


def _number(x) -> str:
    if isinstance(x, Ln):
        return rf"\ln({fraction_text(x.arg)})"
    if isinstance(x, (Fraction, int, np.integer)):
        f = Fraction(x)
        text = rf"\frac{{{abs(f.numerator)}}}{{{f.denominator}}}" if f.denominator != 1 else str(abs(f.numerator))
        return ("-" if f < 0 else "") + text
    return decimal_text(x, 4)


def _latex(value) -> str:
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        return _number(arr.item())
    rows = [arr] if arr.ndim == 1 else arr
    rows = [[x] for x in arr] if arr.ndim == 1 else rows
    return r"\begin{bmatrix}" + r"\\".join(" & ".join(_number(x) for x in row) for row in rows) + r"\end{bmatrix}"


def _symbol(kind: str, name: str) -> str:
    """A chain's value by its symbol, for a value no answer names: x, δ, f'(x), n_3, z^{[1]}."""
    fixed = {"x": "x", "delta": r"\delta", "yhat": r"\hat y", "y": "y", "f'(x)": "f'(x)"}
    if name in fixed:
        return fixed[name]
    m = re.fullmatch(r"(d[A-Za-z]/d)?([A-Za-z]+)(\d+)", name)
    if m:
        base = {"delta": r"\delta", "yhat": r"\hat y"}.get(m.group(2), m.group(2))
        sym = f"{base}_{{{m.group(3)}}}" if kind == "graph" else f"{base}^{{[{m.group(3)}]}}"
        return rf"\partial {m.group(1)[1]}/\partial {sym}" if m.group(1) else sym
    return re.sub(r"^d([A-Za-z])/d(.+)$", r"\\partial \1/\\partial \2", name)


def _inline(latex: str) -> str:
    return math(latex)


def _text(row: str) -> str:
    """A row's text with its $…$ math as MathML (the rest escaped)."""
    parts = re.split(r"(\$[^$]*\$)", row)
    return "".join(math(p[1:-1]) if p.startswith("$") else html.escape(p) for p in parts)
