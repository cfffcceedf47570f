"""Exact values for hand-checked tests: vectors and matrices of Fractions, and a small network."""

from fractions import Fraction

import numpy as np


def vec(*values):
    return np.array([Fraction(v) for v in values], dtype=object)


def mat(rows):
    return np.array([[Fraction(v) for v in row] for row in rows], dtype=object)


# A 2-2-1 ReLU network worked by hand (tests/test_network.py checks every number of it):
# z1 = (-1, 3), a1 = (0, 3), yhat = 6, L = 2, dW1 = [0 0; 4 8], dx = (8, 0).
HAND = {
    "x": [1, 2],
    "layers": [{"W": [[1, -1], [2, 0]], "b": [0, 1], "activation": "relu"},
               {"W": [[1, 2]], "b": [0], "activation": "identity"}],
    "loss": "half_sse", "y": [4], "learning_rate": "1/2",
}
