"""Answer entries as Moodle cloze sub-questions: {weight:NUMERICAL:=value:tolerance}.

Moodle's NUMERICAL sub-question accepts a response r when |r − value| ≤ tolerance, with a decimal
value and an absolute tolerance. Both come from the one acceptance rule (qgen.answers): value is
the key as a decimal (VALUE_PLACES places; exact for every terminating key), and the tolerance is
the rule's allowed error atol + rtol·|key| less the rounding of that decimal, cut down to
TOLERANCE_PLACES. So Moodle's interval always lies inside the rule's, and holds the key rounded to
the asked places. An exact fraction (1/3) is asked as its decimal: Moodle cannot read a fraction.

Weights: every asked answer (a part: a scalar, a vector or a matrix) weighs the same, and its
entries share it equally. Moodle's weights are whole numbers, so a part weighs the least common
multiple of the entry counts; only the ratios matter (the quiz sets the question's mark).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from qgen.answers import Entry, allowed_error, exact_key

VALUE_PLACES = 6
TOLERANCE_PLACES = 8


@dataclass(frozen=True)
class SubQuestion:
    entry: Entry
    value: Fraction  # a decimal with at most VALUE_PLACES places
    tolerance: Fraction  # absolute, at most TOLERANCE_PLACES places
    weight: int

    def marker(self) -> str:
        """The sub-question as Moodle's cloze syntax reads it."""
        value = decimal_text(self.value, places=VALUE_PLACES)
        return f"{{{self.weight}:NUMERICAL:={value}:{decimal_text(self.tolerance)}}}"


def moodle_interval(entry: Entry) -> tuple[Fraction, Fraction]:
    """(value, tolerance) for one entry, Moodle's interval inside the acceptance rule's."""
    key = exact_key(entry)
    value = Fraction(round(key * 10**VALUE_PLACES), 10**VALUE_PLACES)
    room = allowed_error(entry) - abs(value - key)
    tolerance = Fraction(math.floor(room * 10**TOLERANCE_PLACES), 10**TOLERANCE_PLACES)
    return value, tolerance


def sub_questions(answers, number_style: str) -> list[list[SubQuestion]]:
    """Per asked answer, its entries as sub-questions, in reading order."""
    per_answer = [a.entries(number_style) for a in answers]
    part = math.lcm(*(len(es) for es in per_answer))
    return [[SubQuestion(e, *moodle_interval(e), weight=part // len(es)) for e in es] for es in per_answer]


def decimal_text(x: Fraction, places: int | None = None) -> str:
    """A terminating decimal without exponent: 0.00499966 (no trailing zeros), or with `places`
    fixed places: 3.000000, -0.333333. Values get fixed places because Moodle sizes each answer
    box to its answer's length: 0 and -0.333333 would look different before anyone typed."""
    d = Decimal(x.numerator) / Decimal(x.denominator)
    text = format(d.normalize(), "f") if places is None else format(d, f".{places}f")
    return text.removeprefix("-") if Decimal(text) == 0 else text
