"""Equal difficulty across a class: per question, every student's variant must be comparable.

One structure per question (class_options) makes the same answers; it does not make the same work.
For each variant this module measures, from its JSON (a manifest row: parameters and answers):
the inactive ReLU units, the zeros among the answer entries, the fractions among them (exact
entries that are not whole), the largest denominator and the largest magnitude; and it flags two
equal rows or columns in a drawn matrix and a repeated entry in a drawn x.

The class's window per question is fixed before any student is drawn, from the secret alone:
PROBES variants drawn from the question's class seed give the median of each measure, and the
window is the median ± the preset's half-width (exam.spread: tight, normal, loose or off). Each
student's draw is redrawn (qgen.randomiser.draw_variant's accept hook, deterministic from the
student's seed) until it is inside the window, so the class's spread of each measure is at most
the window's width. The structure is never changed: only the numbers are drawn again.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from qgen.errors import QgenError

MEASURES = ("inactive", "zeros", "fractions", "denominator", "magnitude")
SPREADS = ("tight", "normal", "loose", "off")
# Half-widths of the window around the class median, per preset. inactive is always exact (0);
# denominator and magnitude are ratios (the window is median / r .. median · r).
PRESETS = {
    "tight": {"inactive": 0, "zeros": 1, "fractions": 1, "denominator": 2, "magnitude": 1.5},
    "normal": {"inactive": 0, "zeros": 2, "fractions": 2, "denominator": 3, "magnitude": 2},
    "loose": {"inactive": 0, "zeros": 4, "fractions": 4, "denominator": 6, "magnitude": 4},
}
RATIOS = ("denominator", "magnitude")
PROBES = 41  # class-seed variants that set a question's medians
RULE_LINES = "class: no two equal rows or columns in a drawn matrix"
RULE_X = "class: no repeated entries in a drawn x"


@dataclass(frozen=True)
class Window:
    """The bounds every student's variant of one question must meet."""

    low: dict  # measure -> smallest allowed value
    high: dict  # measure -> largest allowed value

    def rule(self, measures: dict) -> str | None:
        """The name of the first bound a variant breaks (a redraw rule), or None."""
        for m in MEASURES:
            if not self.low[m] - 1e-9 <= measures[m] <= self.high[m] + 1e-9:
                return f"class bounds: {m} {text(self.low[m])}..{text(self.high[m])}"
        return None

    def describe(self) -> str:
        return ", ".join(f"{m} {text(self.low[m])}..{text(self.high[m])}" for m in MEASURES)


def text(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def make_window(probes: list[dict], spread: str) -> Window:
    """The window around the probes' medians for the preset `spread`."""
    half = PRESETS[spread]
    low, high = {}, {}
    for m in MEASURES:
        centre = float(np.median([p[m] for p in probes]))
        if m == "denominator":  # whole numbers from 1
            low[m], high[m] = max(1, int(np.ceil(centre / half[m]))), max(1, int(np.floor(centre * half[m])))
        elif m in RATIOS:
            low[m], high[m] = float(f"{centre / half[m]:.3g}"), float(f"{centre * half[m]:.3g}")
        else:
            c = int(np.floor(centre))
            low[m], high[m] = max(0, c - half[m] // 2), c + half[m] - half[m] // 2
    return Window(low, high)


def measure(variant_json: dict) -> dict:
    """The measures of one variant, read from its JSON (parameters, answers)."""
    entries = [e for a in variant_json["answers"] for e in a["entries"]]
    exact = [Fraction(e["exact"]) for e in entries
             if e["asked"] == "exact" and e["exact"] and not e["exact"].startswith("ln")]
    fractions = [v for v in exact if v.denominator > 1]
    return {
        "inactive": inactive_units(variant_json),
        "zeros": sum(e["decimal"] == 0 for e in entries),
        "fractions": len(fractions),
        "denominator": max((v.denominator for v in fractions), default=1),
        "magnitude": max((abs(e["decimal"]) for e in entries), default=0.0),
    }


def measure_draw(draw) -> dict:
    """measure(), read from a draw itself (params, answers, number style) rather than its JSON:
    the same measures (tests/test_draw_screen.py), without writing every answer as JSON first.
    A draw's class check (qgen.exam.draw.acceptor) runs once per try."""
    entries = [e for a in draw.answers for e in a.entries(draw.number_style)]
    decimals = [round(float(e.key), 12) for e in entries]  # an entry's "decimal" (0.0 for -0.0)
    fractions = [e.key for e in entries if e.precision.exact and isinstance(e.key, Fraction) and e.key.denominator > 1]
    by_name = {a.name: a for a in draw.answers}

    def value(name, default=None):
        answer = by_name.get(name)
        return default if answer is None else answer.decimals()

    return {
        "inactive": _inactive(draw.params, value),
        "zeros": sum(d == 0 for d in decimals),
        "fractions": len(fractions),
        "denominator": max((v.denominator for v in fractions), default=1),
        "magnitude": max((abs(d) for d in decimals), default=0.0),
    }


def inactive_units(variant_json: dict) -> int:
    """ReLU units (or graph relu nodes, or entries of an elementwise ReLU gate) with input ≤ 0."""
    values = {a["name"]: a["decimal"] for a in variant_json["answers"]}
    return _inactive(variant_json["parameters"], values.get)


def _inactive(params: dict, value) -> int:
    """inactive_units from the parameters and value(name, default): an answer's decimals."""
    if "activations" in params:  # mlp: the pre-activations z1, z2, … are answers
        return sum(v <= 0 for l, act in enumerate(params["activations"], start=1) if act == "relu"
                   for v in np.ravel(value(f"z{l}", [])))
    if "nodes" in params:  # graph: a relu node at 0 had a negative input (kinks are never drawn)
        return sum(value(n) == 0 for n, sub in params["nodes"].items() if sub.startswith("relu("))
    if params.get("activation") in ("relu", "leaky_relu"):
        if params.get("form") == "composition":  # f = φ(s), g = φ(t): a ReLU's 0 is an inactive unit
            return sum(v == 0 for name in ("f", "g") for v in np.ravel(value(name, [])))
        return sum(float(Fraction(v)) < 0 for v in params.get("x") or [])
    return 0


def structure_rule(params: dict) -> str | None:
    """A drawn matrix with two equal rows or columns, or a drawn x with a repeated entry."""
    for M in matrices([params.get(k) for k in ("W", "w", "V")]):
        rows = [tuple(r) for r in M]
        columns = list(zip(*rows))
        if len(set(rows)) < len(rows) or len(set(columns)) < len(columns):
            return RULE_LINES
    x = params.get("x")
    if isinstance(x, list) and all(not isinstance(v, list) for v in x) and len(set(map(str, x))) < len(x):
        return RULE_X
    return None


def matrices(value) -> list:
    """Every matrix (a list of equally long lists of numbers) inside a JSON-like value."""
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(r, list) and r and not any(isinstance(v, (list, dict)) for v in r) for r in value):
            return [value] if len({len(r) for r in value}) == 1 else []
        return [m for v in value for m in matrices(v)]
    return []


def spread_line(number: int, kind: str, measured: list[dict]) -> str:
    """One line of the printout: each measure's smallest and largest value over the class."""
    parts = []
    for m in MEASURES:
        values = [d[m] for d in measured]
        parts.append(f"{m} {text(min(values))}..{text(max(values))}")
    return f"  question {number} ({kind}): " + ", ".join(parts)


def class_spread(config, rows_by_student: list) -> list[str]:
    """The printout (one line per question) of a drawn class; a class outside a question's bounds
    is refused with one line naming the option to loosen."""
    lines = [f"Spread over the class per question (exam.spread = {config.spread}):"]
    for q in config.questions:
        rows = [r for student in rows_by_student for r in student if r["question"] == q.number]
        measured = [measure(r) for r in rows]
        lines.append(spread_line(q.number, q.kind, measured))
        for row, m in zip(rows, measured):
            broken = q.window.rule(m) if q.window is not None else None
            if broken:
                raise QgenError(f"{config.path.name}: questions[{q.number}]: student {row['student_id']} is outside "
                                f"the class's bounds ({broken.removeprefix('class bounds: ')}); loosen exam.spread "
                                f"(now {config.spread!r}; tight, normal, loose or off)")
    return lines
