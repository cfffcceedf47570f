"""The answer model: every number a student writes is an entry, and one rule decides it.

An asked answer (a kind's `Answer`: a scalar, a vector or a matrix) is split into entries, one per
number, named `<answer>` for a scalar and `<answer>[i]` / `<answer>[i,j]` (1-based) otherwise.
Each entry has its key (an exact Fraction when rational, an exact logarithm `Ln`, or a float), the
precision the sheet asks for, and the one acceptance rule

    accepted  ⇔  |v − key| ≤ atol + rtol·|key|

used by the keys, answers.json, the manifest and grading alike. The two precisions:

- exact (exact-mode questions whose key is rational): the integer or reduced fraction; its decimal
  to 2 places is accepted too, so atol = 0.005 (half a unit in the 2nd place) and rtol = 0.
- decimal (given and calculator modes, and every key that is not rational, such as ln(12/5)):
  4 decimal places. atol = 0.0002 and rtol = 0.005: the correctly rounded answer is off by at
  most 0.00005, and a student who rounds every intermediate result to 4 decimals drifts further
  (up to 0.0009 on keys near 3 over 44,000 simulated mlp entries, all inside this rule:
  tests/test_answers.py simulates that student on every run). A value off in sign, by a factor,
  or by one unit in its second significant digit is not accepted, because the draws keep every
  nonzero decimal key at least MIN_DECIMAL = 0.01 in size (a reject rule), and one unit of the
  second significant digit of a key k ≥ 0.01 is at least 0.01·k > 0.0002 + 0.005·k.

With keys at least MIN_DECIMAL (decimal) or exact fractions (exact), 0 is accepted only when the
key itself is 0. Comparisons are made in exact rational arithmetic, so a correctly rounded answer
on the boundary (0.13 for 1/8) is never lost to a float rounding error.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

import numpy as np

from qgen.numbers import Ln, fraction_text

Key = Union[Fraction, float, Ln]


def _plain(x: Fraction) -> str:
    return format(float(x), "g") if x else "0"


@dataclass(frozen=True)
class Precision:
    exact: bool  # the key is asked as an integer or reduced fraction
    places: int  # decimal places asked (exact: a decimal to this many places is accepted too)
    atol: Fraction
    rtol: Fraction

    def rule(self, latex: bool = False) -> str:
        """The rule in words, the same on every sheet, key and file that states it (`latex`: the
        same words with the inequality typeset)."""
        atol, rtol = _plain(self.atol), _plain(self.rtol)
        if self.exact and not self.rtol:
            return (f"the exact integer or fraction; a decimal within {atol} of the key "
                    f"({self.places} decimal places) is accepted too")
        inequality = (rf"$|v - \text{{key}}| \le {atol} + {rtol}\,|\text{{key}}|$" if latex
                      else f"|v - key| <= {atol} + {rtol}*|key|")
        if self.exact:
            return f"the exact logarithm, or {self.places} decimal places accepted when {inequality}"
        return f"{self.places} decimal places; a value v is accepted when {inequality}"

    def ask(self) -> str:
        """What the question sheet asks for, in the student's words."""
        if self.exact and not self.rtol:
            return "Give exact integers or fractions (a decimal to 2 places is accepted too)."
        if self.exact:
            return "Give a logarithm exactly, such as ln(12/5) (or its value to 4 decimal places)."
        return f"Give your answers to {self.places} decimal places."

    def to_json(self) -> dict:
        return {"asked": "exact" if self.exact else "decimal", "places": self.places,
                "atol": float(self.atol), "rtol": float(self.rtol)}


EXACT = Precision(exact=True, places=2, atol=Fraction(1, 200), rtol=Fraction(0))
DECIMAL = Precision(exact=False, places=4, atol=Fraction(2, 10_000), rtol=Fraction(5, 1000))
EXACT_LOG = Precision(exact=True, places=DECIMAL.places, atol=DECIMAL.atol, rtol=DECIMAL.rtol)  # ln(12/5)
MIN_DECIMAL = Fraction(1, 100)  # smallest nonzero decimal key a draw may ask (see module doc)
RULE_TOO_SMALL = "no nonzero decimal answer below 0.01 (too small for 4 decimals)"


@dataclass(frozen=True)
class Entry:
    """One number a student writes."""

    name: str  # "dL/dW1[2,1]"; the exam prefixes "q<k>."
    answer: str  # the answer it belongs to ("dL/dW1")
    index: tuple[int, ...]  # 1-based position in the answer; () for a scalar
    key: Key
    precision: Precision

    @property
    def exact(self) -> bool:
        return self.precision.exact

    def key_text(self) -> str:
        """The key as the sheet asks for it: "-3/4", "ln(12/5)", "0.0180" (made once: the sheet,
        the key, the summary and the manifest all print it)."""
        text = self.__dict__.get("_key_text")
        if text is None:
            text = self.__dict__["_key_text"] = self._key_text()
        return text

    def _key_text(self) -> str:
        if isinstance(self.key, Fraction) and self.precision.exact:
            return fraction_text(self.key)
        if isinstance(self.key, Ln) and self.precision.exact:
            return str(self.key)
        return decimal_text(self.key, self.precision.places)

    def to_json(self) -> dict:
        exact = fraction_text(self.key) if isinstance(self.key, Fraction) else (
            str(self.key) if isinstance(self.key, Ln) else None)
        return {"name": self.name, "key": self.key_text(), "exact": exact, "decimal": _decimal(self.key),
                **self.precision.to_json()}


def precision_for(number_style: str, value) -> Precision:
    """Exact-mode questions ask rational keys exactly; everything else to 4 decimals."""
    if number_style == "fraction" and isinstance(value, Ln):
        return EXACT_LOG
    if number_style == "fraction" and isinstance(value, (Fraction, int)):
        return EXACT
    return DECIMAL


def entries(name: str, value, number_style: str) -> list[Entry]:
    """The entries of one asked answer, in reading order (row by row)."""
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        v = _key(arr.item())
        return [Entry(name, name, (), v, precision_for(number_style, v))]
    out = []
    # 1-based positions in row order, beside the values in the same (C) order
    for one_based, v in zip(itertools.product(*(range(1, n + 1) for n in arr.shape)), arr.flat):
        v = _key(v)
        out.append(Entry(f"{name}[{','.join(map(str, one_based))}]", name, one_based, v,
                         precision_for(number_style, v)))
    return out


def accepts(entry: Entry, value) -> bool:
    """The one acceptance rule: |v − key| ≤ atol + rtol·|key|, in exact arithmetic."""
    return abs(rational(value) - exact_key(entry)) <= allowed_error(entry)


def exact_key(entry: Entry) -> Fraction:
    """The key as an exact rational (a float or logarithm key: the decimal its float spells)."""
    return rational(entry.key)


def allowed_error(entry: Entry) -> Fraction:
    """How far from the key the rule accepts: atol + rtol·|key|."""
    p = entry.precision
    return p.atol + p.rtol * abs(exact_key(entry))


def too_small(entry: Entry) -> bool:
    """A nonzero decimal key below MIN_DECIMAL: 0 or a value off by a factor could pass the rule."""
    return not entry.exact and 0 < abs(rational(entry.key)) < MIN_DECIMAL


def decimal_text(value, places: int) -> str:
    """A value at `places` decimals with trailing zeros: 0.0180, -1.3000; never "-0.0000". An
    integer is exact at every precision and prints as one: 3, not 3.0000."""
    f = float(value)
    if f.is_integer():
        return str(int(f))
    text = f"{f:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _key(v) -> Key:
    if isinstance(v, (Fraction, Ln)):
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return Fraction(int(v))
    return float(v)


def rational(v) -> Fraction:
    """The exact rational the rule compares for a key or a value: a float as the decimal it spells,
    an Ln as its float (also what the practice page's JavaScript copy of `accepts` is given)."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    f = float(v)
    if not math.isfinite(f):
        raise ValueError(f"not a finite number: {v!r}")
    return Fraction(repr(f))  # the decimal the float spells: 0.13 is 13/100, as the student wrote it


def _decimal(v) -> float:
    value = round(float(v), 12)
    return 0.0 if value == 0 else value
