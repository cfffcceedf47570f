"""Points per part: a question's total split over its parts, or the list the instructor wrote.

A part is one asked answer (one `Answer` of the draw): what gets one answer area on the sheet,
one line of the grading key and one number in the manifest's `part_points`.

The split rule (stated in the README): equal shares in multiples of 0.5, the remainder going
0.5 at a time to the first parts, so the shares sum exactly to the total. When the total is not
a multiple of 0.5, or there are more parts than half points, the unit is the largest of 0.25,
0.1, 0.05 and 0.01 that divides the total and gives every part at least one unit. A total too
small even for that is an error asking for a list.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from qgen.errors import QgenError
from qgen.exam.config import ExamConfig, Question
from qgen.exam.secrets import class_seed
from qgen.randomiser import draw_variant

UNITS = tuple(Decimal(u) for u in ("0.5", "0.25", "0.1", "0.05", "0.01"))


def split_points(total: Decimal, parts: int, field: str) -> tuple[Decimal, ...]:
    """`total` over `parts` parts by the rule above (field names the config entry in an error)."""
    for unit in UNITS:
        units, rest = divmod(total, unit)
        if rest == 0 and units >= parts:
            share, extra = divmod(int(units), parts)
            return tuple((share + (1 if i < extra else 0)) * unit for i in range(parts))
    raise QgenError(f"{field}: {total} points cannot be split over {parts} parts in steps of at least 0.01; "
                    f"give a list of {parts} numbers, one per part")


def _field(config: ExamConfig, q: Question) -> str:
    return f"{config.path.name}: questions[{q.number}].points"


def part_points(config: ExamConfig, q: Question, answers: int) -> tuple[Decimal, ...]:
    """The points of each of a drawn question's `answers` parts."""
    if q.part_points is None:
        return split_points(q.points, answers, _field(config, q))
    if len(q.part_points) != answers:
        raise QgenError(f"{_field(config, q)}: {len(q.part_points)} numbers, but the question asks "
                        f"{answers} parts; give {answers} numbers or one total")
    return q.part_points


def check_part_points(config: ExamConfig, secret: bytes) -> None:
    """Before anything is drawn for a student: each question's points fit its number of parts,
    counted on one draw with the class options (the number of parts is a structural choice)."""
    for q in config.questions:
        if q.part_points is None:
            continue  # a total is split over however many parts each draw asks
        try:
            variant = draw_variant(q.kind, class_seed(secret, config.title, q.number), q.options)
        except QgenError as e:
            raise QgenError(f"{config.path.name}: questions[{q.number}]: {e}") from None
        part_points(config, q, len(variant.draw.answers))


def entries(value) -> int:
    """How many numbers an answer holds (1 for a scalar)."""
    return int(np.prod(np.shape(value), dtype=int))
