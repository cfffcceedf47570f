"""The responses sheet: written empty by `qgen exam` (one row per student, one column per answer
entry), filled in by the graders, read back and checked here before anything is marked."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from qgen.errors import QgenError
from qgen.exam.manifest import spreadsheet_text
from qgen.grade.manifest import Build
from qgen.grade.values import parse_value
from qgen.reading import read_text

ID_COLUMNS = ("student_id", "name", "version_code")


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
    values: dict[str, object]  # column -> Fraction, Ln or None (blank)
    texts: dict[str, str]  # column -> the text as typed


def read_responses(path: Path, build: Build) -> dict[str, Response]:
    """Every student's answers, by student id. Any problem: one QgenError naming row and column."""
    path = Path(path)
    text = read_text(path, "responses", missing="no such file; expected the build's responses.csv filled in",
                     hint="save it as CSV UTF-8")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    if not lines:
        raise QgenError(f"{path}: empty; expected the responses.csv of the build with answers filled in")
    header = [h.strip() for h in lines[0]]
    columns = build.columns()
    known = set(columns)
    for name in ID_COLUMNS:
        if name not in header:
            raise QgenError(f"{path}: row 1: column {name} missing (expected {', '.join(ID_COLUMNS)}, then the answers)")
    for h in header:
        if h not in known and h not in ID_COLUMNS:
            raise QgenError(f"{path}: row 1, column {h!r}: names no answer entry of this build "
                            "(the columns are q<question>.<answer>[i,j] as in the build's responses.csv)")
    missing = [c for c in columns if c not in header]
    if missing:
        raise QgenError(f"{path}: row 1: column {missing[0]} missing (keep every column of the build's responses.csv)")
    codes = {s["student_id"]: s["version_code"] for s in build.students}
    entries = {sid: {f"q{r.question}.{e.name}" for r in rows for a in r.answers for e in a.entries}
               for sid, rows in build.rows.items()}
    out: dict[str, Response] = {}
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise QgenError(f"{path}: row {number}: expected {len(header)} fields, got {len(cells)} "
                            "(a value with a comma needs double quotes)")
        row = {h: c.strip() for h, c in zip(header, cells)}
        sid = row["student_id"]
        if sid not in codes:
            raise QgenError(f"{path}: row {number}, column student_id: {sid!r} is not a student of this build")
        if sid in out:
            raise QgenError(f"{path}: row {number}, column student_id: {sid} has a row already")
        if row["version_code"] != codes[sid]:
            raise QgenError(f"{path}: row {number}, column version_code: expected {codes[sid]} for {sid}, "
                            f"got {row['version_code']!r} (is this CSV from another build?)")
        values = {}
        for column in columns:
            try:
                values[column] = parse_value(row[column])
            except ValueError as e:
                raise QgenError(f"{path}: row {number}, column {column}: {e}") from None
            if values[column] is not None and column not in entries[sid]:
                raise QgenError(f"{path}: row {number}, column {column}: {sid}'s sheet asks no such entry; leave it blank")
        out[sid] = Response(sid, values, {c: row[c] for c in columns})
    for s in build.students:
        if s["student_id"] not in out:
            raise QgenError(f"{path}: student {s['student_id']} of the build has no row "
                            "(keep every student's row; leave the answers of an absent student blank)")
    return out
