"""Exact vectors and matrices for hand-checked tests: numpy object arrays of Fractions."""

from fractions import Fraction

import numpy as np


def vec(*values):
    return np.array([Fraction(v) for v in values], dtype=object)


def mat(rows):
    return np.array([[Fraction(v) for v in row] for row in rows], dtype=object)
