"""`qgen check`: a stress test with an oracle, in the spirit of R/exams' stresstest_exercise.

Draws N variants per kind without compiling anything. Every draw already runs its oracle (an
independent float64 recomputation); here each variant is also drawn a second time from its child
seed, and must give the same answers (a key can always be regenerated). Reports per kind the
failures, the redraws and the rules behind them, the range of the answers and the time per variant.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

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

    def line(self) -> str:
        rules = ", ".join(f"{rule}: {n}" for rule, n in self.redraws.most_common()) or "none"
        span = "none" if self.largest == 0 else f"{self.smallest:.3g} .. {self.largest:.3g}"
        per = 1000 * self.seconds / max(self.variants, 1)
        return (f"{self.kind:<11} {self.variants} variants, {len(self.failures)} failures, "
                f"{sum(self.redraws.values())} redraws ({rules}), |answers| {span}, {per:.1f} ms/variant")


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
