"""The grading manifest: one row per student × question, as CSV and as JSON.

Columns: student_id, name, version_code, question, kind, points, part_points, seed, options,
parameters, answers. points is the question's total; part_points the points of each answer (a
part), in the order of `answers`. In the CSV, part_points, options, parameters and answers are
JSON text in their cells; answers is a list of {name, shape, exact, decimal, entries}, each entry
with its key, precision and acceptance rule (qgen.answers: the one rule every output states).

manifest.json's exam.questions[k].structure is the question's class structure: the options every
student's question was drawn with (JSON values), when the exam has same_structure = true and the
kind draws its structure once per class; null when each student has a structure of their own.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from qgen import __version__
from qgen.exam.config import ExamConfig, points_json
from qgen.exam.draw import StudentExam
from qgen.exam.points import part_points
from qgen.exam.secrets import secret_fingerprint
from qgen.grade.manifest import HASH_FIELD, read_manifest, seal
from qgen.errors import QgenError
from qgen.randomiser import kind_module, options_json


COLUMNS = ("student_id", "name", "version_code", "question", "kind", "points", "part_points", "seed", "options",
           "parameters", "answers")


def rows(config: ExamConfig, exams: list[StudentExam]) -> list[dict]:
    out = []
    for exam in exams:
        for q, v in zip(config.questions, exam.variants):
            data = v.to_json()
            out.append({
                "student_id": exam.student.id,
                "name": exam.student.name,
                "version_code": exam.code,
                "question": q.number,
                "kind": q.kind,
                "points": points_json(q.points),
                "part_points": [points_json(p) for p in part_points(config, q, len(v.draw.answers))],
                "seed": v.seed,
                "options": data["options"],
                "parameters": data["parameters"],
                "answers": data["answers"],
            })
    return out


# A spreadsheet runs a cell that begins with one of these as a formula (=HYPERLINK(…) in a
# name): such text cells get a leading apostrophe, as spreadsheet exports do.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def class_structure(config: ExamConfig, question) -> dict | None:
    """The options the whole class drew question `question` with, as JSON values (a fraction or
    sizes as the text a user writes: "1/2", "2-3-2"); None without one structure for the class."""
    if not config.same_structure or not hasattr(kind_module(question.kind), "class_options"):
        return None
    return options_json(question.options)


def spreadsheet_text(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula: a leading apostrophe before = + - @ tab CR."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return spreadsheet_text(value) if isinstance(value, str) else str(value)


def manifest_csv(all_rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in all_rows:
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def manifest_json(config: ExamConfig, all_rows: list[dict], fingerprint: str) -> bytes:
    """fingerprint: secret_fingerprint of the secret the exam was drawn with."""
    students = {}
    for row in all_rows:
        students.setdefault(row["student_id"], {"student_id": row["student_id"], "name": row["name"],
                                                "version_code": row["version_code"]})
    doc = {
        "qgen": __version__,
        HASH_FIELD: "0" * 64,  # replaced by the hash of the whole file (seal): an edited manifest is refused
        "secret_fingerprint": fingerprint,
        "exam": {
            "title": config.title,
            "course": config.course,
            "date": config.date,
            "duration": config.duration,
            "total_points": points_json(config.total_points),
            "follow_through": config.follow_through,
            "questions": [
                {"question": q.number, "kind": q.kind, "points": points_json(q.points),
                 "answer_space": q.answer_space,
                 "options": options_json(q.options),
                 "structure": class_structure(config, q)}
                for q in config.questions
            ],
        },
    }
    # the header indented, then a student or a row per line: half the bytes, `grep s0042` finds
    # a student's rows, and json's encoder in C (its indenting one is pure Python, 5x slower)
    head = json.dumps(doc, indent=2, ensure_ascii=False, default=str)
    text = (head[:-2] + ',\n  "students": ' + _one_per_line(students.values())
            + ',\n  "rows": ' + _one_per_line(all_rows) + "\n}\n")
    return seal(text.encode("utf-8"))


def _one_per_line(items) -> str:
    lines = [json.dumps(item, ensure_ascii=False, default=str) for item in items]
    return "[\n" + ",\n".join("    " + line for line in lines) + "\n  ]" if lines else "[]"


def check_build_secret(build_dir: Path, secret: bytes, required: bool = False) -> bool:
    """Refuse a secret other than the one the build in build_dir was made with (its manifest.json
    holds the fingerprint). False when there is no build there to check against, unless required."""
    path = Path(build_dir) / "manifest.json"
    if not required and not os.path.lexists(path):
        return False
    doc = read_manifest(path, "no such file; --build must name the folder `qgen exam` wrote")
    recorded = doc.get("secret_fingerprint")
    if recorded is None:
        return False  # written before fingerprints existed
    if recorded != secret_fingerprint(secret):
        raise QgenError(f"{path}: this build was made with another secret than the one given; "
                        "give the build's secret with --secret")
    return True
