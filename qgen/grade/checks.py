"""manifest.json checked as input before grading reads it: its shape, every key, every number
range-checked as text before it is converted, and every student with a row for every question.

A manifest qgen wrote passes; one edited by hand is refused by its content hash first
(qgen.grade.manifest.check_seal), and by these checks when the hash was forged too.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache

from qgen.errors import QgenError
from qgen.numbers import MAX_NUMBER_TEXT, NumberRangeError, check_number_text, exact_number

MAX_QUESTIONS = 50  # as EXAM.toml (qgen.exam.config)
MAX_POINTS = 1000
MAX_PLACES = 10
MAX_TEXT = 4000
MAX_ENTRIES = 10_000  # of one answer
KEY_RANGE = (-Fraction(10**30), Fraction(10**30))
_HUGE = 10**MAX_NUMBER_TEXT
_NUMBER_LIKE = re.compile(r"^\s*[+-]?[\d_.]+(?:[eE][+-]?[\d_]+)?(?:\s*/\s*[+-]?[\d_]+)?\s*$")
_ENTRY_NAME = re.compile(r"^(.*)\[(\d{1,4}(?:,\d{1,4})?)\]$")


def _fail(where: str, field: str, expected: str, got=None) -> QgenError:
    shown = "" if got is None else f", got {_show(got)}"
    return QgenError(f"{where}: {field}: expected {expected}{shown}; build the exam again rather than edit its manifest")


def _show(value) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def number(value, where: str, field: str, low, high) -> Fraction:
    """A JSON number (or number text) from `low` to `high`, checked as text before it is converted."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail(where, field, f"a number from {low} to {high}", value)
    x = _in_range(value, low, high)
    if x is None:
        raise _fail(where, field, f"a number from {low} to {high}", value)
    return x


@lru_cache(maxsize=65536, typed=True)  # a class repeats its tolerances, points and many keys
def _in_range(value, low, high) -> Fraction | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        check_number_text(text)
        x = exact_number(text)
    except (NumberRangeError, ValueError):
        return None
    return x if low <= x <= high else None


def whole(value, where: str, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(where, field, f"a whole number from {low} to {high}", value)
    return value


def text(value, where: str, field: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise _fail(where, field, f"text of at most {limit:,} characters", value)
    return value


def table(value, where: str, field: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, field, "an object", value)
    return value


def items(value, where: str, field: str, limit: int) -> list:
    if not isinstance(value, list) or not value or len(value) > limit:
        raise _fail(where, field, f"a list of 1 to {limit:,} items", value if not isinstance(value, list) else
                    f"{len(value):,} items")
    return value


def numbers_inside(value, where: str, field: str) -> None:
    """Every number (and number-like text) inside options or parameters, checked as text."""
    pending = [(value, field)]
    while pending:
        value, at = pending.pop()
        if isinstance(value, dict):
            pending += [(v, f"{at}.{k}") for k, v in value.items()]
        elif isinstance(value, list):
            pending += [(v, f"{at}[{i}]") for i, v in enumerate(value)]
        elif type(value) is float:  # its text was checked when it was read (qgen.grade.manifest)
            if not math.isfinite(value):
                raise _fail(where, at, "a finite number", value)
        elif type(value) is int:
            if not -_HUGE < value < _HUGE:
                raise _fail(where, at, f"a number of at most {MAX_NUMBER_TEXT} digits", value)
        elif type(value) is str and _NUMBER_LIKE.match(value):
            try:
                check_number_text(value)
            except NumberRangeError as e:
                raise _fail(where, at, f"a number in qgen's range ({e})", value) from None


def check_manifest(doc: dict, where: str) -> tuple[dict, list[dict], list[dict]]:
    """(exam, students, rows) of a manifest, each field checked; one QgenError naming the first problem."""
    exam = table(doc.get("exam"), where, "exam")
    questions = items(exam.get("questions"), where, "exam.questions", MAX_QUESTIONS)
    asked = {}
    for k, q in enumerate(questions):
        at = f"exam.questions[{k}]"
        table(q, where, at)
        n = whole(q.get("question"), where, f"{at}.question", 1, MAX_QUESTIONS)
        if n in asked:
            raise _fail(where, f"{at}.question", "each question once", n)
        asked[n] = (text(q.get("kind"), where, f"{at}.kind", 40),
                    number(q.get("points"), where, f"{at}.points", Fraction(0), MAX_POINTS))
    for key in ("title", "course"):
        text(exam.get(key, ""), where, f"exam.{key}")
    if "follow_through" in exam:
        number(exam["follow_through"], where, "exam.follow_through", 0, 1)

    students = items(doc.get("students"), where, "students", 100_000)
    listed = {}
    for k, s in enumerate(students):
        at = f"students[{k}]"
        table(s, where, at)
        sid = text(s.get("student_id"), where, f"{at}.student_id", 64)
        text(s.get("name"), where, f"{at}.name", 1000)
        text(s.get("version_code"), where, f"{at}.version_code", 40)
        if sid in listed:
            raise _fail(where, f"{at}.student_id", "each student once", sid)
        listed[sid] = set()

    rows = items(doc.get("rows"), where, "rows", 100_000 * MAX_QUESTIONS)
    for k, row in enumerate(rows):
        at = f"rows[{k}]"
        table(row, where, at)
        sid = text(row.get("student_id"), where, f"{at}.student_id", 64)
        if sid not in listed:
            raise QgenError(f"{where}: {at}.student_id: {sid!r} is not a listed student; build the exam again")
        n = whole(row.get("question"), where, f"{at}.question", 1, MAX_QUESTIONS)
        if n not in asked:
            raise QgenError(f"{where}: {at}.question: question {n} is not among exam.questions; build the exam again")
        if n in listed[sid]:
            raise QgenError(f"{where}: {at}: a second row for {sid}, question {n}; build the exam again")
        listed[sid].add(n)
        kind, points = asked[n]
        if row.get("kind") != kind:
            raise _fail(where, f"{at}.kind", f"{kind!r} as exam.questions says", row.get("kind"))
        if number(row.get("points"), where, f"{at}.points", Fraction(0), MAX_POINTS) != points:
            raise _fail(where, f"{at}.points", f"{points} as exam.questions says", row.get("points"))
        numbers_inside(table(row.get("options"), where, f"{at}.options"), where, f"{at}.options")
        numbers_inside(table(row.get("parameters"), where, f"{at}.parameters"), where, f"{at}.parameters")
        _check_answers(row, points, where, at)
    for sid, questions_of in listed.items():
        missing = sorted(set(asked) - questions_of)
        if missing:
            what = "has no rows" if not questions_of else f"has no row for question {missing[0]}"
            raise QgenError(f"{where}: student {sid} is listed but {what}; the manifest is incomplete: "
                            "build the exam again")
    return exam, students, rows


@lru_cache(maxsize=4096, typed=True)  # every student's question has the same parts
def _parts_sum_to(parts: tuple, points: Fraction) -> bool:
    shares = [None if p is None else _in_range(p, Fraction(0), MAX_POINTS) for p in parts]
    return None not in shares and sum(shares) == points


def _check_answers(row: dict, points: Fraction, where: str, at: str) -> None:
    answers = items(row.get("answers"), where, f"{at}.answers", 1000)
    parts = row.get("part_points")
    if parts is not None:
        parts = items(parts, where, f"{at}.part_points", 1000)
        if len(parts) != len(answers):
            raise _fail(where, f"{at}.part_points", f"{len(answers)} numbers, one per answer", f"{len(parts)}")
        if not _parts_sum_to(tuple(p if type(p) in (int, float, str) else None for p in parts), points):
            for i, part in enumerate(parts):
                number(part, where, f"{at}.part_points[{i}]", Fraction(0), MAX_POINTS)
            raise _fail(where, f"{at}.part_points", f"shares summing to the question's {points} points")
    for j, answer in enumerate(answers):
        aat = f"{at}.answers[{j}]"
        table(answer, where, aat)
        name = text(answer.get("name"), where, f"{aat}.name", 100)
        shape = answer.get("shape")
        if not isinstance(shape, list) or len(shape) > 2:
            raise _fail(where, f"{aat}.shape", "a list of at most 2 sizes", shape)
        size = 1
        for i, n in enumerate(shape):
            size *= whole(n, where, f"{aat}.shape[{i}]", 1, 1000)
        entries = items(answer.get("entries"), where, f"{aat}.entries", MAX_ENTRIES)
        if len(entries) != size:
            raise _fail(where, f"{aat}.entries", f"{size} entries (its shape)", f"{len(entries)}")
        for i, entry in enumerate(entries):
            _check_entry(entry, name, shape, where, f"{aat}.entries[{i}]")
        if "display" in answer or "choices" in answer:
            _check_choice(answer, shape, where, aat)


def _check_choice(answer: dict, shape: list, where: str, at: str) -> None:
    """A choice answer (display "choice"): one entry whose key is one of its 2 to 10 options' numbers."""
    display = answer.get("display")
    if display not in ("shape", "choice"):
        raise _fail(where, f"{at}.display", "'shape' or 'choice'", display)
    if display != "choice":
        return
    labels = items(answer.get("choices"), where, f"{at}.choices", 10)
    if len(labels) < 2 or not all(type(c) is str and 0 < len(c) <= 40 for c in labels):
        raise _fail(where, f"{at}.choices", "2 to 10 option labels", answer.get("choices"))
    key = answer["entries"][0].get("exact")
    if shape or key not in [str(k) for k in range(1, len(labels) + 1)]:
        raise _fail(where, f"{at}.entries", f"one entry whose key is an option's number 1 to {len(labels)}", key)


@lru_cache(maxsize=4096)
def _entry_names(answer: str, shape: tuple) -> frozenset:
    if not shape:
        return frozenset([answer])
    if len(shape) == 1:
        return frozenset(f"{answer}[{i}]" for i in range(1, shape[0] + 1))
    return frozenset(f"{answer}[{i},{j}]" for i in range(1, shape[0] + 1) for j in range(1, shape[1] + 1))


@lru_cache(maxsize=65536, typed=True)
def _exact_ok(exact: str) -> bool:
    log = exact.startswith("ln(") and exact.endswith(")")
    value = _in_range(exact[3:-1] if log else exact, *KEY_RANGE) if len(exact) <= 100 else None
    return value is not None and (not log or value > 0)


def _entry_ok(entry, answer: str, shape: tuple) -> bool:
    """The common case, in one pass: an entry as qgen writes it (else _check_entry names the field)."""
    if type(entry) is not dict:
        return False
    places, exact = entry.get("places"), entry.get("exact")
    return (entry.get("name") in _entry_names(answer, shape) and entry.get("asked") in ("exact", "decimal")
            and type(places) is int and 0 <= places <= MAX_PLACES
            and type(entry.get("atol")) in (int, float) and _in_range(entry["atol"], 0, 1) is not None
            and type(entry.get("rtol")) in (int, float) and _in_range(entry["rtol"], 0, 1) is not None
            and (type(exact) is str and _exact_ok(exact) or exact is None and type(entry.get("decimal")) in (int, float)
                 and _in_range(entry["decimal"], *KEY_RANGE) is not None))


def _check_entry(entry, answer: str, shape: list, where: str, at: str) -> None:
    if _entry_ok(entry, answer, tuple(shape)):
        return
    table(entry, where, at)
    name = text(entry.get("name"), where, f"{at}.name", 120)
    if shape:
        m = _ENTRY_NAME.match(name)
        index = [int(i) for i in m.group(2).split(",")] if m else []
        if not m or m.group(1) != answer or len(index) != len(shape) \
                or not all(1 <= i <= n for i, n in zip(index, shape)):
            raise _fail(where, f"{at}.name", f"{answer}[i] or {answer}[i,j] within its shape", name)
    elif name != answer:
        raise _fail(where, f"{at}.name", repr(answer), name)
    if entry.get("asked") not in ("exact", "decimal"):
        raise _fail(where, f"{at}.asked", "'exact' or 'decimal'", entry.get("asked"))
    whole(entry.get("places"), where, f"{at}.places", 0, MAX_PLACES)
    for field in ("atol", "rtol"):
        number(entry.get(field), where, f"{at}.{field}", 0, 1)
    exact = entry.get("exact")
    if exact is None:
        number(entry.get("decimal"), where, f"{at}.decimal", *KEY_RANGE)
        return
    inner = text(exact, where, f"{at}.exact", 100)
    log = inner.startswith("ln(") and inner.endswith(")")
    value = number(inner[3:-1] if log else inner, where, f"{at}.exact", *KEY_RANGE)
    if log and value <= 0:
        raise _fail(where, f"{at}.exact", "ln of a positive number", inner)
