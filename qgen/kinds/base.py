"""What every question kind is made of, and what it hands to the renderer.

A kind is a module with NAME, SUMMARY, OPTIONS (each Option with a default per difficulty) and
`draw(rng, options) -> Draw`. `draw` samples with the given numpy Generator only, calls the engine,
runs the oracle, and returns the answers with the two template contexts (question and solution).
A draw that breaks a reject rule raises Redraw(rule); the randomiser then draws again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, NamedTuple

import numpy as np

from qgen.answers import Entry, entries
from qgen.errors import QgenError
from qgen.numbers import Ln, NumberRangeError, exact_number, fraction_text

MODES = ("exact", "given", "calculator")
DIFFICULTIES = ("easy", "medium", "hard")
CALCULATOR_DIGITS = 2  # inputs printed with 2 decimals in calculator mode


class Redraw(Exception):
    """The draw broke a reject rule (named in `rule`); draw again."""

    def __init__(self, rule: str):
        super().__init__(rule)
        self.rule = rule


@dataclass(frozen=True)
class Option:
    """One option of a kind: its default per difficulty, and how to read a user's text."""

    name: str
    help: str
    defaults: dict[str, Any]  # difficulty -> default value
    parse: Callable[[str], Any]
    choices: tuple[str, ...] | None = None

    def read(self, text: Any, kind: str) -> Any:
        if self.choices is not None and text not in self.choices:
            raise QgenError(f"{kind} option {self.name}: expected one of {', '.join(self.choices)}, got {text!r}")
        try:
            return self.parse(text)
        except (ValueError, TypeError) as e:
            raise QgenError(f"{kind} option {self.name}: {e}") from None


@dataclass(frozen=True)
class Answer:
    """One asked answer: `value` is a Fraction, an Ln, a float, or an array of them (engine numbers).
    Its entries, precision and acceptance rule come from qgen.answers (one model for every output)."""

    name: str  # stable key in answers.json, e.g. "dL/dW1"
    label: str  # LaTeX math the key uses for it
    value: Any
    display: str = "value"  # "shape": the value is a shape (rows, columns), written 2×3 like the tables;
    # "choice": the value is the number (1, 2, …) of the right option among `choices`
    choices: tuple[str, ...] = ()  # display "choice": the options' labels in order, such as ("1", "2")

    def entries(self, number_style: str) -> list[Entry]:
        """The entries (qgen.answers.entries), made once per number style: a draw's are read by the
        reject rules, the class's checks, the manifest and the sheets."""
        made = self.__dict__.setdefault("_entries", {})
        if number_style not in made:
            made[number_style] = tuple(entries(self.name, self.value, number_style))
        return list(made[number_style])

    def decimals(self):
        """The value's decimals (answers.json's "decimal"): a number, or nested lists of them."""
        return _nested(np.asarray(self.value, dtype=object), _decimal)

    def to_json(self, number_style: str) -> dict:
        arr = np.asarray(self.value, dtype=object)
        exact = all(_exact_text(v) is not None for v in arr.flat)
        return {
            "name": self.name,
            "shape": list(arr.shape),
            "exact": _nested(arr, _exact_text) if exact else None,
            "decimal": self.decimals(),
            "entries": [e.to_json() for e in self.entries(number_style)],
            **({"display": self.display} if self.display != "value" else {}),
            **({"choices": list(self.choices)} if self.choices else {}),
        }


def _exact_text(v) -> str | None:
    """"-3/4" for a rational, "ln(12/5)" for an exact logarithm, None for a float."""
    if isinstance(v, (Fraction, int)):
        return fraction_text(v)
    return str(v) if isinstance(v, Ln) else None


def _decimal(v) -> float:
    value = round(float(v), 12)
    return 0.0 if value == 0 else value


def _nested(arr, fn):
    if np.ndim(arr) == 0:
        return fn(arr.item() if isinstance(arr, np.ndarray) else arr)
    return [_nested(row, fn) for row in arr]


@dataclass(frozen=True)
class Draw:
    """One drawn, solved and checked question, ready for both renders."""

    params: dict  # JSON-ready: what was drawn
    answers: tuple[Answer, ...]
    question: dict  # context of templates/kinds/<kind>_question.tex
    solution: dict  # context of templates/kinds/<kind>_solution.tex
    diagram: str | None = None  # TikZ source, drawn once per distinct source and included
    number_style: str = "fraction"  # "fraction", "decimal" (given mode), "rounded" (calculator)
    notes: tuple[str, ...] = field(default=())  # what the key says of rounding (the rule is qgen.answers')


class Screened(NamedTuple):
    """What a screen (qgen.randomiser.SCREENS) reads of a draw before its oracle and contexts."""

    params: dict
    answers: tuple[Answer, ...]
    number_style: str


def round_to(value, digits: int = CALCULATOR_DIGITS) -> Fraction:
    """A number as printed with `digits` decimals, as the exact decimal the student reads."""
    return Fraction(round(Fraction(value), digits))


def split_sizes(text: str) -> tuple[int, ...]:
    """"2-3-2" -> (2, 3, 2)."""
    try:
        sizes = tuple(int(part) for part in str(text).split("-"))
    except ValueError:
        raise ValueError(f"expected sizes such as 2-3-2, got {text!r}") from None
    if len(sizes) < 2 or any(not 1 <= s <= 6 for s in sizes):
        raise ValueError(f"expected at least two sizes from 1 to 6 joined by '-', such as 2-3-2, got {text!r}")
    return sizes


def parse_bool(text) -> bool:
    if isinstance(text, bool):
        return text
    if str(text).lower() in ("yes", "true", "1", "on"):
        return True
    if str(text).lower() in ("no", "false", "0", "off"):
        return False
    raise ValueError(f"expected yes or no, got {text!r}")


def parse_fraction(text) -> Fraction:
    try:
        value = exact_number(text)  # the text's size is checked first: Fraction("1e-999999999") never ends
    except NumberRangeError as e:
        raise ValueError(f"number out of range: {e}") from None
    except ValueError:
        raise ValueError(f"expected a number such as 1/2 or 0.1, got {text!r}") from None
    if value <= 0 or value > 10:
        raise ValueError(f"expected a number above 0 and at most 10, got {text!r}")
    return value


def small_int(rng: np.random.Generator, low: int, high: int, nonzero: bool = False) -> Fraction:
    """An integer in [low, high], drawn with rng, as a Fraction (the engine's exact numbers)."""
    while True:
        value = int(rng.integers(low, high + 1))
        if value or not nonzero:
            return Fraction(value)


def bounded(values, limit: float, rule: str = "answers of bounded size") -> None:
    """Redraw when any answer is larger than a person should have to handle."""
    for v in np.asarray(values, dtype=object).flat:
        if abs(float(v)) > limit:
            raise Redraw(rule)


# ---------------------------------------------------------------------------------------------
# Reject rules against degenerate draws, shared by every kind (each rule's name is what
# `qgen check` reports). A zero row of W makes an output constant; a zero column ignores an
# input; a diagonal W turns z = Wx into an elementwise scaling; a zero x or bias prints a term
# that does nothing.

RULE_ZERO_LINE = "no all-zero row or column in a weight matrix"
RULE_ZERO_VECTOR = "no all-zero input vector"
RULE_DIAGONAL = "a linear gate's W is not diagonal"
RULE_ZERO_BIAS = "a drawn bias is not all zero"


def reject_zero_lines(W) -> None:
    """Redraw when a row or a column of the matrix W is all zero."""
    M = np.asarray(W, dtype=object)
    if M.ndim != 2:
        return
    if any(not any(row) for row in M) or any(not any(col) for col in M.T):
        raise Redraw(RULE_ZERO_LINE)


def reject_diagonal(W) -> None:
    """Redraw when a square W (more than 1×1) has zeros everywhere off its diagonal."""
    M = np.asarray(W, dtype=object)
    if M.ndim == 2 and M.shape[0] == M.shape[1] > 1:
        if not any(M[i, j] for i in range(M.shape[0]) for j in range(M.shape[1]) if i != j):
            raise Redraw(RULE_DIAGONAL)


def reject_zero_vector(x, rule: str = RULE_ZERO_VECTOR) -> None:
    """Redraw when every entry of x is zero (an input or a drawn bias that does nothing)."""
    if x is not None and not any(np.asarray(x, dtype=object).flat):
        raise Redraw(rule)


RULE_ZERO_GRADIENTS = "at most a quarter of the gradients are 0"


def reject_zero_share(values, rule: str = RULE_ZERO_GRADIENTS, most: float = 0.25, tiny: float = 1e-9) -> None:
    """Redraw when more than `most` of the numbers are 0 (|v| < tiny: float uses that cancel leave
    ~1e-17): a backward pass that is mostly zeros is little work and teaches little."""
    flat = [v for v in np.asarray(values, dtype=object).flat]
    if sum(abs(float(v)) < tiny for v in flat) > most * len(flat):
        raise Redraw(rule)
