"""A network as a chain of gates, solved forward and backward with a full trace.

Layer l computes z^l = W^l a^{l-1} + b^l and a^l = f^l(z^l), with a^0 = x; the loss gate takes the
last a. The trace keeps, for every gate in order, its input, output, local Jacobian and the
upstream and downstream gradients: the answer keys print them step by step.

Training extras (each off when None): L2 weight decay λ adds λ/2 Σ_l ‖W^l‖² to the loss (biases are
not decayed), so ∂L'/∂W^l = ∂L/∂W^l + λW^l; momentum μ with a given velocity v per parameter steps
v ← μv + g, θ ← θ − ηv, g the gradient being stepped (of L' when there is weight decay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qgen.engine.gates import (
    Elementwise, GivenElementwise, GivenSoftmaxCrossEntropy, HalfSquaredError, Linear, SoftmaxCrossEntropy,
)
from qgen.numbers import Scalar


@dataclass(frozen=True, eq=False)
class Layer:
    linear: Linear
    activation: Elementwise | GivenElementwise


@dataclass(frozen=True, eq=False)
class LayerUpdate:
    W: np.ndarray
    b: np.ndarray | None


@dataclass(frozen=True, eq=False)
class Network:
    x: np.ndarray
    layers: tuple[Layer, ...]
    loss: HalfSquaredError | SoftmaxCrossEntropy | GivenSoftmaxCrossEntropy
    learning_rate: Scalar | None = None
    weight_decay: Scalar | None = None  # λ: L' = L + λ/2 Σ_l ‖W^l‖² (biases not decayed)
    momentum: Scalar | None = None  # μ: v ← μv + g, θ ← θ − ηv (needs `velocity` and a learning rate)
    velocity: tuple[LayerUpdate, ...] | None = None  # per layer: v of W^l and of b^l before the step

    @property
    def exact(self) -> bool:
        """Exact rational arithmetic is possible when every gate keeps rationals."""
        return self.loss.keeps_rationals and all(layer.activation.keeps_rationals for layer in self.layers)


@dataclass(frozen=True, eq=False)
class GateStep:
    """One gate of the chain as the key shows it. `upstream` is ∂L/∂output, `downstream` ∂L/∂input."""

    gate: str  # "linear", an activation name, "half_sse" or "softmax_ce"
    layer: int  # 1-based layer number; the loss gate has len(layers) + 1
    input: np.ndarray
    output: object  # an array, or the scalar L for the loss gate
    jacobian: np.ndarray
    upstream: object
    downstream: np.ndarray
    param_grads: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class LayerValues:
    z: np.ndarray
    a: np.ndarray


@dataclass(frozen=True, eq=False)
class LayerGradients:
    dW: np.ndarray
    db: np.ndarray | None
    dz: np.ndarray
    da: np.ndarray


@dataclass(frozen=True, eq=False)
class NetworkSolution:
    exact: bool
    forward: tuple[LayerValues, ...]
    yhat: np.ndarray
    loss: Scalar
    gradients: tuple[LayerGradients, ...]
    dx: np.ndarray
    update: tuple[LayerUpdate, ...] | None
    steps: tuple[GateStep, ...]  # forward order; backprop walks it in reverse
    decayed_loss: Scalar | None = None  # L' = L + λ/2 Σ‖W‖² (weight decay only)
    weight_squares: tuple[Scalar, ...] | None = None  # ‖W^l‖² (the sum of its squared entries) per layer
    decayed: tuple[np.ndarray, ...] | None = None  # ∂L'/∂W^l = ∂L/∂W^l + λW^l per layer (weight decay only)
    velocity: tuple[LayerUpdate, ...] | None = None  # v after the step, per layer (momentum only)


def solve_network(net: Network) -> NetworkSolution:
    # Forward: keep every gate's input and output.
    values = []
    a = net.x
    for layer in net.layers:
        z = layer.linear.forward(a)
        a_next = layer.activation.forward(z)
        values.append(LayerValues(z, a_next))
        a = a_next
    loss = net.loss.forward(a)
    yhat = a if isinstance(net.loss, HalfSquaredError) else net.loss.probabilities(a)

    # Backward: the loss gate, then each layer's activation and linear gate in reverse.
    n = len(net.layers)
    one = a[0] * 0 + 1  # ∂L/∂L, in the arithmetic of the problem
    da = net.loss.vjp(a, one)
    steps = [GateStep(net.loss.name, n + 1, a, loss, net.loss.jacobian(a), one, da, {})]
    grads = []
    for index in range(n - 1, -1, -1):
        layer = net.layers[index]
        a_in = net.x if index == 0 else values[index - 1].a
        z = values[index].z
        dz = layer.activation.vjp(z, da)
        steps.append(GateStep(layer.activation.name, index + 1, z, values[index].a,
                              layer.activation.jacobian(z), da, dz, {}))
        params = layer.linear.param_grads(a_in, dz)
        da_in = layer.linear.vjp(a_in, dz)
        steps.append(GateStep("linear", index + 1, a_in, z, layer.linear.jacobian(a_in), dz, da_in, params))
        grads.append(LayerGradients(params["W"], params.get("b"), dz, da))
        da = da_in
    grads.reverse()
    steps.reverse()

    decayed_loss, squares, decayed, stepped = _weight_decay(net, loss, grads)
    velocity = update = None
    if net.learning_rate is not None:
        eta = _arith(net, net.learning_rate)
        if net.momentum is not None:
            mu = _arith(net, net.momentum)
            velocity = tuple(LayerUpdate(mu * v.W + g, None if v.b is None else mu * v.b + gb)
                             for v, (g, gb) in zip(net.velocity, stepped))
            stepped = [(v.W, v.b) for v in velocity]
        update = tuple(
            LayerUpdate(layer.linear.W - eta * g, None if layer.linear.b is None else layer.linear.b - eta * gb)
            for layer, (g, gb) in zip(net.layers, stepped)
        )
    return NetworkSolution(net.exact, tuple(values), yhat, loss, tuple(grads), da, update, tuple(steps),
                           decayed_loss, squares, decayed, velocity)


def _arith(net: Network, value: Scalar) -> Scalar:
    """A hyperparameter in the problem's arithmetic: exact when the network is, float otherwise."""
    return value if net.exact else float(value)


def _weight_decay(net: Network, loss: Scalar, grads: list[LayerGradients]):
    """L', each ‖W‖², every ∂L'/∂W (None without decay) and the (W, b) gradients an update steps with."""
    if net.weight_decay is None:
        return None, None, None, [(g.dW, g.db) for g in grads]
    lam = _arith(net, net.weight_decay)
    squares = tuple(np.sum(layer.linear.W * layer.linear.W) for layer in net.layers)
    decayed = tuple(g.dW + lam * layer.linear.W for layer, g in zip(net.layers, grads))
    return loss + lam / 2 * sum(squares), squares, decayed, [(dW, g.db) for dW, g in zip(decayed, grads)]
