"""`concepts` templates about layers and training: the sigmoid's largest local factor through k
layers, the dead units of a ReLU layer, the shapes of a two-layer network (which claim is wrong;
true or false), and one SGD step (the new weights; true or false: a weight increases). The engine
(qgen.engine.gates, qgen.engine.network) gives the true value; the oracle recomputes it in float64
or from the conventions' formulas."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.gates import Elementwise, HalfSquaredError, Linear
from qgen.engine.network import Layer, Network, solve_network
from qgen.kinds.base import Redraw
from qgen.kinds.concept_common import Choice, Concept, ints, matrix, vector
from qgen.kinds.jacobian import fd_gradient

GRID = np.linspace(-8, 8, 1601)  # where the largest σ'(z) is looked for (it is at z = 0)


def sigmoid_bound(rng, difficulty: str) -> Concept:
    """k sigmoid layers, weights |w| ≤ m: the gradient is multiplied by at most (m·max σ')^k = (m/4)^k.
    The mistakes: σ(0) = 1/2 for σ'(0) (f for f'), adding the factors, one σ' only."""
    k = int(rng.integers(2, 7))
    m = Fraction(int(rng.integers(1, 4)))
    derivative = Elementwise("sigmoid").derivative(np.array(GRID, dtype=object))
    top = Fraction(max(float(d) for d in derivative)).limit_denominator(1000)  # the engine's σ' at its peak
    sigma0 = Fraction(float(Elementwise("sigmoid").forward(np.array([Fraction(0)], dtype=object))[0])).limit_denominator(1000)
    truth = (m * top) ** k
    h = 1e-5  # the oracle: σ' by central differences of σ itself, at every grid point
    fd = (1 / (1 + np.exp(-(GRID + h))) - 1 / (1 + np.exp(-(GRID - h)))) / (2 * h)
    oracle = (float(m) * float(fd.max())) ** k
    choices = (Choice((m / 4) ** k, "math", "correct"), Choice((m * sigma0) ** k, "math", "sigma_for_dsigma"),
               Choice(k * m / 4, "math", "sum_for_product"), Choice(m**k / 4, "math", "one_factor"))
    return Concept("sigmoid_bound", {"k": k, "m": m}, choices, truth, oracle, {"top": top, "sigma0": sigma0})


def dead_relu(rng, difficulty: str) -> Concept:
    """a = ReLU(Wx + b) with 3 or 4 units: which units pass no gradient back (z_i ≤ 0)? The
    mistakes: the live units (sign), the units dead without the bias, no unit at all."""
    n = 3 if difficulty == "easy" else 4
    W, x, b = matrix(rng, n, 2), vector(rng, 2), vector(rng, n)
    z = Linear(W, b).forward(x)
    if any(v == 0 for v in z):
        raise Redraw("no tie at a max, min or ReLU kink")
    mask = Elementwise("relu").derivative(z)
    truth = frozenset(i + 1 for i in range(n) if mask[i] == 0)
    zf = np.array(W, float) @ np.array(x, float) + np.array(b, float)
    fd = [fd_gradient(lambda v: max(float(v[0]), 0.0), np.array([zi]))[0] for zi in zf]
    oracle = frozenset(i + 1 for i in range(n) if abs(fd[i]) < 1e-6)
    if not truth or len(truth) == n:
        raise Redraw("some units are dead and some alive")
    without_bias = W @ x
    choices = (Choice(truth, "units", "correct"), Choice(frozenset(range(1, n + 1)) - truth, "units", "live_units"),
               Choice(frozenset(i + 1 for i in range(n) if without_bias[i] <= 0), "units", "bias_left_out"),
               Choice(frozenset(), "units", "relu_passes_all"))
    return Concept("dead_relu", {"W": W, "x": x, "b": b, "n": n}, choices, truth, oracle, {"z": z, "mask": mask})


# The shape claims about a network x ∈ R^{n0} → z1, a1 ∈ R^{n1} → z2 ∈ R^{n2}: each as
# (the thing, its rows, its columns) by the conventions (n×m weights, numerator layout, columns).
TRUE_SHAPES = {"W1": (1, 0), "W2": (2, 1), "dz1/dx": (1, 0), "da1/dz1": (1, 1), "dz2/da1": (2, 1),
               "dL/dW1": (1, 0), "dL/dW2": (2, 1), "dL/dz1": (1, None), "dL/dz2": (2, None), "b1": (1, None)}
WRONG_SHAPES = {"transpose_shape": ("W1", "dz2/da1", "dL/dW2", "dz1/dx"), "missing_diag_shape": ("da1/dz1",)}


def _trace_shapes(sizes) -> dict:
    """The engine's shapes, read off its trace of a ReLU network of these sizes."""
    n0, n1, n2 = sizes
    one = Fraction(1)
    net = Network(np.full(n0, one, dtype=object),
                  tuple(Layer(Linear(np.full((n, m), one, dtype=object), np.full(n, one, dtype=object)),
                              Elementwise("relu")) for m, n in ((n0, n1), (n1, n2))),
                  HalfSquaredError(np.zeros(n2, dtype=object)))
    sol = solve_network(net)
    lin1, act1, lin2 = sol.steps[0], sol.steps[1], sol.steps[2]
    col = lambda v: (len(v), 1)  # noqa: E731  (a gradient or bias is a column)
    return {"W1": np.shape(net.layers[0].linear.W), "W2": np.shape(net.layers[1].linear.W),
            "dz1/dx": np.shape(lin1.jacobian), "da1/dz1": np.shape(act1.jacobian), "dz2/da1": np.shape(lin2.jacobian),
            "dL/dW1": np.shape(lin1.param_grads["W"]), "dL/dW2": np.shape(lin2.param_grads["W"]),
            "dL/dz1": col(lin1.upstream), "dL/dz2": col(lin2.upstream), "b1": col(net.layers[0].linear.b)}


def _formula(thing: str, sizes) -> tuple:
    rows, cols = TRUE_SHAPES[thing]
    return (sizes[rows], 1 if cols is None else sizes[cols])


def _claims(rng, sizes, count_true: int, wrong: bool) -> list[Choice]:
    things = [str(t) for t in rng.choice(sorted(TRUE_SHAPES), size=4, replace=False)]
    out = [Choice((t, *_formula(t, sizes)), "claim", "correct") for t in things[:count_true]]
    if wrong:
        mistake = str(rng.choice(["transpose_shape", "transpose_shape", "missing_diag_shape"]))
        candidates = [t for t in WRONG_SHAPES[mistake] if t not in things[:count_true]]
        if not candidates:
            raise Redraw("one claim about each thing")
        thing = str(rng.choice(candidates))
        rows, cols = _formula(thing, sizes)
        out.append(Choice((thing, cols, rows) if mistake == "transpose_shape" else (thing, rows, 1), "claim", mistake))
    return out


def _sizes(rng) -> list[int]:
    return [int(v) for v in rng.choice(np.arange(2, 7), size=3, replace=False)]  # distinct: a transpose shows


def wrong_shape(rng, difficulty: str) -> Concept:
    """Four shape claims about a drawn network, three true: which one is wrong?"""
    sizes = _sizes(rng)
    claims = _claims(rng, sizes, 3, True)
    engine = _trace_shapes(sizes)
    wrong = [c.value for c in claims if tuple(engine[c.value[0]]) != c.value[1:]]
    oracle = [c.value for c in claims if _formula(c.value[0], sizes) != c.value[1:]]
    # The option right to pick is the wrong claim: it is "correct" as an answer.
    choices = tuple(Choice(c.value, "claim", "true_claim" if c.mistake == "correct" else "correct") for c in claims)
    mistake = claims[-1].mistake
    return Concept("wrong_shape", {"sizes": sizes}, choices, wrong[0] if len(wrong) == 1 else None,
                   oracle[0] if len(oracle) == 1 else None, {"mistake": mistake, "thing": claims[-1].value[0],
                                                            "right_shape": list(_formula(claims[-1].value[0], sizes))})


def shape_tf(rng, difficulty: str) -> Concept:
    """True or false: one shape claim about a drawn network (false ones are a named mistake)."""
    sizes = _sizes(rng)
    wrong = bool(rng.integers(2))
    claim = _claims(rng, sizes, 0 if wrong else 1, wrong)[0]
    truth = tuple(_trace_shapes(sizes)[claim.value[0]]) == claim.value[1:]
    oracle = _formula(claim.value[0], sizes) == claim.value[1:]
    return Concept("shape_tf", {"sizes": sizes, "claim": claim.value}, (Choice(True, "tf", "correct" if not wrong else
                   claim.mistake), Choice(False, "tf", "correct" if wrong else "true_claim")), truth, oracle,
                   {"mistake": claim.mistake, "right_shape": list(_formula(claim.value[0], sizes))}, truefalse=True)


def _sgd(rng, difficulty: str):
    """One linear unit ŷ = wᵀx (a 1×n W), L = ½(ŷ − y)², learning rate η: the engine's step."""
    n = 2 if difficulty == "easy" else 3
    w, x = vector(rng, n, -3, 3), vector(rng, n, -2, 2)
    y = ints(rng, 1, -4, 4, nonzero=False)[0]
    eta = Fraction(1, int(rng.choice([2, 4, 10])))
    net = Network(x, (Layer(Linear(w.reshape(1, n), None), Elementwise("identity")),),
                  HalfSquaredError(np.array([y], dtype=object)), eta)
    sol = solve_network(net)
    grad, new = sol.gradients[0].dW.reshape(n), sol.update[0].W.reshape(n)
    if any(v == 0 for v in grad):
        raise Redraw("every weight gets a nonzero gradient")
    wf, xf = np.array(w, float), np.array(x, float)
    fd = fd_gradient(lambda v: 0.5 * (v @ xf - float(y)) ** 2, wf)
    given = {"w": w, "x": x, "y": y, "eta": eta, "n": n}
    return given, grad, new, wf - float(eta) * fd, {"yhat": sol.yhat[0], "residual": sol.yhat[0] - y, "grad": grad}


def sgd_step(rng, difficulty: str) -> Concept:
    """The new weights after one SGD step: w − η∇L; the mistakes w + η∇L (sign), w − ∇L (η left
    out), w − ηx (the residual ŷ − y left out)."""
    given, grad, new, oracle, worked = _sgd(rng, difficulty)
    w, x, eta = given["w"], given["x"], given["eta"]
    choices = (Choice(w - eta * grad, "vector", "correct"), Choice(w + eta * grad, "vector", "sign"),
               Choice(w - grad, "vector", "eta_left_out"), Choice(w - eta * x, "vector", "residual_left_out"))
    return Concept("sgd_step", given, choices, new, oracle, worked)


def sgd_direction(rng, difficulty: str) -> Concept:
    """True or false: after one SGD step, weight w_j has increased (it does when ∂L/∂w_j < 0)."""
    given, grad, new, oracle, worked = _sgd(rng, difficulty)
    j = int(rng.integers(given["n"]))
    truth, fd_truth = bool(new[j] > given["w"][j]), bool(oracle[j] > float(given["w"][j]))
    claim_true = truth
    choices = (Choice(True, "tf", "correct" if claim_true else "sign"), Choice(False, "tf", "sign" if claim_true else "correct"))
    return Concept("sgd_direction", {**given, "j": j + 1}, choices, truth, fd_truth,
                   {**worked, "new": new, "step": new[j] - given["w"][j]}, truefalse=True)


TEMPLATES = {"sigmoid_bound": sigmoid_bound, "dead_relu": dead_relu, "wrong_shape": wrong_shape, "shape_tf": shape_tf,
             "sgd_step": sgd_step, "sgd_direction": sgd_direction}
