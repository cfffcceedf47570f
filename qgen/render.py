"""jinja2 templates for LaTeX, and the filters that turn engine numbers into LaTeX.

Delimiters that do not clash with TeX's braces: << value >>, <% block %>, <# comment #>.
StrictUndefined makes a missing value an error instead of an empty string in a key.
Numbers reach LaTeX only through the filters below; user text only through `esc`.
"""

from __future__ import annotations

from fractions import Fraction
from importlib import resources

import jinja2
import numpy as np

from qgen.answers import DECIMAL, decimal_text
from qgen.latex_text import escape
from qgen.numbers import Ln, fraction_text

INPUT_PLACES = 2  # printed inputs have at most 2 decimals (given values, calculator inputs)


def template_dir() -> str:
    return str(resources.files("qgen.templates"))


def _number(x, style: str) -> str:
    """One number as LaTeX math. style: fraction (exact mode), decimal (given), rounded (calculator).

    Exact numbers print as integers or fractions (and, in the decimal styles, as the short decimal
    they are when it has at most INPUT_PLACES places: the printed inputs). Every other value is a
    computed one and prints at the asked precision, trailing zeros kept (0.0180, -1.3000)."""
    if isinstance(x, Ln):
        return rf"\ln {_number(x.arg, 'fraction')}"
    if isinstance(x, (Fraction, int, np.integer)):
        x = Fraction(x)
        if x.denominator == 1:
            return str(x.numerator)
        if style == "fraction":
            sign = "-" if x < 0 else ""
            return f"{sign}\\tfrac{{{abs(x.numerator)}}}{{{x.denominator}}}"
        if _is_short_decimal(x, INPUT_PLACES):
            return _decimal_text(x)
    return decimal_text(x, DECIMAL.places)


def _is_short_decimal(x: Fraction, max_places: int = 8) -> bool:
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1 and len(_decimal_text(x).split(".")[-1]) <= max_places


def _decimal_text(x: Fraction) -> str:
    places = 0
    while (x * 10**places).denominator != 1:
        places += 1
    return f"{float(x):.{places}f}" if places <= 15 else str(float(x))


@jinja2.pass_context
def num(ctx, x) -> str:
    return _number(x, ctx.get("number_style", "fraction"))


def _cells(ctx, a) -> np.ndarray:
    return np.vectorize(lambda v: _number(v, ctx.get("number_style", "fraction")), otypes=[object])(np.asarray(a, dtype=object))


@jinja2.pass_context
def bmatrix(ctx, a) -> str:
    """A matrix, or a vector as a column, as a bmatrix."""
    cells = _cells(ctx, a)
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
        return _number(v, style)

    arr = np.asarray(a, dtype=object)
    if arr.ndim == 0:
        return one(arr.item())
    if arr.ndim == 1:
        return "(" + r",\allowbreak\ ".join(one(v) for v in arr) + ")"
    # Break points between entries: a 4×4 matrix on one line would run into the margin.
    return "[" + r";\allowbreak\ ".join(r",\allowbreak\ ".join(one(v) for v in row) for row in arr) + "]"


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


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        block_start_string="<%", block_end_string="%>",
        variable_start_string="<<", variable_end_string=">>",
        comment_start_string="<#", comment_end_string="#>",
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(num=num, bmatrix=bmatrix, rowvec=rowvec, diagvec=diagvec, inline=inline, shape=shape, groupby_runs=groupby_runs,
                       esc=escape)
    return env


ENV = _environment()


def render(name: str, **context) -> str:
    return ENV.get_template(name).render(**context)
