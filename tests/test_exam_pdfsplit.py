"""The fast PDF cutter against pypdf: the same pages, valid files, deterministic; others refused."""

from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader

from qgen.build import compile_pdf, split_pdf
from qgen.exam.config import load_config
from qgen.exam.pdfsplit import PdfObjects, SplitError, assemble
from qgen.exam.prepare import prepare_class
from qgen.exam.roster import parse_roster
from qgen.exam.sheets import _blanks, _cut, documents
from qgen.build import STARTS_FILE, build, variant_starts

from test_exam import CONFIG, NAMES


def text(pdf: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """A real question document and key document of three students (diagrams included)."""
    from qgen.practice import new_diagram_cache

    folder = tmp_path_factory.mktemp("split")
    (folder / "exam.toml").write_text(CONFIG, encoding="utf-8")
    config = load_config(folder / "exam.toml")
    students = parse_roster("id,name\n" + "".join(f'a{i},"{n}"\n' for i, n in enumerate(NAMES[:3])))
    prepared = prepare_class(config, bytes(32), students)
    cache = new_diagram_cache()
    for p in prepared:
        for d in p.diagrams:
            cache.add(d)
    sheet_docs, key_docs = documents(config, [p.sheet for p in prepared], [p.key for p in prepared])
    files = cache.files()
    collect = [STARTS_FILE, "doc.blanks"]
    return ([build(t, files=files, collect=collect) for t in sheet_docs],
            [build(t, files=files, collect=collect) for t in key_docs], key_docs[0], files)


def pypdf_cut(result) -> list[bytes]:
    blanks = set(_blanks(result))
    cuts = sorted(set(variant_starts(result)) | blanks)
    return [piece for cut, piece in zip(cuts, split_pdf(result.pdf, cuts)) if cut not in blanks]


def test_the_fast_cut_gives_the_pages_pypdf_gives(compiled):
    for result in compiled[0] + compiled[1]:
        fast, parsed = _cut(result)
        assert parsed is not None  # the fast path was taken
        assert len(fast) == 3
        assert [text(a) for a in fast] == [text(b) for b in pypdf_cut(result)]


def test_parts_are_valid_pdfs_that_strict_readers_accept(compiled):
    for result in compiled[0] + compiled[1]:
        for part in _cut(result)[0]:
            reader = PdfReader(io.BytesIO(part), strict=True)
            assert len(reader.pages) >= 1 and reader.pages[0].extract_text()
            info = subprocess.run(["pdfinfo", "-"], input=part, capture_output=True)
            assert info.returncode == 0 and not info.stderr, info.stderr
            fonts = subprocess.run(["pdffonts", "-"], input=part, capture_output=True)
            assert fonts.returncode == 0 and not fonts.stderr


def test_assembling_several_documents_joins_their_pages_and_is_deterministic(compiled):
    sheet_docs, key_docs = compiled[:2]
    a, b = PdfObjects(sheet_docs[0].pdf), PdfObjects(key_docs[0].pdf)
    joined = assemble([(a, range(len(a.pages))), (b, [0, 1])])
    assert text(joined) == text(sheet_docs[0].pdf) + text(key_docs[0].pdf)[:2]
    assert joined == assemble([(a, range(len(a.pages))), (b, [0, 1])])
    assert text(assemble([(b, [1])])) == text(split_pdf(key_docs[0].pdf, [1, 2])[0])


def test_pdfs_with_object_streams_are_refused_so_that_pypdf_is_used(compiled):
    pdf = compile_pdf("\\documentclass{article}\\begin{document}Hi\\end{document}\n")
    with pytest.raises(SplitError):
        PdfObjects(pdf)
    # The key document as pdfTeX writes it by default (object streams): cut by pypdf instead.
    _, key_results, key_tex, files = compiled
    packed = build(key_tex.replace("\\pdfobjcompresslevel=0\\relax", ""), files=files,
                   collect=[STARTS_FILE, "doc.blanks"])
    with pytest.raises(SplitError):
        PdfObjects(packed.pdf)
    parts, parsed = _cut(packed)
    assert parsed is None and [text(p) for p in parts] == [text(p) for p in _cut(key_results[0])[0]]
