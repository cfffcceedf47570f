"""Mini-batches, rows are examples: the linear gate and the squared-error loss on X ∈ R^{N×m}
(row k is the example x_kᵀ), and the batch solved forward and backward.

Row k of Z = XWᵀ + 1bᵀ is z_kᵀ = (W x_k + b)ᵀ. With Δ = ∂L/∂Z (row k is δ_kᵀ = ∂L/∂z_k as a row)
the note's row-vector form ∂L/∂W = δᵀx, one example's δ_kᵀ x_k, summed over the batch gives
∂L/∂W = Σ_k δ_kᵀ x_k = ΔᵀX; ∂L/∂b = Σ_k δ_k (Δ's rows summed); ∂L/∂X = ΔW (row k: (Wᵀδ_k)ᵀ).
Elementwise gates (qgen.engine.gates) apply entry by entry to a batch as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from qgen.engine.gates import Elementwise, GivenElementwise

REDUCTIONS = ("sum", "mean")


@dataclass(frozen=True, eq=False)
class BatchLinear:
    """Z = XWᵀ + 1bᵀ.   With Δ = ∂L/∂Z:  ∂L/∂W = ΔᵀX,  ∂L/∂b = Δᵀ1,  ∂L/∂X = ΔW."""

    W: np.ndarray
    b: np.ndarray | None = None
    name = "linear"

    def forward(self, X: np.ndarray) -> np.ndarray:
        Z = X @ self.W.T
        return Z if self.b is None else Z + self.b  # b added to every row

    def vjp(self, X: np.ndarray, D: np.ndarray) -> np.ndarray:
        return D @ self.W

    def param_grads(self, X: np.ndarray, D: np.ndarray) -> dict[str, np.ndarray]:
        grads = {"W": D.T @ X}
        if self.b is not None:
            grads["b"] = D.sum(axis=0)
        return grads


@dataclass(frozen=True, eq=False)
class BatchHalfSquaredError:
    """L = s Σ_k ½‖a_k − y_k‖², s = 1 (summed over the batch) or 1/N (averaged).   ∂L/∂A = s (A − Y)."""

    Y: np.ndarray
    reduction: str  # "sum" or "mean"
    name = "half_sse"

    def scale(self, A: np.ndarray):
        one = A.flat[0] * 0 + 1
        if self.reduction == "sum":
            return one
        return one / len(A) if not isinstance(one, Fraction) else Fraction(1, len(A))

    def forward(self, A: np.ndarray):
        r = (A - self.Y).reshape(-1)
        return self.scale(A) * sum(r * r) / 2

    def vjp(self, A: np.ndarray, g) -> np.ndarray:
        return self.scale(A) * (A - self.Y) * g


@dataclass(frozen=True, eq=False)
class BatchSolution:
    Z: np.ndarray
    A: np.ndarray  # f(Z), or Z itself without an activation
    loss: object | None  # L when a loss is given
    dA: np.ndarray  # ∂L/∂A: the given upstream gradient, or the loss's
    dZ: np.ndarray  # Δ = ∂L/∂Z
    dW: np.ndarray
    db: np.ndarray | None
    dX: np.ndarray


def solve_batch(X: np.ndarray, linear: BatchLinear, activation: Elementwise | GivenElementwise | None,
                upstream: np.ndarray | None = None, loss: BatchHalfSquaredError | None = None) -> BatchSolution:
    """Forward through the linear gate (and the activation), then backward from the given ∂L/∂A
    (upstream) or from the loss: every gradient of the batch, each a rule of the gate table."""
    if (upstream is None) == (loss is None):
        raise ValueError("solve_batch: give either the upstream gradient or a loss")
    Z = linear.forward(X)
    A = Z if activation is None else activation.forward(Z)
    value = None
    if loss is not None:
        value = loss.forward(A)
        upstream = loss.vjp(A, A.flat[0] * 0 + 1)
    dZ = upstream if activation is None else activation.vjp(Z, upstream)
    grads = linear.param_grads(X, dZ)
    return BatchSolution(Z, A, value, upstream, dZ, grads["W"], grads.get("b"), linear.vjp(X, dZ))
