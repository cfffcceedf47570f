"""The oracle for networks: an independent float64 recomputation that every answer must pass.

It shares no code with the gates: its own forward pass in plain numpy, and every gradient the
engine reports (∂L/∂W, ∂L/∂b, ∂L/∂x, ∂L/∂z, ∂L/∂a for every layer) recomputed by central finite
differences.

Bound. A central difference with step h errs by at most h²·|f'''|/6 (truncation) plus about
eps·|L|/h (rounding). With h = 1e-5·max(1, |θ|) that is ≈1.7e-11·|f'''| + 2.2e-11·|L|, so the bound
|fd − g| ≤ 1e-6·(1 + |g|) + 1e-9·|L| leaves a margin of four orders of magnitude for the moderate
curvatures these problems have, while a wrong gradient (a missing factor, a transposed matrix, a
wrong sign) misses it by far. Forward values must agree to 1e-9 relative.

At a kink (a ReLU or leaky ReLU pre-activation exactly 0) the derivative is set by convention
(ReLU'(0) = 0, leaky: α); there the oracle freezes the branch the convention picks at the base
point, so it differentiates the same one-sided function the convention describes.

Training extras, recomputed here without the engine's formulas: with weight decay λ the oracle
adds its own λ/2 Σ‖W‖² to its own loss and takes central differences of that decayed loss for every
∂L'/∂W (biases are not decayed: their step uses ∂L/∂b, checked above); with momentum μ it redoes
v ← μv + g and θ ← θ − ηv in float64 from the given velocities and the gradients it has checked.

Given-values mode (the sheet prints σ(z), tanh(z) or ŷ rounded, and the key works from them): the
oracle first checks that each printed value is the true value rounded (within PRINTED_TOL), then
differentiates the function the student is asked to differentiate: the activation replaced by its
tangent at the printed value, slope computed here from the printed value.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.network import Network, NetworkSolution
from qgen.errors import VerificationError

VALUE_RTOL = 1e-9
GRAD_RTOL = 1e-6
LOSS_SCALE_TOL = 1e-9
STEP = 1e-5
PRINTED_TOL = 0.01  # printed values have at least two decimals


def _activation(name: str, alpha: float, z: np.ndarray, positive: np.ndarray) -> np.ndarray:
    # `positive` is the branch mask fixed at the base point (z > 0 there).
    if name == "identity":
        return z
    if name == "relu":
        return np.where(positive, z, 0.0)
    if name == "leaky_relu":
        return np.where(positive, z, alpha * z)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # same function, another formula
    if name == "tanh":
        return np.tanh(z)
    raise ValueError(f"oracle: unknown activation {name}")


def _printed(gate) -> np.ndarray | None:
    printed = getattr(gate, "printed", None)
    return None if printed is None else np.array(printed, dtype=float)


def _tangent_slope(name: str, p: np.ndarray) -> np.ndarray:
    return p * (1 - p) if name == "sigmoid" else 1 - p * p


def _exact_masks(net: Network) -> list[np.ndarray]:
    """Which side of the kink each pre-activation is on, in exact arithmetic: in floats,
    -5/6 + 1/2 + 1/3 is 5.6e-17, not the 0 at which the convention applies."""
    a = [Fraction(v) for v in net.x]
    masks = []
    for layer in net.layers:
        W, b = layer.linear.W, layer.linear.b
        z = [sum((Fraction(W[i, j]) * a[j] for j in range(len(a))), Fraction(0)) + (0 if b is None else Fraction(b[i]))
             for i in range(W.shape[0])]
        masks.append(np.array([v > 0 for v in z]))
        printed = getattr(layer.activation, "printed", None)
        if printed is not None:  # given-values mode: the student works from the printed values
            a = [Fraction(v) for v in printed]
            continue
        alpha = Fraction(getattr(layer.activation, "alpha", 0))
        a = [v if v > 0 or layer.activation.name == "identity" else
             (alpha * v if layer.activation.name == "leaky_relu" else Fraction(0)) for v in z]
    return masks


class _Plain:
    """The network's numbers as float64, and a forward pass with optional offsets."""

    def __init__(self, net: Network):
        self.W = [np.array(l.linear.W, dtype=float) for l in net.layers]
        self.b = [None if l.linear.b is None else np.array(l.linear.b, dtype=float) for l in net.layers]
        self.acts = [(l.activation.name, float(getattr(l.activation, "alpha", 0))) for l in net.layers]
        self.printed = [_printed(l.activation) for l in net.layers]
        self.printed_yhat = _printed(net.loss)
        self.x = np.array(net.x, dtype=float)
        self.y = np.array(net.loss.y, dtype=float)
        self.softmax = net.loss.name == "softmax_ce"
        self.masks = self.base_z = None
        true_layers, true_yhat = self._true_values()
        self.masks = _exact_masks(net) if net.exact else [z > 0 for z, _ in true_layers]
        base_layers = self.run()[0]
        self.base_z = [z for z, _ in base_layers]
        self._base_logits = base_layers[-1][1]
        self._check_printed(true_layers, true_yhat)

    def _true_values(self):
        printed, printed_yhat = self.printed, self.printed_yhat
        self.printed, self.printed_yhat = [None] * len(printed), None
        layers, yhat, _ = self.run()
        self.printed, self.printed_yhat = printed, printed_yhat
        return layers, yhat

    def _check_printed(self, true_layers, true_yhat) -> None:
        for i, (p, (_, a)) in enumerate(zip(self.printed, true_layers), start=1):
            if p is not None and np.max(np.abs(p - a)) > PRINTED_TOL:
                raise VerificationError(f"printed a^{i} {p.tolist()} is not f(z^{i}) = {a.tolist()} rounded")
        if self.printed_yhat is not None and np.max(np.abs(self.printed_yhat - true_yhat)) > PRINTED_TOL:
            raise VerificationError(f"printed yhat {self.printed_yhat.tolist()} is not softmax = {true_yhat.tolist()} rounded")

    def run(self, W=None, b=None, x=None, dz=None, da=None):
        """Forward pass. dz/da: {layer index: offset vector} added to z^l or a^l."""
        W, b = W or self.W, b or self.b
        a = self.x if x is None else x
        layers = []
        for i, (name, alpha) in enumerate(self.acts):
            z = W[i] @ a + (0 if b[i] is None else b[i])
            if dz and i in dz:
                z = z + dz[i]
            mask = self.masks[i] if self.masks is not None else z > 0
            p = self.printed[i]
            if p is not None and self.base_z is not None:
                a = p + _tangent_slope(name, p) * (z - self.base_z[i])
            elif p is not None:
                a = p  # the base point itself
            else:
                a = _activation(name, alpha, z, mask)
            if da and i in da:
                a = a + da[i]
            layers.append((z, a))
        p = self.printed_yhat
        if p is not None:
            a_base = layers[-1][1] if self.base_z is None else self._base_logits
            yhat = p + (np.diag(p) - np.outer(p, p)) @ (a - a_base)
            loss = -float(np.sum(self.y * np.log(yhat)))
        elif self.softmax:
            # log ŷ = a − logsumexp(a), via numpy's logaddexp (the engine shifts by the max
            # instead): finite for logits of any size, where log(exp(a)/Σexp) would be log 0.
            log_yhat = a - np.logaddexp.reduce(a)
            yhat = np.exp(log_yhat)
            loss = -float(np.sum(self.y * log_yhat))
        else:
            yhat = a
            loss = 0.5 * float(np.sum((a - self.y) ** 2))
        return layers, yhat, loss


def _fd(f, point: np.ndarray) -> np.ndarray:
    """Central differences of the scalar function f at `point` (any shape)."""
    grad = np.zeros_like(point, dtype=float)
    for index in np.ndindex(point.shape):
        h = STEP * max(1.0, abs(point[index]))
        plus, minus = point.copy(), point.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (f(plus) - f(minus)) / (2 * h)
    return grad


def _same_values(what: str, got, expected) -> None:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=VALUE_RTOL, atol=VALUE_RTOL):
        raise VerificationError(f"{what}: engine {got.tolist()} != oracle {expected.tolist()}")


def _same_gradient(what: str, got, expected, loss: float) -> None:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        raise VerificationError(f"{what}: shape {got.shape} != {expected.shape}")
    bound = GRAD_RTOL * (1 + np.abs(got)) + LOSS_SCALE_TOL * abs(loss)
    if np.any(np.abs(got - expected) > bound):
        raise VerificationError(f"{what}: engine {got.tolist()} != finite differences {expected.tolist()}")


def check_network(net: Network, sol: NetworkSolution) -> None:
    """Raise VerificationError unless every value and gradient in `sol` is right."""
    plain = _Plain(net)
    layers, yhat, loss = plain.run()
    for i, ((z, a), got) in enumerate(zip(layers, sol.forward), start=1):
        _same_values(f"z^{i}", got.z, z)
        _same_values(f"a^{i}", got.a, a)
    _same_values("yhat", sol.yhat, yhat)
    _same_values("loss", sol.loss, loss)

    n = len(layers)
    for i in range(n):
        g = sol.gradients[i]

        def with_W(Wi, i=i):
            return plain.run(W=plain.W[:i] + [Wi] + plain.W[i + 1:])[2]

        _same_gradient(f"dL/dW^{i + 1}", g.dW, _fd(with_W, plain.W[i]), loss)
        if plain.b[i] is not None:
            def with_b(bi, i=i):
                return plain.run(b=plain.b[:i] + [bi] + plain.b[i + 1:])[2]

            _same_gradient(f"dL/db^{i + 1}", g.db, _fd(with_b, plain.b[i]), loss)
        zeros = np.zeros(len(layers[i][0]))
        _same_gradient(f"dL/dz^{i + 1}", g.dz, _fd(lambda d, i=i: plain.run(dz={i: d})[2], zeros), loss)
        _same_gradient(f"dL/da^{i + 1}", g.da, _fd(lambda d, i=i: plain.run(da={i: d})[2], zeros), loss)
    _same_gradient("dL/dx", sol.dx, _fd(lambda x: plain.run(x=x)[2], plain.x), loss)

    _check_extras(net, sol, plain, loss)


def _check_extras(net: Network, sol: NetworkSolution, plain: _Plain, loss: float) -> None:
    """Weight decay, momentum and the SGD step (see the module docstring)."""
    lam = None if net.weight_decay is None else float(net.weight_decay)
    steps = [(np.asarray(g.dW, dtype=float), None if g.db is None else np.asarray(g.db, dtype=float))
             for g in sol.gradients]
    if lam is not None:
        if sol.decayed is None or sol.decayed_loss is None:
            raise VerificationError("weight decay: the engine reports no decayed loss or gradient")

        def decayed_loss(Ws):
            return plain.run(W=Ws)[2] + 0.5 * lam * sum(float(np.sum(w ** 2)) for w in Ws)

        _same_values("decayed loss L'", sol.decayed_loss, decayed_loss(plain.W))
        _same_values("||W||^2", sol.weight_squares, [float((w * w).sum()) for w in plain.W])
        for i, got in enumerate(sol.decayed):
            def with_W(Wi, i=i):
                return decayed_loss(plain.W[:i] + [Wi] + plain.W[i + 1:])

            _same_gradient(f"dL'/dW^{i + 1}", got, _fd(with_W, plain.W[i]), loss)
        steps = [(np.asarray(d, dtype=float), db) for d, (_, db) in zip(sol.decayed, steps)]
    if sol.update is None:
        return
    eta = float(net.learning_rate)
    if net.momentum is not None:
        mu = float(net.momentum)
        if sol.velocity is None:
            raise VerificationError("momentum: the engine reports no velocity")
        moved = []
        for i, (got, v, (g, gb)) in enumerate(zip(sol.velocity, net.velocity, steps), start=1):
            new_v = mu * np.asarray(v.W, dtype=float) + g
            _same_values(f"velocity of W^{i}", got.W, new_v)
            new_vb = None
            if gb is not None:
                new_vb = mu * np.asarray(v.b, dtype=float) + gb
                _same_values(f"velocity of b^{i}", got.b, new_vb)
            moved.append((new_v, new_vb))
        steps = moved
    for i, (u, (g, gb)) in enumerate(zip(sol.update, steps), start=1):
        _same_values(f"updated W^{i}", u.W, plain.W[i - 1] - eta * g)
        if u.b is not None:
            _same_values(f"updated b^{i}", u.b, plain.b[i - 1] - eta * gb)
