"""What every render states about a draw's answers (the summary's lines, the acceptance rules, what
the sheet asks), from one pass over its entries: shared by the practice set, the exam, the worked
keys and the page, below all of them."""

from __future__ import annotations

import numpy as np

from qgen.answers import Entry


def answer_entries(answers, number_style: str, entry_text=Entry.key_text) -> list[dict]:
    """The answer summary's lines, each value at the precision the sheet asks (qgen.answers), or
    as `entry_text` writes an entry; matrices are `wide` (a line of their own, never in a column)."""
    lines = []
    for a in answers:
        texts = np.array([entry_text(e) for e in a.entries(number_style)], dtype=object).reshape(np.shape(a.value))
        text = r"\times ".join(texts) if a.display == "shape" else _inline_text(texts)
        lines.append({"label": a.label, "text": text, "wide": np.ndim(a.value) >= 2})
    return lines


def answer_summary(draw) -> dict:
    """What every render states about a draw's answers, from one pass over its entries: the
    summary's lines (`answers`), the acceptance rules (`rules`) and what the sheet asks (`asked`)."""
    # an option's number is neither asked at a precision nor read against a tolerance: its
    # question says how to answer
    entries = [(a, e) for a in draw.answers if a.display != "choice" for e in a.entries(draw.number_style)]
    return {"answers": answer_entries(draw.answers, draw.number_style),
            "rules": _distinct(e.precision.rule(latex=True) for _, e in entries),
            "asked": _asked(entries)}


# shapes are asked as the tables write them, and counts as integers (not "integers or fractions")
SHAPE_ASK = "Give each shape as rows × columns, such as 3 × 2 (a vector of n entries is n × 1), and each count as an integer."


def _asked(entries) -> list[str]:
    if any(a.display == "shape" for a, _ in entries):
        return _distinct(SHAPE_ASK if a.display == "shape" or np.ndim(a.value) == 0 and float(a.value).is_integer()
                         else e.precision.ask() for a, e in entries)
    return _distinct(e.precision.ask() for _, e in entries)


def _distinct(texts) -> list[str]:
    out = []
    for text in texts:
        if text not in out:
            out.append(text)
    return out


def _inline_text(texts: np.ndarray) -> str:
    """Entries on one line as LaTeX math: 3/2, (1, -1/2), [1, 2; 3, 4], with break points."""
    if texts.ndim == 0:
        return _math(texts.item())
    if texts.ndim == 1:
        return "(" + r",\allowbreak\ ".join(_math(t) for t in texts) + ")"
    return "[" + r";\allowbreak\ ".join(r",\allowbreak\ ".join(_math(t) for t in row) for row in texts) + "]"


def _math(text: str) -> str:
    return text.replace("ln(", r"\ln(")
