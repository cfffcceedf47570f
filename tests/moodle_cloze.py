"""Moodle's reading of a cloze (multianswer) question text, ported to Python for the tests.

The regular expressions are those of question/type/multianswer/questiontype.php (Moodle 4.x,
qtype_multianswer_extract_question), written out unchanged except for one thing Python's `re`
needs: the answer's look-behind (?<!\\|&|&amp;) of unequal widths becomes three look-behinds.
`extract` walks the text as Moodle does: the first match is a sub-question, it is replaced by
{#k}, and the search starts again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ANSWER_ALTERNATIVE_FRACTION_REGEX = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER_ALTERNATIVE_ANSWER_REGEX = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
ANSWER_ALTERNATIVE_FEEDBACK_REGEX = r".*?(?<!\\)(?=[~}]|$)"
ANSWER_ALTERNATIVE_REGEX = (
    "(" + ANSWER_ALTERNATIVE_FRACTION_REGEX + ")?"
    "(" + ANSWER_ALTERNATIVE_ANSWER_REGEX + ")"
    "(#(" + ANSWER_ALTERNATIVE_FEEDBACK_REGEX + "))?"
)
ANSWER_ALTERNATIVE_REGEX_PERCENTILE_FRACTION = 2
ANSWER_ALTERNATIVE_REGEX_FRACTION = 1
ANSWER_ALTERNATIVE_REGEX_ANSWER = 3

NUMBER_REGEX = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE_REGEX = "^(" + NUMBER_REGEX + ")(:" + NUMBER_REGEX + ")?$"
NUMERICAL_CORRECT_ANSWER = 1
NUMERICAL_ABS_ERROR_MARGIN = 6

ANSWER_TYPE_DEF_REGEX = (
    "(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
    "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
    "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
    "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)"
)
ANSWER_START_REGEX = r"\{([0-9]*):(" + ANSWER_TYPE_DEF_REGEX + "):"
ANSWER_REGEX = (ANSWER_START_REGEX + "(" + ANSWER_ALTERNATIVE_REGEX + "(~" + ANSWER_ALTERNATIVE_REGEX + ")*)\\}")
ANSWER_REGEX_NORM = 1
ANSWER_REGEX_ANSWER_TYPE_NUMERICAL = 3
ANSWER_REGEX_ALTERNATIVES = 16


@dataclass(frozen=True)
class Alternative:
    fraction: float  # 1 for "=", the percentage / 100, else 0
    answer: str
    tolerance: str | None  # NUMERICAL only: the absolute error margin as written ("0" when absent)


@dataclass(frozen=True)
class SubQuestion:
    weight: int  # Moodle's defaultmark of the sub-question
    qtype: str
    alternatives: tuple[Alternative, ...]


def extract(text: str) -> tuple[list[SubQuestion], str]:
    """The sub-questions in order, and the text with each replaced by {#k}."""
    subs = []
    position = 1
    while (m := re.search(ANSWER_REGEX, text, re.S)) is not None:
        weight = int(m.group(ANSWER_REGEX_NORM)) if m.group(ANSWER_REGEX_NORM) else 1
        numerical = bool(m.group(ANSWER_REGEX_ANSWER_TYPE_NUMERICAL))
        alternatives = []
        remaining = m.group(ANSWER_REGEX_ALTERNATIVES)
        while (alt := re.search("~?" + ANSWER_ALTERNATIVE_REGEX, remaining, re.S)) is not None:
            if alt.group(ANSWER_ALTERNATIVE_REGEX_FRACTION) == "=":
                fraction = 1.0
            elif alt.group(ANSWER_ALTERNATIVE_REGEX_PERCENTILE_FRACTION):
                fraction = 0.01 * float(alt.group(ANSWER_ALTERNATIVE_REGEX_PERCENTILE_FRACTION).replace(",", "."))
            else:
                fraction = 0.0
            answer = alt.group(ANSWER_ALTERNATIVE_REGEX_ANSWER)
            tolerance = None
            if numerical and (num := re.search(NUMERICAL_ALTERNATIVE_REGEX, answer, re.S)):
                answer = num.group(NUMERICAL_CORRECT_ANSWER)
                tolerance = num.group(NUMERICAL_ABS_ERROR_MARGIN) or "0"
            alternatives.append(Alternative(fraction, answer, tolerance))
            remaining = remaining.split(alt.group(0), 1)[1]
        subs.append(SubQuestion(weight, "numerical" if numerical else m.group(2), tuple(alternatives)))
        text = text.replace(m.group(0), f"{{#{position}}}", 1)
        position += 1
    return subs, text
