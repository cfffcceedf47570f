"""grades.csv (one row per student) and grades.json (every entry's verdict). A name that a
spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe in the CSV."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

from qgen import __version__
from qgen.grade.analysis import DISCRIMINATION, mistake_students, option_students, question_stats
from qgen.grade.copies import MODEL
from qgen.exam.manifest import spreadsheet_text
from qgen.grade.manifest import Build
from qgen.grade.responses import SHOWN
from qgen.grade.results import StudentResult, points_text

POINTS_RULE = ("a question's points are split over its answers by the exam's points per part (equally "
               "when the manifest has none); an answer's points are split equally over its entries")


def grades_csv(build: Build, results: list[StudentResult]) -> bytes:
    questions = [q["question"] for q in build.exam["questions"]]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", "name", "version_code"] + [f"q{k}" for k in questions] + ["total", "percentage"])
    for r in results:
        writer.writerow([r.student["student_id"], spreadsheet_text(r.student["name"]), r.student["version_code"]]
                        + [points_text(q.points) for q in r.questions]
                        + [points_text(r.total), f"{float(r.percentage):.1f}"])
    return out.getvalue().encode("utf-8")


def grades_json(build: Build, results: list[StudentResult], fraction: Fraction, flags=(), problems=()) -> bytes:
    doc = {
        "qgen": __version__,
        "exam": {k: build.exam.get(k) for k in ("title", "course", "date", "total_points")},
        "follow_through": points_text(fraction),
        "points_rule": POINTS_RULE,
        "students": [{
            **r.student,
            "total": points_text(r.total), "max_points": points_text(r.max_points),
            "percentage": round(float(r.percentage), 1),
            "questions": [{
                "question": q.row.question, "kind": q.row.kind,
                "points": points_text(q.points), "max_points": points_text(q.row.points),
                "entries": [{"entry": v.column, "verdict": v.verdict, "given": v.given, "key": v.entry.key_text(),
                             "points": points_text(v.points), "max_points": points_text(v.max_points),
                             **({"note": v.note} if v.note else {})}
                            for v in q.verdicts],
            } for q in r.questions],
        } for r in results],
        "item_analysis": {"discrimination": DISCRIMINATION,
                          "questions": [q.to_json() for q in question_stats(results)],
                          "mistakes_in_students": dict(mistake_students(results)),
                          "options_chosen": [{**q, "options": dict(q["options"])} for q in option_students(results)]},
        "copy_flags": {"model": MODEL, "note": "a flag never changes a mark",
                       "pairs": [f.to_json() for f in flags]},
        "unreadable": [{"row": p.row, "student_id": p.student, "column": p.column, "text": p.text[:SHOWN],
                        "problem": p.why} for p in problems],
    }
    # compact (the C encoder): a class of 2,000 holds some 200,000 entries
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
