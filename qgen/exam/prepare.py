"""Everything about each student that needs no LaTeX run, computed on every core.

For each student: draw and check the questions (draw.py), render their sheet and key as LaTeX
parts (sheets.py) and their manifest rows (manifest.py). Workers return only text and JSON-ready
rows (cheap to send between processes); the diagrams' TikZ sources come back too, so the parent
draws each distinct picture once. Results are in roster order and do not depend on the number
of workers. A build draws chunk by chunk (prepare_chunks), so that a chunk is typeset while the
next is drawn, and its worker processes (class_pool) then also cut the typeset documents.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def class_pool(students: tuple[Student, ...], workers: int | None = None) -> ProcessPoolExecutor | None:
    """The worker processes of a build (one per core), or None for a class too small to be worth
    them. Its processes start (fork) at the first task: submit one before starting any thread."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(students) < POOL_MIN_STUDENTS:
        return None
    return ProcessPoolExecutor(max_workers=workers)


def prepare_chunks(config: ExamConfig, secret: bytes, students: tuple[Student, ...], size: int,
                   pool: ProcessPoolExecutor | None = None, progress=None,
                   sides: tuple[str, ...] | None = None) -> Iterator[list[Prepared]]:
    """Every student prepared, in roster order, `size` at a time: each chunk is yielded as soon as
    it is drawn, while `pool` (class_pool; None: this process) draws the next ones, so that the
    chunk can be typeset meanwhile. `progress(n)` is called as students are done; the first error
    in roster order is raised."""
    progress = progress or (lambda n: None)
    chunks = [students[i:i + size] for i in range(0, len(students), size)]
    if pool is None:
        for chunk in chunks:
            done = []
            for s in chunk:
                done.append(prepare_student(config, secret, s, sides))
                progress(1)
            yield done
        return
    # all batches are handed out at once (in roster order); a batch never spans two chunks
    futures = [[(pool.submit(_batch, config, secret, chunk[i:i + BATCH], sides), len(chunk[i:i + BATCH]))
                for i in range(0, len(chunk), BATCH)] for chunk in chunks]
    for batches in futures:
        done = []
        for future, n in batches:
            done.extend(future.result())
            progress(n)
        yield done


def prepare_class(config: ExamConfig, secret: bytes, students: tuple[Student, ...], workers: int | None = None,
                  progress=None, sides: tuple[str, ...] | None = None) -> list[Prepared]:
    """Every student prepared, in roster order; `progress(n)` is called as students are done.
    sides: the documents to render (default: those config.keys asks for, sheets.sides_for)."""
    pool = class_pool(students, workers)
    try:
        return [p for chunk in prepare_chunks(config, secret, students, max(len(students), 1), pool, progress, sides)
                for p in chunk]
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
