"""Every student's marks: the verdicts of every entry, points per question, total, percentage."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache

from qgen.grade.manifest import Build, QuestionRow
from qgen.grade.mark import Verdict, mark_question
from qgen.grade.responses import Response


@dataclass(frozen=True)
class QuestionResult:
    row: QuestionRow
    verdicts: tuple[Verdict, ...]

    @cached_property
    def points(self) -> Fraction:
        return sum((v.points for v in self.verdicts), Fraction(0))


@dataclass(frozen=True)
class StudentResult:
    student: dict  # student_id, name, version_code
    questions: tuple[QuestionResult, ...]

    @cached_property
    def total(self) -> Fraction:
        return sum((q.points for q in self.questions), Fraction(0))

    @cached_property
    def max_points(self) -> Fraction:
        return sum((q.row.points for q in self.questions), Fraction(0))

    @property
    def percentage(self) -> Fraction:
        return 100 * self.total / self.max_points if self.max_points else Fraction(0)


def grade_students(build: Build, responses: dict[str, Response], fraction: Fraction) -> list[StudentResult]:
    """Marks in roster order."""
    out = []
    for student in build.students:
        response = responses[student["student_id"]]
        questions = tuple(QuestionResult(row, tuple(mark_question(row, response.values, response.texts, fraction,
                                                                          response.unreadable)))
                          for row in build.rows[student["student_id"]])
        out.append(StudentResult(student, questions))
    return out


@lru_cache(maxsize=4096)  # a class has few distinct point values and hundreds of thousands of entries
def points_text(points: Fraction) -> str:
    """Points as the grade files print them: 3, 2.5, 3.3333 (4 decimals at most)."""
    if points.denominator == 1:
        return str(points.numerator)
    return f"{float(points):.4f}".rstrip("0").rstrip(".")
