"""Numbers as users write them and as the engine keeps them.

A value is a `Fraction` when the whole computation stays rational, a `float` otherwise.
Users may write JSON numbers or strings such as "3/4", "-2", "0.25"; JSON decimals are read
as the decimal they spell (0.1 is 1/10), so a problem written in decimals can still be exact.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Union

import numpy as np

from qgen.errors import QgenError

Scalar = Union[Fraction, float]

# The range of a number a user writes (README, "Limits"). Every written number is checked as
# text BEFORE it is converted: Python's int() of a 5,000-digit string and Fraction("1e99999999")
# take seconds to forever, so the text's length and exponent are bounded first.
MAX_DIGITS = 30  # digits of the numerator and of the denominator of the exact value
MAX_EXPONENT = 30  # |e| in 1.5e-3
MAX_NUMBER_TEXT = 80  # characters of one written number
_EXPONENT = re.compile(r"[eE]([+-]?[\d_]+)")  # as Fraction() reads it: underscores allowed


class NumberRangeError(ValueError):
    """A written number outside the documented range (its message says which bound)."""


def check_number_text(text: str) -> None:
    """Refuse, without converting it, a written number whose size alone would be a problem."""
    text = text.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise NumberRangeError(f"a number of {len(text):,} characters (at most {MAX_NUMBER_TEXT})")
    match = _EXPONENT.search(text)
    if match and match.group(1).strip("+-_"):
        exponent = int(match.group(1).replace("_", ""))  # at most MAX_NUMBER_TEXT digits: instant
        if abs(exponent) > MAX_EXPONENT:
            raise NumberRangeError(f"exponent {exponent} out of range (at most ±{MAX_EXPONENT})")


def check_int_range(value: int) -> None:
    """An integer (already converted, e.g. from TOML) within the digits bound, checked without str()."""
    if value.bit_length() > 4 * MAX_DIGITS:  # 2**120 > 10**30: no digit count of a huge int needed
        raise NumberRangeError(f"more than {MAX_DIGITS} digits")


def exact_number(text) -> Fraction:
    """The exact value of a written number ("3/4", "-0.25", "1e-3", 7), within the documented range.

    Raises NumberRangeError (a ValueError) outside the range, ValueError if it is no number."""
    if isinstance(text, int) and not isinstance(text, bool):
        check_int_range(text)
        result = Fraction(text)
    else:
        text = str(text)
        check_number_text(text)
        try:
            result = Fraction(text.strip())
        except ZeroDivisionError:
            raise ValueError("division by zero") from None
    if result.numerator.bit_length() > 4 * MAX_DIGITS or result.denominator.bit_length() > 4 * MAX_DIGITS \
            or len(str(abs(result.numerator))) > MAX_DIGITS or len(str(result.denominator)) > MAX_DIGITS:
        raise NumberRangeError(f"too large or too fine (at most {MAX_DIGITS} digits above and below the fraction bar)")
    return result


def parse_number(value: object, field: str) -> Fraction:
    """Read one user number (int, decimal text from JSON, or a string like "3/4") exactly."""
    if isinstance(value, bool) or value is None:
        raise QgenError(f"{field}: expected a number, got {_show(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QgenError(f"{field}: expected a finite number, got {value}")
        value = repr(value)
    if not isinstance(value, (int, str, Fraction)):
        raise QgenError(f"{field}: expected a number, got {_show(value)}")
    try:
        return exact_number(value)
    except NumberRangeError as e:
        raise QgenError(f"{field}: number out of range: {e}; got {_show(value)}") from None
    except ValueError:
        raise QgenError(f"{field}: expected a number such as 2, -0.25 or \"3/4\", got {_show(value)}") from None


def _show(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * MAX_DIGITS:
        return f"a number of more than {MAX_DIGITS} digits"  # repr() of a huge int is itself slow or refused
    text = repr(value) if not isinstance(value, str) or len(value) <= 40 else repr(value[:40])
    return text if len(text) <= 40 else text[:37] + "..."


def fraction_text(x: Fraction) -> str:
    """A reduced fraction as text: "-3/2", "4"."""
    if type(x) is not Fraction:  # (a Fraction is reduced already: no copy to make)
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


def read_share(text, field: str) -> Fraction:
    """A share from 0 to 1 as a user writes it (1, 0.5, "1/2"): qgen grade's follow-through."""
    try:
        check_number_text(str(text))  # before converting: Fraction("1e99999999") would not return
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise QgenError(f"{field}: expected a number from 0 to 1 such as 1, 0.5 or 1/2, got {text!r}") from None
    if not 0 <= value <= 1:
        raise QgenError(f"{field}: expected a number from 0 to 1, got {text!r}")
    return value
