"""Checks that a student who rounds every step's value is accepted on every entry (shared by the
mlp tests: the rounding students themselves are written in each test, independently of qgen)."""

from __future__ import annotations

import numpy as np

from qgen.answers import accepts


def accepted_entries(variant, student: dict, where) -> int:
    """Assert that every entry of `variant` accepts the value `student` (answer name -> values)
    gives it; returns the number of entries checked."""
    checked = 0
    for answer in variant.draw.answers:
        given = np.asarray(student[answer.name], dtype=float)
        for e in answer.entries(variant.draw.number_style):
            value = given[tuple(i - 1 for i in e.index)] if e.index else float(given)
            assert accepts(e, value), (*where, e.name, value, float(e.key))
            checked += 1
    return checked
