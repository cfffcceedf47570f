"""`gates`: one gate of the note's table with the upstream gradient given; asked, its local Jacobian
and the gradients it passes on.

    linear       z = Wx + b     ∂z/∂x = W;  ∂L/∂W = δxᵀ (shape of W), ∂L/∂b = δ, ∂L/∂x = Wᵀδ
    identity     z = x          ∂z/∂x = I;  ∂L/∂x = ∂L/∂z
    elementwise  z = f(x)       ∂z/∂x = Diag[f'(x)] (ReLU: the mask);  ∂L/∂x = Diag[f'(x)] ∂L/∂z
    softmax_ce   ŷ = softmax(z), L = CE(y, ŷ)     ∂L/∂z = ŷ − y

The engine's gate classes compute (forward, jacobian, vjp, param_grads); the oracle differences
L = upstreamᵀ·z (as a function of W, b and x) or the real loss, in plain float64.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from qgen.engine.gates import GivenSoftmaxCrossEntropy, Identity, Linear, SoftmaxCrossEntropy, diag, softmax_jacobian
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.kinds.base import (
    RULE_ZERO_BIAS, Draw, Option, Redraw, parse_bool, reject_diagonal, reject_zero_lines, reject_zero_vector, small_int,
)
from qgen.kinds.jacobian import (
    ACTIVATION_CHOICES, AUTO, LEAKY_ALPHA, activation_gate, check_activation, engine, fd_gradient, fd_jacobian, length,
    make_draw, number, number_matrix, number_vector, pick_activation, plain_activation, pre_activation_vector,
    printed_values, reject_flat, same_gradient, same_values, size,
)

NAME = "gates"
SUMMARY = "one gate of the note's table with the upstream gradient given: its Jacobian and the gradients it passes on"
GATES = ("linear", "identity", "elementwise", "softmax_ce")
# The rows `mixed` draws among: the identity gate (its answer is the printed δ) only at easy, the
# one-line softmax_ce row not at hard. With the bias and the sizes, difficulty means more work.
MIXED_ROWS = {"easy": GATES, "medium": ("linear", "elementwise", "softmax_ce"), "hard": ("linear", "elementwise")}
CLASSES = {"easy": 3, "medium": 3, "hard": 4}  # softmax_ce: the number of classes for n = auto
PRINTED_TOL = 0.01  # largest-remainder rounding keeps each printed probability within 0.01

OPTIONS = (
    Option("gate", "linear, identity, elementwise, softmax_ce, or mixed (drawn among the rows the difficulty "
                   "allows: all four at easy, no identity at medium, linear and elementwise at hard)",
           {"easy": "mixed", "medium": "mixed", "hard": "mixed"}, str, GATES + ("mixed",)),
    Option("activation", "f of the elementwise gate; auto: relu/leaky_relu (exact), sigmoid/tanh (given, calculator)",
           {"easy": "auto", "medium": "auto", "hard": "auto"}, str, ACTIVATION_CHOICES),
    Option("bias", "the linear gate has a bias b (and asks dL/db)", {"easy": False, "medium": True, "hard": True},
           parse_bool),
    Option("n", "length of z (for softmax_ce the number of classes); auto: drawn for the difficulty",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, length),
    Option("m", "length of x of the linear gate; auto: drawn for the difficulty",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, length),
)


def check_options(options: dict) -> None:
    if options["gate"] in ("elementwise", "mixed"):
        check_activation(NAME, options["activation"], options["mode"])
    if options["gate"] in ("identity", "elementwise", "softmax_ce") and options["m"] != AUTO:
        raise QgenError(f"{NAME} option m: only the linear gate has an input length of its own; set n only")


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """Every structural choice, drawn once (for a whole class in `qgen exam`): the row of the
    table, the activation, the lengths. With the returned options `draw` draws numbers only, so
    every student gets the same answers (names and shapes) and the same sheet. Options already
    resolved come back unchanged, with nothing drawn."""
    mode, difficulty = options["mode"], options["difficulty"]
    gate = options["gate"] if options["gate"] != "mixed" else str(rng.choice(MIXED_ROWS[difficulty]))
    shared = {**options, "gate": gate}
    if gate == "elementwise":
        shared["activation"] = pick_activation(rng, options["activation"], mode)
    if options["n"] == AUTO:
        shared["n"] = CLASSES[difficulty] if gate == "softmax_ce" else size(rng, difficulty)
    if gate == "linear" and options["m"] == AUTO:
        shared["m"] = size(rng, difficulty)
    return shared


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)  # a practice question draws its own structure
    mode, gate, n = options["mode"], options["gate"], options["n"]
    activation = None
    if gate == "linear":
        m = options["m"]
        W, b = number_matrix(rng, mode, n, m), number_vector(rng, mode, n) if options["bias"] else None
        x, delta = number_vector(rng, mode, m, nonzero=True), number_vector(rng, mode, n, nonzero=True)
        given, worked, answers = solve_linear_gate(W, b, x, delta, mode)
    elif gate == "identity":
        x, delta = number_vector(rng, mode, n), number_vector(rng, mode, n, nonzero=True)
        given, worked, answers = solve_identity_gate(x, delta, mode)
    elif gate == "elementwise":
        activation = options["activation"]
        x, delta = pre_activation_vector(rng, mode, activation, n), number_vector(rng, mode, n, nonzero=True)
        given, worked, answers = solve_elementwise_gate(x, delta, activation, mode)
    else:
        target = int(rng.integers(n))
        if mode == "exact":
            given, worked, answers = solve_softmax_ce(None, _simple_distribution(rng, n), target, mode)
        else:
            z = np.array([number(rng, mode, -2, 2) if mode == "calculator" else small_int(rng, -4, 4) / 2
                          for _ in range(n)], dtype=object)
            given, worked, answers = solve_softmax_ce(z, None, target, mode)
    given = {"gate": gate, "mode": mode, "alpha": LEAKY_ALPHA, "activation": activation, **given}
    return make_draw(given, worked, answers, mode)


# ---------------------------------------------------------------------------------------------
# One function per row, solved by the engine's gate and checked by the oracle. Inputs are the
# numbers as printed; each returns (givens for the sheet, worked values for the key, answers)
# or raises Redraw.


def solve_linear_gate(W, b, x, delta, mode: str):
    """z = Wx + b, or z = Wx when b is None (then ∂L/∂b is not asked and no b is printed)."""
    reject_zero_lines(W)  # a constant output, or an input that does nothing
    reject_diagonal(W)  # z = Wx would be an elementwise scaling
    reject_zero_vector(x)
    reject_zero_vector(b, RULE_ZERO_BIAS)  # a printed "+ b" that does nothing
    gate = Linear(engine(W, mode), None if b is None else engine(b, mode))
    xe, de = engine(x, mode), engine(delta, mode)
    jac, grads, dx = gate.jacobian(xe), gate.param_grads(xe, de), gate.vjp(xe, de)
    reject_flat(grads["W"])
    reject_flat(dx)

    # Oracle: L = δᵀ(Wx + b) in float64, differenced in W, b and x; z's Jacobian in x.
    Wf, xf, df = (np.array(a, float) for a in (W, x, delta))
    bf = np.zeros(len(Wf)) if b is None else np.array(b, float)
    same_gradient("dz/dx", jac, fd_jacobian(lambda v: Wf @ v + bf, xf))
    same_gradient("dL/dW", grads["W"], fd_gradient(lambda M: df @ (M @ xf + bf), Wf))
    if b is not None:
        same_gradient("dL/db", grads["b"], fd_gradient(lambda c: df @ (Wf @ xf + c), bf))
    same_gradient("dL/dx", dx, fd_gradient(lambda v: df @ (Wf @ v + bf), xf))

    given = {"W": W, "b": b, "x": x, "delta": delta, "n": W.shape[0], "m": W.shape[1]}
    answers = [("dz/dx", r"\partial z/\partial x", jac), ("dL/dW", r"\partial L/\partial W", grads["W"])]
    if b is not None:
        answers.append(("dL/db", r"\partial L/\partial b", grads["b"]))
    answers.append(("dL/dx", r"\partial L/\partial x", dx))
    return given, {"jac": jac, "dW": grads["W"], "db": grads.get("b"), "dx": dx}, answers


def solve_identity_gate(x, delta, mode: str):
    reject_zero_vector(x)
    reject_flat(delta)
    gate = Identity()
    jac, dx = gate.jacobian(engine(x, mode)), gate.vjp(engine(x, mode), engine(delta, mode))

    xf, df = np.array(x, float), np.array(delta, float)
    same_gradient("dz/dx", jac, fd_jacobian(lambda v: v.copy(), xf))
    same_gradient("dL/dx", dx, fd_gradient(lambda v: df @ v, xf))

    given = {"x": x, "delta": delta, "n": len(x)}
    answers = [("dz/dx", r"\partial z/\partial x", jac), ("dL/dx", r"\partial L/\partial x", dx)]
    return given, {"jac": jac, "dx": dx}, answers


def solve_elementwise_gate(x, delta, activation: str, mode: str):
    xe, de = engine(x, mode), engine(delta, mode)
    gate = activation_gate(activation, xe, mode)
    z, derivative, jac, dx = gate.forward(xe), gate.derivative(xe), gate.jacobian(xe), gate.vjp(xe, de)
    reject_flat(dx)

    # Oracle: f in float64 (tangent at the printed values in given mode), L = δᵀf(x) differenced.
    f = plain_activation(activation, x, printed_values(gate))
    xf, df = np.array(x, float), np.array(delta, float)
    fd_jac = fd_jacobian(f, xf)
    same_values("z", z, f(xf))
    same_gradient("dz/dx", jac, fd_jac)
    same_gradient("f'(x)", derivative, np.diag(fd_jac))
    same_gradient("dL/dx", dx, fd_gradient(lambda v: df @ f(v), xf))

    given = {"x": x, "delta": delta, "n": len(x), "printed": printed_values(gate)}
    answers = [("f'(x)", "f'(x)", derivative), ("dz/dx", r"\partial z/\partial x", jac),
               ("dL/dx", r"\partial L/\partial x", dx)]
    return given, {"z": z, "derivative": derivative, "jac": jac, "dx": dx}, answers


def solve_softmax_ce(z, yhat, target: int, mode: str):
    """exact: ŷ given directly as simple fractions (the question is the gradient rule), z None;
    given: logits z, ŷ printed to 2 decimals summing to 1; calculator: logits z only."""
    n = len(z) if z is not None else len(yhat)
    y = engine([Fraction(int(k == target)) for k in range(n)], mode)
    if mode == "exact":
        gate = GivenSoftmaxCrossEntropy(y, np.array(yhat, dtype=object))
    else:
        true = SoftmaxCrossEntropy(y).probabilities(engine(z, mode))
        gate = GivenSoftmaxCrossEntropy(y, _largest_remainder(true)) if mode == "given" else SoftmaxCrossEntropy(y)
    yhat = gate.probabilities(None if z is None else engine(z, mode))  # the given-ŷ gates ignore z
    if max(float(p) for p in yhat) > 0.9 or min(float(p) for p in yhat) <= 0:
        raise Redraw("no near-one-hot softmax")
    one = y[0] * 0 + 1  # ∂L/∂L = 1 in the problem's arithmetic
    dz = gate.vjp(None if z is None else engine(z, mode), one)

    # The key's derivation through the softmax Jacobian must give the engine's ŷ − y.
    dL_dyhat = -y / yhat
    if mode == "calculator":
        S = softmax_jacobian(engine(z, mode))
    else:
        S = np.array(diag(yhat) - np.outer(yhat, yhat), dtype=object)
    same_values("(dyhat/dz)^T dL/dyhat", S.T @ dL_dyhat, dz)

    # Oracle: the real loss −log softmax(z)_c (at z = log ŷ when only ŷ is given), or in given
    # mode its tangent model at the printed ŷ, differenced in z.
    yf = np.array(y, float)
    if mode == "given":
        p, z0 = np.array(yhat, float), np.array(z, float)
        if np.max(np.abs(p - _plain_softmax(z0))) > PRINTED_TOL:
            raise VerificationError(f"printed yhat {p.tolist()} is not softmax(z) {_plain_softmax(z0).tolist()} rounded")
        jac_p = np.diag(p) - np.outer(p, p)
        loss = lambda v: -float(yf @ np.log(p + jac_p @ (v - z0)))  # noqa: E731
    else:
        z0 = np.log(np.array(yhat, float)) if mode == "exact" else np.array(z, float)
        same_values("yhat", yhat, _plain_softmax(z0))
        loss = lambda v: -float(yf @ (v - v.max() - math.log(np.exp(v - v.max()).sum())))  # noqa: E731
    same_gradient("dL/dz", dz, fd_gradient(loss, z0))

    given = {"z": z, "y": y, "target": target + 1, "n": n, "yhat": yhat if mode != "calculator" else None}
    worked = {"yhat": yhat, "dL_dyhat": dL_dyhat, "S": S, "dz": dz}
    if mode == "calculator":  # the exponentials the student computes, shown in the key
        worked["exp"] = np.exp(np.array(z, float))
        worked["exp_sum"] = float(worked["exp"].sum())
        same_values("yhat = exp / sum", yhat, worked["exp"] / worked["exp_sum"])
    answers = [("dL/dz", r"\partial L/\partial z", dz)]
    if mode == "calculator":
        answers.insert(0, ("yhat", r"\hat y", yhat))
    return given, worked, answers


def _simple_distribution(rng, n: int) -> np.ndarray:
    """n positive fractions with a small common denominator that sum to 1, e.g. (1/4, 1/2, 1/4)."""
    D = int(rng.choice([d for d in (4, 5, 6, 8, 10) if d > n]))  # n − 1 distinct cuts in 1..D−1, not only 1/n
    cuts = np.sort(rng.choice(np.arange(1, D), size=n - 1, replace=False))
    parts = np.diff(np.concatenate(([0], cuts, [D])))
    return np.array([Fraction(int(k), D) for k in parts], dtype=object)


def _largest_remainder(p: np.ndarray) -> np.ndarray:
    """Probabilities rounded to hundredths that still sum to exactly 1 (largest-remainder method)."""
    scaled = [float(v) * 100 for v in p]
    hundredths = [math.floor(v) for v in scaled]
    for i in sorted(range(len(p)), key=lambda i: hundredths[i] - scaled[i])[:100 - sum(hundredths)]:
        hundredths[i] += 1
    return np.array([Fraction(h, 100) for h in hundredths], dtype=object)


def _plain_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()

