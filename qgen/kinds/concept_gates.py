"""`concepts` templates about single gates: how max, multiply, a linear gate, an activation and
softmax with cross-entropy pass the gradient back. Each draws numbers, asks the engine
(qgen.engine.expression, qgen.engine.gates) for the true value, recomputes it in float64 by
central differences, and lists the right option with the named mistakes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.expression import parse_expression, solve_expression
from qgen.engine.gates import Elementwise, GivenSoftmaxCrossEntropy, Linear
from qgen.kinds.base import Redraw
from qgen.kinds.concept_common import Choice, Concept, ints, matrix, vector
from qgen.kinds.jacobian import fd_gradient

LEAKY_ALPHA = Fraction(1, 10)  # printed on the sheet
GATE_FORMULAS = {"add": "x + y", "multiply": "x * y", "max": "max(x, y)", "min": "min(x, y)"}
RULE_TIE = "no tie at a max, min or ReLU kink"


def _size(difficulty: str) -> int:
    return 2 if difficulty == "easy" else 3


def _fd(f, point) -> np.ndarray:
    return fd_gradient(f, np.array(point, dtype=float))


def max_route(rng, difficulty: str) -> Concept:
    """f = z·max(x, y): which input gets ∂f/∂· = 0? The smaller of x and y."""
    x, y, z = ints(rng, 3, -6, 6)
    if x == y:
        raise Redraw(RULE_TIE)
    sol = solve_expression(parse_expression("z * max(x, y)"), {"x": x, "y": y, "z": z})
    zeros = [name for name, g in sol.gradients.items() if g == 0]
    truth = zeros[0] if len(zeros) == 1 else "none"
    fd = _fd(lambda v: v[2] * max(v[0], v[1]), [x, y, z])
    oracle = [name for name, g in zip("xyz", fd) if abs(g) < 1e-6]
    loser, winner = ("y", "x") if x > y else ("x", "y")
    choices = (Choice(loser, "var", "correct"), Choice(winner, "var", "max_smaller"),
               Choice("z", "var", "max_scale"), Choice("none", "var", "max_both"))
    return Concept("max_route", {"x": x, "y": y, "z": z}, choices, truth, oracle[0] if len(oracle) == 1 else "none",
                   {"grads": [sol.gradients[v] for v in "xyz"], "winner": winner, "loser": loser,
                    "top": max(x, y)})


def mul_swap(rng, difficulty: str) -> Concept:
    """z = x·y with upstream g: ∂L/∂x = g·y (the multiply gate swaps its inputs' values)."""
    x, y = ints(rng, 2, -6, 6)
    g = ints(rng, 1, -4, 4)[0]
    if abs(x) < 2 or abs(y) < 2 or abs(g) < 2 or x == y:
        raise Redraw("multiply: inputs and upstream of size at least 2, x and y differ")
    sol = solve_expression(parse_expression("g * (x * y)"), {"x": x, "y": y, "g": g})
    truth = sol.gradients["x"]
    oracle = _fd(lambda v: v[2] * v[0] * v[1], [x, y, g])[0]
    choices = (Choice(g * y, "math", "correct"), Choice(g * x, "math", "no_swap"),
               Choice(g, "math", "add_rule"), Choice(g * x * y, "math", "output_for_gradient"))
    return Concept("mul_swap", {"x": x, "y": y, "g": g}, choices, truth, oracle)


def _passed(gate: str, x, y, g) -> tuple:
    """The engine's (∂L/∂x, ∂L/∂y) for L = g·gate(x, y)."""
    sol = solve_expression(parse_expression(f"g * ({GATE_FORMULAS[gate]})"), {"x": x, "y": y, "g": g})
    return sol.gradients["x"], sol.gradients["y"]


def _passed_fd(gate: str, x, y, g) -> tuple:
    f = {"add": lambda a, b: a + b, "multiply": lambda a, b: a * b, "max": max, "min": min}[gate]
    d = _fd(lambda v: g * f(v[0], v[1]), [x, y])
    return float(d[0]), float(d[1])


def identify_gate(rng, difficulty: str) -> Concept:
    """The gradients a gate passed back are given: which of add, multiply, max, min was it?"""
    x, y = ints(rng, 2, -5, 5)
    g = ints(rng, 1, -3, 3)[0]
    if x == y or abs(x) < 2 or abs(y) < 2 or abs(g) < 2:
        raise Redraw(RULE_TIE)
    hidden = str(rng.choice(list(GATE_FORMULAS)))
    passed = _passed(hidden, x, y, g)
    matches = [gate for gate in GATE_FORMULAS if _passed(gate, x, y, g) == passed]
    if len(matches) != 1:
        raise Redraw("the passed gradients fit one gate only")
    fd_matches = [gate for gate in GATE_FORMULAS
                  if np.allclose(_passed_fd(gate, x, y, g), np.array(passed, dtype=float), atol=1e-6)]
    choices = tuple(Choice(gate, "gate", "correct" if gate == hidden else "other_gate") for gate in GATE_FORMULAS)
    table = {gate: list(_passed(gate, x, y, g)) for gate in GATE_FORMULAS}
    return Concept("identify_gate", {"x": x, "y": y, "g": g, "dx": passed[0], "dy": passed[1]}, choices,
                   matches[0], fd_matches[0] if len(fd_matches) == 1 else None,
                   {"table": [[gate, *table[gate]] for gate in GATE_FORMULAS]})


def linear_dx(rng, difficulty: str) -> Concept:
    """z = Wx with W square and upstream δ: ∂L/∂x = Wᵀδ; the mistakes Wδ (transpose), −Wᵀδ, δ."""
    n = _size(difficulty)
    W, x, delta = matrix(rng, n, n), vector(rng, n), vector(rng, n)
    if (W == W.T).all():
        raise Redraw("W is not symmetric (its transpose would look the same)")
    gate = Linear(W, None)
    truth = gate.vjp(x, delta)
    Wf, df = np.array(W, float), np.array(delta, float)
    oracle = _fd(lambda v: df @ (Wf @ v), x)
    choices = (Choice(W.T @ delta, "vector", "correct"), Choice(W @ delta, "vector", "transpose"),
               Choice(-(W.T @ delta), "vector", "sign"), Choice(delta.copy(), "vector", "missing_jacobian"))
    return Concept("linear_dx", {"W": W, "x": x, "delta": delta, "n": n}, choices, truth, oracle,
                   {"WT": W.T.copy()})


def linear_dw(rng, difficulty: str) -> Concept:
    """z = Wx with upstream δ: one entry ∂L/∂W_ij = δ_i x_j; the mistakes δ_j x_i, x_j, −δ_i x_j."""
    n = _size(difficulty)
    W, x, delta = matrix(rng, n, n), vector(rng, n, -4, 4), vector(rng, n, -4, 4)
    i, j = (int(k) for k in rng.choice(n, size=2, replace=False))
    grads = Linear(W, None).param_grads(x, delta)
    Wf, xf, df = np.array(W, float), np.array(x, float), np.array(delta, float)
    oracle = _fd(lambda M: df @ (M @ xf), Wf)[i, j]
    choices = (Choice(delta[i] * x[j], "math", "correct"), Choice(delta[j] * x[i], "math", "transpose"),
               Choice(x[j], "math", "missing_upstream"), Choice(-delta[i] * x[j], "math", "sign"))
    return Concept("linear_dw", {"W": W, "x": x, "delta": delta, "i": i + 1, "j": j + 1, "n": n}, choices,
                   grads["W"][i, j], oracle, {"dW": grads["W"]})


def activation_dx(rng, difficulty: str) -> Concept:
    """z = f(x) elementwise with f the leaky ReLU: ∂L/∂x = Diag[f'(x)] g; the mistakes f(x)⊙g,
    g (Diag f' left out) and the wrong sign."""
    n = _size(difficulty)
    x, g = vector(rng, n, -4, 4), vector(rng, n, -3, 3)
    if all(v > 0 for v in x) or all(v < 0 for v in x):
        raise Redraw("the activation's inputs have both signs")
    gate = Elementwise("leaky_relu", LEAKY_ALPHA)
    truth, derivative, fx = gate.vjp(x, g), gate.derivative(x), gate.forward(x)
    a, gf = float(LEAKY_ALPHA), np.array(g, float)
    oracle = _fd(lambda v: gf @ np.where(v > 0, v, a * v), x)
    choices = (Choice(derivative * g, "vector", "correct"), Choice(fx * g, "vector", "f_for_fprime"),
               Choice(g.copy(), "vector", "missing_diag"), Choice(-(derivative * g), "vector", "sign"))
    return Concept("activation_dx", {"x": x, "g": g, "alpha": LEAKY_ALPHA, "n": n}, choices, truth, oracle,
                   {"fprime": derivative, "fx": fx})


def _distribution(rng, n: int) -> np.ndarray:
    """n positive fractions with a small common denominator summing to 1, such as (1/4, 1/2, 1/4)."""
    D = int(rng.choice([d for d in (4, 5, 6, 8, 10) if d > n]))
    cuts = np.sort(rng.choice(np.arange(1, D), size=n - 1, replace=False))
    return np.array([Fraction(int(k), D) for k in np.diff(np.concatenate(([0], cuts, [D])))], dtype=object)


def softmax_ce(rng, difficulty: str) -> Concept:
    """ŷ = softmax(z), L = cross-entropy with class c: ∂L/∂z = ŷ − y; the mistakes y − ŷ (sign),
    ŷ (y left out) and −y/ŷ (∂L/∂ŷ: the softmax Jacobian left out)."""
    n = _size(difficulty)
    yhat, c = _distribution(rng, n), int(rng.integers(n))
    y = np.array([Fraction(int(k == c)) for k in range(n)], dtype=object)
    truth = GivenSoftmaxCrossEntropy(y, yhat).vjp(None, Fraction(1))
    z0, yf = np.log(np.array(yhat, float)), np.array(y, float)
    oracle = _fd(lambda v: -float(yf @ (v - np.log(np.exp(v).sum()))), z0)
    choices = (Choice(yhat - y, "vector", "correct"), Choice(y - yhat, "vector", "sign"),
               Choice(yhat.copy(), "vector", "target_left_out"), Choice(-y / yhat, "vector", "missing_softmax_jacobian"))
    return Concept("softmax_ce", {"yhat": yhat, "y": y, "c": c + 1, "n": n}, choices, truth, oracle)


TEMPLATES = {"max_route": max_route, "mul_swap": mul_swap, "identify_gate": identify_gate, "linear_dx": linear_dx,
             "linear_dw": linear_dw, "activation_dx": activation_dx, "softmax_ce": softmax_ce}
