r"""The kind templates' LaTeX as HTML, for the practice page: a third render of the same draw.

Math goes to MathML at build time through math-core (a maintained LaTeX → MathML Core converter:
it keeps `aligned` columns, arrays with rules and the document's own macros, where latex2mathml
prints a literal `&` in `aligned`). Text outside math has only the few macros the templates use,
listed below; any other macro is an error, so a template change cannot slip through unconverted.
Every piece of text is HTML-escaped; MathML comes from the converter, never from string pasting.

The result is a list of paragraphs (blank lines and \par split them, as in LaTeX), each a list of
HTML blocks: a worked key's paragraphs are the steps the page reveals one by one.
"""

from __future__ import annotations

import html
import re
from typing import Callable

import math_core

# The preamble's own math macros (templates/partials/preamble.tex), for the converter.
MATH_MACROS = {
    "pd": r"\frac{\partial #1}{\partial #2}",
    "T": r"^{\mathsf{T}}",
    "R": r"\mathbb{R}",
    "answerbox": r"\boxed{#1}",
}
_CONVERTER = math_core.LatexToMathML(macros=MATH_MACROS, fancy_error=False)

# Text macros: those that print something, and those that only lay out paper (dropped).
_TEXT_SYMBOLS = {"textemdash": "\u2014", "textperiodcentered": "\u00b7", "%": "%", "&": "&", "#": "#",
                 "_": "_", "$": "$", "{": "{", "}": "}", " ": " ", ",": "\u2009", "quad": "\u2003"}
_DROPPED = {"begingroup", "endgroup", "noindent", "smallskip", "medskip", "bigskip", "raggedright",
            "toprule", "midrule", "bottomrule", "hline", "centering", "small", "fbox"}
_DROPPED_WITH_ARGUMENT = {"vspace": 1, "renewcommand": 2, "setlength": 2, "parbox": 1}  # a box: the page draws its own
_STYLES = {"textbf": "strong", "emph": "em", "textit": "em", "texttt": "code"}

Picture = Callable[[str, str], str]  # (file name, options) -> HTML of the picture


class LatexHtmlError(ValueError):
    """A template uses LaTeX this converter does not know: the page would be wrong, so it stops."""


def math(latex: str, display: bool = False) -> str:
    """One formula as MathML (a `<math>` element)."""
    latex = _ARRAY_OPTIONS.sub(r"\\begin{array}{\1}", latex)
    latex = latex.replace("@{}", "").replace(r"\allowbreak", "")
    try:
        return _CONVERTER.convert_with_local_state(latex, displaystyle=display)
    except math_core.LatexError as e:
        raise LatexHtmlError(f"math-core cannot convert {latex[:80]!r}: {e}") from None


_ARRAY_OPTIONS = re.compile(r"\\begin\{array\}\[[a-z]\]\{([^}]*)\}")


def paragraphs(latex: str, picture: Picture | None = None) -> list[list[str]]:
    """The fragment's paragraphs, each a list of HTML blocks (empty paragraphs dropped)."""
    return [p for p in _Converter(_strip_comments(latex), picture).run() if p]


def steps(latex: str, picture: Picture | None = None) -> list[str]:
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


def to_html(latex: str, picture: Picture | None = None) -> str:
    return "\n".join(block for p in paragraphs(latex, picture) for block in p)


def _strip_comments(latex: str) -> str:
    r"""A `%` (not `\%`) ends the line and eats its newline, as in TeX."""
    return re.sub(r"(?<!\\)%[^\n]*\n?", "{}", latex)  # {}: a macro name before it ends there


class _Converter:
    def __init__(self, src: str, picture: Picture | None):
        self.src, self.i, self.picture = src, 0, picture
        self.paras: list[list[str]] = [[]]
        self.inline: list[str] = []  # the running line of text and inline math

    # --- output -------------------------------------------------------------
    def run(self) -> list[list[str]]:
        self._scan(len(self.src))
        self._break()
        return self.paras

    def _flush(self):
        text = "".join(self.inline).strip()
        self.inline = []
        if text:
            self.paras[-1].append(f"<p>{text}</p>")

    def _block(self, html_block: str):
        self._flush()
        self.paras[-1].append(html_block)

    def _break(self):
        self._flush()
        if self.paras[-1]:
            self.paras.append([])

    # --- scanning -----------------------------------------------------------
    def _scan(self, end: int):
        src = self.src
        while self.i < end:
            c = src[self.i]
            if c == "\n" and re.match(r"\n[ \t]*\n", src[self.i:end]):
                self._break()
                self.i = re.match(r"\n(?:[ \t]*\n)+", src[self.i:end]).end() + self.i
            elif c == "$":
                close = self._find(r"(?<!\\)\$", self.i + 1, end)
                formula = math(src[self.i + 1:close])
                self.i = close + 1
                stuck = re.compile(r"[.,;:!?)]+").match(src, self.i, end)  # "$x$;" never breaks before ";"
                if stuck:
                    formula = f'<span class="nowrap">{formula}{html.escape(stuck.group())}</span>'
                    self.i = stuck.end()
                self.inline.append(formula)
            elif src.startswith(r"\[", self.i):
                close = self._find(r"\\\]", self.i + 2, end)
                self._block(_display(math(src[self.i + 2:close], display=True)))
                self.i = close + 2
            elif c == "\\":
                self._command(end)
            elif c in "{}":
                self.i += 1
            elif c == "~":
                self.inline.append("\u00a0")
                self.i += 1
            elif src.startswith("--", self.i):
                self.inline.append("\u2013")
                self.i += 2
            else:
                j = self.i
                while j < end and src[j] not in "\\${}~\n-":
                    j += 1
                j = max(j, self.i + 1)
                self.inline.append(html.escape(src[self.i:j].replace("\n", " ")))
                self.i = j

    def _find(self, pattern: str, start: int, end: int) -> int:
        m = re.compile(pattern).search(self.src, start, end)
        if not m:
            raise LatexHtmlError(f"unclosed {self.src[start - 2:start]!r} in {self.src[start - 2:start + 60]!r}")
        return m.start()

    def _command(self, end: int):
        src = self.src
        m = re.compile(r"\\([A-Za-z]+\*?|.)").match(src, self.i)
        name = m.group(1)
        self.i = m.end()
        if name == "begin":
            env = self._argument()
            self._environment(env, self._body(env))
        elif name == "par":
            self._break()
        elif name == "\\":
            self.inline.append("<br>")
        elif name in _TEXT_SYMBOLS:
            self.inline.append(html.escape(_TEXT_SYMBOLS[name]))
        elif name in _DROPPED:
            pass
        elif name in _DROPPED_WITH_ARGUMENT:
            for _ in range(_DROPPED_WITH_ARGUMENT[name]):
                self._argument()
        elif name in _STYLES:
            tag = _STYLES[name]
            self.inline.append(f"<{tag}>{_inline_html(self._argument(), self.picture)}</{tag}>")
        elif name == "includegraphics":
            options = self._optional()
            file = self._argument()
            if self.picture is None:
                raise LatexHtmlError(f"a picture ({file}) where none was given")
            self.inline.append(self.picture(file, options))
        else:
            raise LatexHtmlError(f"no HTML for the text macro \\{name}")

    def _argument(self) -> str:
        """The braced argument at the cursor (spaces before it skipped)."""
        while self.src[self.i] in " \n":
            self.i += 1
        if self.src[self.i] != "{":
            raise LatexHtmlError(f"expected {{ at {self.src[self.i:self.i + 40]!r}")
        close = _matching_brace(self.src, self.i)
        text = self.src[self.i + 1:close]
        self.i = close + 1
        return text

    def _optional(self) -> str:
        if self.src.startswith("[", self.i):
            close = self.src.index("]", self.i)
            text = self.src[self.i + 1:close]
            self.i = close + 1
            return text
        return ""

    def _body(self, env: str) -> str:
        """The text up to the matching \\end{env} (nested environments of the same name counted)."""
        depth, pattern = 1, re.compile(r"\\(begin|end)\{" + re.escape(env) + r"\}")
        start = self.i
        for m in pattern.finditer(self.src, self.i):
            depth += 1 if m.group(1) == "begin" else -1
            if depth == 0:
                self.i = m.end()
                return self.src[start:m.start()]
        raise LatexHtmlError(f"\\begin{{{env}}} without its \\end")

    def _environment(self, env: str, body: str):
        if env in ("align*", "aligned", "gather*"):
            self._block(_display(math(r"\begin{aligned}" + body + r"\end{aligned}", display=True)))
        elif env in ("enumerate", "itemize"):
            body = re.sub(r"^\s*\[[^\]]*\]", "", body)  # enumitem options: the page's CSS lays lists out
            items = _items(body)
            tag = "ol" if env == "enumerate" else "ul"
            lis = "".join(f"<li>{to_html(item, self.picture)}</li>" for item in items)
            self._block(f'<{tag} class="{env}">{lis}</{tag}>')
        elif env == "center":
            self._block(f'<div class="center">{to_html(body, self.picture)}</div>')
        elif env == "tabular":
            self._block(_table(body, self.picture))
        elif env == "minipage":  # keeps a heading with its table on paper; on a page, just the content
            body = re.sub(r"^\s*\{[^}]*\}", "", body)  # the width argument
            self._block(f'<div class="minipage">{to_html(body, self.picture)}</div>')
        else:
            raise LatexHtmlError(f"no HTML for the environment {env}")


def _inline_html(latex: str, picture: Picture | None) -> str:
    """A macro's argument inside a line: its paragraphs' text without the <p> wrappers."""
    return " ".join(re.sub(r"^<p>(.*)</p>$", r"\1", b, flags=re.S) for b in
                    (block for p in paragraphs(latex, picture) for block in p))


def _items(body: str) -> list[str]:
    """The list's \\item texts, split at its own items only (not those of a nested list)."""
    items, depth, start = [], 0, None
    for m in re.finditer(r"\\(begin|end)\{(?:itemize|enumerate)\}|\\item\b", body):
        if m.group(1):
            depth += 1 if m.group(1) == "begin" else -1
        elif depth == 0:
            if start is not None:
                items.append(body[start:m.start()])
            start = m.end()
    if start is not None:
        items.append(body[start:])
    return items


def _display(mathml: str) -> str:
    return f'<div class="display">{mathml}</div>'


def _matching_brace(src: str, open_at: int) -> int:
    depth = 0
    for j in range(open_at, len(src)):
        if src[j] == "\\":
            continue
        if src[j] == "{" and src[j - 1] != "\\":
            depth += 1
        elif src[j] == "}" and src[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return j
    raise LatexHtmlError(f"unbalanced braces in {src[open_at:open_at + 60]!r}")


def _table(body: str, picture: Picture | None) -> str:
    """A tabular as an HTML table: rows split at \\\\, cells at &, neither counted inside math or braces."""
    body = body[_matching_brace(body, body.index("{")) + 1:] if body.lstrip().startswith("{") else body
    rows = [r for r in split_top(body, r"\\") if r.strip() and r.strip() not in ("\\toprule", "\\midrule", "\\bottomrule")]
    out = []
    for n, row in enumerate(rows):
        row = re.sub(r"\\(toprule|midrule|bottomrule|hline)", "", row)
        cell = "th" if n == 0 else "td"
        out.append("<tr>" + "".join(f"<{cell}>{_inline_html(c, picture)}</{cell}>" for c in split_top(row, "&")) + "</tr>")
    return '<table class="tabular">' + "".join(out) + "</table>"


def split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside braces and $…$ math (a tabular's rows and cells, which may hold
    arrays); shared with the Moodle export's converter."""
    parts, depth, in_math, start, j = [], 0, False, 0, 0
    while j < len(text):
        c = text[j]
        if c == "\\" and not text.startswith(sep, j):
            j += 2
            continue
        if c == "$":
            in_math = not in_math
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and not in_math and text.startswith(sep, j):
            parts.append(text[start:j])
            j += len(sep)
            start = j
            continue
        j += 1
    parts.append(text[start:])
    return parts
