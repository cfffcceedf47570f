"""`qgen check`: a stress test with an oracle, in the spirit of R/exams' stresstest_exercise.

Draws N variants per kind without compiling anything. Every draw already runs its oracle (an
independent float64 recomputation); here each variant is also drawn a second time from its child
seed, and must give the same answers (a key can always be regenerated). Reports per kind the
failures, the redraws and the rules behind them, the range of the answers, the time per variant,
and the share of variants with a zero in a weight matrix, in x or in δ (see `zeros`), so that
degenerate draws can be watched (`watched_numbers`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from qgen.errors import QgenError, VerificationError
from qgen.randomiser import child_seeds, draw_variant


@dataclass
class KindReport:
    kind: str
    variants: int = 0
    failures: list[str] = field(default_factory=list)
    redraws: Counter = field(default_factory=Counter)
    smallest: float = float("inf")  # smallest nonzero |answer|
    largest: float = 0.0  # largest |answer|
    seconds: float = 0.0
    having: Counter = field(default_factory=Counter)  # WATCHED -> variants that have it at all
    with_zero: Counter = field(default_factory=Counter)  # WATCHED -> variants with a 0 in it

    def zero_share(self, what: str) -> float | None:
        """The share of variants with a zero in `what` (one of WATCHED), among those that have it."""
        return self.with_zero[what] / self.having[what] if self.having[what] else None

    def line(self) -> str:
        rules = ", ".join(f"{rule}: {n}" for rule, n in self.redraws.most_common()) or "none"
        span = "none" if self.largest == 0 else f"{self.smallest:.3g} .. {self.largest:.3g}"
        per = 1000 * self.seconds / max(self.variants, 1)
        shares = ", ".join(f"{what} {'-' if share is None else f'{share:.0%}'}"
                           for what, share in ((w, self.zero_share(w)) for w in WATCHED))
        return (f"{self.kind:<11} {self.variants} variants, {len(self.failures)} failures, "
                f"{sum(self.redraws.values())} redraws ({rules}), |answers| {span}, {per:.1f} ms/variant, "
                f"variants with a zero in: {shares}")


# What `qgen check` watches for zeros, read from any kind's Draw (see `watched_numbers`).
WATCHED = ("W", "x", "δ")
WEIGHTS = ("W", "w", "V")  # the parameters that hold weight matrices


def check_kind(kind: str, count: int, seed: int, options: dict, progress=None) -> KindReport:
    report = KindReport(kind)
    start = time.perf_counter()
    for child in child_seeds(seed, count):
        report.variants += 1
        try:
            variant = draw_variant(kind, child, options)
            again = draw_variant(kind, child, options)
            if _answers(variant) != _answers(again):
                raise VerificationError("drawing again from the same child seed gave other answers")
        except (VerificationError, QgenError) as e:
            report.failures.append(f"seed {child}: {e}")
        else:
            report.redraws.update(variant.redraw_rules)
            for what, numbers in watched_numbers(variant.draw).items():
                report.having[what] += bool(numbers)
                report.with_zero[what] += any(_is_zero(v) for v in numbers)
            for answer in variant.draw.answers:
                for value in np.asarray(answer.value, dtype=object).flat:
                    size = abs(float(value))
                    report.largest = max(report.largest, size)
                    if size:
                        report.smallest = min(report.smallest, size)
        if progress:
            progress(1)
    report.seconds = time.perf_counter() - start
    return report


def _answers(variant) -> str:
    return json.dumps([a.to_json(variant.draw.number_style) for a in variant.draw.answers], sort_keys=True)


def watched_numbers(draw) -> dict[str, list]:
    """The numbers `qgen check` watches for zeros, read from any kind's parameters and answers:
    W: the weight matrices, parameters named W, w or V (a matrix, or a list of them, one per layer);
    x: the input, parameters["x"] or a graph's input values;
    δ: the upstream gradients, a given parameters["delta"] and the answers δ (delta1, …), ∂L/∂z,
    and a graph's ∂f/∂(node or input)."""
    params = draw.params
    values = params.get("values") if isinstance(params.get("values"), dict) else {}
    graph_nodes = set(values) | set(params.get("nodes") or ())
    upstream = [a.value for a in draw.answers
                if a.name.startswith(("delta", "dL/dz")) or (a.name.startswith("df/d") and a.name[4:] in graph_nodes)]
    return {
        "W": _flat(_matrices([params[k] for k in WEIGHTS if k in params])),
        "x": _flat([params.get("x"), list(values.values())]),
        "δ": _flat([params.get("delta"), upstream]),
    }


def _matrices(value) -> list:
    """Every matrix (a list of equally long lists of numbers) inside a JSON-like value."""
    if isinstance(value, dict):
        return [m for v in value.values() for m in _matrices(v)]
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(row, (list, tuple)) and row and not any(isinstance(v, (list, tuple, dict)) for v in row)
               for row in value):
            return [value]
        return [m for v in value for m in _matrices(v)]
    return []


def _flat(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim):
        return [v for item in value for v in _flat(item)]
    return [value]


def _is_zero(value) -> bool:
    """A drawn number as the kinds keep it: a Fraction, a float, or the text of one ("-3/4", "0.00")."""
    if isinstance(value, str):
        return Fraction(value) == 0
    return abs(float(value)) < 1e-12
