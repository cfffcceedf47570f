"""Entries named as the sheet names them: the answer's symbol (∂L/∂W^{[1]}, n_{3}, \\hat y) and its
position, in LaTeX for the feedback and the report and in plain text for messages, instead of the
response column q1.dL/dW1[2,3]. Built from the answer names the kinds use (qgen/kinds/*.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from qgen.latex_text import escape

_LAYERED = {"z": "z", "a": "a", "W": "W", "b": "b", "delta": r"\delta"}
_PLAIN = {"yhat": r"\hat y", "L": "L", "L'": "L'", "x": "x", "y": "y", "z": "z", "f": "f", "g": "g", "W": "W", "b": "b",
          "delta": r"\delta"}
_ATOM = re.compile(r"(delta|[A-Za-z])(\d*)")
_COLUMN = re.compile(r"q(\d+)\.(.+?)(\[[\d,]+\])?")


@lru_cache(maxsize=4096)
def entry_latex(column: str, kind: str) -> str:
    """q1.dL/dW1[2,3] -> $\\partial L/\\partial W^{[1]}$[2,3] (text mode, ready for a table cell)."""
    match = _COLUMN.fullmatch(column)
    if not match:
        return r"\texttt{" + escape(column) + "}"
    name, index = match.group(2), match.group(3) or ""
    symbol = answer_latex(name, kind)
    return (f"${symbol}$" if symbol is not None else r"\texttt{" + escape(name) + "}") + escape(index)


def answer_latex(name: str, kind: str) -> str | None:
    """An answer's symbol in math mode, or None when the name is not one the kinds use."""
    if name.startswith("updated "):
        inner = _atom(name[len("updated "):], kind)
        return None if inner is None else inner + r"_{\mathrm{new}}"
    if name.startswith("velocity "):  # mlp with momentum: the new velocity of a parameter
        inner = _atom(name[len("velocity "):], kind)
        return None if inner is None else rf"v_{{{inner},\mathrm{{new}}}}"
    if name == "f'(x)":
        return "f'(x)"
    if "/" in name and name.startswith("d"):
        top, bottom = name.split("/", 1)
        if bottom.startswith("d"):
            a, b = _atom(top[1:], kind), _atom(bottom[1:], kind)
            if a is not None and b is not None:
                return rf"\partial {a}/\partial {b}"
        return None
    return _atom(name, kind)


def _atom(text: str, kind: str) -> str | None:
    if text in _PLAIN:
        return _PLAIN[text]
    match = _ATOM.fullmatch(text)
    if not match:
        return None
    letter, number = match.groups()
    if not number:
        return _PLAIN.get(letter, letter)
    if kind == "mlp" and letter in _LAYERED:
        return f"{_LAYERED[letter]}^{{[{number}]}}"
    return f"{_PLAIN.get(letter, letter)}_{{{number}}}"
