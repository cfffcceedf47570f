r"""The practice page's writer of the templates' LaTeX: the tree of qgen.latex_tree as HTML blocks.

Math goes to MathML at build time through math-core (a maintained LaTeX → MathML Core converter:
it keeps `aligned` columns, arrays with rules and the document's own macros, where latex2mathml
prints a literal `&` in `aligned`). Every piece of text is HTML-escaped; MathML comes from the
converter, never from string pasting.

The result is a list of paragraphs (blank lines and \par split them, as in LaTeX), each a list of
HTML blocks: a worked key's paragraphs are the steps the page reveals one by one.
"""

from __future__ import annotations

import html
import re
from typing import Callable

import math_core

from qgen.latex_tree import (Box, Break, Display, LatexHtmlError, Line, ListBlock, Math, Picture, Style, Table,
                             Text, read)

__all__ = ["LatexHtmlError", "math", "paragraphs", "steps", "to_html"]

# The preamble's own math macros (templates/partials/preamble.tex), for the converter.
MATH_MACROS = {
    "pd": r"\frac{\partial #1}{\partial #2}",
    "T": r"^{\mathsf{T}}",
    "R": r"\mathbb{R}",
    "answerbox": r"\boxed{#1}",
}
_CONVERTER = math_core.LatexToMathML(macros=MATH_MACROS, fancy_error=False)
_ARRAY_OPTIONS = re.compile(r"\\begin\{array\}\[[a-z]\]\{([^}]*)\}")

PictureHtml = Callable[[str, str], str]  # (file name, options) -> HTML of the picture


def math(latex: str, display: bool = False) -> str:
    """One formula as MathML (a `<math>` element)."""
    latex = _ARRAY_OPTIONS.sub(r"\\begin{array}{\1}", latex)
    latex = latex.replace("@{}", "").replace(r"\allowbreak", "")
    try:
        return _CONVERTER.convert_with_local_state(latex, displaystyle=display)
    except math_core.LatexError as e:
        raise LatexHtmlError(f"math-core cannot convert {latex[:80]!r}: {e}") from None


def paragraphs(latex: str, picture: PictureHtml | None = None) -> list[list[str]]:
    """The fragment's paragraphs, each a list of HTML blocks (empty paragraphs dropped)."""
    out = [[b for b in (_block(block, picture) for block in para) if b] for para in read(latex)]
    return [p for p in out if p]


def steps(latex: str, picture: PictureHtml | None = None) -> list[str]:
    """A worked key cut into the steps a student reveals one at a time: each paragraph, and inside
    a paragraph each run of text up to and including its displayed formulas."""
    out = []
    for para in paragraphs(latex, picture):
        chunk: list[str] = []
        for n, block in enumerate(para):
            is_display = block.startswith('<div class="display">')
            next_is_text = n + 1 < len(para) and not para[n + 1].startswith('<div class="display">')
            chunk.append(block)
            if is_display and next_is_text:
                out.append("\n".join(chunk))
                chunk = []
        if chunk:
            out.append("\n".join(chunk))
    return out


def to_html(latex: str, picture: PictureHtml | None = None) -> str:
    return _document(read(latex), picture)


def _document(document: tuple, picture: PictureHtml | None) -> str:
    return "\n".join(b for para in document for b in (_block(block, picture) for block in para) if b)


def _block(block, picture: PictureHtml | None) -> str:
    if isinstance(block, Line):
        text = _inlines(block.children, picture).strip()
        return f"<p>{text}</p>" if text else ""
    if isinstance(block, Display):
        return f'<div class="display">{math(block.latex, display=True)}</div>'
    if isinstance(block, ListBlock):
        tag, css = ("ol", "enumerate") if block.ordered else ("ul", "itemize")
        items = "".join(f"<li>{_document(item, picture)}</li>" for item in block.items)
        return f'<{tag} class="{css}">{items}</{tag}>'
    if isinstance(block, Box):
        return f'<div class="{block.kind}">{_document(block.body, picture)}</div>'
    if isinstance(block, Table):
        rows = []
        for n, row in enumerate(block.rows):
            cell = "th" if n == 0 else "td"
            rows.append("<tr>" + "".join(f"<{cell}>{_flat(c, picture)}</{cell}>" for c in row) + "</tr>")
        return '<table class="tabular">' + "".join(rows) + "</table>"
    raise LatexHtmlError(f"no page HTML for {type(block).__name__}")


def _flat(document: tuple, picture: PictureHtml | None) -> str:
    """A table cell: its blocks on one line, without the <p> wrappers."""
    blocks = (_block(block, picture) for para in document for block in para)
    return " ".join(re.sub(r"^<p>(.*)</p>$", r"\1", b, flags=re.S) for b in blocks if b)


def _inlines(children: tuple, picture: PictureHtml | None) -> str:
    out = []
    for child in children:
        if isinstance(child, Text):
            out.append(html.escape(child.text))
        elif isinstance(child, Math):
            formula = math(child.latex)
            out.append(f'<span class="nowrap">{formula}{html.escape(child.stuck)}</span>' if child.stuck else formula)
        elif isinstance(child, Style):
            out.append(f"<{child.tag}>{_inlines(child.children, picture).strip()}</{child.tag}>")
        elif isinstance(child, Break):
            out.append("<br>")
        elif isinstance(child, Picture):
            if picture is None:
                raise LatexHtmlError(f"a picture ({child.file}) where none was given")
            out.append(picture(child.file, child.options))
    return "".join(out)
