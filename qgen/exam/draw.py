"""One student's questions: seeds from the secret, drawn and checked by the kinds.

A student's question k is draw_variant(kind, seed(secret, title, id, k), options): a pure function
of those, so the result is the same in one process or in many, in any order; regenerating one
student draws exactly what the class run drew for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from qgen.errors import QgenError
from qgen.exam.config import ExamConfig
from qgen.exam.roster import Student
from qgen.exam.secrets import question_seed, version_code
from qgen.randomiser import Variant, draw_variant


@dataclass(frozen=True)
class StudentExam:
    student: Student
    code: str  # the version code printed on every page
    variants: tuple[Variant, ...]  # in question order


def draw_student(config: ExamConfig, secret: bytes, student: Student) -> StudentExam:
    code = version_code(secret, config.title, student.id)
    seen: set[str] = set()  # no two identical questions on one sheet
    variants = []
    for q in config.questions:
        seed = question_seed(secret, config.title, student.id, q.number)
        try:
            variants.append(draw_variant(q.kind, seed, q.options, code=code, avoid=seen))
        except QgenError as e:  # e.g. no acceptable variant: say which question's options to loosen
            raise QgenError(f"{config.path.name}: questions[{q.number}] (student {student.id}): {e}") from None
    return StudentExam(student, code, tuple(variants))
