"""`batch`: a mini-batch X of N examples (rows are examples) through a linear layer, and at medium
and hard an elementwise activation; the upstream gradient ∂L/∂A of every example is given, or a
squared-error loss summed or averaged over the batch. Asked: the forward values the backward pass
needs, Δ = ∂L/∂Z, ∂L/∂W = ΔᵀX (the note's δᵀx with row vectors, summed over the examples),
∂L/∂b = Δ's rows summed, ∂L/∂X = ΔW.

The engine (qgen.engine.batch) solves it; the oracle recomputes the forward pass in plain float64,
every gradient by central differences of the loss (the given upstream G enters as L = Σ G ⊙ A),
and ∂L/∂W again as the sum over the examples of the outer products δ_k x_kᵀ.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.batch import BatchHalfSquaredError, BatchLinear, solve_batch
from qgen.engine.gates import GivenElementwise
from qgen.errors import QgenError
from qgen.kinds.base import (
    RULE_ZERO_BIAS, Draw, Option, Redraw, parse_bool, reject_diagonal, reject_zero_lines, reject_zero_share,
    reject_zero_vector, round_to, small_int,
)
from qgen.kinds.printed import reject_printed
from qgen.kinds.jacobian import (
    AUTO, EXACT_ACTIVATIONS, LEAKY_ALPHA, PRINTED_ACTIVATIONS, activation_gate, check_activation, engine,
    fd_gradient, length, make_draw, number, number_matrix, pick_activation, plain_activation, printed_values,
    reject_flat, same_gradient, same_values,
)

NAME = "batch"
SUMMARY = ("a mini-batch X (rows are examples) through a linear layer (and an activation): "
           "dL/dW = Delta^T X summed over the batch, dL/db, dL/dX")
NONE = "none"
ACTIVATIONS = (NONE, "auto") + EXACT_ACTIVATIONS + PRINTED_ACTIVATIONS
UPSTREAMS = ("given", "sum", "mean", "auto")
EXAMPLES = {"easy": (2, 2), "medium": (3, 3), "hard": (3, 4)}  # N drawn in this range for auto
SIZES = {"easy": (2, 2), "medium": (2, 3), "hard": (2, 3)}  # inputs m and outputs n for auto
MAX_EXAMPLES = 4
HALVES = tuple(Fraction(k, 2) for k in (-2, -1, 1, 2))  # the weights under a printed σ or tanh
RULE_MASK = "a ReLU layer passes some entries of the batch and stops others, at most half"
RULE_ZERO_Z = "at most a quarter of the pre-activations are 0"
MAX_DENOMINATOR = 60  # exact mode: fractions a person computes by hand
RULE_FINE = "fractions too fine to compute by hand"
RULE_ROW_AT_TARGET = "no example exactly at its target"


def examples(text):
    """The batch size N: auto (drawn for the difficulty) or 2 to MAX_EXAMPLES."""
    if str(text) == AUTO:
        return AUTO
    try:
        n = int(str(text))
    except ValueError:
        n = 0
    if not 2 <= n <= MAX_EXAMPLES:
        raise ValueError(f"expected auto or a whole number of examples from 2 to {MAX_EXAMPLES}, got {text!r}")
    return n


OPTIONS = (
    Option("examples", "N, the examples in the batch (rows of X); auto: drawn for the difficulty",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, examples),
    Option("inputs", "m, the length of each example x_k; auto: drawn for the difficulty",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, length),
    Option("outputs", "n, the length of each z_k; auto: drawn for the difficulty",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, length),
    Option("activation", "f after the linear layer: none, or auto (relu exact, sigmoid/tanh given "
                         "and calculator), relu, leaky_relu, identity, sigmoid, tanh",
           {"easy": NONE, "medium": "auto", "hard": "auto"}, str, ACTIVATIONS),
    Option("upstream", "given (dL/dA of every example printed), sum or mean (L = the squared error summed or "
                       "averaged over the batch, targets Y printed), auto (sum or mean)",
           {"easy": "given", "medium": "given", "hard": "auto"}, str, UPSTREAMS),
    Option("bias", "the layer has a bias b (and asks dL/db)", {"easy": True, "medium": True, "hard": True}, parse_bool),
)


def check_options(options: dict) -> None:
    if options["activation"] != NONE:
        check_activation(NAME, options["activation"], options["mode"])
    if options["mode"] == "exact" and options["activation"] == "leaky_relu" and options["upstream"] in ("mean", "auto"):
        raise QgenError(f"{NAME} option activation: leaky_relu under a loss averaged over the batch makes fractions "
                        f"too fine for exact mode (300ths); set upstream to sum or given, activation relu, or mode calculator")


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """Every structural choice, drawn once (for a whole class in `qgen exam`): N, m, n, the
    activation and the loss. With the returned options `draw` draws numbers only. Options
    already resolved come back unchanged, with nothing drawn."""
    difficulty = options["difficulty"]
    shared = dict(options)
    if options["activation"] == "auto" and options["mode"] == "exact":
        shared["activation"] = "relu"  # leaky ReLU's 1/10 over a batch mean makes 300ths (set it to have it)
    elif options["activation"] != NONE:
        shared["activation"] = pick_activation(rng, options["activation"], options["mode"])
    if options["upstream"] == "auto":
        shared["upstream"] = str(rng.choice(("sum", "mean")))
    for name, ranges in (("examples", EXAMPLES), ("inputs", SIZES), ("outputs", SIZES)):
        if options[name] == AUTO:
            shared[name] = int(rng.integers(ranges[difficulty][0], ranges[difficulty][1] + 1))
    return shared


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)  # a practice question draws its own structure
    mode, activation, upstream = options["mode"], options["activation"], options["upstream"]
    N, m, n = options["examples"], options["inputs"], options["outputs"]
    printed = activation in PRINTED_ACTIVATIONS
    loss = upstream != "given"
    if printed and mode == "given":  # the printed table: Z in halves, |Z| small enough not to saturate
        X = number_matrix(rng, mode, N, m, nonzero=True, top=1)
        W = np.array([[HALVES[int(k)] for k in row] for row in rng.integers(len(HALVES), size=(n, m))], dtype=object)
        b = np.array([small_int(rng, -1, 1) / 2 for _ in range(n)], dtype=object) if options["bias"] else None
    elif printed:  # calculator: no entry near 0, whose products would make answers below 0.01
        X, W = _away_from_zero(rng, (N, m), 0.5, 2), _away_from_zero(rng, (n, m), 0.25, 1)
        b = number_matrix(rng, mode, 1, n, top=1)[0] if options["bias"] else None
    else:
        top = 2 if loss and activation != NONE else 3  # answers of bounded size
        X = number_matrix(rng, mode, N, m, top=3)
        W = number_matrix(rng, mode, n, m, top=top)
        b = number_matrix(rng, mode, 1, n, top=top)[0] if options["bias"] else None
    if loss:
        Y = _targets(rng, mode, activation, np.array(X, float) @ np.array(W, float).T + (0 if b is None else np.array(b, float)))
        G = None
    else:
        Y = None
        G = number_matrix(rng, mode, N, n, nonzero=True, top=2 if activation != NONE else 3)
    given, worked, answers = solve(X, W, b, activation, G, Y, upstream, mode)
    return make_draw({"mode": mode, "alpha": LEAKY_ALPHA if activation in ("relu", "leaky_relu") else None, **given},
                     worked, answers, mode)


def _away_from_zero(rng, shape, low: float, high: float) -> np.ndarray:
    """2-decimal numbers with low ≤ |v| ≤ high, either sign."""
    signs = rng.choice((-1, 1), size=shape)
    return np.array([[round_to(sign * rng.uniform(low, high)) for sign in row] for row in signs], dtype=object)


def _targets(rng, mode: str, activation: str, Z: np.ndarray) -> np.ndarray:
    """Targets a network with this output could reach: 0/1 under a sigmoid, ±1 under tanh, each
    drawn against the output (y = 1 with probability (1 − a)²/((1 − a)² + a²), a = σ(z)), so that the gradients stay large
    enough to read at 4 decimals; small numbers otherwise."""
    if activation in PRINTED_ACTIVATIONS:
        a = 1 / (1 + np.exp(-Z)) if activation == "sigmoid" else (1 + np.tanh(Z)) / 2
        ones = rng.random(Z.shape) < (1 - a) ** 2 / ((1 - a) ** 2 + a ** 2)
        low = 0 if activation == "sigmoid" else -1
        return np.array([[Fraction(1 if one else low) for one in row] for row in ones], dtype=object)
    return np.array([[number(rng, mode, -2, 2) for _ in row] for row in Z], dtype=object)


# ---------------------------------------------------------------------------------------------
# Solved by the engine, checked by the oracle. Inputs are the numbers as printed (Fractions);
# returns (givens for the sheet, worked values for the key, answers) or raises Redraw.


def solve(X, W, b, activation: str, G, Y, upstream: str, mode: str):
    """activation: "none" or an activation name; G: the given ∂L/∂A (upstream "given"), else Y
    and the reduction "sum" or "mean" of L = Σ_k ½‖a_k − y_k‖²."""
    reject_zero_lines(W)
    reject_diagonal(W)
    reject_zero_lines(X)  # an example of zeros, or an input no example uses
    reject_zero_vector(b, RULE_ZERO_BIAS)
    if len({tuple(row) for row in X.tolist()}) < len(X):
        raise Redraw("no two equal examples in a batch")
    linear = BatchLinear(engine(W, mode), None if b is None else engine(b, mode))
    Xe = engine(X, mode)
    Z = linear.forward(Xe)
    gate = None if activation == NONE else _activation_gate(activation, Z, mode)
    if gate is not None:
        reject_zero_share(Z, RULE_ZERO_Z)
    if activation in ("relu", "leaky_relu"):
        positive = sum(float(v) > 0 for v in Z.flat)
        if not 0 < positive < Z.size or Z.size - positive > Z.size / 2:
            raise Redraw(RULE_MASK)
    loss = None if Y is None else BatchHalfSquaredError(engine(Y, mode), upstream)
    sol = solve_batch(Xe, linear, gate, None if G is None else engine(G, mode), loss)
    if Y is not None and any(all(float(a) == float(y) for a, y in zip(ra, ry)) for ra, ry in zip(sol.A, Y)):
        raise Redraw(RULE_ROW_AT_TARGET)
    for value in (sol.dZ, sol.dW, sol.dX):
        reject_flat(value)
    if mode == "exact" and any(Fraction(v).denominator > MAX_DENOMINATOR for a in (sol.loss or 0, sol.dA, sol.dZ, sol.dW,
                                                                               sol.dX) for v in np.ravel(a)):
        raise Redraw(RULE_FINE)
    reject_zero_share(sol.dW)
    reject_zero_share(sol.dX)

    _oracle(X, W, b, activation, G, Y, upstream, sol, printed_values(gate))
    if sol.loss is not None:  # L is the one scalar answer
        sheet = [v for a in (X, W, b, G, Y, printed_values(gate)) if a is not None for v in np.ravel(a)]
        reject_printed([sol.loss], sheet)

    given = {"examples": len(X), "inputs": X.shape[1], "outputs": W.shape[0], "X": X, "W": W, "b": b,
             "activation": None if activation == NONE else activation, "upstream": upstream,
             "G": G, "Y": Y, "printed": printed_values(gate)}
    contributions = [np.outer(d, x) for d, x in zip(sol.dZ, engine(X, mode))]  # δ_kᵀ x_k, example by example
    worked = {"Z": sol.Z, "A": sol.A, "L": sol.loss, "dA": sol.dA, "dZ": sol.dZ, "dW": sol.dW, "db": sol.db,
              "dX": sol.dX, "derivative": None if gate is None else gate.derivative(sol.Z),
              "contributions": contributions, "scale": None if loss is None else loss.scale(sol.A),
              "R": None if Y is None else sol.A - engine(Y, mode)}
    answers = []
    if gate is not None or loss is not None:
        answers.append(("Z", "Z", sol.Z))
    if loss is not None and gate is not None and given["printed"] is None:
        answers.append(("A", "A", sol.A))
    if loss is not None:
        answers += [("L", "L", sol.loss), ("dL/dA", r"\partial L/\partial A", sol.dA)]
    if gate is not None:  # without an activation Δ is the given G, or ∂L/∂A itself
        answers.append(("delta", r"\Delta = \partial L/\partial Z", sol.dZ))
    answers.append(("dL/dW", r"\partial L/\partial W", sol.dW))
    if b is not None:
        answers.append(("dL/db", r"\partial L/\partial b", sol.db))
    answers.append(("dL/dX", r"\partial L/\partial X", sol.dX))
    return given, worked, answers


def _activation_gate(activation: str, Z: np.ndarray, mode: str):
    """The engine's elementwise gate for the whole batch (printed values as an N×n table in given mode)."""
    gate = activation_gate(activation, Z.reshape(-1), mode)
    if isinstance(gate, GivenElementwise):
        return GivenElementwise(activation, gate.printed.reshape(Z.shape))
    return gate


def _oracle(X, W, b, activation: str, G, Y, upstream: str, sol, printed) -> None:
    """Plain float64: the forward pass, L (G enters as L = Σ G ⊙ A), every gradient by central
    differences, and ∂L/∂W as the sum of the examples' outer products δ_k x_kᵀ."""
    Xf, Wf = np.array(X, float), np.array(W, float)
    bf = np.zeros(len(Wf)) if b is None else np.array(b, float)
    Z0 = Xf @ Wf.T + bf
    f = (lambda z: z) if activation == NONE else plain_activation(activation, Z0, printed)  # noqa: E731
    if G is not None:
        Gf = np.array(G, float)
        head = lambda A: float(np.sum(Gf * A))  # noqa: E731
    else:
        Yf, s = np.array(Y, float), 1.0 if upstream == "sum" else 1.0 / len(Xf)
        head = lambda A: s * 0.5 * float(np.sum((A - Yf) ** 2))  # noqa: E731
        same_values("L", sol.loss, head(f(Z0)))
    same_values("Z", sol.Z, Z0)
    same_values("A", sol.A, f(Z0))
    same_gradient("dL/dA", sol.dA, fd_gradient(head, f(Z0)))
    same_gradient("dL/dZ", sol.dZ, fd_gradient(lambda Z: head(f(Z)), Z0))
    same_gradient("dL/dW", sol.dW, fd_gradient(lambda M: head(f(Xf @ M.T + bf)), Wf))
    if b is not None:
        same_gradient("dL/db", sol.db, fd_gradient(lambda c: head(f(Xf @ Wf.T + c)), bf))
    same_gradient("dL/dX", sol.dX, fd_gradient(lambda V: head(f(V @ Wf.T + bf)), Xf))
    Df = np.array(sol.dZ, float)
    same_gradient("dL/dW = sum_k delta_k x_k^T", sol.dW, sum(np.outer(d, x) for d, x in zip(Df, Xf)))
