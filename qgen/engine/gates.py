"""The gates of the lecture note's table, each with its forward rule, its local Jacobian as an
explicit matrix, and its vector-Jacobian product side by side.

Conventions (design.md): column vectors; a Jacobian ∂z/∂x is n×m with entries ∂z_i/∂x_j; for a
scalar L, ∂L/∂W has the shape of W. Arrays hold Fractions (object dtype) when the computation is
exact and float64 otherwise; every rule below is written once and serves both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from qgen.numbers import Scalar

# ---------------------------------------------------------------------------------------------
# Elementwise activations: f and f' side by side. ReLU'(0) = 0 is the stated rule.


def _sigmoid(x: Scalar) -> float:
    x = float(x)
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # the other branch avoids overflow for very negative x
    return e / (1.0 + e)


def _identity(x, alpha):
    return x


def _identity_prime(x, alpha):
    return _one(x)


def _relu(x, alpha):
    return x if x > 0 else _zero(x)


def _relu_prime(x, alpha):
    return _one(x) if x > 0 else _zero(x)


def _leaky_relu(x, alpha):
    return x if x > 0 else alpha * x


def _leaky_relu_prime(x, alpha):
    return _one(x) if x > 0 else alpha * _one(x)


def _sigmoid_f(x, alpha):
    return _sigmoid(x)


def _sigmoid_prime(x, alpha):
    s = _sigmoid(x)
    return s * (1.0 - s)


def _tanh(x, alpha):
    return math.tanh(float(x))


def _tanh_prime(x, alpha):
    t = math.tanh(float(x))
    return 1.0 - t * t


def _one(x):
    return Fraction(1) if isinstance(x, Fraction) else 1.0


def _zero(x):
    return Fraction(0) if isinstance(x, Fraction) else 0.0


# name: (f, f', keeps rationals)
ACTIVATIONS = {
    "identity": (_identity, _identity_prime, True),
    "relu": (_relu, _relu_prime, True),
    "leaky_relu": (_leaky_relu, _leaky_relu_prime, True),
    "sigmoid": (_sigmoid_f, _sigmoid_prime, False),
    "tanh": (_tanh, _tanh_prime, False),
}
DEFAULT_LEAKY_ALPHA = Fraction(1, 100)


def _map(fn, x: np.ndarray, *args) -> np.ndarray:
    """fn on every entry of x, any shape (a vector, or a mini-batch with examples as rows)."""
    return np.array([fn(v, *args) for v in x.flat], dtype=x.dtype).reshape(x.shape)


def diag(v: np.ndarray) -> np.ndarray:
    """Diag[v] with zeros of the same number type as v."""
    n = len(v)
    out = np.array([[v[i] if i == j else v[i] * 0 for j in range(n)] for i in range(n)], dtype=v.dtype)
    return out.reshape(n, n)


def identity_matrix(n: int, like: np.ndarray) -> np.ndarray:
    one = _one(like[0]) if len(like) else 1.0
    return diag(np.array([one] * n, dtype=like.dtype))


# ---------------------------------------------------------------------------------------------
# Gates of the chain


@dataclass(frozen=True, eq=False)
class Linear:
    """z = Wx + b.   ∂z/∂x = W;   with δ = ∂L/∂z:  ∂L/∂W = δxᵀ,  ∂L/∂b = δ,  ∂L/∂x = Wᵀδ."""

    W: np.ndarray
    b: np.ndarray | None = None
    name = "linear"

    def forward(self, x: np.ndarray) -> np.ndarray:
        z = self.W @ x
        return z if self.b is None else z + self.b

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return self.W

    def vjp(self, x: np.ndarray, delta: np.ndarray) -> np.ndarray:
        return self.W.T @ delta

    def param_grads(self, x: np.ndarray, delta: np.ndarray) -> dict[str, np.ndarray]:
        grads = {"W": np.outer(delta, x)}
        if self.b is not None:
            grads["b"] = delta.copy()
        return grads


@dataclass(frozen=True, eq=False)
class Identity:
    """z = x.   ∂z/∂x = I;   ∂L/∂x = ∂L/∂z."""

    name = "identity_gate"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return identity_matrix(len(x), x)

    def vjp(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g.copy()


class _ElementwiseRule:
    """The table row of every elementwise gate, given its `derivative`:
    ∂a/∂z = Diag[f'(z)];   ∂L/∂z = f'(z) ⊙ ∂L/∂a."""

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        return diag(self.derivative(z))

    def vjp(self, z: np.ndarray, g: np.ndarray) -> np.ndarray:
        return self.derivative(z) * g


@dataclass(frozen=True, eq=False)
class Elementwise(_ElementwiseRule):
    """a = f(z) elementwise, f one of ACTIVATIONS."""

    name: str
    alpha: Scalar = DEFAULT_LEAKY_ALPHA  # leaky_relu's slope for z ≤ 0; unused by the others

    @property
    def keeps_rationals(self) -> bool:
        return ACTIVATIONS[self.name][2]

    def forward(self, z: np.ndarray) -> np.ndarray:
        return _map(ACTIVATIONS[self.name][0], z, self.alpha)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return _map(ACTIVATIONS[self.name][1], z, self.alpha)


@dataclass(frozen=True, eq=False)
class GivenElementwise(_ElementwiseRule):
    """a = f(z) in given-values mode: the sheet prints f(z) rounded, the student takes those
    printed values, and f'(z) is computed from them (σ' = a(1 − a), tanh' = 1 − a²), so the key
    uses exactly what the student sees and stays rational."""

    name: str  # "sigmoid" or "tanh"
    printed: np.ndarray
    keeps_rationals = True

    def forward(self, z: np.ndarray) -> np.ndarray:
        return self.printed.copy()

    def derivative(self, z: np.ndarray) -> np.ndarray:
        a = self.printed
        return a * (1 - a) if self.name == "sigmoid" else 1 - a * a


# ---------------------------------------------------------------------------------------------
# Loss gates: their output is the scalar L, so their Jacobian is a 1×n row and their VJP with
# the upstream ∂L/∂L = 1 is ∂L/∂input as a column.


@dataclass(frozen=True, eq=False)
class HalfSquaredError:
    """L = ½ Σ (a − y)².   ∂L/∂a = a − y."""

    y: np.ndarray
    name = "half_sse"
    keeps_rationals = True

    def forward(self, a: np.ndarray) -> Scalar:
        r = a - self.y
        return sum(r * r) / 2

    def jacobian(self, a: np.ndarray) -> np.ndarray:
        return (a - self.y).reshape(1, -1)

    def vjp(self, a: np.ndarray, g: Scalar) -> np.ndarray:
        return (a - self.y) * g


@dataclass(frozen=True, eq=False)
class SoftmaxCrossEntropy:
    """ŷ = softmax(z), L = −Σ y_k log ŷ_k with one-hot y.   ∂L/∂z = ŷ − y."""

    y: np.ndarray
    name = "softmax_ce"
    keeps_rationals = False

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        shifted = np.asarray(z, dtype=float) - float(np.max(np.asarray(z, dtype=float)))
        e = np.exp(shifted)
        return e / e.sum()

    def forward(self, z: np.ndarray) -> float:
        z = np.asarray(z, dtype=float)
        shifted = z - z.max()
        log_probs = shifted - math.log(np.exp(shifted).sum())  # log-softmax, never log(0)
        return float(-(np.asarray(self.y, dtype=float) * log_probs).sum())

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        return (self.probabilities(z) - np.asarray(self.y, dtype=float)).reshape(1, -1)

    def vjp(self, z: np.ndarray, g: Scalar) -> np.ndarray:
        return (self.probabilities(z) - np.asarray(self.y, dtype=float)) * float(g)


@dataclass(frozen=True, eq=False)
class GivenSoftmaxCrossEntropy:
    """Softmax + cross-entropy in given-values mode: ŷ is printed on the sheet (rounded, summing
    to 1), ∂L/∂z = ŷ − y is computed from those printed values and stays rational; only
    L = −log ŷ_c itself is a float."""

    y: np.ndarray
    printed: np.ndarray
    name = "softmax_ce"
    keeps_rationals = True

    def probabilities(self, z: np.ndarray) -> np.ndarray:
        return self.printed.copy()

    def forward(self, z: np.ndarray) -> float:
        p = np.asarray(self.printed, dtype=float)
        return float(-sum(float(t) * math.log(q) for t, q in zip(self.y, p) if t))

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        return (self.printed - self.y).reshape(1, -1)

    def vjp(self, z: np.ndarray, g) -> np.ndarray:
        return (self.printed - self.y) * g


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """∂ŷ/∂z = Diag[ŷ] − ŷŷᵀ for ŷ = softmax(z) (used to show the softmax row on its own)."""
    p = SoftmaxCrossEntropy(np.zeros(len(z))).probabilities(z)
    return np.diag(p) - np.outer(p, p)


def chain_jacobians(gates, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Push x through a chain of vector gates: the values after each gate, each local Jacobian,
    and ∂out/∂x as their product (the chain rule as a product of Jacobians, last gate leftmost)."""
    values, jacobians = [x], []
    for gate in gates:
        jacobians.append(gate.jacobian(values[-1]))
        values.append(gate.forward(values[-1]))
    product = jacobians[0]
    for jac in jacobians[1:]:
        product = jac @ product
    return values, jacobians, product
