"""All question sheets in one LaTeX document, all keys in another, then cut per student.

Inside one pdflatex run a page costs a few milliseconds; a separate run costs 150-300 ms
(/work/shared/latex-notes.md). So the class is typeset in a few large documents, each student's
part starting with \\qgenvariant (qgen.build.VARIANT_MARKS), and cut afterwards (pdfsplit).

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

import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from qgen.build import STARTS_FILE, VARIANT_MARKS, BuildResult, build, page_count, split_pdf, variant_starts
from qgen.exam.config import ExamConfig, points_text
from qgen.exam.draw import StudentExam
from qgen.exam.pdfsplit import PdfObjects, SplitError, assemble
from qgen.practice import new_diagram_cache
from qgen.render import render

__all__ = ["CHUNK", "Typeset", "page_count", "student_parts", "typeset"]

CHUNK = 100  # students per document (a constant: see above)
DIAGRAM_GROUP = 30  # at most this many pictures per standalone document
BLANKS_FILE = "doc.blanks"
POINTS_PER_ROW = 10  # questions per row of the points table


@dataclass(frozen=True)
class Typeset:
    questions: list[bytes]  # per student, in roster order (no padding pages)
    keys: list[bytes]
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
            "answers": [{"label": a.label, "value": a.value, "tolerance": a.tolerance} for a in v.draw.answers],
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
            workers: int | None = None) -> Typeset:
    """Compile every chunk's diagrams and documents on every core, then cut them per student.

    diagrams: each student's TikZ sources. A chunk's distinct pictures are drawn in groups of at
    most DIAGRAM_GROUP, dealt out by file name, so the grouping depends on the chunk alone (the
    bytes of a picture depend on the document it was drawn in, fonts being subset per document);
    the groups run in parallel, then the documents, the longer key documents first.
    """
    sheet_sources, key_sources = documents(config, sheets, keys)
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
    chunk_files: list[dict[str, bytes]] = [{} for _ in sheet_sources]
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        drawn = [(chunk, pool.submit(cache.files)) for chunk, cache in groups]

        def compile_doc(chunk: int, tex: str) -> BuildResult:
            for c, future in drawn:  # submitted before this task: done or running, never queued behind it
                if c == chunk:
                    chunk_files[chunk].update(future.result())
            return build(tex, files=dict(chunk_files[chunk]), collect=[STARTS_FILE, BLANKS_FILE])

        jobs = [(c, tex) for c, tex in enumerate(key_sources)] + [(c, tex) for c, tex in enumerate(sheet_sources)]
        futures = [pool.submit(compile_doc, c, tex) for c, tex in jobs]
        results = [f.result() for f in futures]
    key_docs, sheet_docs = results[:len(key_sources)], results[len(key_sources):]
    try:
        return _cut_fast(sheet_docs, key_docs)
    except SplitError:  # not the PDF pdfsplit expects: pypdf is slower, and always right
        return _cut_pypdf(sheet_docs, key_docs)


def _blanks(result: BuildResult) -> list[int]:
    return [int(line) for line in result.files.get(BLANKS_FILE, b"").decode().split()]


def _ranges(result: BuildResult, pages: int) -> list[range]:
    """Each student's pages in a document: from their start to the next start or padding page."""
    starts, blanks = variant_starts(result), _blanks(result)
    bounds = sorted(set(starts + blanks + [pages]))
    return [range(s, bounds[bounds.index(s) + 1]) for s in starts]


def _cut_fast(sheet_docs: list[BuildResult], key_docs: list[BuildResult]) -> Typeset:
    out = []
    for docs in (sheet_docs, key_docs):
        parsed = [PdfObjects(r.pdf) for r in docs]
        parts = [assemble([(p, pages)]) for p, r in zip(parsed, docs) for pages in _ranges(r, len(p.pages))]
        whole = docs[0].pdf if len(docs) == 1 else assemble([(p, range(len(p.pages))) for p in parsed])
        out += [parts, whole]
    return Typeset(out[0], out[2], out[1], out[3])


def _cut_pypdf(sheet_docs: list[BuildResult], key_docs: list[BuildResult]) -> Typeset:
    out = []
    for docs in (sheet_docs, key_docs):
        parts = []
        for r in docs:
            blanks = set(_blanks(r))
            cuts = sorted(set(variant_starts(r)) | blanks)
            parts += [piece for cut, piece in zip(cuts, split_pdf(r.pdf, cuts)) if cut not in blanks]
        out += [parts, docs[0].pdf if len(docs) == 1 else _concat([r.pdf for r in docs])]
    return Typeset(out[0], out[2], out[1], out[3])


def _concat(pdfs: list[bytes]) -> bytes:
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
