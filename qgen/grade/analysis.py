"""Item analysis of a graded class, counted in students: per question the mean, the facility and
the discrimination; per named mistake how many students made it; per choice question how many
chose each option (distractor analysis)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from qgen.grade import choices as C

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
        counts.update({v.verdict for q in r.questions for v in q.verdicts if v.verdict in C.LATEX})
    return sorted(counts.items(), key=lambda item: (-item[1], C.ALL.index(item[0])))


RIGHT_OPTION = "the right option"
OTHER = ("wrong", "blank", "unreadable")  # an option that stands for no named mistake; none chosen; no option


def option_students(results: list) -> list[dict]:
    """Distractor analysis: per choice question, how many students chose each option. Options are
    shuffled per student, so an option is counted by what it stands for (the right rule or its named
    mistake), not by its number: {"question", "template", "options": [(what, students)]}, the right
    option first, then the mistakes in the report's order, then wrong, blank and not an option."""
    out = []
    for k, first in enumerate(results[0].questions if results else ()):
        if not any(a.choices for a in first.row.answers):
            continue
        chosen = Counter(RIGHT_OPTION if v.verdict == "correct" else v.verdict
                         for r in results for v in r.questions[k].verdicts)
        named = {n: C.mistake_name(str(first.row.parameters.get("template", "")), key)
                 for n, key in enumerate(first.row.parameters.get("mistakes") or [])}
        listed = [RIGHT_OPTION] + sorted({m for m in named.values() if m}, key=C.ALL.index)
        listed += [m for m in chosen if m not in listed and m not in OTHER] + [m for m in OTHER if chosen[m]]
        templates = {r.questions[k].row.parameters.get("template") for r in results}  # one unless drawn per student
        out.append({"question": first.row.question, "template": templates.pop() if len(templates) == 1 else None,
                    "options": [(m, chosen[m]) for m in listed]})
    return out
