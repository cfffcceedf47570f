"""Shown arithmetic in a key: does a line reproduce from the numbers it prints, at the places it prints them?

A worked key prints each intermediate at the sheet's precision but carries it at full precision, so a
line such as "−0.9640 · (−2) = 1.9281" may not reproduce by hand from what it shows. The `carried`
filter recomputes a line's result from its operands *as printed* and, when that misses the printed
result by more than half a unit of its last place, marks the result "(†)"; the key's note (NOTE)
says what it means: the result comes from the unrounded values.
Exact (fraction) keys never need the mark: every number they print is the number itself.
"""

from __future__ import annotations

import math
from fractions import Fraction

import jinja2
import numpy as np

from qgen.answers import DECIMAL, decimal_text
from qgen.numbers import Ln

INPUT_PLACES = 2  # printed inputs have 2 decimals (given values, calculator inputs)
NOTE = ("A result marked (†) is the full-precision value rounded: worked from the rounded numbers its "
        "line shows, it may differ in the last place (such a value is accepted).")
MARK = r"\ (\dagger)"  # short, so a display line keeps its width; NOTE explains it


def number_text(x, style: str, answer: bool = False) -> str:
    """One number as LaTeX math. style: fraction (exact mode), decimal (given), rounded (calculator).

    Exact numbers print as integers or fractions; in the decimal styles an exact number of at most
    INPUT_PLACES places (a printed input) prints with exactly INPUT_PLACES places (0.60, -1.40), and
    every other value, and every `answer` (a boxed result), at the asked precision with trailing
    zeros kept (0.0180, -1.3000), as the answer summary prints it."""
    if isinstance(x, Ln):
        return rf"\ln {number_text(x.arg, 'fraction')}"
    if isinstance(x, (Fraction, int, np.integer)):
        if type(x) is not Fraction:
            x = Fraction(x)
        if x.denominator == 1:
            return str(x.numerator)
        if style == "fraction":
            sign = "-" if x < 0 else ""
            return f"{sign}\\tfrac{{{abs(x.numerator)}}}{{{x.denominator}}}"
        if 10**INPUT_PLACES % x.denominator == 0 and not answer:  # x has at most INPUT_PLACES places
            return decimal_text(x, INPUT_PLACES)
    return decimal_text(x, DECIMAL.places)


def cell_texts(values, style: str, answer: bool = False) -> np.ndarray:
    """Each entry's text; in the decimal styles one format per matrix: when any entry needs the asked
    places, every non-integer entry gets them (0.0300 beside 0.4380, never 0.03)."""
    values = np.asarray(values, dtype=object)
    texts = [number_text(v, style, answer) for v in values.flat]
    if style != "fraction" and len({len(c.split(".")[1]) for c in texts if "." in c}) > 1:
        texts = [decimal_text(v, DECIMAL.places) if "." in c else c for v, c in zip(values.flat, texts)]
    return _object_array(texts, values.shape)


def _object_array(items: list, shape: tuple) -> np.ndarray:
    """An object array of `shape` holding `items` in row order (what np.vectorize with
    otypes=[object] returns, without its per-call setup)."""
    out = np.empty(shape, dtype=object)
    flat = out.reshape(-1)  # a view: out is new, so contiguous
    for i, item in enumerate(items):
        flat[i] = item
    return out


def printed_value(x, style: str, answer: bool = False) -> Fraction:
    """The number a reader sees for `x` (the `num` filter), as an exact decimal."""
    if style == "fraction":
        return Fraction(x)
    return Fraction(number_text(x, style, answer))


def _places(x, style: str, answer: bool = False) -> int:
    text = number_text(x, style, answer)
    return len(text.split(".")[1]) if "." in text else 0


def _from_shown(op: str, values: list[Fraction]):
    if op == "mul":
        return math.prod(values, start=Fraction(1))
    if op == "add":
        return sum(values, start=Fraction(0))
    if op == "sub":
        return values[0] - sum(values[1:], start=Fraction(0))
    if op == "div":
        return values[0] / values[1]
    if op == "recip":
        return 1 / values[0]
    if op == "pow":  # [a, k]: a^k
        return values[0] ** int(values[1])
    if op == "pow_rule":  # [a, k]: k·a^(k−1)
        return int(values[1]) * values[0] ** (int(values[1]) - 1)
    if op == "neg_div_sq":  # [a, b]: −a/b²
        return -values[0] / values[1] ** 2
    if op == "one_minus_sq":
        return 1 - values[0] ** 2
    if op == "a_one_minus_a":
        return values[0] * (1 - values[0])
    if op == "sum_of_products":  # [a, b, c, d]: a·b + c·d
        return values[0] * values[1] + values[2] * values[3]
    if op == "half_sum_sq":
        return sum((v * v for v in values), start=Fraction(0)) / 2
    if op == "ln":
        return math.log(values[0])
    if op == "neg_ln":
        return -math.log(values[0])
    raise ValueError(f"carried: unknown operation {op!r}")


def reproduces(op: str, operands, result, style: str, answer: bool = False) -> bool:
    """True when `result`, as printed, is within half a unit of its last printed place of the
    value computed from the printed `operands` (exactly equal when it prints as an integer)."""
    if style == "fraction" or any(isinstance(v, Ln) for v in list(operands) + [result]):
        return True
    values = [printed_value(v, style) for v in operands]
    if any(v == 0 for v in values) and op in ("div", "recip", "neg_div_sq", "ln", "neg_ln"):
        return True
    shown = _from_shown(op, values)
    places = _places(result, style, answer)
    half = Fraction(1, 2 * 10**places) if places else Fraction(0)
    return abs(Fraction(shown) - printed_value(result, style, answer)) <= half


MATRIX_OPS = {
    "affine": lambda W, a, b=None: W.dot(a) + (0 if b is None else b),  # W a + b
    "matmul": lambda A, B: A.dot(B),
    "diag_mul": lambda d, v: d * v,  # Diag[d] v
    "outer": lambda d, x: np.outer(d, x),  # δ xᵀ
    "sub": lambda a, b: a - b,
    "div_by": lambda v, total: v / total,  # e^z / Σ e^z
    "sgd": lambda W, eta, G: W - eta * G,  # W − η G
    "add_scaled": lambda A, c, B: A + c * B,  # A + c B (∂L/∂W + λW, μv + g)
    "a_one_minus_a": lambda a: a * (1 - a),
    "one_minus_sq": lambda a: 1 - a * a,
}


def matrix_reproduces(op: str, operands, result, style: str, answer: bool = True) -> bool:
    """Like `reproduces`, entry by entry, for a matrix line: each operand as its cells print."""
    if style == "fraction":
        return True
    shown = []
    for v in operands:
        if v is None:
            continue
        cells = cell_texts(v, style)
        shown.append(np.vectorize(Fraction, otypes=[object])(cells) if cells.ndim else Fraction(str(cells.item())))
    value = np.asarray(MATRIX_OPS[op](*shown), dtype=object)
    texts = cell_texts(result, style, answer)
    for computed, text in zip(value.flat, texts.reshape(value.shape).flat):
        places = len(text.split(".")[1]) if "." in text else 0
        if abs(computed - Fraction(text)) > (Fraction(1, 2 * 10**places) if places else 0):
            return False
    return True


@jinja2.pass_context
def carried_matrix(ctx, operands, op: str, result, answer: bool = True) -> str:
    """The mark for a matrix line `op(operands) = result` (MATRIX_OPS), or "". `answer`: the result
    is printed as a boxed answer (the default; false for an intermediate)."""
    style = ctx.get("number_style", "fraction")
    return "" if matrix_reproduces(op, list(operands), result, style, answer) else MARK


@jinja2.pass_context
def carried(ctx, operands, op: str, result, answer: bool = False) -> str:
    """The mark for a line `op(operands) = result`, or "" when it reproduces from what it shows
    (`answer`: the result is printed as a boxed answer)."""
    style = ctx.get("number_style", "fraction")
    return "" if reproduces(op, list(operands), result, style, answer) else MARK
