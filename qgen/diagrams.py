"""TikZ pictures drawn once each (one standalone document per group), for \\includegraphics."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from qgen.build import DEFAULT_EPOCH, LatexError, compile_pdf
from qgen.pdf_pages import page_count, split_pdf
from qgen.picture_cache import cached_group


FONT_PREAMBLE = r"""\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{amsmath}
"""


class DiagramCache:
    r"""TikZ pictures compiled once each, for \includegraphics in any number of documents.

        cache = DiagramCache(r"\usetikzlibrary{arrows.meta}")
        line = cache.include(r"\begin{tikzpicture} ... \end{tikzpicture}")   # in the .tex
        pdf = compile_pdf(tex, files=cache.files())

    Pictures are keyed by sha256 of preamble and source. All pending pictures are drawn in ONE
    standalone document, one page each, and split (one run instead of one per picture).
    Not thread-safe: add pictures first, then compile documents in parallel.
    """

    def __init__(self, extra_preamble: str = "", *, timeout: float = 120, epoch: int = DEFAULT_EPOCH):
        self.preamble = (
            "\\documentclass[multi=qgenpicture,border=1pt]{standalone}\n"
            + FONT_PREAMBLE
            + "\\usepackage{tikz}\n"
            + extra_preamble
            + "\n\\newenvironment{qgenpicture}{}{}\n"
        )
        self.timeout, self.epoch = timeout, epoch
        self._pdfs: dict[str, bytes] = {}
        self._pending: dict[str, str] = {}

    def add(self, source: str) -> str:
        """Register a picture; returns its file name (e.g. 'tikz-3f2a….pdf')."""
        digest = hashlib.sha256(f"{self.preamble}\0{source}".encode()).hexdigest()[:24]
        name = f"tikz-{digest}.pdf"
        if name not in self._pdfs:
            self._pending[name] = source
        return name

    def include(self, source: str, options: str = "") -> str:
        r"""The LaTeX that shows the picture: \includegraphics[options]{tikz-….pdf}."""
        opts = f"[{options}]" if options else ""
        return rf"\includegraphics{opts}{{{self.add(source)}}}"

    def build(self) -> None:
        """Compile all pictures not compiled yet (one pdflatex run)."""
        if not self._pending:
            return
        names = list(self._pending)
        body = "\n".join(
            f"\\begin{{qgenpicture}}%\n{self._pending[n]}%\n\\end{{qgenpicture}}" for n in names
        )
        tex = f"{self.preamble}\\begin{{document}}\n{body}\n\\end{{document}}\n"
        pdf = cached_group(  # a group drawn before on this machine is not compiled again
            tex, self.epoch,
            lambda: compile_pdf(tex, jobname="diagrams", timeout=self.timeout, epoch=self.epoch),
            lambda cached: page_count(cached) == len(names),
        )
        if page_count(pdf) != len(names):
            raise LatexError(
                f"{len(names)} diagrams gave {page_count(pdf)} pages (is one of them empty?)"
            )
        self._pdfs.update(zip(names, split_pdf(pdf, list(range(len(names))))))
        self._pending.clear()

    def files(self, names: Iterable[str] | None = None) -> dict[str, bytes]:
        """name -> PDF bytes for compile_pdf(files=...): all pictures, or just `names`."""
        self.build()
        return dict(self._pdfs) if names is None else {n: self._pdfs[n] for n in names}
