"""Reading PDFs back as a reader would, with poppler's pdftotext."""

from __future__ import annotations

import re
import subprocess
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


def printed_forms(answer: dict) -> set[str]:
    """How the key's answer summary prints an answers.json answer (whitespace removed): each
    entry's `key` (the value at the precision the sheet asks), as (a,b) for a vector and
    [a,b;c,d] for a matrix."""
    keys = [e["key"] for e in answer["entries"]]
    shape = answer["shape"]
    if not shape:
        return {keys[0]}
    if answer.get("display") == "shape":  # a shape is written 2×3, as in the tables
        return {"×".join(keys)}
    if len(shape) == 1:
        return {"(" + ",".join(keys) + ")"}
    rows = [keys[i:i + shape[1]] for i in range(0, len(keys), shape[1])]
    return {"[" + ";".join(",".join(row) for row in rows) + "]"}
