"""The answer area of a question, and the grading key's entries: one part per asked answer.

A part's layout comes from the shape of its answer only, never from its numbers, so every
student with the same structure gets the same boxes, the same room and the same pages:
one box for a scalar, a column of boxes for a vector, a grid for a matrix, and "□ × □" for the
`shapes` kind's (rows, columns) answers. templates/partials/answer_area.tex draws the parts;
templates/exam/grading_question.tex lays the key's values out the same way.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from qgen.exam.config import points_text

# Working room above the boxes (cm): grows with the entries to write, within these bounds.
WORKING_PER_ENTRY = 0.4
WORKING_MIN, WORKING_MAX = 2.5, 7.0
# "lines": blank room per part (cm): a line for the label, then room per row of the answer.
LINES_BASE, LINES_PER_ROW = 1.0, 1.1


def _layout(answer) -> tuple[str, int, int]:
    """(layout, rows, columns) of an answer's boxes."""
    shape = np.shape(answer.value)
    if answer.display == "shape":
        return "pair", 1, 2
    if len(shape) == 0:
        return "scalar", 1, 1
    if len(shape) == 1:
        return "column", shape[0], 1
    return "grid", shape[0], shape[1]


def points_label(points: Decimal) -> str:
    text = points_text(points)
    return f"{text} pt" + ("" if text == "1" else "s")


def _math(key_text: str) -> str:
    """An entry's key as the sheet asks for it ("-3/4", "0.0180", "ln(12/5)") as LaTeX math."""
    return key_text.replace("ln(", r"\ln(")


def parts(answers, points: tuple[Decimal, ...], number_style: str) -> list[dict]:
    """The template context of each part: label (LaTeX math), points, layout, rows, columns, and
    the key's cells (row lists of each entry's key at the asked precision, qgen.answers)."""
    out = []
    for answer, pts in zip(answers, points):
        layout, rows, cols = _layout(answer)
        keys = [_math(e.key_text()) for e in answer.entries(number_style)]
        cells = np.array(keys, dtype=object).reshape(rows, cols).tolist()
        out.append({"name": answer.name, "label": answer.label, "points": points_label(pts),
                    "layout": layout, "rows": rows, "cols": cols, "cells": cells,
                    "room": f"{LINES_BASE + LINES_PER_ROW * rows:.1f}cm"})
    return out


def working_room(part_list: list[dict]) -> str:
    entries = sum(p["rows"] * p["cols"] for p in part_list)
    return f"{min(WORKING_MAX, max(WORKING_MIN, WORKING_PER_ENTRY * entries)):.1f}cm"


def points_summary(points: tuple[Decimal, ...]) -> str:
    """'2 + 4 + 4'; runs of three or more equal shares shortened: '3 × 1 + 14 × 0.5'."""
    terms, i = [], 0
    while i < len(points):
        j = i
        while j < len(points) and points[j] == points[i]:
            j += 1
        run = j - i
        text = points_text(points[i])
        terms.extend([f"{run} × {text}"] if run >= 3 else [text] * run)
        i = j
    return " + ".join(terms)
