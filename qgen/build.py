r"""From LaTeX source to PDF bytes: one safe, reproducible pdflatex run per document.

Public API
    compile_pdf(tex, ...) -> bytes            one document
    build(tex, ..., collect=[...]) -> BuildResult   the PDF plus files the run wrote
    VARIANT_MARKS, variant_starts(result)     where the variants of a document start
The LaTeX layer's other modules: qgen.tex_run (one confined TeX process), qgen.tex_formats (the
format cache), qgen.tex_batch (compile_many/build_many: documents in parallel), qgen.pdf_pages
(page_count, split_pdf, join_pdfs), qgen.diagrams (DiagramCache: pictures drawn once).

Why it looks like this (measured by bench/latex_costs.py; the README's "Speed" section has the figures):
starting pdflatex costs ~90 ms and loading TikZ ~100 ms per process, so documents hold many
variants and are split afterwards, preambles are loaded from a precompiled format, and each
distinct picture is drawn once. Documents hold user text, so every run is confined: no shell
escape, no reading or writing outside its own fresh folder, and a timeout.

Rules for documents (templates):
* Keep per-document text out of the preamble (text before \begin{document}): the preamble is
  the key of the format cache, so a varying preamble means a new 7 MB format per document.
* Do not rely on \today: the date is fixed (SOURCE_DATE_EPOCH) so that output is reproducible.
* \pdftrailerid is set by compile_pdf (right after \begin{document}); do not set it yourself.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qgen import tempdirs
from qgen.tempdirs import LATEX_PREFIX  # build folders: qgen-latex-<pid>-<random>
from qgen.tex_formats import forget_format, format_for, format_key, format_lock, is_private, private_format
from qgen.tex_run import ENGINE, LatexError, require_tex, run_tex

__all__ = ["BuildResult", "LatexError", "STARTS_FILE", "VARIANT_MARKS", "build", "compile_pdf", "require_tex",
           "variant_starts"]

FAILED_PREFIX = "qgen-failed-"  # a failed document's .tex and .log, kept on purpose (named in the error)
DEFAULT_EPOCH = 0  # 1970-01-01: obviously not a real date, and the same on every run

_BEGIN_DOCUMENT = re.compile(r"^[^%\n]*?(\\begin\{document\})", re.MULTILINE)
_SIMPLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class BuildResult:
    """A compiled PDF plus the files named in `collect` that the run wrote (name -> bytes)."""

    pdf: bytes
    files: dict[str, bytes] = field(default_factory=dict)


# --- where variants start ------------------------------------------------------------

# Put this in the preamble and start every variant with \qgenvariant: it starts a new page,
# resets the page number to 1 and writes the 0-based physical page index to <jobname>.starts
# (allowed: openout_any=p permits files in the build folder). Then
#     result = build(tex, collect=[STARTS_FILE]); parts = split_pdf(result.pdf, variant_starts(result))
VARIANT_MARKS = r"""
\newwrite\qgenstartsfile
\AtBeginDocument{\immediate\openout\qgenstartsfile=\jobname.starts\relax}
\newcommand\qgenvariant{\clearpage\setcounter{page}{1}%
  \immediate\write\qgenstartsfile{\the\ReadonlyShipoutCounter}}
"""
STARTS_FILE = "doc.starts"  # for the default jobname "doc"


def variant_starts(result: BuildResult, name: str = STARTS_FILE) -> list[int]:
    """The page indices written by \\qgenvariant (see VARIANT_MARKS), in order."""
    if name not in result.files:
        raise LatexError(f"the document wrote no {name} (is VARIANT_MARKS in its preamble?)")
    return [int(line) for line in result.files[name].decode().split()]


def _with_trailer_id(tex: str) -> str:
    """Insert \\pdftrailerid (the PDF /ID, otherwise random) right after \\begin{document}.

    After, not before: a precompiled format skips the preamble, so a setting there is lost.
    Same line, so LaTeX's line numbers in error messages still match the caller's source.
    """
    m = _BEGIN_DOCUMENT.search(tex)
    if not m:
        raise LatexError("the LaTeX source has no \\begin{document}")
    trailer_id = hashlib.sha256(tex.encode()).hexdigest()[:32]
    return tex[: m.end(1)] + rf"\pdftrailerid{{{trailer_id}}}" + tex[m.end(1) :]


def _check_name(name: str, what: str) -> None:
    if not _SIMPLE_NAME.match(name):
        raise ValueError(f"{what} {name!r} must be a plain file name (letters, digits, . _ -)")


# Lines TeX adds after every error under -halt-on-error; they tell nothing new.
_GENERIC_STOP = re.compile(r"^! (Emergency stop\.|\s*==> Fatal error occurred)")


def _log_errors(log_path: Path) -> str:
    """The `!` lines of a TeX log, each with the `l.NN` line that follows it."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log written)"
    found = []
    for i, line in enumerate(lines):
        if line.startswith("!") and not _GENERIC_STOP.match(line):
            where = next((s.strip() for s in lines[i + 1 : i + 15] if re.match(r"l\.\d+\b", s)), "")
            found.append(f"{line} {where}".strip())
    if not found:  # e.g. a fatal error without "!": show the end of the log
        found = [s for s in lines if s.strip()][-2:]
    return " | ".join(found[:4])


def _keep_failed(build_dir: Path, jobname: str, keep_failed_in: Path | None) -> Path:
    """Where the failed .tex/.log now are: copied to keep_failed_in, else (or when that cannot
    be written) to a new qgen-failed-* folder in the temp folder, which is never swept."""
    for keep in ([Path(keep_failed_in)] if keep_failed_in is not None else []) + [None]:
        try:
            if keep is None:
                keep = Path(tempfile.mkdtemp(prefix=FAILED_PREFIX))
            keep.mkdir(parents=True, exist_ok=True)
            for ext in (".tex", ".log"):
                src = build_dir / f"{jobname}{ext}"
                if src.exists():
                    shutil.copyfile(src, keep / src.name)
            return keep
        except OSError:
            continue
    return build_dir


def build(
    tex: str,
    *,
    jobname: str = "doc",
    timeout: float = 120,
    keep_failed_in: Path | None = None,
    files: dict[str, bytes] | None = None,
    collect: Sequence[str] = (),
    epoch: int = DEFAULT_EPOCH,
    use_format: bool = True,
) -> BuildResult:
    """Compile `tex` with one pdflatex run in a fresh folder; returns the PDF and `collect`ed files.

    files: extra input files (e.g. DiagramCache PDFs) put in the build folder first.
    collect: names of files the run writes (e.g. STARTS_FILE) to return in BuildResult.files.
    epoch: SOURCE_DATE_EPOCH for the dates in the PDF; the same source and epoch give the
        same bytes. use_format: load the preamble from a cached precompiled format.
    Raises LatexError on a LaTeX error or timeout; the .tex and .log are then kept in
    `keep_failed_in` (created if needed) or else in the temporary folder, which is named.
    """
    _check_name(jobname, "jobname")
    for name in [*(files or {}), *collect]:
        _check_name(name, "file name")
    require_tex()
    tex = _with_trailer_id(tex)

    build_dir = tempdirs.make(LATEX_PREFIX)
    keep_build_dir = False
    try:
        for name, data in (files or {}).items():
            (build_dir / name).write_bytes(data)
        (build_dir / f"{jobname}.tex").write_text(tex, encoding="utf-8")
        status = _run_pdflatex(build_dir, jobname, tex, timeout, epoch, use_format)
        pdf_path = build_dir / f"{jobname}.pdf"
        if status == 0 and pdf_path.exists():
            return BuildResult(
                pdf=pdf_path.read_bytes(),
                files={n: (build_dir / n).read_bytes() for n in collect if (build_dir / n).is_file()},
            )
        if status is None:
            problem = f"LaTeX did not finish {jobname}.tex within {timeout:g} s (a loop in the document?)"
        elif status == 0:
            problem = f"LaTeX wrote no pages for {jobname}.tex"
        else:
            problem = f"LaTeX failed on {jobname}.tex: {_log_errors(build_dir / f'{jobname}.log')}"
        (build_dir / f"{jobname}.pdf").unlink(missing_ok=True)
        kept = _keep_failed(build_dir, jobname, keep_failed_in)
        keep_build_dir = kept == build_dir
        raise LatexError(f"{problem} (kept {jobname}.tex and {jobname}.log in {kept})")
    finally:
        if keep_build_dir:
            tempdirs.forget(build_dir)
        else:
            tempdirs.remove(build_dir)


def _run_pdflatex(build_dir: Path, jobname: str, tex: str, timeout: float, epoch: int,
                  use_format: bool) -> int | None:
    """One pdflatex run with the preamble's format; its exit status, None on timeout.

    A format changes the PDF's bytes (fonts are numbered differently), so the same format is
    used whatever the state of the cache: the cached one, else one dumped for this process alone.
    A plain run (without a format) happens only for a preamble that cannot work as a format.
    """

    def run(fmt_path: Path | None) -> int:
        (build_dir / f"{jobname}.pdf").unlink(missing_ok=True)
        args = [ENGINE, "-no-shell-escape", "-interaction=batchmode", "-halt-on-error"]
        if fmt_path is not None:
            args.append(f"-fmt={fmt_path.with_suffix('')}")
        return run_tex([*args, f"-jobname={jobname}", f"{jobname}.tex"], build_dir, timeout, epoch)

    try:
        if not use_format:
            return run(None)
        preamble = tex[: _BEGIN_DOCUMENT.search(tex).start(1)]
        fmt = format_for(preamble, timeout, epoch)
        status = run(fmt)
        if status == 0 or fmt is None:
            return status
        # The document or the format? A plain run decides, and is what gets reported.
        status = run(None)
        if status != 0:
            return status
        # The format failed where a plain run works (a damaged cached file?): a fresh one decides.
        was_private = is_private(fmt)
        forget_format(fmt)
        if not was_private:
            with format_lock(format_key(preamble, epoch)):
                fresh = private_format(preamble, timeout, epoch, fresh=True)
            if fresh is not None and run(fresh) == 0:
                return 0
        return run(None)
    except subprocess.TimeoutExpired:
        return None


def compile_pdf(tex: str, **options) -> bytes:
    """Compile `tex` to PDF bytes; the options are build()'s (which also returns files the run wrote)."""
    return build(tex, **options).pdf

