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
from qgen.exam.sheets import _cut_fast, _cut_pypdf, documents
from qgen.build import STARTS_FILE, build

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
            [build(t, files=files, collect=collect) for t in key_docs])


def test_the_fast_cut_gives_the_pages_pypdf_gives(compiled):
    sheet_docs, key_docs = compiled
    fast, slow = _cut_fast(sheet_docs, key_docs), _cut_pypdf(sheet_docs, key_docs)
    for a, b in zip(fast.questions + fast.keys, slow.questions + slow.keys):
        assert text(a) == text(b)
    assert len(fast.questions) == len(fast.keys) == 3
    assert fast.print_file == sheet_docs[0].pdf and fast.all_keys == key_docs[0].pdf


def test_parts_are_valid_pdfs_that_strict_readers_accept(compiled):
    sheet_docs, key_docs = compiled
    cut = _cut_fast(sheet_docs, key_docs)
    for part in cut.questions + cut.keys:
        reader = PdfReader(io.BytesIO(part), strict=True)
        assert len(reader.pages) >= 1 and reader.pages[0].extract_text()
        info = subprocess.run(["pdfinfo", "-"], input=part, capture_output=True)
        assert info.returncode == 0 and not info.stderr, info.stderr
        fonts = subprocess.run(["pdffonts", "-"], input=part, capture_output=True)
        assert fonts.returncode == 0 and not fonts.stderr


def test_assembling_several_documents_joins_their_pages_and_is_deterministic(compiled):
    sheet_docs, key_docs = compiled
    a, b = PdfObjects(sheet_docs[0].pdf), PdfObjects(key_docs[0].pdf)
    joined = assemble([(a, range(len(a.pages))), (b, [0, 1])])
    assert text(joined) == text(sheet_docs[0].pdf) + text(key_docs[0].pdf)[:2]
    assert joined == assemble([(a, range(len(a.pages))), (b, [0, 1])])
    assert text(assemble([(b, [1])])) == text(split_pdf(key_docs[0].pdf, [1, 2])[0])


def test_pdfs_with_object_streams_are_refused_so_that_pypdf_is_used():
    pdf = compile_pdf("\\documentclass{article}\\begin{document}Hi\\end{document}\n")
    with pytest.raises(SplitError):
        PdfObjects(pdf)
