"""A network as a chain of gates, solved forward and backward with a full trace.

Layer l computes z^l = W^l a^{l-1} + b^l and a^l = f^l(z^l), with a^0 = x; the loss gate takes the
last a. The trace keeps, for every gate in order, its input, output, local Jacobian and the
upstream and downstream gradients: the answer keys print them step by step.
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
class Network:
    x: np.ndarray
    layers: tuple[Layer, ...]
    loss: HalfSquaredError | SoftmaxCrossEntropy | GivenSoftmaxCrossEntropy
    learning_rate: Scalar | None = None

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
class LayerUpdate:
    W: np.ndarray
    b: np.ndarray | None


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

    update = None
    if net.learning_rate is not None:
        eta = net.learning_rate if net.exact else float(net.learning_rate)
        update = tuple(
            LayerUpdate(layer.linear.W - eta * g.dW, None if layer.linear.b is None else layer.linear.b - eta * g.db)
            for layer, g in zip(net.layers, grads)
        )
    return NetworkSolution(net.exact, tuple(values), yhat, loss, tuple(grads), da, update, tuple(steps))
