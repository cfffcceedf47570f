"""The class roster: a UTF-8 CSV file with a header row holding at least `id` and `name`.

    id,name,email
    s001,Zoë O'Brien-Łukasiewicz,zoe@example.edu
    s002,"José & María",

Other columns are allowed and ignored. Ids name files (students/<id>-questions.pdf), so they may
hold only letters, digits, '.', '_' and '-', start with a letter or digit, and must differ even
ignoring case (two files s1 and S1 would be one file on macOS and Windows). Names are printed
exactly as written; every name is checked against the fonts here, before anything is compiled.
Every error is one line with the file name and the line number.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qgen.errors import QgenError
from qgen.reading import read_text
from qgen.latex_text import check_printable

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ID_RULE = "letters A-Z a-z, digits 0-9 and . _ - (starting with a letter or digit), at most 64 characters"
MAX_ID = 64
MAX_NAME = 200
MAX_STUDENTS = 10000


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    line: int  # where the row starts in the file, for messages


def load_roster(path: Path) -> tuple[Student, ...]:
    text = read_text(path, "roster", missing="no such file (`qgen exam init` writes a starter roster.csv)",
                     hint='save the roster as UTF-8 ("CSV UTF-8" in spreadsheet programs)')
    return parse_roster(text, Path(path).name)


def parse_roster(text: str, where: str = "roster.csv") -> tuple[Student, ...]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    line = 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as e:
        raise QgenError(f"{where}: line {reader.line_num}: not valid CSV ({e})") from None
    rows = [(n, row) for n, row in rows if any(cell.strip() for cell in row)]  # blank lines are skipped
    if not rows:
        raise QgenError(f"{where}: empty; expected a header row with id and name, then one row per student")

    header_line, header = rows[0]
    columns = [cell.strip().lower() for cell in header]
    for needed in ("id", "name"):
        if needed not in columns:
            raise QgenError(f"{where}: line {header_line}: the header has no '{needed}' column "
                            f"(found: {', '.join(repr(c) for c in columns)}); the first row must name the columns, e.g. id,name")
        if columns.count(needed) > 1:
            raise QgenError(f"{where}: line {header_line}: the header has two '{needed}' columns")
    id_col, name_col = columns.index("id"), columns.index("name")

    students = []
    first_line: dict[str, int] = {}
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise QgenError(f"{where}: line {line}: expected {len(header)} fields ({','.join(columns)}), got {len(row)}"
                            + (" (a name with a comma needs double quotes)" if len(row) > len(header) else ""))
        # NFC: a name typed on macOS arrives decomposed ("Jose" + U+0301), and is printed composed.
        student_id, name = row[id_col].strip(), unicodedata.normalize("NFC", row[name_col]).strip()
        if not student_id:
            raise QgenError(f"{where}: line {line}: empty id")
        if not ID_PATTERN.match(student_id) or len(student_id) > MAX_ID:
            bad = next((ch for ch in student_id if not re.match(r"[A-Za-z0-9._-]", ch)), None)
            detail = f"the character {bad!r}" if bad else "its first character or length"
            raise QgenError(f"{where}: line {line}: id {student_id!r} cannot name a file ({detail}); "
                            f"ids may hold only {ID_RULE}")
        key = student_id.lower()
        if key in first_line:
            raise QgenError(f"{where}: line {line}: duplicate id {student_id!r} (first on line {first_line[key]}"
                            + (", ids must differ ignoring case" if student_id not in {s.id for s in students} else "") + ")")
        first_line[key] = line
        if not name:
            raise QgenError(f"{where}: line {line}: student {student_id} has an empty name")
        if len(name) > MAX_NAME:
            raise QgenError(f"{where}: line {line}: student {student_id}'s name has {len(name)} characters, at most {MAX_NAME} allowed")
        check_printable(name, f"{where}: line {line}: name of student {student_id}")
        students.append(Student(student_id, name, line))
        if len(students) > MAX_STUDENTS:
            raise QgenError(f"{where}: more than {MAX_STUDENTS} students; split the class into several exams")
    if not students:
        raise QgenError(f"{where}: no students (only the header row)")
    return tuple(students)
