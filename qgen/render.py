"""jinja2 templates for LaTeX, and the filters that turn engine numbers into LaTeX.

Delimiters that do not clash with TeX's braces: << value >>, <% block %>, <# comment #>.
StrictUndefined makes a missing value an error instead of an empty string in a key.
Numbers reach LaTeX only through the filters below; user text only through `esc`.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from importlib import resources

import jinja2
import jinja2.runtime
from jinja2.utils import internalcode
import numpy as np

from qgen.latex_text import escape
from qgen.numbers import fraction_text
from qgen.shown import carried, carried_matrix, cell_texts, number_text
from qgen.template_cache import use_cache


def template_dir() -> str:
    return str(resources.files("qgen.templates"))


@jinja2.pass_context
def num(ctx, x, answer: bool = False) -> str:
    """A number; `answer`: a boxed result, at the asked precision in the decimal styles."""
    return number_text(x, ctx.get("number_style", "fraction"), answer)


def _cells(ctx, a, answer: bool = False) -> np.ndarray:
    return cell_texts(a, ctx.get("number_style", "fraction"), answer)


@jinja2.pass_context
def bmatrix(ctx, a, answer: bool = False) -> str:
    """A matrix, or a vector as a column, as a bmatrix."""
    cells = _cells(ctx, a, answer)
    if cells.ndim == 1:
        cells = cells.reshape(-1, 1)
    rows = [" & ".join(row) for row in cells]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


@jinja2.pass_context
def rowvec(ctx, a) -> str:
    """A vector as a 1×n row bmatrix (a transposed column)."""
    return "\\begin{bmatrix} " + " & ".join(_cells(ctx, a).reshape(-1)) + " \\end{bmatrix}"


@jinja2.pass_context
def diagvec(ctx, a) -> str:
    """Diag[v] written compactly."""
    return "\\operatorname{Diag}\\left[" + ", ".join(_cells(ctx, a).reshape(-1)) + "\\right]"


@jinja2.pass_context
def inline(ctx, a) -> str:
    """A value on one line, the way a student writes it down: 3/2, (1, -1/2), [1, 2; 3, 4].
    Used by the answer summary, so a grader (and a test reading the PDF back) finds each answer."""
    style = ctx.get("number_style", "fraction")

    def one(v) -> str:
        if isinstance(v, (Fraction, int, np.integer)) and style == "fraction":
            return fraction_text(Fraction(v))
        return number_text(v, style)

    arr = np.asarray(a, dtype=object)
    if arr.ndim == 0:
        return one(arr.item())
    if arr.ndim == 1:
        return "(" + r",\allowbreak\ ".join(one(v) for v in arr) + ")"
    # Break points between entries: a 4×4 matrix on one line would run into the margin.
    return "[" + r";\allowbreak\ ".join(r",\allowbreak\ ".join(one(v) for v in row) for row in arr) + "]"


@lru_cache(maxsize=4096)
def _escape(text: str) -> str:
    """latex_text.escape, once per text: the names, the instructions and the header repeat on
    every student's part."""
    return escape(text)


def groupby_runs(lines: list[dict]) -> list[dict]:
    """Answer-summary lines in order, grouped into runs of the same `wide` flag."""
    blocks: list[dict] = []
    for line in lines:
        if blocks and blocks[-1]["wide"] == line["wide"]:
            blocks[-1]["items"].append(line)
        else:
            blocks.append({"wide": line["wide"], "items": [line]})
    return blocks


def shape(a) -> str:
    s = np.shape(a)
    return f"{s[0]}\\times 1" if len(s) == 1 else "\\times ".join(str(n) for n in s)


_DICT_ATTRIBUTES = frozenset(dir(dict))
_MISSING = object()


class _Environment(jinja2.Environment):
    """jinja's lookup of `a.b` tries the attribute, then the item; the contexts are dicts, whose
    keys (and no attribute of theirs: a dict has none of its own) are what the templates read. So
    a dict's key is tried first, unless it also names a dict attribute (items, values, ...): the
    same result as jinja's order, without an AttributeError raised and caught per lookup."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            value = obj.get(attribute, _MISSING)
            if value is not _MISSING:
                return value
        return super().getattr(obj, attribute)


class _Context(jinja2.runtime.Context):
    """A template's context; a call of one of its macros (most calls in the templates: a cell, a
    formula's leaf) goes straight to the macro: a Macro takes no context argument, so jinja's
    check for one (two attribute probes per call) is skipped."""

    @internalcode
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (jinja's own signature)
        if type(__obj) is jinja2.runtime.Macro:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined("value was undefined because a callable raised a"
                                                    " StopIteration exception")
        return super().call(__obj, *args, **kwargs)


def _environment() -> jinja2.Environment:
    # auto_reload=False: a template is compiled once per process, not checked against its file at
    # every use (an include in a loop looks its template up again each time)
    env = _Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        block_start_string="<%", block_end_string="%>",
        variable_start_string="<<", variable_end_string=">>",
        comment_start_string="<#", comment_end_string="#>",
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=False,
    )
    env.context_class = _Context
    env.filters.update(num=num, carried=carried, carried_matrix=carried_matrix, bmatrix=bmatrix, rowvec=rowvec, diagvec=diagvec, inline=inline, shape=shape, groupby_runs=groupby_runs,
                       esc=_escape)
    return use_cache(env)  # compiled once per machine, not per process (qgen.template_cache)


ENV = _environment()


def render(name: str, **context) -> str:
    return ENV.get_template(name).render(**context)
