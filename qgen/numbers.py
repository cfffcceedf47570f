"""Numbers as users write them and as the engine keeps them.

A value is a `Fraction` when the whole computation stays rational, a `float` otherwise.
Users may write JSON numbers or strings such as "3/4", "-2", "0.25"; JSON decimals are read
as the decimal they spell (0.1 is 1/10), so a problem written in decimals can still be exact.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Union

import numpy as np

from qgen.errors import QgenError

Scalar = Union[Fraction, float]

# Bound on numerator and denominator of a number a user writes: keeps exact runs fast and
# the printed fractions readable. Anything larger is refused with a clear line.
MAX_DIGITS = 30


def parse_number(value: object, field: str) -> Fraction:
    """Read one user number (int, decimal text from JSON, or a string like "3/4") exactly."""
    if isinstance(value, bool) or value is None:
        raise QgenError(f"{field}: expected a number, got {_show(value)}")
    if isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise QgenError(f"{field}: expected a finite number, got {value}")
        result = Fraction(repr(value))
    elif isinstance(value, (str, Fraction)):
        text = str(value).strip()
        try:
            result = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise QgenError(
                f"{field}: expected a number such as 2, -0.25 or \"3/4\", got {_show(value)}"
            ) from None
    else:
        raise QgenError(f"{field}: expected a number, got {_show(value)}")
    if len(str(abs(result.numerator))) > MAX_DIGITS or len(str(result.denominator)) > MAX_DIGITS:
        raise QgenError(f"{field}: number too large or too fine (at most {MAX_DIGITS} digits), got {_show(value)}")
    return result


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def fraction_text(x: Fraction) -> str:
    """A reduced fraction as text: "-3/2", "4"."""
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def to_json(x: Scalar, exact: bool) -> object:
    """A value as `qgen solve` prints it: reduced-fraction text with --exact, else a JSON number."""
    if exact:
        return fraction_text(x)
    value = float(x)
    if value == 0:
        return 0.0  # never print -0.0
    return value


def array(values, exact: bool) -> np.ndarray:
    """A numpy array of Fractions (object dtype) when exact, float64 otherwise."""
    if exact:
        return np.array(values, dtype=object)
    return np.array(values, dtype=float)


def array_to_json(a: np.ndarray, exact: bool) -> list:
    """Nested lists of JSON values, keeping the array's shape."""
    if np.ndim(a) == 0:
        return to_json(a.item() if isinstance(a, np.ndarray) else a, exact)
    return [array_to_json(row, exact) for row in a]


class Ln:
    """An exact natural logarithm ln(arg) of a positive rational: a key such as ln(12/5), asked and
    printed exactly in exact mode (no calculator needed); its float is the decimal value."""

    __slots__ = ("arg",)

    def __init__(self, arg):
        arg = Fraction(arg)
        if arg <= 0:
            raise ValueError(f"ln of a non-positive number: {arg}")
        object.__setattr__(self, "arg", arg)

    def __setattr__(self, name, value):
        raise AttributeError("Ln is immutable")

    def __float__(self) -> float:
        return math.log(self.arg.numerator) - math.log(self.arg.denominator)

    def __eq__(self, other) -> bool:
        return isinstance(other, Ln) and other.arg == self.arg

    def __hash__(self) -> int:
        return hash(("ln", self.arg))

    def __str__(self) -> str:
        return f"ln({fraction_text(self.arg)})"

    __repr__ = __str__
