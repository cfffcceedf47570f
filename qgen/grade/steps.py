"""Follow-through as data: every asked value is the output of one engine step, a rule on named
inputs (other answers, or values the sheet gives). The grader recomputes a step from the student's
own inputs; it never knows which kind it marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Step:
    output: str  # the value it computes (an answer's name, or an unasked value in the chain)
    inputs: tuple[str, ...]  # the values it reads
    rule: Callable  # the engine's rule: input values -> output value
    gate: str  # the gate-table row, for the report
    mistakes: tuple[tuple[str, Callable], ...] = ()  # (name, mistaken rule on the same inputs)


@dataclass(frozen=True)
class Problem:
    """One question's chain: the engine's value of every named quantity and the steps between them."""

    exact: bool  # exact rational arithmetic (the student's values stay Fractions)
    values: dict[str, object]  # name -> the engine's value (givens, unasked intermediates, keys)
    steps: dict[str, Step] = field(default_factory=dict)

    def cast(self, value) -> np.ndarray | object:
        """An array (or scalar) in the problem's arithmetic."""
        arr = np.asarray(value, dtype=object)
        if not self.exact:
            arr = arr.astype(float)
        return arr if arr.ndim else arr.item()


def chain(*steps: Step) -> dict[str, Step]:
    return {s.output: s for s in steps}
