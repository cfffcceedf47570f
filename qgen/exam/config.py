"""EXAM.toml: read with tomllib, every field checked, errors as one line naming the field.

    [exam]
    title = "Midterm 1"            # required
    course = "CS 4780"             # required
    date = "2026-03-14"            # required: a string, or a TOML date
    duration = "90 minutes"        # required: a string, or a whole number of minutes
    instructions = "..."           # optional: a string (blank lines start paragraphs) or a list of strings
    calculator = "..."             # optional: the calculator policy, printed on the sheet
    difficulty = "easy"            # optional default for the questions
    mode = "exact"                 # optional default for the questions
    page_per_question = false      # optional: start every question after the first on a new page
    same_structure = true          # optional: one structure per question for the class, own numbers
    answer_space = "boxes"         # optional: boxes, lines or none (answer booklets); per question too
    keys = "both"                  # optional: grading (one page per student), worked, or both
    conventions = "gate-table"     # optional: notation, gate-table or full
    paper = "a4"                   # optional: a4 or letter
    follow_through = 1             # optional: share of an entry's points `qgen grade` gives for follow-through (0 to 1)
    spread = "normal"              # optional: how far students' variants of a question may differ (tight, normal, loose, off)

    [[questions]]                  # one block per question, in sheet order
    kind = "mlp"
    points = 10                    # or one number per part: [2, 4, 4]
    difficulty = "medium"          # optional
    mode = "given"                 # optional
    answer_space = "lines"         # optional: overrides the exam's
    [questions.options]            # optional: the kind's options, as listed by `qgen kinds`
    sizes = "2-3-2"

Questions are counted from 1 in messages (questions[2] is the second [[questions]] block).
"""

from __future__ import annotations

import datetime
import math
import tomllib
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from qgen.errors import QgenError
from qgen.kinds.base import DIFFICULTIES, MODES
from qgen.latex_text import check_printable
from qgen.numbers import read_share
from qgen.exam.fairness import SPREADS
from qgen.reading import check_nesting, read_text
from qgen.randomiser import KIND_MODULES, resolve_options

EXAM_KEYS = ("title", "course", "date", "duration", "instructions", "calculator", "difficulty", "mode",
             "page_per_question", "same_structure", "answer_space", "keys", "conventions", "paper",
             "follow_through", "spread")
REQUIRED_EXAM_KEYS = ("title", "course", "date", "duration")
QUESTION_KEYS = ("kind", "points", "difficulty", "mode", "options", "answer_space")
ANSWER_SPACES = ("boxes", "lines", "none")
KEYS = ("grading", "worked", "both")
CONVENTIONS = ("notation", "gate-table", "full")
PAPERS = ("a4", "letter")
MAX_QUESTIONS = 50
MAX_TEXT = 4000  # characters of one text field: an exam header, not a book
MAX_HEADER = 150  # characters of course + title: the page header holds them on two lines
MIN_DURATION, MAX_DURATION = 1, 1440  # minutes, when given as a number: up to a day
MAX_POINTS = 1000
POINTS_STEP = Decimal("0.01")  # points have at most 2 decimals: 1e-300 would print 300 digits


@dataclass(frozen=True)
class Question:
    number: int  # 1-based, as printed
    kind: str
    points: Decimal  # the question's total: 2, 1.5 (Decimal so that totals add up exactly)
    difficulty: str
    mode: str
    options: dict  # resolved by resolve_options: what draw_variant gets
    answer_space: str = "boxes"  # boxes, lines or none
    part_points: tuple[Decimal, ...] | None = None  # as written when `points` is a list, one per part
    window: object = None  # fairness.Window: the class's bounds, set from the secret (exam.draw.class_windows)


@dataclass(frozen=True)
class ExamConfig:
    path: Path
    title: str
    course: str
    date: str
    duration: str
    instructions: tuple[str, ...]  # paragraphs (a string) or items (a list); see `instructions_are_list`
    instructions_are_list: bool
    calculator: str
    page_per_question: bool
    same_structure: bool  # kinds with class_options draw one structure for the whole class
    questions: tuple[Question, ...]
    answer_space: str = "boxes"  # the questions' default: boxes, lines or none
    keys: str = "both"  # grading (one page per student), worked (worked solutions), or both
    conventions: str = "gate-table"  # notation, gate-table or full
    paper: str = "a4"  # a4 or letter
    follow_through: str = "1"  # qgen grade's share for follow-through credit, as written (0 to 1)
    spread: str = "normal"  # equal difficulty: the preset of qgen.exam.fairness (tight, normal, loose, off)

    @property
    def total_points(self) -> Decimal:
        return sum((q.points for q in self.questions), Decimal(0))


def points_text(points: Decimal) -> str:
    """2 -> '2', 1.50 -> '1.5'."""
    return format(points.normalize(), "f")


def points_json(points: Decimal) -> int | float:
    return int(points) if points == points.to_integral_value() else float(points)


def load_config(path: Path) -> ExamConfig:
    path = Path(path)
    where = path.name
    text = read_text(path, "config", missing="no such file (`qgen exam init` writes a starter exam.toml)")
    check_nesting(text, "toml", where)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise QgenError(f"{where}: not valid TOML: {e}") from None
    except ValueError:  # tomllib's int() of an integer of thousands of digits
        raise QgenError(f"{where}: not valid TOML: an integer of more than 4,300 digits") from None
    except RecursionError:
        raise QgenError(f"{where}: not valid TOML: nested too deeply") from None

    _only_keys(data, ("exam", "questions"), where, "")
    exam = data.get("exam")
    if exam is None:
        raise QgenError(f"{where}: exam: missing the [exam] table (title, course, date, duration, …)")
    if not isinstance(exam, dict):
        raise QgenError(f"{where}: exam: expected a table [exam], got {_type(exam)}")
    _only_keys(exam, EXAM_KEYS, where, "exam.")
    for key in REQUIRED_EXAM_KEYS:
        if key not in exam:
            raise QgenError(f"{where}: exam.{key}: missing (required: {', '.join(REQUIRED_EXAM_KEYS)})")

    title = _text(exam["title"], f"{where}: exam.title", required=True)
    course = _text(exam["course"], f"{where}: exam.course", required=True)
    _check_header(title, course, f"{where}: exam.title")
    date = _date(exam["date"], f"{where}: exam.date")
    duration = _duration(exam["duration"], f"{where}: exam.duration")
    instructions, as_list = _instructions(exam.get("instructions", ""), f"{where}: exam.instructions")
    calculator = _text(exam.get("calculator", ""), f"{where}: exam.calculator")
    difficulty = _choice(exam.get("difficulty", "easy"), DIFFICULTIES, f"{where}: exam.difficulty")
    mode = _choice(exam.get("mode", "exact"), MODES, f"{where}: exam.mode")
    page_per_question = _flag(exam, "page_per_question", False, where)
    same_structure = _flag(exam, "same_structure", True, where)
    answer_space = _choice(exam.get("answer_space", "boxes"), ANSWER_SPACES, f"{where}: exam.answer_space")
    keys = _choice(exam.get("keys", "both"), KEYS, f"{where}: exam.keys")
    conventions = _choice(exam.get("conventions", "gate-table"), CONVENTIONS, f"{where}: exam.conventions")
    paper = _choice(exam.get("paper", "a4"), PAPERS, f"{where}: exam.paper")
    follow_through = _share(exam.get("follow_through", 1), f"{where}: exam.follow_through")
    spread = _choice(exam.get("spread", "normal"), SPREADS, f"{where}: exam.spread")

    questions_raw = data.get("questions")
    if questions_raw is None:
        raise QgenError(f"{where}: questions: missing; add at least one [[questions]] block with kind and points")
    if not isinstance(questions_raw, list) or not all(isinstance(q, dict) for q in questions_raw):
        raise QgenError(f"{where}: questions: expected [[questions]] blocks, got {_type(questions_raw)}")
    if not questions_raw:
        raise QgenError(f"{where}: questions: no questions; add at least one [[questions]] block")
    if len(questions_raw) > MAX_QUESTIONS:
        raise QgenError(f"{where}: questions: {len(questions_raw)} questions, at most {MAX_QUESTIONS} allowed")
    questions = tuple(_question(q, i, where, difficulty, mode, answer_space)
                      for i, q in enumerate(questions_raw, start=1))
    return ExamConfig(path, title, course, date, duration, instructions, as_list, calculator, page_per_question,
                      same_structure, questions, answer_space, keys, conventions, paper, follow_through, spread)


def _question(raw: dict, number: int, where: str, difficulty: str, mode: str, answer_space: str) -> Question:
    field = f"{where}: questions[{number}]"
    _only_keys(raw, QUESTION_KEYS, where, f"questions[{number}].")
    if "kind" not in raw:
        raise QgenError(f"{field}.kind: missing (allowed: {', '.join(KIND_MODULES)})")
    kind = raw["kind"]
    if not isinstance(kind, str) or kind not in KIND_MODULES:
        raise QgenError(f"{field}.kind: unknown kind {kind!r} (allowed: {', '.join(KIND_MODULES)})")
    if "points" not in raw:
        raise QgenError(f"{field}.points: missing; expected a positive number")
    points, part_points = _question_points(raw["points"], f"{field}.points")
    answer_space = _choice(raw.get("answer_space", answer_space), ANSWER_SPACES, f"{field}.answer_space")
    difficulty = _choice(raw.get("difficulty", difficulty), DIFFICULTIES, f"{field}.difficulty")
    mode = _choice(raw.get("mode", mode), MODES, f"{field}.mode")
    options_raw = raw.get("options", {})
    if not isinstance(options_raw, dict):
        raise QgenError(f"{field}.options: expected a table [questions.options], got {_type(options_raw)}")
    overrides = {}
    for name, value in options_raw.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if not isinstance(value, (str, int, float)):
            raise QgenError(f"{field}.options.{name}: expected a string, number or true/false, got {_type(value)}")
        overrides[name] = str(value)
    try:
        options = resolve_options(kind, difficulty, mode, overrides)
    except ImportError:
        raise QgenError(f"{field}.kind: kind {kind!r} is not available in this installation") from None
    except QgenError as e:
        raise QgenError(f"{field}.options: {e}") from None
    return Question(number, kind, points, difficulty, mode, options, answer_space, part_points)


def _check_header(title: str, course: str, field: str) -> None:
    """Every page's header prints course · title on at most two lines beside the version code."""
    if len(title) + len(course) > MAX_HEADER:
        raise QgenError(f"{field}: with exam.course {len(title) + len(course)} characters, at most {MAX_HEADER} "
                        f"fit the page header; shorten the title or the course")


def _share(value, field: str) -> str:
    """A share from 0 to 1 (1, 0.5, "1/2"), kept as written for the manifest."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise QgenError(f"{field}: expected a number from 0 to 1 such as 1, 0.5 or \"1/2\", got {value!r}")
    read_share(value, field)  # the grader's own reading, so both accept the same
    return str(value)


def _only_keys(table: dict, allowed: tuple[str, ...], where: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise QgenError(f"{where}: {prefix}{key}: unknown field (allowed: {', '.join(allowed)})")


def _flag(exam: dict, name: str, default: bool, where: str) -> bool:
    value = exam.get(name, default)
    if not isinstance(value, bool):
        raise QgenError(f"{where}: exam.{name}: expected true or false, got {value!r}")
    return value


def _type(value) -> str:
    return {str: "a string", bool: "true/false", int: "a whole number", float: "a number", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _text(value, field: str, required: bool = False) -> str:
    if not isinstance(value, str):
        raise QgenError(f"{field}: expected a string, got {_type(value)}")
    value = unicodedata.normalize("NFC", value).strip()  # "José" typed on macOS arrives decomposed
    if required and not value:
        raise QgenError(f"{field}: empty; expected some text")
    if len(value) > MAX_TEXT:
        raise QgenError(f"{field}: {len(value)} characters, at most {MAX_TEXT} allowed")
    check_printable(value, field)
    return value


def _date(value, field: str) -> str:
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
        if value.utcoffset() is not None:  # printed as written, never dropped: 09:00 UTC-08:00
            offset = value.strftime("%z")
            text += f" UTC{offset[:3]}:{offset[3:5]}"
        return text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        raise QgenError(f"{field}: expected a date such as 2026-03-14 or a string, got a time of day")
    return _text(value, field, required=True)


def _duration(value, field: str) -> str:
    if isinstance(value, bool) or isinstance(value, (int, float)) and not (
            math.isfinite(value) and MIN_DURATION <= value <= MAX_DURATION):
        raise QgenError(f"{field}: expected a number of minutes from {MIN_DURATION} to {MAX_DURATION} "
                        f"or a string such as \"90 minutes\", got {value!r}")
    if isinstance(value, (int, float)):
        return f"{value:g} minutes"
    return _text(value, field, required=True)


def _instructions(value, field: str) -> tuple[tuple[str, ...], bool]:
    if isinstance(value, list):
        items = tuple(_text(item, f"{field}[{i}]") for i, item in enumerate(value, start=1))
        return tuple(item for item in items if item), True
    text = _text(value, field)
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
    return tuple(p for p in paragraphs if p), False


def _choice(value, allowed: tuple[str, ...], field: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise QgenError(f"{field}: expected one of {', '.join(allowed)}, got {value!r}")
    return value


def _question_points(value, field: str) -> tuple[Decimal, tuple[Decimal, ...] | None]:
    """A number (the total, split over the parts later) or a list of numbers, one per part."""
    if not isinstance(value, list):
        return _points(value, field), None
    if not value:
        raise QgenError(f"{field}: expected a positive number or a list of positive numbers (one per part), got []")
    parts = tuple(_points(v, f"{field}[{i}]") for i, v in enumerate(value, start=1))
    return sum(parts, Decimal(0)), parts


def _points(value, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise QgenError(f"{field}: expected a positive number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value) or not value > 0:
        raise QgenError(f"{field}: expected a positive number, got {value!r}")
    points = Decimal(str(value))
    if points > MAX_POINTS or points != points.quantize(POINTS_STEP):
        raise QgenError(f"{field}: expected a positive number up to {MAX_POINTS} with at most 2 decimals "
                        f"(2, 2.5, 0.25), got {value!r}")
    return points
