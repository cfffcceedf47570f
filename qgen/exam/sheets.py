"""All question sheets in one LaTeX document, all keys in another, then cut per student.

Inside one pdflatex run a page costs a few milliseconds; a separate run costs 150-300 ms
(measured by bench/latex_costs.py and bench/exam_speed.py; README, "Speed"). So the class is
typeset in a few large documents, each student's part starting with \\qgenvariant
(qgen.build.VARIANT_MARKS), and cut afterwards (split_pdf).

Documents hold CHUNK students each, a constant: the bytes of a student's PDF depend on the
document it was cut from (fonts are subset per document), so chunking by the number of cores
would make the output differ between machines, and `qgen exam regen` could not reproduce a
student's files by typesetting their chunk again. Pictures are drawn once per distinct TikZ
source and chunk, in groups of DIAGRAM_GROUP; groups and documents run one per core.

The question document pads every student's part to an even number of pages with a blank page
(\\qgenpad), so that it is itself the duplex print file; the padding pages are recorded in
doc.blanks and left out of the per-student files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


from qgen.build import STARTS_FILE, VARIANT_MARKS, BuildResult, build, join_pdfs, page_count, split_pdf, variant_starts
from qgen.exam.config import ExamConfig, points_text
from qgen.exam.draw import StudentExam
from qgen.practice import answer_entries, answer_rules, new_diagram_cache
from qgen.render import render

__all__ = ["CHUNK", "Typeset", "page_count", "student_parts", "typeset"]

CHUNK = 100  # students per document (a constant: see above)
DIAGRAM_GROUP = 30  # at most this many pictures per standalone document
BLANKS_FILE = "doc.blanks"
POINTS_PER_ROW = 10  # questions per row of the points table


@dataclass(frozen=True)
class Typeset:
    print_file: bytes  # every question sheet, each student from an odd page
    all_keys: bytes


def _points_label(points) -> str:
    text = points_text(points)
    return f"{text} point" + ("" if text == "1" else "s")


def exam_context(config: ExamConfig) -> dict:
    cells = [{"label": str(q.number), "points": points_text(q.points)} for q in config.questions]
    cells.append({"label": "Total", "points": points_text(config.total_points)})
    return {
        "title": config.title, "course": config.course, "date": config.date, "duration": config.duration,
        "instructions": config.instructions, "instructions_are_list": config.instructions_are_list,
        "calculator": config.calculator, "page_per_question": config.page_per_question,
        "total_label": f"{_points_label(config.total_points)} in total",
        "points_rows": [cells[i:i + POINTS_PER_ROW] for i in range(0, len(cells), POINTS_PER_ROW)],
    }


def _diagram_name(source: str) -> str:
    """The file name DiagramCache gives a picture: a hash of its source (nothing is drawn here)."""
    return new_diagram_cache().add(source)


def _student_context(config: ExamConfig, exam: StudentExam, side: str) -> dict:
    questions = []
    for q, v in zip(config.questions, exam.variants):
        questions.append({
            "number": q.number,
            "points_label": _points_label(q.points),
            "kind": v.kind.replace("-", "_"),
            "number_style": v.draw.number_style,
            "context": v.draw.question if side == "question" else v.draw.solution,
            "diagram": _diagram_name(v.draw.diagram) if v.draw.diagram else None,
            "notes": v.draw.notes,
            "answers": answer_entries(v.draw.answers, v.draw.number_style),  # partials/answer_summary.tex
            "rules": answer_rules(v.draw.answers, v.draw.number_style),
        })
    return {"id": exam.student.id, "name": exam.student.name, "code": exam.code, "questions": questions}


def student_parts(config: ExamConfig, exam: StudentExam) -> tuple[str, str]:
    """One student's part of the question document and of the key document (LaTeX)."""
    context = exam_context(config)
    sheet = render("exam/sheet.tex", exam=context, s=_student_context(config, exam, "question"), key=False)
    key = render("exam/key.tex", exam=context, s=_student_context(config, exam, "solution"), key=True)
    return sheet, key


def documents(config: ExamConfig, sheets: list[str], keys: list[str]) -> tuple[list[str], list[str]]:
    """The LaTeX of the question documents and of the key documents, CHUNK students each."""
    context = exam_context(config)
    out: tuple[list[str], list[str]] = ([], [])
    for start in range(0, len(sheets), CHUNK):
        for template, parts, docs in (("exam_questions.tex", sheets, out[0]), ("exam_answers.tex", keys, out[1])):
            docs.append(render(template, exam=context, parts=parts[start:start + CHUNK], variant_marks=VARIANT_MARKS))
    return out


def typeset(config: ExamConfig, sheets: list[str], keys: list[str], diagrams: list[tuple[str, ...]],
            emit: Callable[[str, int, bytes], None], workers: int | None = None, progress=None) -> Typeset:
    """Compile every chunk's diagrams and documents on every core, and cut them per student.

    diagrams: each student's TikZ sources. A chunk's distinct pictures are drawn in groups of at
    most DIAGRAM_GROUP, dealt out by file name, so the grouping depends on the chunk alone (the
    bytes of a picture depend on the document it was drawn in, fonts being subset per document).
    Tasks run one per core in this order: the picture groups, the key documents (the longest),
    the sheet documents, the cutting of each document (Python, beside the other pdflatex runs).
    A task waits only for tasks submitted before it, so the pool cannot deadlock.
    emit("questions" or "key", student index, pdf) receives each student's PDFs as they are cut
    (from the pool's threads), so a class of thousands is never held in memory at once.
    `progress(n)` is called with the number of students of each key document cut.
    """
    sheet_sources, key_sources = documents(config, sheets, keys)
    chunk_sizes = [len(sheets[start:start + CHUNK]) for start in range(0, len(sheets), CHUNK)]
    groups = []  # (chunk, DiagramCache)
    for chunk, start in enumerate(range(0, len(sheets), CHUNK)):
        sources = {}
        for source in (d for student in diagrams[start:start + CHUNK] for d in student):
            sources[_diagram_name(source)] = source
        names = sorted(sources)
        count = -(-len(names) // DIAGRAM_GROUP)  # groups of at most DIAGRAM_GROUP, sizes balanced
        for i in range(count):
            cache = new_diagram_cache()
            for name in names[i::count]:
                cache.add(sources[name])
            groups.append((chunk, cache))

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        drawn = [(chunk, pool.submit(cache.files)) for chunk, cache in groups]

        def compile_doc(chunk: int, tex: str) -> BuildResult:
            files: dict[str, bytes] = {}
            for c, future in drawn:
                if c == chunk:
                    files.update(future.result())
            return build(tex, files=files, collect=[STARTS_FILE, BLANKS_FILE])

        def cut(compiled, chunk: int, side: str) -> None:
            for i, part in enumerate(_cut(compiled.result())):
                emit(side, chunk * CHUNK + i, part)
            if progress and side == "key":
                progress(chunk_sizes[chunk])

        keys_built = [pool.submit(compile_doc, c, tex) for c, tex in enumerate(key_sources)]
        sheets_built = [pool.submit(compile_doc, c, tex) for c, tex in enumerate(sheet_sources)]
        keys_cut = [pool.submit(cut, f, c, "key") for c, f in enumerate(keys_built)]
        sheets_cut = [pool.submit(cut, f, c, "questions") for c, f in enumerate(sheets_built)]
        try:
            key_docs, sheet_docs = [f.result() for f in keys_built], [f.result() for f in sheets_built]
            for f in keys_cut + sheets_cut:
                f.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # the first error stops what has not started
            raise
    return Typeset(print_file=_join([r.pdf for r in sheet_docs]), all_keys=_join([r.pdf for r in key_docs]))


def _blanks(result: BuildResult) -> list[int]:
    return [int(line) for line in result.files.get(BLANKS_FILE, b"").decode().split()]


def _cut(result: BuildResult) -> list[bytes]:
    """A document's per-student PDFs (padding pages left out)."""
    blanks = set(_blanks(result))
    cuts = sorted(set(variant_starts(result)) | blanks)
    return [piece for cut, piece in zip(cuts, split_pdf(result.pdf, cuts)) if cut not in blanks]


def _join(pdfs: list[bytes]) -> bytes:
    """The documents one after the other (each ends on an even page: the duplex order holds)."""
    return pdfs[0] if len(pdfs) == 1 else join_pdfs(pdfs)
