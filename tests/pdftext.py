"""Reading PDFs back as a reader would, with poppler's pdftotext."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

HEADER = re.compile(r"Question (\d+) · variant ([0-9A-Z]+)")


def page_texts(pdf: Path) -> list[str]:
    """The text of every page, in order."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def squeeze(text: str) -> str:
    """Whitespace removed and the typographic minus made ASCII, for searching values."""
    return re.sub(r"\s+", "", text).replace("−", "-")


def _entry(exact: str | None, decimal: float, style: str) -> str:
    if exact is None or style == "rounded":
        text = f"{decimal:.4f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    f = Fraction(exact)
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if style == "decimal" and d == 1 and f.denominator != 1:
        places = 0
        while (f * 10**places).denominator != 1:
            places += 1
        if places <= 8:
            return f"{float(f):.{places}f}"
    return exact


def _inline(exact, decimal, style: str) -> str:
    if not isinstance(decimal, list):
        return _entry(exact, decimal, style)
    exact = exact if exact is not None else [None] * len(decimal)
    if isinstance(decimal[0], list):
        return "[" + ";".join(",".join(_inline(e, d, style) for e, d in zip(er or [None] * len(dr), dr))
                              for er, dr in zip(exact, decimal)) + "]"
    return "(" + ",".join(_inline(e, d, style) for e, d in zip(exact, decimal)) + ")"


def printed_forms(answer: dict) -> set[str]:
    """How the key's answer summary may print an answers.json answer (whitespace removed): every
    value as a reduced fraction, as exact decimals where finite, or rounded to 4 places."""
    return {_inline(answer["exact"], answer["decimal"], style) for style in ("fraction", "decimal", "rounded")}
