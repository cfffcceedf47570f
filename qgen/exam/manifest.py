"""The grading manifest: one row per student × question, as CSV and as JSON.

Columns: student_id, name, version_code, question, kind, points, seed, options, parameters,
answers. In the CSV, options, parameters and answers are JSON text in their cells; answers is a
list of {name, exact, decimal, tolerance} (exact: a fraction such as "-3/4", or null when the
answer is not rational; decimal: its value as a number, or nested lists for vectors and
matrices; tolerance: 0 for exact grading).

manifest.json's exam.questions[k].structure is the question's class structure: the options every
student's question was drawn with (JSON values), when the exam has same_structure = true and the
kind draws its structure once per class; null when each student has a structure of their own.
"""

from __future__ import annotations

import csv
import io
import json

from qgen import __version__
from qgen.exam.config import ExamConfig, points_json
from qgen.exam.draw import StudentExam
from qgen.randomiser import kind_module

COLUMNS = ("student_id", "name", "version_code", "question", "kind", "points", "seed", "options",
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
                "seed": v.seed,
                "options": data["options"],
                "parameters": data["parameters"],
                "answers": data["answers"],
            })
    return out


def class_structure(config: ExamConfig, question) -> dict | None:
    """The options the whole class drew question `question` with, as JSON values (a fraction or
    sizes as the text a user writes: "1/2", "2-3-2"); None without one structure for the class."""
    if not config.same_structure or not hasattr(kind_module(question.kind), "class_options"):
        return None
    return {k: v if isinstance(v, (bool, int, float, str)) or v is None else str(v) for k, v in question.options.items()}


def _cell(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def manifest_csv(all_rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in all_rows:
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def manifest_json(config: ExamConfig, all_rows: list[dict]) -> bytes:
    students = {}
    for row in all_rows:
        students.setdefault(row["student_id"], {"student_id": row["student_id"], "name": row["name"],
                                                "version_code": row["version_code"]})
    doc = {
        "qgen": __version__,
        "exam": {
            "title": config.title,
            "course": config.course,
            "date": config.date,
            "duration": config.duration,
            "total_points": points_json(config.total_points),
            "questions": [
                {"question": q.number, "kind": q.kind, "points": points_json(q.points),
                 "options": {k: str(v) for k, v in q.options.items()},
                 "structure": class_structure(config, q)}
                for q in config.questions
            ],
        },
        "students": list(students.values()),
        "rows": all_rows,
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")
