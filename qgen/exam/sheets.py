"""All question sheets in one LaTeX document, all grading keys in another, all worked keys in a
third (the sides of SIDES that exam.keys asks for), then cut per student.

Inside one pdflatex run a page costs a few milliseconds; a separate run costs 150-300 ms
(measured by bench/latex_costs.py and bench/exam_speed.py; README, "Speed"). So the class is
typeset in a few large documents, each student's part starting with \\qgenvariant
(qgen.build.VARIANT_MARKS), and cut afterwards (qgen.pdf_pages.split_compact, which also gives
each cut file compact fonts with just its own glyphs).

Documents hold CHUNK students each, a constant: the bytes of a student's PDF depend on the
document it was cut from (fonts are subset per document), so chunking by the number of cores
would make the output differ between machines, and `qgen exam regen` could not reproduce a
student's files by typesetting their chunk again. Pictures are drawn once per distinct TikZ
source and chunk, in groups of DIAGRAM_GROUP (a group the same as an earlier chunk's, once);
groups and documents run one per core, each chunk as soon as it is drawn (run._make), and the
documents are cut in the build's worker processes.

The question document pads every student's part to an even number of pages with a blank page
(\\qgenpad), so that it is itself the duplex print file; the padding pages are recorded in
doc.blanks and left out of the per-student files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache


from qgen.build import STARTS_FILE, VARIANT_MARKS, BuildResult, build, variant_starts
from qgen.pdf_pages import join_pdfs, page_count, split_compact
from qgen.exam import areas
from qgen.exam.config import ExamConfig, points_text
from qgen.exam.draw import StudentExam
from qgen.exam.points import part_points
from qgen.answer_summary import answer_summary
from qgen.practice import new_diagram_cache
from qgen.render import render
from qgen.tex_matrices import matrix_columns

__all__ = ["CHUNK", "SIDES", "Typeset", "page_count", "sides_for", "student_parts", "typeset"]

CHUNK = 100  # students per document (a constant: see above)
DIAGRAM_GROUP = 30  # at most this many pictures per standalone document
BLANKS_FILE = "doc.blanks"
POINTS_PER_TABLE = 10  # questions per points table on the cover
LONGEST_FIRST = ("key", "questions", "grading")  # the order a chunk's documents are typeset in
FIRST_WHILE_DRAWING = ("grading", "key", "questions")  # ... while its pictures are being drawn

# Each side of the exam: the per-student template and the document holding a chunk of them.
SIDES = {"questions": ("exam/sheet.tex", "exam_questions.tex"),
         "key": ("exam/key.tex", "exam_answers.tex"),
         "grading": ("exam/grading.tex", "exam_grading.tex")}
WHERE_TO_WRITE = {
    "boxes": "write each answer in its boxes below the question, one number per box (an integer, a fraction "
             "or a decimal); use the room marked Working for your working.",
    "lines": "write your working and each answer in the room below its part.",
    "none": "write your working and answers in the answer booklet, each under its question number.",
}


def sides_for(config: ExamConfig) -> tuple[str, ...]:
    """The documents a build makes: the question sheets, and the keys `exam.keys` asks for."""
    return ("questions",) + {"grading": ("grading",), "worked": ("key",), "both": ("key", "grading")}[config.keys]


@dataclass(frozen=True)
class Typeset:
    print_file: bytes  # every question sheet, each student from an odd page
    all_keys: bytes | None  # every worked key (None when exam.keys = "grading")
    all_grading: bytes | None = None  # every grading key, one page each (None when exam.keys = "worked")


def _points_label(points) -> str:
    text = points_text(points)
    return f"{text} point" + ("" if text == "1" else "s")


def where_to_write(config: ExamConfig) -> str:
    """The first instruction, from the questions' answer spaces (not from the user's text)."""
    spaces: dict[str, list[int]] = {}
    for q in config.questions:
        spaces.setdefault(q.answer_space, []).append(q.number)
    if len(spaces) == 1:
        sentence = WHERE_TO_WRITE[next(iter(spaces))]
        return sentence[0].upper() + sentence[1:]
    parts = []
    for space, numbers in spaces.items():
        which = ", ".join(map(str, numbers))
        parts.append(f"Question{'s' if len(numbers) > 1 else ''} {which}: {WHERE_TO_WRITE[space]}")
    return " ".join(parts)


def how_marked(config: ExamConfig) -> str:
    """How `qgen grade` marks, in the student's words, for the sheet's instructions (from the config's
    follow-through share, so the sheet never promises what the marking does not do)."""
    share = Decimal(config.follow_through)
    first = ("Only the answers are marked: each number on its own against your key, by the rule stated with "
             "each question. Your working, and requests marked ``not marked'', earn no points; a right answer "
             "needs no working.")
    if share == 0:
        carry = "A number computed correctly from your own wrong earlier answer earns no points."
    else:
        part = "full credit" if share == 1 else f"{share * 100:g}\\% of its points"
        carry = f"A number that is wrong only because it uses your own wrong earlier answer earns {part}."
    return f"{first} {carry}"


def exam_context(config: ExamConfig) -> dict:
    return {
        "title": config.title, "course": config.course, "date": config.date, "duration": config.duration,
        "header": f"{config.course} · {config.title}",
        "instructions": config.instructions, "instructions_are_list": config.instructions_are_list,
        "where_to_write": where_to_write(config), "how_marked": how_marked(config), "conventions": config.conventions, "paper": config.paper,
        "calculator": config.calculator, "page_per_question": config.page_per_question,
        "total_label": f"{_points_label(config.total_points)} in total",
        "total_points": points_text(config.total_points),
    }


def _diagram_name(source: str) -> str:
    """The file name DiagramCache gives a picture: a hash of its source (nothing is drawn here)."""
    return new_diagram_cache().add(source)


def answer_area(parts: list[dict], answer_space: str, working: str) -> str:
    """A question's answer area on the sheet (partials/answer_area.tex): empty boxes laid out by
    the answers' shapes, never a number, so with one structure per class it is the same for every
    student, and it is rendered once per shape (the template is given no key to print)."""
    shapes = tuple((p["label"], p["points"], p["layout"], p["rows"], p["cols"], p["room"]) for p in parts)
    return _area(answer_space, working, shapes)


@lru_cache(maxsize=256)
def _area(answer_space: str, working: str, shapes: tuple) -> str:
    parts = [{"label": label, "points": points, "layout": layout, "rows": rows, "cols": cols, "room": room,
              "cells": [[None] * cols for _ in range(rows)]} for label, points, layout, rows, cols, room in shapes]
    return render("partials/answer_area.tex", parts=parts, answer_space=answer_space, working=working)


def _student_contexts(config: ExamConfig, exam: StudentExam, sides: tuple[str, ...]) -> dict[str, dict]:
    """side -> the template context of one student's part (computed once; only each question's
    text differs between the sides: the question, or its solution on the keys)."""
    questions = []
    for q, v in zip(config.questions, exam.variants):
        points = part_points(config, q, len(v.draw.answers))
        parts = areas.parts(v.draw.answers, points, v.draw.number_style)
        questions.append({
            "number": q.number,
            "points_label": _points_label(q.points),
            "points_summary": areas.points_summary(points),
            "kind": v.kind.replace("-", "_"),
            "number_style": v.draw.number_style,
            "diagram": _diagram_name(v.draw.diagram) if v.draw.diagram else None,
            "notes": v.draw.notes,
            **answer_summary(v.draw),  # partials/answer_summary.tex, and what the sheet asks
            "parts": parts,
            "answer_space": q.answer_space,
            "working": areas.working_room(parts),
        })
        if "questions" in sides:
            questions[-1]["area"] = answer_area(parts, q.answer_space, questions[-1]["working"])
    rows = [{"label": str(q["number"]), "parts": q["points_summary"], "points": points_text(c.points)}
            for q, c in zip(questions, config.questions)]
    tables = [rows[i:i + POINTS_PER_TABLE] for i in range(0, len(rows), POINTS_PER_TABLE)]
    return {side: {"id": exam.student.id, "name": exam.student.name, "code": exam.code, "points_tables": tables,
                   "questions": [{**q, "context": v.draw.question if side == "questions" else v.draw.solution}
                                 for q, v in zip(questions, exam.variants)]}
            for side in sides}


def student_parts(config: ExamConfig, exam: StudentExam, sides: tuple[str, ...] | None = None) -> dict[str, str]:
    """One student's part of each side's document (LaTeX): side -> text."""
    context = exam_context(config)
    sides = sides or sides_for(config)
    contexts = _student_contexts(config, exam, sides)
    return {side: render(SIDES[side][0], exam=context, s=contexts[side], key=side != "questions") for side in sides}


def documents(config: ExamConfig, parts: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each side's LaTeX documents, CHUNK students each: side -> documents. Each sets amsmath's
    MaxMatrixCols to its widest matrix (qgen.tex_matrices: the same pages, typeset faster)."""
    context = exam_context(config)
    return {side: [render(SIDES[side][1], exam=context, parts=texts[start:start + CHUNK], variant_marks=VARIANT_MARKS,
                          paper=config.paper, matrix_columns=matrix_columns(texts[start:start + CHUNK]))
                   for start in range(0, len(texts), CHUNK)]
            for side, texts in parts.items()}


def _picture_groups(diagrams: list[tuple[str, ...]]) -> list[tuple[tuple[str, ...], object]]:
    """One chunk's distinct pictures in groups of at most DIAGRAM_GROUP, dealt out by file name, so
    that the grouping depends on the chunk alone: (the group's file names, its DiagramCache)."""
    named = {}
    for source in (d for student in diagrams for d in student):
        named[_diagram_name(source)] = source
    names = sorted(named)
    n_groups = -(-len(names) // DIAGRAM_GROUP)  # groups of at most DIAGRAM_GROUP, sizes balanced
    groups = []
    for i in range(n_groups):
        cache = new_diagram_cache()
        for name in names[i::n_groups]:
            cache.add(named[name])
        groups.append((tuple(names[i::n_groups]), cache))
    return groups


def typeset(config: ExamConfig, chunks: Iterable[tuple[dict[str, list[str]], list[tuple[str, ...]]]],
            emit: Callable[[str, int, bytes], None], workers: int | None = None, progress=None,
            processes: Executor | None = None) -> Typeset:
    """Compile every chunk's diagrams and documents on every core, and cut them per student.

    chunks: for each chunk of CHUNK students (the last may be shorter), in roster order, each
    side's LaTeX parts (side -> one per student: "questions", "key", "grading") and each student's
    TikZ sources. A chunk is typeset as soon as it comes, while the next ones are being drawn.
    Pictures are drawn in groups (_picture_groups: the bytes of a picture depend on the document
    it was drawn in, fonts being subset per document); a group of the same pictures as an earlier
    chunk's is the same document, drawn once (with same_structure, every chunk's).
    Tasks run one per core in this order, chunk by chunk: the picture groups, then each document,
    compiled and cut (the longest first, so that the last chunk's end comes soon; but while a
    chunk's pictures are drawn, the grading keys first: they include no picture); at the end
    each side's documents are joined. A task waits only for tasks submitted before it, so the
    pool cannot deadlock. The cutting and joining (Python) run in `processes`
    (qgen.exam.prepare.class_pool; None: in the thread), so that they run on every core, not one
    after the other on the GIL.
    emit(side, student index, pdf) receives each student's PDFs as they are cut (from the
    pool's threads), so a class of thousands is never held in memory at once.
    `progress(n)` is called once per chunk, with its number of students, when its first
    document is cut.
    """
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1, initializer=_use_processes,
                            initargs=(processes,)) as pool:

        def make(side: str, tex: str, pictures: list, first: int, count: int, report: bool) -> bytes:
            files: dict[str, bytes] = {}
            for future in pictures:
                files.update(future.result())
            whole, parts = _cut(build(tex, files=files, collect=[STARTS_FILE, BLANKS_FILE]))
            for i, part in enumerate(parts):
                emit(side, first + i, part)
            if progress and report:
                progress(count)
            return whole

        made: dict[str, list[Future]] = {}
        groups: dict[tuple[str, ...], Future] = {}  # a group the same as an earlier chunk's is drawn once
        try:
            first = 0
            for parts, diagrams in chunks:
                sources = documents(config, parts)
                drawn, new_pictures = [], False
                for names, cache in _picture_groups(diagrams):
                    if names not in groups:
                        groups[names], new_pictures = pool.submit(cache.files), True
                    drawn.append(groups[names])
                order = [side for side in (FIRST_WHILE_DRAWING if new_pictures else LONGEST_FIRST) if side in sources]
                for side in order:
                    made.setdefault(side, []).append(pool.submit(
                        make, side, sources[side][0], drawn if side != "grading" else [], first, len(diagrams),
                        side == order[0]))
                first += len(diagrams)
            joined = {side: pool.submit(_join_made, futures) for side, futures in made.items()}
            for futures in made.values():  # the first error in the order of submission
                for f in futures:
                    f.result()
            joined = {side: f.result() for side, f in joined.items()}
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # the first error stops what has not started
            raise
    return Typeset(print_file=joined.get("questions"), all_keys=joined.get("key"), all_grading=joined.get("grading"))


_local = threading.local()  # the processes that cut and join, in the threads of typeset()


def _use_processes(processes: Executor | None) -> None:
    _local.processes = processes


def _in_processes(function, *args):
    """function(*args) in the worker processes of typeset(), if any, else here."""
    processes = getattr(_local, "processes", None)
    return function(*args) if processes is None else processes.submit(function, *args).result()


def _blanks(result: BuildResult) -> list[int]:
    return [int(line) for line in result.files.get(BLANKS_FILE, b"").decode().split()]


def _cut(result: BuildResult) -> tuple[bytes, list[bytes]]:
    """The document with compact fonts, and its per-student PDFs (padding pages left out), each
    with the glyphs of its own pages only (qgen.pdf_pages.split_compact)."""
    blanks = frozenset(_blanks(result))
    cuts = sorted(set(variant_starts(result)) | blanks)
    return _in_processes(split_compact, result.pdf, cuts, blanks)


def _join_made(futures: list[Future]) -> bytes:
    """The documents of one side one after the other, once made (each ends on an even page: the
    duplex order holds)."""
    pdfs = [f.result() for f in futures]
    return pdfs[0] if len(pdfs) == 1 else _in_processes(join_pdfs, pdfs)
