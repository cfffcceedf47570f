"""Common mistakes as mistaken rules: each recomputes one step the wrong way, with the engine's
gates where the mistake is a gate used wrongly. A wrong entry that matches a mistaken rule's value
is named in the feedback (README: the table of mistakes and how each is recognised).

Every function returns a rule with the same inputs as the step it replaces.
"""

from __future__ import annotations

import numpy as np

from qgen.engine.gates import Identity

TRANSPOSED = "transposed gradient (x δᵀ)"
SGD_SIGN = "SGD step with the wrong sign"
NO_DERIVATIVE = "activation derivative left out"
F_FOR_F_PRIME = "f used instead of f′"
RELU_KINK = "ReLU′(0) taken as 1"
SOFTMAX_SIGN = "softmax gradient y − ŷ"
NO_HALF = "squared error without the ½"
BIAS_AXIS = "bias gradient summed over the wrong axis"
SQUARED_SIGN = "squared-error gradient y − ŷ"
NO_BIAS = "bias left out (z = Wx)"
PRE_ACTIVATION = "pre-activation z used for the activation a"

ALL = (TRANSPOSED, SGD_SIGN, NO_DERIVATIVE, F_FOR_F_PRIME, RELU_KINK, SOFTMAX_SIGN, NO_HALF, BIAS_AXIS,
       SQUARED_SIGN, NO_BIAS, PRE_ACTIVATION)
LATEX = {  # the names as the feedback and the report typeset them
    TRANSPOSED: r"transposed gradient ($x\delta^{\mathsf T}$)",
    SGD_SIGN: "SGD step with the wrong sign",
    NO_DERIVATIVE: "activation derivative left out",
    F_FOR_F_PRIME: r"$f$ used instead of $f'$",
    RELU_KINK: r"$\mathrm{ReLU}'(0)$ taken as 1",
    SOFTMAX_SIGN: r"softmax gradient $y - \hat y$",
    NO_HALF: r"squared error without the $\frac12$",
    BIAS_AXIS: "bias gradient summed over the wrong axis",
    SQUARED_SIGN: r"squared-error gradient $y - \hat y$",
    NO_BIAS: r"bias left out ($z = Wx$)",
    PRE_ACTIVATION: r"pre-activation $z$ used for the activation $a$",
}


def transposed(linear):
    """∂L/∂W as x δᵀ: the engine's δxᵀ with its two factors swapped, read row by row into W's boxes."""
    return lambda delta, x: linear.param_grads(delta, x)["W"].reshape(len(delta), len(x))


def sgd_sign(param, eta):
    """W + η ∂L/∂W instead of W − η ∂L/∂W."""
    return lambda grad: param + eta * grad


def activation_mistakes(gate) -> tuple:
    """δ = f′(z) ⊙ g computed wrongly: without f′ (the identity gate's VJP), with f(z) for f′(z),
    or (ReLU and leaky ReLU) with the derivative 1 at z = 0."""
    mistakes = []  # the most specific first: at z = 0, "ReLU′(0) = 1" and "no derivative" agree
    if gate.name in ("relu", "leaky_relu"):
        mistakes.append((RELU_KINK, lambda z, g: kink_derivative(gate, z) * g))
    mistakes += [(NO_DERIVATIVE, lambda z, g: Identity().vjp(z, g)),
                 (F_FOR_F_PRIME, lambda z, g: gate.forward(z) * g)]
    return tuple(mistakes)


def derivative_mistakes(gate) -> tuple:
    """f′(x) itself (a gate's Diag or mask) computed wrongly: f for f′, ReLU′(0) = 1."""
    mistakes = [(F_FOR_F_PRIME, lambda x: gate.forward(x))]
    if gate.name in ("relu", "leaky_relu"):
        mistakes.append((RELU_KINK, lambda x: kink_derivative(gate, x)))
    return tuple(mistakes)


def kink_derivative(gate, z):
    derivative = gate.derivative(z)
    return np.array([d if v != 0 else d * 0 + 1 for d, v in zip(derivative, z)], dtype=derivative.dtype)


def softmax_sign(y):
    """∂L/∂z = y − ŷ instead of ŷ − y."""
    return lambda yhat: y - yhat


def no_half(rule):
    """½Σ(a − y)² (or its gradient a − y) without the ½: twice the value."""
    return lambda *args: 2 * rule(*args)


def bias_axis():
    """∂L/∂b summed over the units instead of over the batch of one: every entry Σ_k δ_k."""
    return lambda delta: np.array([sum(delta)] * len(delta), dtype=np.asarray(delta).dtype)


def negated(rule):
    """The right rule's value with the sign flipped: ∂L/∂ŷ = y − ŷ for ½Σ(ŷ − y)²."""
    return lambda *args: -rule(*args)


def no_bias(linear):
    """z = Wx: the layer's forward pass without its bias."""
    return lambda x: type(linear)(linear.W, None).forward(x)


def pre_activation():
    """a = z: the activation left out of the forward pass."""
    return lambda z: z
