"""Running an engine step's rule on given inputs and comparing its value by the one acceptance rule:
shared by marking (mark), the trivial-step guard (guard) and the practice page's named mistakes."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np

from qgen.answers import Entry, accepts
from qgen.numbers import Ln

# what a rule may raise on a student's own inputs (a wrong shape, a zero, an overflow): no value
FAILED = (ArithmeticError, ValueError, TypeError, OverflowError, KeyError, IndexError, FloatingPointError)


def run_rule(rule, inputs):
    """The rule's value on these inputs, or None when it cannot be computed."""
    try:
        with np.errstate(all="raise"):
            return rule(*inputs)
    except FAILED:
        return None


def as_key(v):
    """A computed value as an entry's key: exact values stay exact, the rest are floats."""
    if isinstance(v, (Fraction, Ln)):
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return Fraction(int(v))
    return float(v)


def accepted_with_key(entry: Entry, key, value) -> bool:
    """The one rule, with a recomputed (or mistaken) value as the key."""
    try:
        return accepts(replace(entry, key=as_key(key)), value)
    except FAILED:
        return False
