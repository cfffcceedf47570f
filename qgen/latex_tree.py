r"""The one reader of the templates' LaTeX subset: a fragment becomes a small document tree that the
HTML writers (the practice page, qgen.latex_html; Moodle, qgen.moodle.latex_html) turn into HTML.

A new construct in a template is taught here once. The reader knows exactly the text-mode LaTeX the
templates use (paragraphs, lists, center, minipage, tabular, a few styles, spacing, pictures) and
raises LatexHtmlError naming anything else, so a template change it does not know fails the tests
instead of reaching a student. Math is kept as LaTeX source: each writer converts it its own way.
It reads as TeX does: a `%` comment eats its line break and the next line's indent, spaces after a
command word are skipped, a blank line or \par ends a paragraph, runs of white space are one space.

The tree: a Document is a list of paragraphs; a paragraph a list of blocks (Line, Display, ListBlock,
Box, Table); a Line a list of inlines (Text, Math, Style, Break, Picture).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class LatexHtmlError(ValueError):
    """The LaTeX holds something the reader does not know: the HTML would be wrong, so it stops."""


# --- the tree ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    text: str  # plain text, not escaped


@dataclass(frozen=True)
class Math:
    latex: str
    stuck: str = ""  # punctuation right after $…$: kept on the formula's line ("$x$;")


@dataclass(frozen=True)
class Style:
    tag: str  # strong, em or code
    children: tuple


@dataclass(frozen=True)
class Break:
    pass


@dataclass(frozen=True)
class Picture:
    file: str
    options: str


@dataclass(frozen=True)
class Line:
    children: tuple  # inlines


@dataclass(frozen=True)
class Display:
    latex: str


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple  # Documents


@dataclass(frozen=True)
class Box:
    kind: str  # center or minipage
    body: tuple  # a Document


@dataclass(frozen=True)
class Table:
    rows: tuple  # rows of cells, each cell a Document


# --- what the reader knows -----------------------------------------------------------------------
_CHARACTERS = {"textemdash": "\u2014", "textendash": "\u2013", "textperiodcentered": "\u00b7",
               "quad": "\u2003", "qquad": "\u2003\u2003", ",": "\u2009", " ": " ", "&": "&", "%": "%",
               "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", "textbackslash": "\\",
               "textasciitilde": "~", "textasciicircum": "^"}
_DROPPED = {"smallskip", "medskip", "bigskip", "noindent", "raggedright", "centering", "begingroup",
            "endgroup", "clearpage", "allowbreak", "small", "normalsize", "toprule", "midrule",
            "bottomrule", "hline", "fbox"}  # a box: the page draws its own
_DROPPED_WITH_ARGUMENTS = {"vspace": 1, "vspace*": 1, "hspace": 1, "hspace*": 1, "renewcommand": 2,
                           "setlength": 2, "parbox": 1}  # \parbox{width}{text}: the text stays
_STYLES = {"textbf": "strong", "emph": "em", "textit": "em", "texttt": "code"}
_ALIGNED = ("align*", "align", "aligned", "gather*")
_COMMAND = re.compile(r"\\([A-Za-z]+\*?|.)", re.S)
_RULES = re.compile(r"\\(toprule|midrule|bottomrule|hline)(?![A-Za-z])")
_STUCK = re.compile(r"[.,;:!?)]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def read(latex: str) -> tuple:
    """The fragment as a Document: its paragraphs (none empty), each a tuple of blocks."""
    reader = _Reader()
    reader.scan(latex)
    reader.end_paragraph()
    return tuple(reader.paragraphs)


def matching_brace(text: str, start: int) -> int:
    """The index of the } that closes the { at `start` (escaped braces skipped)."""
    depth, i = 0, start
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


def split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside braces and $…$ math (a tabular's rows and cells, which may hold arrays)."""
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


def typography(text: str) -> str:
    """TeX's ligatures of plain text: --- and -- dashes, `` '' quotes."""
    return (text.replace("---", "\u2014").replace("--", "\u2013")
            .replace("``", "\u201c").replace("''", "\u201d"))


def _find_unescaped(text: str, target: str, start: int) -> int:
    i = start
    while i < len(text):
        if text.startswith(target, i):
            return i
        i += 2 if text[i] == "\\" else 1  # an escaped character (\$) never closes
    raise LatexHtmlError(f"no closing {target!r} after {text[max(0, start - 20):start + 20]!r}")


def _environment_body(src: str, i: int, environment: str) -> tuple[str, int]:
    """The text up to the matching \\end{environment} (nested ones of the same name counted)."""
    depth, pattern = 1, re.compile(r"\\(begin|end)\{" + re.escape(environment) + r"\}")
    for m in pattern.finditer(src, i):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return src[i:m.start()], m.end()
    raise LatexHtmlError(f"\\begin{{{environment}}} without its \\end")


def _items(body: str) -> list[str]:
    """A list's \\item texts, split at its own items only (not those of a nested list)."""
    items, depth, start = [], 0, None
    for m in re.finditer(r"\\(begin|end)\{(?:itemize|enumerate)\}|\\item(?![A-Za-z])", body):
        if m.group(1):
            depth += 1 if m.group(1) == "begin" else -1
        elif depth == 0:
            if start is None and body[:m.start()].strip():
                raise LatexHtmlError(f"a list with text before its first \\item: {body.strip()[:40]!r}")
            if start is not None:
                items.append(body[start:m.start()])
            start = m.end()
            while start < len(body) and body[start] in " \t\n":  # TeX skips the spaces after \item
                start += 1
    if start is None and body.strip():
        raise LatexHtmlError(f"a list without \\item: {body.strip()[:40]!r}")
    if start is not None:
        items.append(body[start:])
    return items


class _Reader:
    def __init__(self):
        self.paragraphs: list[tuple] = []
        self.blocks: list = []  # the paragraph being read
        self.inlines: list = []  # the line being read
        self.styles: list[tuple[str, list]] = []  # open \textbf{…} and the like

    # -- output ---------------------------------------------------------------------------------
    def add(self, inline) -> None:
        (self.styles[-1][1] if self.styles else self.inlines).append(inline)

    def text(self, text: str) -> None:
        target = self.styles[-1][1] if self.styles else self.inlines
        if target and isinstance(target[-1], Text):
            joined = target[-1].text + text
            target[-1] = Text(re.sub(" {2,}", " ", joined))  # a space on both sides of a break is one
        else:
            target.append(Text(text))

    def end_line(self) -> None:
        if self.styles:
            raise LatexHtmlError(f"a paragraph or block inside \\{self.styles[-1][0]}")
        if any(not (isinstance(x, Text) and not x.text.strip()) for x in self.inlines):
            self.blocks.append(Line(tuple(self.inlines)))
        self.inlines = []

    def block(self, block) -> None:
        self.end_line()
        self.blocks.append(block)

    def end_paragraph(self) -> None:
        self.end_line()
        if self.blocks:
            self.paragraphs.append(tuple(self.blocks))
        self.blocks = []

    # -- input ----------------------------------------------------------------------------------
    def scan(self, src: str) -> None:
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
                stuck = _STUCK.match(src, end + 1)
                self.add(Math(src[i + 1:end], stuck.group() if stuck else ""))
                i = stuck.end() if stuck else end + 1
            elif src.startswith(r"\[", i):
                end = _find_unescaped(src, r"\]", i + 2)
                self.block(Display(src[i + 2:end]))
                i = end + 2
            elif c == "\\":
                i = self._command(src, i)
            elif c == "{":
                end = matching_brace(src, i)
                self.scan(src[i + 1:end])
                i = end + 1
            elif c == "}":
                raise LatexHtmlError(f"unbalanced }} near {src[max(0, i - 30):i + 10]!r}")
            elif c == "~":
                self.text("\u00a0")
                i += 1
            elif blank := _BLANK_LINE.match(src, i):
                self.end_paragraph()
                i = blank.end()
            else:
                m = re.compile(r"[^\\$%{}~\n]+|\n").match(src, i)
                self.text(typography(re.sub(r"\s+", " ", m.group(0))))
                i = m.end()

    def _argument(self, src: str, i: int) -> tuple[str, int]:
        while i < len(src) and src[i].isspace():
            i += 1
        if i >= len(src) or src[i] != "{":
            raise LatexHtmlError(f"expected an argument in braces at {src[i:i + 30]!r}")
        end = matching_brace(src, i)
        return src[i + 1:end], end + 1

    @staticmethod
    def _optional(src: str, i: int) -> tuple[str, int]:
        """An optional [..] argument at `i` (spaces before it skipped), or "" when there is none."""
        j = i
        while j < len(src) and src[j] in " \n":
            j += 1
        if j < len(src) and src[j] == "[":
            end = src.index("]", j)
            return src[j + 1:end], end + 1
        return "", i

    def _command(self, src: str, i: int) -> int:
        m = _COMMAND.match(src, i)
        name, i = m.group(1), m.end()
        if name.rstrip("*").isalpha() and name not in ("begin", "end"):
            while i < len(src) and src[i] in " \t":  # TeX skips spaces after a command word
                i += 1
        if name in _DROPPED:
            return i
        if name in _DROPPED_WITH_ARGUMENTS:
            for _ in range(_DROPPED_WITH_ARGUMENTS[name]):
                i = self._argument(src, i)[1]
            return i
        if name in _CHARACTERS:
            self.text(_CHARACTERS[name])
            return i
        if name == "\\":
            self.add(Break())
            return self._optional(src, i)[1]
        if name == "par":
            self.end_paragraph()
            return i
        if name in _STYLES:
            body, i = self._argument(src, i)
            self.styles.append((name, []))
            self.scan(body)
            _, children = self.styles.pop()
            self.add(Style(_STYLES[name], tuple(children)))
            return i
        if name == "includegraphics":
            options, i = self._optional(src, i)
            file, i = self._argument(src, i)
            self.add(Picture(file, options))
            return i
        if name == "begin":
            return self._environment(src, i)
        raise LatexHtmlError(f"\\{name}: text command not known to the HTML writers")

    def _environment(self, src: str, i: int) -> int:
        environment, i = self._argument(src, i)
        body, after = _environment_body(src, i, environment)
        if environment in _ALIGNED:
            self.block(Display(r"\begin{aligned} " + body + r" \end{aligned}"))
        elif environment in ("enumerate", "itemize"):
            start = self._optional(body, 0)[1]  # enumitem's options: the writers lay lists out
            items = tuple(read(item) for item in _items(body[start:]))
            self.block(ListBlock(environment == "enumerate", items))
        elif environment == "center":
            self.block(Box("center", read(body)))
        elif environment == "minipage":  # keeps lines on one PDF page; in HTML just a block
            body = body[self._argument(body, self._optional(body, 0)[1])[1]:]
            self.block(Box("minipage", read(body)))
        elif environment == "tabular":
            body = body[self._argument(body, 0)[1]:]  # the column spec: HTML cells size themselves
            rows = [row for row in split_top(_RULES.sub("", body), r"\\") if row.strip()]
            self.block(Table(tuple(tuple(read(cell.strip()) for cell in split_top(row, "&")) for row in rows)))
        else:
            raise LatexHtmlError(f"\\begin{{{environment}}}: environment not known to the HTML writers")
        return after
