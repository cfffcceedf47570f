"""PDF pages cut into files and joined (pikepdf); cut files get compact fonts of their own."""

from __future__ import annotations

import io

import pikepdf

from qgen.pdf_fonts import DocumentFonts


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def _save(doc: pikepdf.Pdf, compact: bool = False) -> bytes:
    out = io.BytesIO()
    # the same pages give the same bytes; compact: dictionaries packed in compressed object streams
    doc.save(out, deterministic_id=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate if compact else pikepdf.ObjectStreamMode.preserve)
    return out.getvalue()


def _check_starts(starts: list[int], n: int) -> None:
    if not starts or any(b <= a for a, b in zip(starts, starts[1:])) or starts[0] < 0 or starts[-1] >= n:
        raise ValueError(f"start pages {starts} must increase strictly within 0..{n - 1}")


def split_pdf(pdf: bytes, starts: list[int]) -> list[bytes]:
    """Pages [starts[i], starts[i+1]) as separate PDFs (0-based; the last part runs to the end).

    Pages before starts[0] belong to no part. pikepdf (qpdf) copies each page with what it uses;
    measured here on a 416-page key cut into 139 parts: 0.36 s, against 1.63 s with pypdf.
    """
    with pikepdf.open(io.BytesIO(pdf)) as source:
        n = len(source.pages)
        _check_starts(starts, n)
        parts = []
        for begin, end in zip(starts, [*starts[1:], n]):
            with pikepdf.new() as part:
                part.pages.extend(source.pages[begin:end])
                parts.append(_save(part))
        return parts


def split_compact(pdf: bytes, starts: list[int], skip=frozenset()) -> tuple[bytes, list[bytes]]:
    """split_pdf with compact fonts (qgen.pdf_fonts): the whole document with its fonts as CFF,
    and the parts, each with just the glyphs its pages show; the parts starting at a page in
    `skip` (e.g. blank padding pages) are left out, not made.

    Measured on the starter exam's grading keys (bench/exam_speed.py): 251 KB a student before,
    README "Exam output sizes" has the figures after.
    """
    with pikepdf.open(io.BytesIO(pdf)) as source:
        n = len(source.pages)
        _check_starts(starts, n)
        fonts = DocumentFonts(source)
        whole = _save(source, compact=True)
        parts = []
        for begin, end in zip(starts, [*starts[1:], n]):
            if begin in skip:
                continue
            with pikepdf.new() as part:
                part.pages.extend(source.pages[begin:end])
                fonts.subset(part, begin, end, source)
                parts.append(_save(part, compact=True))
        return whole, parts


def join_pdfs(pdfs: list[bytes]) -> bytes:
    """The documents' pages one after the other, as one PDF."""
    sources = [pikepdf.open(io.BytesIO(pdf)) for pdf in pdfs]
    try:
        with pikepdf.new() as joined:
            for source in sources:
                joined.pages.extend(source.pages)
            return _save(joined)
    finally:
        for source in sources:
            source.close()

