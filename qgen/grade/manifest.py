"""What grading reads from a build: manifest.json's students, and per student × question the kind,
the parameters, the answers with their entries (key, precision, rule) and the points per entry.

Points per entry: a question's points are split over its answers by the manifest's `part_points`
(points per answer) when it has them, otherwise equally over its answers; an answer's points are
split equally over its entries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from qgen import __version__
from qgen.answers import Entry, Precision
from qgen.errors import QgenError
from qgen.grade import checks
from qgen.numbers import Ln, NumberRangeError, check_number_text, exact_number
from qgen.reading import decode, parse_json, read_bytes


@dataclass(frozen=True)
class AnswerSpec:
    name: str
    shape: tuple[int, ...]
    entries: tuple[Entry, ...]  # reading order; Entry.name without the "q<k>." prefix
    points: Fraction  # the answer's points, split equally over its entries
    choices: tuple[str, ...] = ()  # a choice answer (display "choice"): its options' labels

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
    doc = read_manifest(path, "not found (BUILD_DIR must be the output folder of `qgen exam`)")
    return build_from_doc(doc, str(path))


# --- manifest.json as qgen exam writes it: sealed with the hash of its content --------------------

HASH_FIELD = "content_sha256"
_UNSEALED = b"0" * 64
_SEAL = re.compile(rb'\{\s*"qgen":\s*"[^"\n]{0,40}",\s*"content_sha256":\s*"([0-9a-f]{64})"')
_VERSION = re.compile(rb'\{\s*"qgen":\s*"([^"\n]{0,40})"')


def seal(raw: bytes) -> bytes:
    """The manifest's bytes with its content hash in place of the 64 zeros of HASH_FIELD."""
    digest = hashlib.sha256(raw).hexdigest().encode()
    return raw.replace(_UNSEALED, digest, 1)


def check_seal(raw: bytes, where) -> None:
    """Refuse a manifest written by another version, or changed since qgen wrote it."""
    version = _VERSION.match(raw)
    if version is None:
        raise QgenError(f"{where}: not a qgen exam manifest (it starts with no \"qgen\" version)")
    if version.group(1).decode("utf-8", "replace") != __version__:
        raise QgenError(f"{where}: qgen: written by qgen {version.group(1).decode('utf-8', 'replace')}, this is qgen "
                        f"{__version__}; grade with the version that built the exam")
    sealed = _SEAL.match(raw)
    if sealed is None and b'"content_sha256"' not in raw[:300]:
        raise QgenError(f"{where}: has no content hash (written before qgen sealed its manifests, or edited); "
                        "build the exam again with `qgen exam … --force`")
    if sealed is None or hashlib.sha256(raw[:sealed.start(1)] + _UNSEALED + raw[sealed.end(1):]).hexdigest() \
            != sealed.group(1).decode():
        raise QgenError(f"{where}: changed since `qgen exam` wrote it (its content hash does not match); "
                        "never edit a manifest: to change a key, change EXAM.toml and build the exam again")


def _json_float(text: str) -> float:
    """A JSON number with a fraction or exponent, its text checked before it is converted."""
    if len(text) > 24 or "e" in text or "E" in text:  # the common short decimal needs no more
        try:
            check_number_text(text)
        except NumberRangeError as e:
            raise QgenError(f"manifest.json: number out of range: {e}") from None
    return float(text)


# Whole numbers are left to json (it refuses more than 4,300 digits: parse_json makes that one
# line); the checks (qgen.grade.checks) bound every one of them. NaN and Infinity are refused there.
_HOOKS = {"parse_float": _json_float}


def read_manifest(path: Path, missing: str) -> dict:
    """A build's manifest.json: bounded, sealed (check_seal), every JSON number checked as text."""
    raw = read_bytes_or_missing(path, missing)
    check_seal(raw, path)
    doc = parse_json(decode(raw, path.name), path.name, **_HOOKS)
    if not isinstance(doc, dict):
        raise QgenError(f"{path}: not a qgen exam manifest (expected a JSON object)")
    return doc


def read_bytes_or_missing(path: Path, missing: str) -> bytes:
    try:
        return read_bytes(path, "manifest")
    except FileNotFoundError:
        raise QgenError(f"{path}: {missing}") from None


def build_from_doc(doc: dict, where: str = "manifest.json") -> Build:
    """The build as grading reads it; every field checked (qgen.grade.checks), one line naming it."""
    version = doc.get("qgen") if isinstance(doc, dict) else None
    if version != __version__:
        raise QgenError(f"{where}: qgen: written by qgen {version}, this is qgen {__version__}; "
                        "grade with the version that built the exam")
    exam, students, rows = checks.check_manifest(doc, where)
    by_student: dict[str, list[QuestionRow]] = {s["student_id"]: [] for s in students}
    for k, row in enumerate(rows):
        try:
            by_student[row["student_id"]].append(question_row(row))
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            raise QgenError(f"{where}: rows[{k}]: not as qgen writes it ({type(e).__name__}: {e})") from None
    return Build(exam, tuple(students), {k: tuple(v) for k, v in by_student.items()})


def question_row(row: dict) -> QuestionRow:
    points = Fraction(str(row["points"]))
    answers = row["answers"]
    part_points = row.get("part_points")
    if part_points is not None:
        shares = [Fraction(str(p)) for p in part_points]
    else:
        shares = [points / len(answers)] * len(answers)
    specs = tuple(
        AnswerSpec(a["name"], tuple(a["shape"]), tuple(_entry(a["name"], e) for e in a["entries"]), share,
                   tuple(a.get("choices") or ()) if a.get("display") == "choice" else ())
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
    return Ln(exact_number(text[3:-1])) if text.startswith("ln(") else exact_number(text)


@lru_cache(maxsize=None)
def _precision(exact: bool, places: int, atol: float, rtol: float) -> Precision:
    return Precision(exact=exact, places=places, atol=Fraction(repr(atol)), rtol=Fraction(repr(rtol)))
