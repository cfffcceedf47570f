"""Everything about each student that needs no LaTeX run, computed on every core.

For each student: draw and check the questions (draw.py), render their sheet and key as LaTeX
parts (sheets.py) and their manifest rows (manifest.py). Workers return only text and JSON-ready
rows (cheap to send between processes); the diagrams' TikZ sources come back too, so the parent
draws each distinct picture once. Results are in roster order and do not depend on the number
of workers.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from qgen.exam.config import ExamConfig
from qgen.exam.draw import draw_student
from qgen.exam.manifest import rows
from qgen.exam.roster import Student
from qgen.exam.sheets import student_parts

POOL_MIN_STUDENTS = 24  # below this, starting worker processes costs more than it saves
BATCH = 10  # students per task handed to a worker (the progress bar moves in these steps)


@dataclass(frozen=True)
class Prepared:
    student: Student
    code: str
    rows: tuple[dict, ...]  # manifest rows, one per question
    parts: dict[str, str]  # LaTeX: this student's part of each side's document (sheets.SIDES)
    diagrams: tuple[str, ...]  # TikZ sources the parts include


def prepare_student(config: ExamConfig, secret: bytes, student: Student,
                    sides: tuple[str, ...] | None = None) -> Prepared:
    exam = draw_student(config, secret, student)
    parts = student_parts(config, exam, sides)
    diagrams = tuple(v.draw.diagram for v in exam.variants if v.draw.diagram)
    return Prepared(student, exam.code, tuple(rows(config, [exam])), parts, diagrams)


def _batch(config: ExamConfig, secret: bytes, students: tuple[Student, ...], sides) -> list[Prepared]:
    return [prepare_student(config, secret, s, sides) for s in students]


def prepare_class(config: ExamConfig, secret: bytes, students: tuple[Student, ...], workers: int | None = None,
                  progress=None, sides: tuple[str, ...] | None = None) -> list[Prepared]:
    """Every student prepared, in roster order; `progress(n)` is called as students are done.
    sides: the documents to render (default: those config.keys asks for, sheets.sides_for)."""
    progress = progress or (lambda n: None)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(students) < POOL_MIN_STUDENTS:
        done = []
        for s in students:
            done.append(prepare_student(config, secret, s, sides))
            progress(1)
        return done
    batches = [students[i:i + BATCH] for i in range(0, len(students), BATCH)]
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(_batch, config, secret, batch, sides) for batch in batches]
        done = []
        for future, batch in zip(futures, batches):  # in order: the first error in roster order is raised
            done.extend(future.result())
            progress(len(batch))
        return done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
