"""A reject rule shared by the kinds that print decimals: no scalar answer may be a number the
question sheet prints, or its negation, at the places it is printed (h = 0.5 printed and an answer
−0.5 would give the answer away, or look like a misprint)."""

from __future__ import annotations

from fractions import Fraction

from qgen.kinds.base import Redraw

RULE_PRINTED = "no scalar answer is a printed number or its negation"


def places(value: Fraction) -> int | None:
    """The decimal places a printed input shows (None: not a terminating decimal of ≤ 4 places)."""
    for p in range(5):
        if (value * 10**p).denominator == 1:
            return p
    return None


def reject_printed(scalars, printed) -> None:
    """Redraw when a non-integer scalar answer, rounded to a printed number's places, is that number
    or its negation (integers are everywhere on a sheet and left out)."""
    shown = {(p, abs(Fraction(v))) for v in printed if (p := places(Fraction(v))) and Fraction(v) != int(Fraction(v))}
    for answer in scalars:
        value = abs(Fraction(answer)) if not isinstance(answer, float) else Fraction(abs(answer))
        if value.denominator == 1:
            continue
        if any(Fraction(round(value, p)) == t for p, t in shown):
            raise Redraw(RULE_PRINTED)
