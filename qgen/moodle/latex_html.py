r"""Moodle's writer of the templates' LaTeX: the tree of qgen.latex_tree as HTML, math left to MathJax.

Moodle's MathJax filter (on by default) typesets math between \( \) and \[ \]; everything else must
be HTML. The HTML is built as lxml elements, so every text is escaped and every question is
well-formed by construction. Math keeps its LaTeX, with the sheet's own macros (\R, \T, \pd)
expanded, since MathJax does not know them.
"""

from __future__ import annotations

import re

from lxml import etree

from qgen.latex_tree import (Box, Break, Display, LatexHtmlError, Line, ListBlock, Math, Picture, Style, Table,
                             Text, matching_brace, read)

__all__ = ["LatexHtmlError", "latex_to_html", "math_to_mathjax"]

_INLINE_CONTAINERS = {"li", "td", "strong", "em", "code"}  # hold text directly, not in a <p>


def latex_to_html(latex: str, pictures: dict[str, str] | None = None) -> str:
    """The HTML of a LaTeX fragment; `pictures` maps an \\includegraphics file name to the URL the
    picture has in the HTML (e.g. @@PLUGINFILE@@/q1.png)."""
    root = etree.Element("div")
    _Writer(pictures or {}).document(root, read(latex))
    return "".join(etree.tostring(child, encoding="unicode") for child in root)


def math_to_mathjax(math: str) -> str:
    """Math as MathJax reads it: the sheet's macros expanded, LaTeX-only spacing hints dropped."""
    math = re.sub(r"\\R(?![A-Za-z])", r"\\mathbb{R}", math)
    math = re.sub(r"\\T(?![A-Za-z])", r"^{\\mathsf{T}}", math)
    math = re.sub(r"\\allowbreak(?![A-Za-z])", "", math)
    math = math.replace(r"\begin{array}[t]", r"\begin{array}").replace("@{}", "")
    math = _expand_pd(math)
    # A row break followed by ( or [ would read as a math delimiter \( or \[ in the HTML.
    math = re.sub(r"\\\\(?=[(\[])", r"\\\\ ", math)
    return re.sub(r"\s+", " ", math).strip()


def _expand_pd(math: str) -> str:
    r"""\pd{a}{b} -> \frac{\partial a}{\partial b} (the sheet's partial-derivative macro)."""
    out = []
    i = 0
    for m in re.finditer(r"\\pd(?![A-Za-z])", math):
        if m.start() < i:
            continue
        out.append(math[i:m.start()])
        j = m.end()
        args = []
        for _ in range(2):
            while j < len(math) and math[j].isspace():
                j += 1
            if j >= len(math) or math[j] != "{":
                raise LatexHtmlError(r"\pd needs two arguments in braces")
            end = matching_brace(math, j)
            args.append(_expand_pd(math[j + 1:end]))
            j = end + 1
        out.append(rf"\frac{{\partial {args[0]}}}{{\partial {args[1]}}}")
        i = j
    out.append(math[i:])
    return "".join(out)


def _append_text(parent, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


class _Writer:
    def __init__(self, pictures: dict[str, str]):
        self.pictures = pictures

    def document(self, parent, document: tuple) -> None:
        """Paragraphs into `parent`: text in a <p> per paragraph (directly in a list item or cell)."""
        for para in document:
            paragraph = None
            for block in para:
                if isinstance(block, (Line, Display)):
                    if parent.tag in _INLINE_CONTAINERS:
                        target = parent
                    elif paragraph is None:
                        target = paragraph = etree.SubElement(parent, "p")
                    else:
                        target = paragraph
                    self.inline_block(target, block)
                else:
                    paragraph = None
                    self.block(parent, block)

    def inline_block(self, target, block) -> None:
        if isinstance(block, Display):
            last = target[-1].tail if len(target) else target.text
            space = " " if (last or "").endswith("\\]") else ""  # two displays in a row stay apart
            _append_text(target, rf"{space}\[ {math_to_mathjax(block.latex)} \]")
            return
        fresh = not target.text and not len(target)
        self.inlines(target, block.children, strip_start=fresh and target.tag == "p")

    def inlines(self, target, children: tuple, strip_start: bool = False) -> None:
        for child in children:
            if isinstance(child, Text):
                text = child.text.lstrip() if strip_start else child.text
                if text:
                    _append_text(target, text)
                    strip_start = False
                continue
            strip_start = False
            if isinstance(child, Math):
                _append_text(target, rf"\({math_to_mathjax(child.latex)}\){child.stuck}")
            elif isinstance(child, Style):
                self.inlines(etree.SubElement(target, child.tag), child.children)
            elif isinstance(child, Break):
                etree.SubElement(target, "br")
            elif isinstance(child, Picture):
                if child.file not in self.pictures:
                    raise LatexHtmlError(f"\\includegraphics{{{child.file}}}: no picture given for this file")
                etree.SubElement(target, "img", src=self.pictures[child.file], alt="diagram")

    def block(self, parent, block) -> None:
        if isinstance(block, ListBlock):
            element = etree.SubElement(parent, "ol", type="a") if block.ordered else etree.SubElement(parent, "ul")
            for item in block.items:
                self.document(etree.SubElement(element, "li"), item)
        elif isinstance(block, Box):
            element = etree.SubElement(parent, "div", style="text-align: center;") if block.kind == "center" \
                else etree.SubElement(parent, "div")
            self.document(element, block.body)
        elif isinstance(block, Table):
            table = etree.SubElement(parent, "table", style="margin: 0.5em auto; border-collapse: collapse;")
            for row in block.rows:
                tr = etree.SubElement(table, "tr")
                for cell in row:
                    self.document(etree.SubElement(tr, "td", style="padding: 0.2em 0.6em;"), cell)
        else:
            raise LatexHtmlError(f"no Moodle HTML for {type(block).__name__}")
