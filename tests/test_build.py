"""The LaTeX layer with the real pdflatex: output, reproducibility, errors, confinement, speed-ups."""

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from qgen import diagrams as D
from qgen import tex_formats as F
from qgen.build import (
    STARTS_FILE,
    VARIANT_MARKS,
    BuildResult,
    LatexError,
    build,
    compile_pdf,
    variant_starts,
)
from qgen.diagrams import DiagramCache
from qgen.pdf_pages import page_count, split_pdf
from qgen.tex_batch import build_many, compile_many
from qgen.errors import QgenError

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{graphicx}
"""


def doc(body: str, preamble: str = PREAMBLE) -> str:
    return f"{preamble}\\begin{{document}}\n{body}\n\\end{{document}}\n"


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.fixture(autouse=True)
def cache(tmp_path_factory, monkeypatch) -> Path:
    """Formats go to a cache shared by the test session, never to the user's ~/.cache."""
    root = tmp_path_factory.getbasetemp() / "qgen-cache"
    monkeypatch.setenv("QGEN_CACHE", str(root))
    return root


def test_small_document_compiles_and_reads_back():
    pdf = compile_pdf(doc("Hello from qgen, page one."))
    assert pdf.startswith(b"%PDF-")
    assert "Hello from qgen, page one." in pdf_text(pdf)
    assert page_count(pdf) == 1


@pytest.mark.parametrize("use_format", [True, False])
def test_same_source_gives_identical_bytes(use_format):
    tex = doc(r"Dated \today. \clearpage Second page.")
    first = compile_pdf(tex, use_format=use_format)
    assert compile_pdf(tex, use_format=use_format) == first
    assert b"/ID [<" in first  # the fixed \pdftrailerid, not a random one
    assert "January 1, 1970" in pdf_text(first)  # SOURCE_DATE_EPOCH=0 by default
    assert "January 2, 1970" in pdf_text(compile_pdf(tex, epoch=86400, use_format=use_format))


def test_error_raises_with_the_latex_error_line_and_keeps_the_files(tmp_path):
    tex = doc("fine line\n\\undefinedmacro here")
    with pytest.raises(LatexError) as err:
        compile_pdf(tex, keep_failed_in=tmp_path / "failed")
    message = str(err.value)
    assert isinstance(err.value, QgenError)
    assert "! Undefined control sequence." in message
    assert "l.8 \\undefinedmacro" in message  # the line number in the caller's source
    assert str(tmp_path / "failed") in message
    assert (tmp_path / "failed" / "doc.tex").read_text().startswith(r"\documentclass")
    assert "Undefined control sequence" in (tmp_path / "failed" / "doc.log").read_text()
    assert not list((tmp_path / "failed").glob("*.pdf"))


def test_error_without_a_keep_folder_names_the_kept_temporary_folder():
    with pytest.raises(LatexError) as err:
        compile_pdf(doc(r"\begin{itemize} never closed"))
    kept = Path(str(err.value).rsplit(" in ", 1)[1].rstrip(")"))
    assert (kept / "doc.tex").exists() and (kept / "doc.log").exists()
    assert not (kept / "doc.pdf").exists()  # no partial PDF left behind
    shutil.rmtree(kept)


def test_raw_input_of_a_file_outside_the_build_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(f"SECRET-{uuid.uuid4().hex}\n")
    hostname = Path("/etc/hostname").read_text().strip()
    for target in ["/etc/hostname", str(secret), os.path.relpath(secret, "/tmp/x")]:
        try:
            pdf = compile_pdf(doc(rf"Before \input{{{target}}} after."), keep_failed_in=tmp_path / "k")
        except LatexError as err:  # refused: openin_any=p makes the file "not found"
            assert "not found" in str(err)
            leaked = str(err) + (tmp_path / "k" / "doc.log").read_text()
        else:
            leaked = pdf_text(pdf) + pdf.decode("latin-1")
        assert secret.read_text().strip() not in leaked
        if target == "/etc/hostname" and len(hostname) >= 6:
            assert hostname not in leaked.replace("/etc/hostname", "")


def test_other_ways_of_reading_files_are_refused_too(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(f"SECRET-{uuid.uuid4().hex}\n")
    body = rf"""
\newread\r \openin\r={secret} \ifeof\r closed\else \read\r to\x got:\x\fi
\pdffiledump length 40 {{{secret}}} \pdfmdfivesum file {{{secret}}}
\immediate\pdfobj file {{{secret}}}
\IfFileExists{{{secret}}}{{exists}}{{missing}}
"""
    pdf = compile_pdf(doc(body), use_format=False)
    assert "closed" in pdf_text(pdf) and "missing" in pdf_text(pdf)
    assert b"SECRET" not in pdf


def test_write18_runs_nothing():
    target = Path(f"/tmp/qgen-pwned-{uuid.uuid4().hex}")
    pdf = compile_pdf(doc(rf"\immediate\write18{{touch {target}}}x\write18{{touch {target}}}"))
    assert pdf and not target.exists()


def test_writing_outside_the_build_folder_is_refused(tmp_path):
    target = tmp_path / "written.txt"
    try:
        compile_pdf(doc(rf"\newwrite\w\immediate\openout\w={target}\immediate\write\w{{hi}}x"),
                    keep_failed_in=tmp_path / "kept")
    except LatexError as err:  # "I can't write on file"
        assert "write" in str(err)
    assert not target.exists()


def test_a_looping_document_is_stopped_by_the_timeout(tmp_path):
    start = time.monotonic()
    with pytest.raises(LatexError, match=r"did not finish doc\.tex within 2 s") as err:
        compile_pdf(doc(r"\def\a{\a}\a"), timeout=2, keep_failed_in=tmp_path)
    assert time.monotonic() - start < 15
    assert str(tmp_path) in str(err.value)
    assert (tmp_path / "doc.tex").exists() and not list(tmp_path.glob("*.pdf"))


PICTURE = r"""\begin{tikzpicture}
\node[draw, circle] (a) {$x_1$};
\node[draw, circle, right=of a] (b) {Neuron\_B};
\draw[-{Stealth}] (a) -- (b);
\end{tikzpicture}"""


def test_diagram_is_compiled_once_and_included_twice(monkeypatch):
    runs = []
    real = D.compile_pdf
    monkeypatch.setattr(D, "compile_pdf", lambda tex, **kw: runs.append(tex) or real(tex, **kw))
    cache = DiagramCache(r"\usetikzlibrary{arrows.meta,positioning}")
    other = r"\begin{tikzpicture}\draw (0,0) rectangle (1,1) node[midway]{Box};\end{tikzpicture}"
    first = cache.include(PICTURE)
    assert cache.include(PICTURE) == first  # same source, same file
    cache.include(other, "width=3cm")
    files = cache.files()
    assert len(runs) == 1 and len(files) == 2  # both drawn in ONE run
    cache.files()
    assert len(runs) == 1  # nothing pending: no second run

    pdf = real(doc(f"{first}\n\n{first}\n\nEnd."), files=files)
    text = pdf_text(pdf)
    assert text.count("Neuron_B") == 2 and text.count("x1") == 2


def test_diagram_names_are_stable_and_depend_on_source_and_preamble():
    a, b = DiagramCache(), DiagramCache()
    assert a.add(PICTURE) == b.add(PICTURE)
    assert a.add(PICTURE) != a.add(PICTURE + " ")
    assert DiagramCache(r"\usetikzlibrary{calc}").add(PICTURE) != a.add(PICTURE)


def test_variant_starts_are_recorded_and_the_pdf_is_split():
    body = "\n".join(
        rf"\qgenvariant Variant {v} page 1" + "".join(rf"\newpage Variant {v} page {p}" for p in range(2, pages + 1))
        for v, pages in [("A", 1), ("B", 3), ("C", 2)]
    )
    result = build(doc("Cover page\n" + body, PREAMBLE + VARIANT_MARKS), collect=[STARTS_FILE])
    assert isinstance(result, BuildResult)
    starts = variant_starts(result)
    assert starts == [1, 2, 5]
    parts = split_pdf(result.pdf, starts)
    assert [page_count(p) for p in parts] == [1, 3, 2]
    assert "Variant B page 3" in pdf_text(parts[1]) and "Variant A" not in pdf_text(parts[1])
    assert "Cover page" not in "".join(pdf_text(p) for p in parts)
    assert split_pdf(result.pdf, starts) == parts  # deterministic


def test_split_pdf_rejects_bad_starts():
    pdf = compile_pdf(doc(r"one\newpage two"))
    for starts in ([], [1, 1], [0, 2], [-1]):
        with pytest.raises(ValueError):
            split_pdf(pdf, starts)
    assert [page_count(p) for p in split_pdf(pdf, [0, 1])] == [1, 1]


def test_variant_starts_without_marks_is_a_clear_error():
    with pytest.raises(LatexError, match="VARIANT_MARKS"):
        variant_starts(build(doc("x"), collect=[STARTS_FILE]))


def test_format_is_built_once_and_reused(cache, monkeypatch):
    preamble = PREAMBLE + f"% unique {uuid.uuid4().hex}\n\\usepackage{{tikz}}\n"
    dumps = []
    real = F._dump_format
    monkeypatch.setattr(F, "_dump_format", lambda *a: dumps.append(a) or real(*a))
    first = compile_pdf(doc("one", preamble))
    formats = sorted((cache / "formats").glob("*.fmt"), key=lambda p: p.stat().st_mtime)
    newest = formats[-1]
    inode = newest.stat().st_ino
    second = compile_pdf(doc("two", preamble))
    assert len(dumps) == 1 and newest.stat().st_ino == inode
    assert "one" in pdf_text(first) and "two" in pdf_text(second)
    assert not list((cache / "formats").glob(".building-*"))  # no leftovers


def test_a_broken_format_is_dumped_again_and_the_bytes_do_not_change(cache, monkeypatch):
    preamble = PREAMBLE + f"% unique {uuid.uuid4().hex}\n"
    tex = doc("still works", preamble)
    good = compile_pdf(tex)
    fmt = max((cache / "formats").glob("*.fmt"), key=lambda p: p.stat().st_mtime)
    fmt.write_bytes(b"not a format")
    assert compile_pdf(tex) == good  # a fresh format, not a plain run (which numbers fonts otherwise)
    assert not list((cache / "formats").glob("*.failed"))  # nothing remembered that changes output
    assert compile_pdf(tex) == good and fmt.exists()  # the next run caches it again


def test_unwritable_cache_still_compiles(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("QGEN_CACHE", str(blocker))  # a file, so formats/ cannot be created
    assert "plain" in pdf_text(compile_pdf(doc("plain")))


def test_compile_many_keeps_order_and_separates_failures(tmp_path):
    pdfs = compile_many([doc(f"Document {i}") for i in range(5)], workers=2)
    assert [pdf_text(p).split()[:2] for p in pdfs] == [["Document", str(i)] for i in range(5)]
    with pytest.raises(LatexError, match="document-2"):
        compile_many([doc("ok"), doc(r"\bad"), doc(r"\worse")], workers=2, keep_failed_in=tmp_path)
    assert (tmp_path / "document-2" / "doc.tex").exists()
    assert (tmp_path / "document-3" / "doc.log").exists()
    assert [r.files for r in build_many([doc("a")], collect=["nothing.txt"])] == [{}]


def test_file_names_must_be_plain():
    for bad in ["../x.pdf", "/tmp/x.pdf", ".hidden", "a b.pdf"]:
        with pytest.raises(ValueError):
            compile_pdf(doc("x"), files={bad: b""})
    with pytest.raises(ValueError):
        compile_pdf(doc("x"), jobname="../doc")
    with pytest.raises(LatexError, match="begin.document"):
        compile_pdf(r"\documentclass{article} no body")


def test_a_document_without_pages_is_an_error(tmp_path):
    with pytest.raises(LatexError, match="wrote no pages"):
        compile_pdf(doc(""), keep_failed_in=tmp_path)
