"""The responses sheet: written empty by `qgen exam` (one row per student, one column per answer
entry), filled in by the graders, read back here: every cell first, every problem listed (row,
student, column, text, why), before anything is marked."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from qgen.errors import QgenError
from qgen.exam.manifest import spreadsheet_text
from qgen.grade.choices import not_an_option, option_number
from qgen.grade.manifest import Build
from qgen.grade.values import Unreadable, parse_value
from qgen.reading import read_text

ID_COLUMNS = ("student_id", "name", "version_code")
DELIMITERS = (",", ";", "\t")  # what spreadsheets write (";" where the comma is the decimal mark)
SHOWN = 40  # characters of a cell's text shown in a message or the problems file


def responses_template(build: Build) -> bytes:
    """responses.csv as `qgen exam` writes it: the students' ids, names and codes, empty answers."""
    columns = build.columns()
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ID_COLUMNS + tuple(columns))
    for s in build.students:
        writer.writerow([s["student_id"], spreadsheet_text(s["name"]), s["version_code"]] + [""] * len(columns))
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Response:
    student_id: str
    values: dict[str, object]  # column -> Fraction, Ln or None (blank or unreadable)
    texts: dict[str, str]  # column -> the text as typed
    unreadable: dict[str, str] = field(default_factory=dict)  # column -> why it does not read


@dataclass(frozen=True)
class Problem:
    row: int  # 1-based line of the CSV (0: the student has no row)
    student: str
    column: str
    text: str  # the cell as typed (shortened)
    why: str
    cell: bool  # an unreadable value (--lenient marks it wrong); else the row itself is wrong


@dataclass(frozen=True)
class Responses:
    by_student: dict[str, Response]
    problems: tuple[Problem, ...]

    @property
    def fatal(self) -> bool:
        """A problem --lenient cannot mark around (a row that belongs to no student, …)."""
        return any(not p.cell for p in self.problems)


def shown(text: str) -> str:
    """A cell's text as a message shows it: escaped (repr) and at most SHOWN characters."""
    return repr(text[:SHOWN]) + (f" (+{len(text) - SHOWN:,} characters)" if len(text) > SHOWN else "")


def read_responses(path: Path, build: Build, decimal_comma: bool = False) -> Responses:
    """Every student's answers by student id, and every problem of the file. A header that cannot
    be read (a missing, unknown or duplicated column) is one QgenError at once."""
    path = Path(path)
    text = read_text(path, "responses", missing="no such file; expected the build's responses.csv filled in",
                     hint="save it as CSV UTF-8")
    columns = build.columns()
    lines = _table(text, path, set(columns) | set(ID_COLUMNS))
    if not lines:
        raise QgenError(f"{path}: empty; expected the responses.csv of the build with answers filled in")
    header = [h.strip() for h in lines[0]]
    _check_header(path, header, columns)
    codes = {s["student_id"]: s["version_code"] for s in build.students}
    entries = {sid: {f"q{r.question}.{e.name}" for r in rows for a in r.answers for e in a.entries}
               for sid, rows in build.rows.items()}
    options = {sid: {f"q{r.question}.{e.name}": len(a.choices) for r in rows for a in r.answers if a.choices
                     for e in a.entries} for sid, rows in build.rows.items()}
    out: dict[str, Response] = {}
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        sid = cells[header.index("student_id")].strip() if len(cells) > header.index("student_id") else ""
        if len(cells) != len(header):
            problems.append(Problem(number, sid, "", "", f"expected {len(header)} fields, got {len(cells)} "
                                    "(a value with the separator in it needs double quotes)", False))
            continue
        row = {h: c.strip() for h, c in zip(header, cells)}
        if sid not in codes:
            problems.append(Problem(number, sid, "student_id", sid, "not a student of this build", False))
            continue
        if sid in seen:
            problems.append(Problem(number, sid, "student_id", sid, "has a row already", False))
            continue
        seen.add(sid)
        if row["version_code"] != codes[sid]:
            problems.append(Problem(number, sid, "version_code", row["version_code"],
                                    f"expected {codes[sid]} for {sid} (is this CSV from another build?)", False))
            continue
        values, unreadable = {}, {}
        for column in columns:
            cell = row[column]
            try:
                values[column] = parse_value(cell, decimal_comma)
            except Unreadable as e:
                values[column], unreadable[column] = None, str(e)
                problems.append(Problem(number, sid, column, cell, str(e), True))
                continue
            count = options[sid].get(column)
            if count and values[column] is not None and option_number(values[column], count) is None:
                values[column], unreadable[column] = None, not_an_option(count)  # like a cell that does not read
                problems.append(Problem(number, sid, column, cell, unreadable[column], True))
                continue
            if values[column] is not None and column not in entries[sid]:
                problems.append(Problem(number, sid, column, cell, f"{sid}'s sheet asks no such entry; leave it blank",
                                        False))
        out[sid] = Response(sid, values, {c: row[c] for c in columns}, unreadable)
    for s in build.students:
        if s["student_id"] not in seen:
            problems.append(Problem(0, s["student_id"], "", "", "a student of the build without a row "
                                    "(keep every student's row; leave an absent student's answers blank)", False))
    return Responses(out, tuple(problems))


def _table(text: str, path: Path, names: set[str]) -> list[list[str]]:
    """The CSV's rows, split at the delimiter (, ; or tab) that splits the header line into the
    most known column names (a comma inside q1.dL/dW1[2,1] is no delimiter)."""
    first = text.split("\n", 1)[0][:10_000_000]
    with _field_limit(len(text) + 1):  # a 200,000-character cell is read, then refused by the reader
        try:
            delimiter = max(DELIMITERS, key=lambda d: (_known(first, d, names), -DELIMITERS.index(d)))
            return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as e:
            raise QgenError(f"{path}: not a readable CSV ({e})") from None


def _known(line: str, delimiter: str, names: set[str]) -> int:
    return sum(h.strip() in names for row in csv.reader([line], delimiter=delimiter) for h in row)


@contextmanager
def _field_limit(limit: int):
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(limit, 2**31 - 1)))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _check_header(path: Path, header: list[str], columns: list[str]) -> None:
    known = set(columns)
    positions: dict[str, int] = {}
    for i, h in enumerate(header, start=1):
        if h in positions:
            raise QgenError(f"{path}: row 1: column {shown(h)} appears twice (fields {positions[h]} and {i}); "
                            "keep one")
        positions[h] = i
        if h not in known and h not in ID_COLUMNS:
            raise QgenError(f"{path}: row 1, column {shown(h)}: names no answer entry of this build "
                            "(the columns are q<question>.<answer>[i,j] as in the build's responses.csv)")
    for name in ID_COLUMNS:
        if name not in positions:
            raise QgenError(f"{path}: row 1: column {name} missing (expected {', '.join(ID_COLUMNS)} and the answers)")
    missing = [c for c in columns if c not in positions]
    if missing:
        raise QgenError(f"{path}: row 1: column {missing[0]} missing (keep every column of the build's responses.csv)")


def problems_csv(problems: tuple[Problem, ...]) -> bytes:
    """The problems as a CSV a spreadsheet opens: row, student, column, text, problem (a text a
    spreadsheet would run as a formula is prefixed with ')."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PROBLEMS_HEADER)
    for p in problems:
        text = p.text[:SHOWN] + ("…" if len(p.text) > SHOWN else "")
        writer.writerow([p.row or "", _safe(p.student), p.column, _safe(text), p.why])
    return out.getvalue().encode("utf-8")


PROBLEMS_HEADER = ("row", "student_id", "column", "text", "problem")


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def summary(path: Path, problems: tuple[Problem, ...], listed: str) -> str:
    """One line: how many problems, the first, where all are listed, what to do."""
    first = problems[0]
    where = f"row {first.row}" if first.row else f"student {first.student}"
    where += f", column {first.column}" if first.column else ""
    what = f"{shown(first.text)}: {first.why}" if first.text else first.why
    rows = len({(p.row, p.student) for p in problems})
    hint = (" or grade with --lenient to mark the unreadable cells wrong" if all(p.cell for p in problems) else "")
    return (f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in {rows} "
            f"row{'s' if rows != 1 else ''}, {listed} (first: {where}: {what}); fix them{hint}")
