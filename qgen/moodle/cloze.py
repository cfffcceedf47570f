"""Answer entries as Moodle cloze sub-questions: {weight:NUMERICAL:=value:tolerance}.

Moodle's NUMERICAL sub-question accepts a response r when |r − value| ≤ tolerance, with a decimal
value and an absolute tolerance. Both come from the one acceptance rule (qgen.answers): value is
the key as a decimal (VALUE_PLACES places; exact for every terminating key), and the tolerance is
the rule's allowed error atol + rtol·|key| less the rounding of that decimal, cut down to
TOLERANCE_PLACES. So Moodle's interval always lies inside the rule's, and holds the key rounded to
the asked places. An exact fraction (1/3) is asked as its decimal: Moodle cannot read a fraction.

Box widths: Moodle sizes each cloze NUMERICAL box by the longest answer it stores
(question/type/multianswer/renderer.php, qtype_multianswer_textfield_renderer::subquestion: size =
the longest trim(answer) of the sub-question, at least the typed response's length + 1, plus
rand(0, 15 %) of itself, at most 60, in the Moodle 4 source; the sizes seen in a Moodle 5.1
import match it). A NUMERICAL answer is stored as a PHP float
(question/type/numerical/questiontype.php: save_question_options stores apply_unit(answer), the
number + 0; PHP writes it with 14 significant digits), so 7.000000 is sized as "7" and -0.333333
as "-0.333333": the box would tell the answer's shape. Core Moodle's cloze syntax has no size
parameter ({weight:TYPE:answers}, ANSWER_START_REGEX in question/type/multianswer/questiontype.php;
a size needs a plugin), so every sub-question gets one more answer: a 0 % alternative (`filler`)
whose stored length is the question's one width, at least BOX_WIDTH and at least the longest
stored key of all its variants; it is far below every key, and typing it scores 0 like any wrong
answer. Every box of every variant of a question then has the same size.

Choices: an answer shown as a choice (a `concepts` option number, Answer.display "choice") is a
MULTICHOICE menu of its option labels ({1:MULTICHOICE:1~=2~3~4}) instead of a NUMERICAL box; its
integer key says which label is right. A menu has no box to size.

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
BOX_WIDTH = 12  # characters: wider than every key the kinds draw ("-0.333333", "12.5")


@dataclass(frozen=True)
class SubQuestion:
    entry: Entry
    value: Fraction  # a decimal with at most VALUE_PLACES places
    tolerance: Fraction  # absolute, at most TOLERANCE_PLACES places
    weight: int
    choices: tuple[str, ...] = ()  # an Answer shown as a choice: MULTICHOICE over these labels

    def marker(self, width: int) -> str:
        """The sub-question as Moodle's cloze syntax reads it, its box `width` characters wide
        (box_width): the key, then the 0 % filler that sets the width. A choice is a MULTICHOICE
        menu of its labels, the key's (the number of the right option) marked right."""
        if self.choices:
            right = int(self.entry.key) - 1
            return f"{{{self.weight}:MULTICHOICE:" + "~".join(("=" if k == right else "") + label
                                                             for k, label in enumerate(self.choices)) + "}"
        value = decimal_text(self.value, places=VALUE_PLACES)
        return f"{{{self.weight}:NUMERICAL:={value}:{decimal_text(self.tolerance)}~%0%{filler(width)}:0}}"

    def stored(self) -> str:
        """The key as Moodle stores it, and sizes the box by."""
        return php_float_text(self.value)


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
    return [[SubQuestion(e, *moodle_interval(e), weight=part // len(es), choices=a.choices) for e in es]
            for a, es in zip(answers, per_answer)]


def decimal_text(x: Fraction, places: int | None = None) -> str:
    """A terminating decimal without exponent: 0.00499966 (no trailing zeros), or with `places`
    fixed places: 3.000000, -0.333333. Values get fixed places because Moodle sizes each answer
    box to its answer's length: 0 and -0.333333 would look different before anyone typed."""
    d = Decimal(x.numerator) / Decimal(x.denominator)
    text = format(d.normalize(), "f") if places is None else format(d, f".{places}f")
    return text.removeprefix("-") if Decimal(text) == 0 else text


def box_width(subs) -> int:
    """The one box width (characters of the filler) for these sub-questions: BOX_WIDTH, or the
    longest key as Moodle stores it if that is longer."""
    return max([BOX_WIDTH, *(len(s.stored()) for s in subs if not s.choices)])  # a menu has no box


def filler(width: int) -> str:
    """A number Moodle stores as exactly `width` characters, far below any key: -999999999.9
    for 12 (PHP keeps 14 significant digits, so up to 16 characters as a decimal, then with an
    exponent)."""
    text = "-" + "9" * (width - 3) + ".9" if width <= 16 else "-9." + "9" * (width - 7) + "E+99"
    if len(php_float_text(Fraction(float(text)))) != width:  # beyond 20 characters: no key is that long
        raise ValueError(f"no Moodle answer box of width {width}")
    return text


def php_float_text(x: Fraction) -> str:
    """A number as PHP writes a float (precision 14, as Moodle stores a NUMERICAL answer): "7",
    "-0.333333", "1.0E-6", "1.0E+15"."""
    text = format(float(x), ".14G")
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}E{int(exponent):+d}"
