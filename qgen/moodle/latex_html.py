r"""The kind templates' LaTeX as HTML for Moodle: text becomes elements, math is left to MathJax.

Moodle's MathJax filter (on by default) typesets math between \( \) and \[ \]; everything else must
be HTML. This converter knows exactly the text-mode LaTeX the kind templates use (paragraphs,
enumerate/itemize, center, tabular, \textbf, \emph, \includegraphics, spacing commands) and raises
LatexHtmlError naming anything else, so a template change it does not know fails the tests instead
of reaching a quiz. The HTML is built as lxml elements, so every text is escaped and every question
is well-formed by construction. Math keeps its LaTeX, with the sheet's own macros (\R, \T, \pd)
expanded, since MathJax does not know them.
"""

from __future__ import annotations

import html
import re

from lxml import etree

from qgen.latex_html import split_top


class LatexHtmlError(ValueError):
    """The LaTeX holds something this converter does not know."""


# Text-mode commands: dropped (page layout only), or replaced by a character.
_DROPPED = {"smallskip", "medskip", "bigskip", "noindent", "raggedright", "centering", "begingroup",
            "endgroup", "clearpage", "allowbreak", "small", "normalsize"}
_DROPPED_WITH_ARG = {"vspace", "vspace*", "hspace", "hspace*"}
_CHARACTERS = {"textemdash": "\u2014", "textendash": "\u2013", "textperiodcentered": "\u00b7",
               "quad": "\u2003", "qquad": "\u2003\u2003", ",": "\u2009", " ": " ", "&": "&", "%": "%",
               "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", "textbackslash": "\\",
               "textasciitilde": "~", "textasciicircum": "^"}
_STYLES = {"textbf": "strong", "emph": "em", "textit": "em", "texttt": "code"}
_RULES = re.compile(r"\\(toprule|midrule|bottomrule|hline)\b")
_COMMAND = re.compile(r"\\([A-Za-z]+\*?|.)", re.S)
_INLINE_CONTAINERS = {"li", "td", "strong", "em", "code"}


def latex_to_html(latex: str, pictures: dict[str, str] | None = None) -> str:
    """The HTML of a LaTeX fragment; `pictures` maps an \\includegraphics file name to the URL the
    picture has in the HTML (e.g. @@PLUGINFILE@@/q1.png)."""
    builder = _Builder(pictures or {})
    builder.convert(latex)
    return "".join(etree.tostring(child, encoding="unicode") for child in builder.root)


def latex_to_inline_html(latex: str) -> str:
    """The HTML of a LaTeX phrase (one paragraph), without its paragraph: to go inside an element."""
    builder = _Builder({})
    builder.convert(latex)
    if len(builder.root) != 1 or builder.root[0].tag != "p":
        raise LatexHtmlError(f"expected one paragraph of text, got {latex[:40]!r}")
    p = builder.root[0]
    return html.escape(p.text or "", quote=False) + "".join(etree.tostring(c, encoding="unicode") for c in p)


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
            end = _matching_brace(math, j)
            args.append(_expand_pd(math[j + 1:end]))
            j = end + 1
        out.append(rf"\frac{{\partial {args[0]}}}{{\partial {args[1]}}}")
        i = j
    out.append(math[i:])
    return "".join(out)


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise LatexHtmlError(f"unbalanced braces in {text[start:start + 40]!r}")


def _find_unescaped(text: str, target: str, start: int) -> int:
    i = start
    while i < len(text):
        if text.startswith(target, i):
            return i
        i += 2 if text[i] == "\\" else 1  # an escaped character (\$) never closes
    raise LatexHtmlError(f"no closing {target!r} after {text[max(0, start - 20):start + 20]!r}")


class _Builder:
    def __init__(self, pictures: dict[str, str]):
        self.pictures = pictures
        self.root = etree.Element("div")
        self.stack = [self.root]
        self.paragraph = None

    # -- where content goes ------------------------------------------------------------------
    def _inline_parent(self):
        top = self.stack[-1]
        if top.tag in _INLINE_CONTAINERS:
            return top
        if self.paragraph is None or self.paragraph.getparent() is not top:
            self.paragraph = etree.SubElement(top, "p")
        return self.paragraph

    def text(self, text: str) -> None:
        top = self.stack[-1]
        if top.tag not in _INLINE_CONTAINERS and (self.paragraph is None or self.paragraph.getparent() is not top):
            text = text.lstrip()  # a paragraph starts at its first character, not at a line break
        if not text:
            return
        parent = self._inline_parent()
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    def inline(self, tag: str, **attrib):
        return etree.SubElement(self._inline_parent(), tag, **attrib)

    def new_paragraph(self) -> None:
        self.paragraph = None

    def open_block(self, tag: str, **attrib):
        self.paragraph = None
        element = etree.SubElement(self.stack[-1], tag, **attrib)
        self.stack.append(element)
        return element

    def close_block(self, tag: str) -> None:
        self.paragraph = None
        while len(self.stack) > 1 and self.stack[-1].tag != tag:
            self.stack.pop()
        if self.stack[-1].tag != tag:
            raise LatexHtmlError(f"\\end of a {tag} that was not begun")
        self.stack.pop()

    def math(self, math: str, display: bool) -> None:
        body = math_to_mathjax(math)
        self.text(rf"\[ {body} \]" if display else rf"\({body}\)")

    # -- the LaTeX ---------------------------------------------------------------------------
    def convert(self, src: str) -> None:
        i = 0
        while i < len(src):
            c = src[i]
            if c == "%":  # a comment runs to the end of the line and eats the next line's indent
                end = src.find("\n", i)
                i = len(src) if end < 0 else end + 1
                while i < len(src) and src[i] in " \t":
                    i += 1
            elif c == "$":
                end = _find_unescaped(src, "$", i + 1)
                self.math(src[i + 1:end], display=False)
                i = end + 1
            elif src.startswith(r"\[", i):
                end = _find_unescaped(src, r"\]", i + 2)
                self.math(src[i + 2:end], display=True)
                i = end + 2
            elif c == "\\":
                i = self._command(src, i)
            elif c == "{":
                end = _matching_brace(src, i)
                self.convert(src[i + 1:end])
                i = end + 1
            elif c == "}":
                raise LatexHtmlError(f"unbalanced }} near {src[max(0, i - 30):i + 10]!r}")
            elif c == "~":
                self.text("\u00a0")
                i += 1
            elif c == "\n" and re.match(r"\n[ \t]*\n", src[i:]):
                self.new_paragraph()
                i = re.match(r"\n\s*", src[i:]).end() + i
            else:
                m = re.compile(r"[^\\$%{}~\n]+|\n").match(src, i)
                self.text(_typography(re.sub(r"\s+", " ", m.group(0))))
                i = m.end()

    def _argument(self, src: str, i: int) -> tuple[str, int]:
        while i < len(src) and src[i].isspace():
            i += 1
        if i >= len(src) or src[i] != "{":
            raise LatexHtmlError(f"expected an argument in braces at {src[i:i + 30]!r}")
        end = _matching_brace(src, i)
        return src[i + 1:end], end + 1

    @staticmethod
    def _optional(src: str, i: int) -> int:
        """Skip an optional [..] argument."""
        if i < len(src) and src[i] == "[":
            return src.index("]", i) + 1
        return i

    def _command(self, src: str, i: int) -> int:
        m = _COMMAND.match(src, i)
        name, i = m.group(1), m.end()
        if name.rstrip("*").isalpha() and name not in ("begin", "end"):
            while i < len(src) and src[i] in " \t":  # TeX skips spaces after a command word
                i += 1
        if name in _DROPPED:
            return i
        if name in _DROPPED_WITH_ARG:
            return self._argument(src, i)[1]
        if name == "renewcommand":
            return self._argument(src, self._argument(src, i)[1])[1]
        if name in _CHARACTERS:
            self.text(_CHARACTERS[name])
            return i
        if name == "\\":
            self.inline("br")
            return self._optional(src, i)
        if name == "par":
            self.new_paragraph()
            return i
        if name in _STYLES:
            body, i = self._argument(src, i)
            self.stack.append(self.inline(_STYLES[name]))
            self.convert(body)
            self.stack.pop()
            return i
        if name == "includegraphics":
            source, i = self._argument(src, self._optional(src, i))
            if source not in self.pictures:
                raise LatexHtmlError(f"\\includegraphics{{{source}}}: no picture given for this file")
            self.inline("img", src=self.pictures[source], alt="diagram")
            return i
        if name == "item":
            if self.stack[-1].tag == "li":
                self.stack.pop()
            self.open_block("li")
            return i
        if name == "begin":
            return self._begin(src, i)
        if name == "end":
            environment, i = self._argument(src, i)
            if environment in ("enumerate", "itemize"):
                if self.stack[-1].tag == "li":
                    self.stack.pop()
                self.close_block("ol" if environment == "enumerate" else "ul")
            elif environment in ("center", "minipage"):
                self.close_block("div")
            else:
                raise LatexHtmlError(f"\\end{{{environment}}}: environment not known to the Moodle export")
            return i
        raise LatexHtmlError(f"\\{name}: text command not known to the Moodle export")

    def _begin(self, src: str, i: int) -> int:
        environment, i = self._argument(src, i)
        if environment in ("align*", "align"):
            end = src.find(rf"\end{{{environment}}}", i)
            if end < 0:
                raise LatexHtmlError(f"\\begin{{{environment}}} without its \\end")
            self.math(rf"\begin{{aligned}} {src[i:end]} \end{{aligned}}", display=True)
            return end + len(rf"\end{{{environment}}}")
        if environment == "enumerate":
            self.open_block("ol", type="a")
            return self._optional(src, i)
        if environment == "itemize":
            self.open_block("ul")
            return self._optional(src, i)
        if environment == "center":
            self.open_block("div", style="text-align: center;")
            return i
        if environment == "minipage":  # keeps lines on one PDF page; in HTML just a block
            self.open_block("div")
            return self._argument(src, self._optional(src, i))[1]
        if environment == "tabular":
            _, i = self._argument(src, i)  # the column spec: HTML cells size themselves
            end = src.find(r"\end{tabular}", i)
            if end < 0:
                raise LatexHtmlError(r"\begin{tabular} without its \end")
            self._table(src[i:end])
            return end + len(r"\end{tabular}")
        raise LatexHtmlError(f"\\begin{{{environment}}}: environment not known to the Moodle export")

    def _table(self, body: str) -> None:
        table = self.open_block("table", style="margin: 0.5em auto; border-collapse: collapse;")
        for row in split_top(_RULES.sub("", body), r"\\"):
            if not row.strip():
                continue
            tr = etree.SubElement(table, "tr")
            for cell in split_top(row, "&"):
                td = etree.SubElement(tr, "td", style="padding: 0.2em 0.6em;")
                self.stack.append(td)
                self.convert(cell.strip())
                self.stack.pop()
        self.close_block("table")


def _typography(text: str) -> str:
    """TeX's ligatures of plain text: --- and -- dashes, `` '' quotes."""
    return (text.replace("---", "\u2014").replace("--", "\u2013")
            .replace("``", "\u201c").replace("''", "\u201d"))
