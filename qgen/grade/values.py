"""A value as a grader types it into the responses sheet: 2, -0.25, -3/4, ln(12/5), or blank."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from qgen.numbers import Ln

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:/\d+)?"
_PLAIN = re.compile(_NUMBER)
_LOG = re.compile(rf"ln\(\s*({_NUMBER})\s*\)")
EXPECTED = "expected a number such as 2, -0.25, -3/4 or ln(12/5)"


@lru_cache(maxsize=65536)  # answers repeat across a class; Fractions and Ln are immutable
def parse_value(text: str) -> Fraction | Ln | None:
    """The exact value the grader typed (decimals read as the decimal they spell), None when blank.
    Raises ValueError with what was expected."""
    text = text.strip().replace("\u2212", "-").replace(" ", "")
    if not text:
        return None
    try:
        if _PLAIN.fullmatch(text):
            return Fraction(text)
        log = _LOG.fullmatch(text.lower())
        if log:
            return Ln(Fraction(log.group(1)))
    except (ValueError, ZeroDivisionError):
        pass
    raise ValueError(f"{EXPECTED}, got {text!r}")


def number(value) -> Fraction | float:
    """A parsed value as the engine computes with it: an exact logarithm becomes its float."""
    return float(value) if isinstance(value, Ln) else value
