"""How fast `qgen grade` marks a class: 2,000 students × 4 questions (mlp, softmax-ce, graph,
gates) without PDFs, then a smaller class with the feedback PDFs and the report.

    .venv/bin/python bench/grade_speed.py
    .venv/bin/python bench/grade_speed.py --students 2000 --pdf-students 200

The manifest is drawn for DISTINCT students (no typesetting) and repeated under new ids up to
--students (grading never checks a version code against the secret, so this is the same work as a
class of distinct students). Responses: every student's key, with every third student slipping in
one upstream entry of each question (so the engine's follow-through runs), every fifth leaving
a question blank, and every 50th copying the previous student's key (copy detection, always on,
flags them).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from gradebuild import key_responses, make_build  # noqa: E402
from qgen.exam.responses import responses_csv  # noqa: E402
from qgen.grade.manifest import seal  # noqa: E402
from qgen.grade.run import grade  # noqa: E402

DISTINCT = 40


def grow(build: Path, students: int) -> None:
    """Repeat the drawn students' rows under new ids s0001, s0002, …"""
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    base = doc["students"]
    rows = {}
    for row in doc["rows"]:
        rows.setdefault(row["student_id"], []).append(row)
    doc["students"], doc["rows"] = [], []
    for i in range(students):
        source = base[i % len(base)]
        sid = f"s{i + 1:04d}"
        doc["students"].append({**source, "student_id": sid, "name": f"Student {i + 1}"})
        for row in rows[source["student_id"]]:
            doc["rows"].append({**copy.deepcopy(row), "student_id": sid, "name": f"Student {i + 1}"})
    doc["content_sha256"] = "0" * 64  # sealed again, as qgen exam seals the manifest it writes
    data = seal((json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8"))
    (build / "manifest.json").write_bytes(data)
    (build / "responses.csv").write_bytes(responses_csv(data))


KEYS: dict = {}


def change(student: str, column: str, key: str) -> str:
    number = int(student[1:])
    if number % 50 == 0:
        return KEYS[(f"s{number - 1:04d}", column)]
    if number % 5 == 0 and column.startswith("q3."):
        return ""
    if number % 3 == 0 and column.split(".", 1)[1] in ("z1[1]", "yhat[1]", "n1", "dz/dx[1,1]", "f'(x)[1]"):
        return "7"
    return key


def timed(build: Path, folder: Path, pdfs: bool) -> tuple[float, float]:
    """Wall-clock seconds, and CPU seconds of this process (the machines are shared: the CPU time
    is what the grading itself costs; pdflatex runs in child processes and is not in it)."""
    start, cpu = time.perf_counter(), time.process_time()
    grade(build, folder / "filled.csv", folder / ("with-pdf" if pdfs else "no-pdf"), pdfs=pdfs)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--pdf-students", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for students, pdfs in ((args.students, False), (args.pdf_students, True)):
            if not students:
                continue
            folder = Path(tmp) / f"class-{students}-{pdfs}"
            build = make_build(folder, min(DISTINCT, students))
            grow(build, students)
            doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
            KEYS.update({(r["student_id"], f"q{r['question']}.{e['name']}"): e["key"]
                         for r in doc["rows"] for a in r["answers"] for e in a["entries"]})
            (folder / "filled.csv").write_bytes(key_responses(build, change))
            seconds, cpu = timed(build, folder, pdfs)
            out = folder / ("with-pdf" if pdfs else "no-pdf") / "grades.json"
            flagged = len(json.loads(out.read_text(encoding="utf-8"))["copy_flags"]["pairs"])
            what = "with feedback PDFs and the report" if pdfs else "without PDFs"
            print(f"  copy flags: {flagged} (copy detection on)")
            print(f"{students} students x 4 questions {what}: {seconds:.2f} s wall "
                  f"({1000 * seconds / students:.2f} ms per student), {cpu:.2f} s CPU in qgen's process; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
