"""One student's questions: seeds from the secret, drawn and checked by the kinds.

A student's question k is draw_variant(kind, seed(secret, title, id, k), options): a pure function
of those, so the result is the same in one process or in many, in any order; regenerating one
student draws exactly what the class run drew for them. With one structure per class, each draw
must also fall inside the question's class window (qgen.exam.fairness), fixed from the secret
before any student is drawn; a draw outside it is drawn again from the same student's seed.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from qgen.errors import QgenError
from qgen.exam.config import ExamConfig
from qgen.exam.fairness import PROBES, make_window, measure_draw, structure_rule
from qgen.exam.roster import Student
from qgen.exam.secrets import class_seed, question_seed, version_code
from qgen.randomiser import Variant, child_seeds, draw_variant


@dataclass(frozen=True)
class StudentExam:
    student: Student
    code: str  # the version code printed on every page
    variants: tuple[Variant, ...]  # in question order


def draw_json(draw) -> dict:
    """The parts of a variant's JSON the fairness measures read (as in the manifest)."""
    return {"parameters": draw.params, "answers": [a.to_json(draw.number_style) for a in draw.answers]}


def _structure_ok(draw) -> str | None:
    return structure_rule(draw.params)


def class_windows(config: ExamConfig, secret: bytes, workers: int | None = None) -> ExamConfig:
    """Each question's window, from PROBES variants drawn with its class seed (never a student's):
    the same for every run with this secret, so regenerating one student draws what the class drew.
    The probes are drawn on every core (`workers`, default one per core): they come before any
    student is drawn, so a build would otherwise wait for them on one core."""
    if config.spread == "off" or not config.same_structure:
        return config
    seeds = {q.number: child_seeds(class_seed(secret, config.title, q.number), PROBES) for q in config.questions}
    # each question's first probe here: options that cannot be drawn stop at one failed draw
    first = {q.number: _probe((q.kind, seeds[q.number][0], q.options)) for q in config.questions}
    drawable = [q for q in config.questions if first[q.number] is not None]
    rest = iter(_on_every_core(_probe, [(q.kind, seed, q.options) for q in drawable for seed in seeds[q.number][1:]],
                               workers))
    questions = []
    for q in config.questions:
        if first[q.number] is not None:
            probes = [first[q.number]] + [next(rest) for _ in range(PROBES - 1)]
            if None not in probes:  # options that cannot be drawn: the students' draws say so, naming one
                q = replace(q, window=make_window(probes, config.spread))
        questions.append(q)
    return replace(config, questions=tuple(questions))


def _probe(job: tuple) -> dict | None:
    """One probe's measures (fairness.measure_draw), None if its options cannot be drawn."""
    kind, seed, options = job
    try:
        return measure_draw(draw_variant(kind, seed, options, accept=_structure_ok).draw)
    except QgenError:
        return None


def _on_every_core(function, jobs: list, workers: int | None = None) -> list:
    """[function(job) for job in jobs], in worker processes when there are several cores (the
    results do not depend on where a job runs: each is a pure function of its seed)."""
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        return [function(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, jobs, chunksize=4))


def acceptor(window):
    """The check a draw must pass: one structure for the class, and inside its window (None: none)."""
    def accept(draw) -> str | None:
        return structure_rule(draw.params) or window.rule(measure_draw(draw))
    return accept if window is not None else None


def _drawable(q, seed: int) -> bool:
    try:
        draw_variant(q.kind, seed, q.options)
        return True
    except QgenError:
        return False


def draw_student(config: ExamConfig, secret: bytes, student: Student) -> StudentExam:
    code = version_code(secret, config.title, student.id)
    seen: set[str] = set()  # no two identical questions on one sheet
    variants = []
    for q in config.questions:
        seed = question_seed(secret, config.title, student.id, q.number)
        try:
            variants.append(draw_variant(q.kind, seed, q.options, code=code, avoid=seen, accept=acceptor(q.window)))
        except QgenError as e:  # e.g. no acceptable variant: say which question's options to loosen
            where = f"{config.path.name}: questions[{q.number}] (student {student.id})"
            if q.window is not None and _drawable(q, seed):  # the class's bounds are what failed
                raise QgenError(f"{where}: no variant within the class's bounds ({q.window.describe()}) in "
                                f"the retry budget; loosen exam.spread (now {config.spread!r}; tight, normal, "
                                f"loose or off)") from None
            raise QgenError(f"{where}: {e}") from None
    return StudentExam(student, code, tuple(variants))
