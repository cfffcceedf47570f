"""Item analysis of a graded class, counted in students: per question the mean, the facility and
the discrimination; per named mistake how many students made it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from qgen.grade import mistakes as M

GROUP = Fraction(27, 100)  # the upper and lower groups of the discrimination index
DISCRIMINATION = ("discrimination D = facility in the upper 27% of the class by total minus facility in "
                  "the lower 27% (from -1 to 1; 0.3 and above discriminates well)")


@dataclass(frozen=True)
class QuestionStats:
    question: int
    kind: str
    max_points: Fraction
    mean: Fraction
    facility: Fraction  # mean / max: the share of the points the class earned
    discrimination: Fraction | None  # None for a class too small to form groups

    def to_json(self) -> dict:
        return {"question": self.question, "kind": self.kind, "mean": float(round(self.mean, 4)),
                "facility": float(round(self.facility, 4)),
                "discrimination": None if self.discrimination is None else float(round(self.discrimination, 4))}


def question_stats(results: list) -> list[QuestionStats]:
    """Per question, in exam order (results: StudentResult in roster order)."""
    if not results:
        return []
    ranked = sorted(results, key=lambda r: (r.total, r.student["student_id"]))
    size = int(GROUP * len(results) + Fraction(1, 2))
    out = []
    for k, first in enumerate(results[0].questions):
        top = first.row.points

        def facility(group, k=k, top=top):
            return sum((r.questions[k].points for r in group), Fraction(0)) / (len(group) * top) if top else Fraction(0)

        mean = sum((r.questions[k].points for r in results), Fraction(0)) / len(results)
        d = facility(ranked[-size:]) - facility(ranked[:size]) if size and 2 * size <= len(results) else None
        out.append(QuestionStats(first.row.question, first.row.kind, top, mean,
                                 mean / top if top else Fraction(0), d))
    return out


def mistake_students(results: list) -> list[tuple[str, int]]:
    """(named mistake, how many students made it at least once), most frequent first."""
    counts = Counter()
    for r in results:
        counts.update({v.verdict for q in r.questions for v in q.verdicts if v.verdict in M.LATEX})
    return sorted(counts.items(), key=lambda item: (-item[1], M.ALL.index(item[0])))
