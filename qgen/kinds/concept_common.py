"""The pieces every `concepts` template shares: an option (Choice), a drawn template (Concept),
drawing small integers, and the comparisons that find the engine's and the oracle's option.

A template draws its numbers or structure, asks the engine for the true value (`truth`), computes
the same value independently in float64 or from the conventions' formulas (`oracle`), and lists
its options: the right one and the named mistakes (transpose, sign, f for f', missing Diag f', ...).
The kind (qgen.kinds.concepts) finds the one option equal to the engine's value and the one the
oracle picks, and refuses the draw unless both are the option the template meant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from qgen.kinds.base import Redraw
from qgen.numbers import fraction_text

RULE_DISTINCT = "the options of a concept question all differ"
ORACLE_ATOL = 1e-6  # finite differences at h = 1e-5 err by ~1e-10 here; options differ by at least 1/100


@dataclass(frozen=True)
class Choice:
    """One option: its value (a Fraction, an array, a name, a set of units, a shape claim, a
    truth value), how the sheet shows it (`show`) and the mistake it stands for ("correct" for
    the option the template means to be right)."""

    value: Any
    show: str  # "math", "vector", "matrix", "var", "units", "gate", "claim", "tf"
    mistake: str


@dataclass(frozen=True)
class Concept:
    template: str
    given: dict  # the numbers for the stem (and the key); words in it are the same for every draw
    choices: tuple[Choice, ...]  # in the template's order; the kind shuffles them
    truth: Any  # the engine's value of the asked quantity
    oracle: Any  # the same, computed without the engine (float64, finite differences, formulas)
    worked: dict = field(default_factory=dict)  # the engine's intermediate numbers for the key
    truefalse: bool = False


def ints(rng: np.random.Generator, count: int, low: int, high: int, nonzero: bool = True) -> list[Fraction]:
    """`count` integers in [low, high] (nonzero unless told), as Fractions."""
    out = []
    while len(out) < count:
        v = int(rng.integers(low, high + 1))
        if v or not nonzero:
            out.append(Fraction(v))
    return out


def matrix(rng: np.random.Generator, rows: int, cols: int, low: int = -3, high: int = 3) -> np.ndarray:
    return np.array(ints(rng, rows * cols, low, high), dtype=object).reshape(rows, cols)


def vector(rng: np.random.Generator, n: int, low: int = -3, high: int = 3) -> np.ndarray:
    return np.array(ints(rng, n, low, high), dtype=object)


def exact_equal(a, b) -> bool:
    """Equal values (exact: Fractions, arrays of them, names, sets, shapes, truth values)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        A, B = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        return A.shape == B.shape and A.tolist() == B.tolist()
    return type(a) is type(b) and a == b


def close(a, b) -> bool:
    """The oracle's comparison: numbers within ORACLE_ATOL, everything else equal."""
    if isinstance(a, (Fraction, int, float, np.ndarray)) and not isinstance(a, bool):
        try:
            A, B = np.array(a, dtype=float), np.array(b, dtype=float)
        except (TypeError, ValueError):
            return False
        return A.shape == B.shape and bool(np.all(np.abs(A - B) <= ORACLE_ATOL))
    return a == b


def require_distinct(choices) -> None:
    """Redraw when two options coincide (a question with two right options)."""
    for i, a in enumerate(choices):
        for b in choices[i + 1:]:
            if exact_equal(a.value, b.value):
                raise Redraw(RULE_DISTINCT)


def to_json(value):
    """A drawn value for Draw.params: Fractions as "3/2", arrays as lists, sets as sorted lists."""
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, Fraction):
        return fraction_text(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 12)
    return value
