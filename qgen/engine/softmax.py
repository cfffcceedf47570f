"""The softmax gate on its own, and the cross-entropy after it, as gates of the chain with their
local Jacobians: the softmax row of the note's table split in two.

    ŷ = softmax(z)          ∂ŷ/∂z = Diag[ŷ] − ŷŷᵀ (symmetric);   ∂L/∂z = (∂ŷ/∂z)ᵀ ∂L/∂ŷ
    L = −Σ_k y_k ln ŷ_k      ∂L/∂ŷ = −y / ŷ (entrywise)
Their product is the table's ∂L/∂z = ŷ − y. GivenSoftmax works from a printed (or simple
fraction) ŷ, so every number stays rational; Softmax computes ŷ from z in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qgen.engine.gates import SoftmaxCrossEntropy, diag


class _SoftmaxRule:
    """The softmax gate's local Jacobian and VJP, given its `probabilities`."""

    def jacobian(self, z) -> np.ndarray:
        p = self.probabilities(z)
        return np.array(diag(p) - np.outer(p, p), dtype=p.dtype)

    def vjp(self, z, g: np.ndarray) -> np.ndarray:
        return self.jacobian(z).T @ g

    def forward(self, z) -> np.ndarray:
        return self.probabilities(z)


@dataclass(frozen=True, eq=False)
class Softmax(_SoftmaxRule):
    """ŷ = softmax(z) in float64 (shifted by max z)."""

    name = "softmax"

    def probabilities(self, z) -> np.ndarray:
        return SoftmaxCrossEntropy(np.zeros(len(z))).probabilities(z)


@dataclass(frozen=True, eq=False)
class GivenSoftmax(_SoftmaxRule):
    """ŷ as given (printed to 2 decimals, or simple fractions): the Jacobian from exactly those."""

    printed: np.ndarray
    name = "softmax"

    def probabilities(self, z=None) -> np.ndarray:
        return self.printed.copy()


@dataclass(frozen=True, eq=False)
class CrossEntropy:
    """L = −Σ y_k ln ŷ_k with one-hot y.   ∂L/∂ŷ = −y/ŷ (0 off the target class)."""

    y: np.ndarray
    name = "cross_entropy"

    def vjp(self, yhat: np.ndarray, g) -> np.ndarray:
        return np.array([-t / p * g if t else p * 0 for t, p in zip(self.y, yhat)], dtype=yhat.dtype)
