"""What grading reads from a build: manifest.json's students, and per student × question the kind,
the parameters, the answers with their entries (key, precision, rule) and the points per entry.

Points per entry: a question's points are split over its answers by the manifest's `part_points`
(points per answer) when it has them, otherwise equally over its answers; an answer's points are
split equally over its entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from qgen import __version__
from qgen.answers import Entry, Precision
from qgen.errors import QgenError
from qgen.numbers import Ln
from qgen.reading import read_json


@dataclass(frozen=True)
class AnswerSpec:
    name: str
    shape: tuple[int, ...]
    entries: tuple[Entry, ...]  # reading order; Entry.name without the "q<k>." prefix
    points: Fraction  # the answer's points, split equally over its entries

    @property
    def key(self) -> np.ndarray:
        """The key as an array of the answer's shape (object dtype: Fraction, Ln or float)."""
        values = np.empty(len(self.entries), dtype=object)
        values[:] = [e.key for e in self.entries]
        return values.reshape(self.shape)

    @cached_property
    def entry_points(self) -> Fraction:
        return self.points / len(self.entries)


@dataclass(frozen=True)
class QuestionRow:
    student_id: str
    question: int
    kind: str
    points: Fraction
    options: dict
    parameters: dict
    answers: tuple[AnswerSpec, ...]


@dataclass(frozen=True)
class Build:
    exam: dict
    students: tuple[dict, ...]  # student_id, name, version_code, in roster order
    rows: dict[str, tuple[QuestionRow, ...]]  # student id -> rows in question order

    def columns(self) -> list[str]:
        """The response columns, `q<k>.<entry name>`, in the order the sheets ask them (every student
        answers the same entries unless a question's structure is drawn per student: then the union,
        in order of first appearance)."""
        columns = {}
        for student in self.students:
            for row in self.rows[student["student_id"]]:
                for a in row.answers:
                    for e in a.entries:
                        columns.setdefault(f"q{row.question}.{e.name}", None)
        return list(columns)


def load_build(build_dir: Path) -> Build:
    path = Path(build_dir) / "manifest.json"
    doc = read_json(path, "manifest", missing="not found (BUILD_DIR must be the output folder of `qgen exam`)")
    return build_from_doc(doc, str(path))


def build_from_doc(doc: dict, where: str = "manifest.json") -> Build:
    version = doc.get("qgen") if isinstance(doc, dict) else None
    if version != __version__:
        raise QgenError(f"{where}: qgen: written by qgen {version}, this is qgen {__version__}; "
                        "grade with the version that built the exam")
    try:
        rows: dict[str, list[QuestionRow]] = {}
        for row in doc["rows"]:
            rows.setdefault(row["student_id"], []).append(question_row(row))
        students = tuple({k: s[k] for k in ("student_id", "name", "version_code")} for s in doc["students"])
        return Build(doc["exam"], students, {k: tuple(v) for k, v in rows.items()})
    except (KeyError, TypeError, ValueError) as e:
        raise QgenError(f"{where}: not a qgen exam manifest (missing or malformed {e})") from None


def question_row(row: dict) -> QuestionRow:
    points = Fraction(str(row["points"]))
    answers = row["answers"]
    part_points = row.get("part_points")
    if part_points is not None:
        shares = [Fraction(str(p)) for p in part_points]
    else:
        shares = [points / len(answers)] * len(answers)
    specs = tuple(
        AnswerSpec(a["name"], tuple(a["shape"]), tuple(_entry(a["name"], e) for e in a["entries"]), share)
        for a, share in zip(answers, shares))
    return QuestionRow(row["student_id"], int(row["question"]), row["kind"], points, row["options"],
                       row["parameters"], specs)


def _entry(answer: str, e: dict) -> Entry:
    name = e["name"]
    index = tuple(map(int, name[len(answer) + 1:-1].split(","))) if name != answer else ()
    exact = e.get("exact")
    key = float(e["decimal"]) if exact is None else _exact_key(exact)
    precision = _precision(e["asked"] == "exact", int(e["places"]), float(e["atol"]), float(e["rtol"]))
    return Entry(name, answer, index, key, precision)


@lru_cache(maxsize=65536)  # keys repeat across a class; Fractions and Ln are immutable
def _exact_key(text: str):
    return Ln(Fraction(text[3:-1])) if text.startswith("ln(") else Fraction(text)


@lru_cache(maxsize=None)
def _precision(exact: bool, places: int, atol: float, rtol: float) -> Precision:
    return Precision(exact=exact, places=places, atol=Fraction(repr(atol)), rtol=Fraction(repr(rtol)))
