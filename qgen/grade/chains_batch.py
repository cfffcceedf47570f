"""The `batch` kind's chain of steps, read off the engine's batch gates (qgen.engine.batch) and
rebuilt from the manifest's parameters: Z from X, A from Z, L and ∂L/∂A from A, Δ from Z and
∂L/∂A, then ∂L/∂W from Δ and X, ∂L/∂b from Δ, ∂L/∂X from Δ."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.batch import BatchHalfSquaredError, BatchLinear, solve_batch
from qgen.engine.gates import Elementwise, GivenElementwise, Identity
from qgen.grade import mistakes as M
from qgen.grade.steps import Problem, Step, chain

LEAKY_ALPHA = Fraction(1, 10)  # the kinds' printed slope when the parameters name none


def _numbers(values, exact: bool) -> np.ndarray:
    arr = np.array(values, dtype=object)
    arr = np.array([Fraction(str(v)) for v in arr.flat], dtype=object).reshape(arr.shape)
    return arr if exact else arr.astype(float)


def batch_problem(params: dict, options: dict) -> Problem:
    exact = options["mode"] != "calculator"
    X, W = _numbers(params["X"], exact), _numbers(params["W"], exact)
    linear = BatchLinear(W, None if params.get("b") is None else _numbers(params["b"], exact))
    name = params.get("activation")
    if name is None:
        act = None
    elif params.get("printed") is not None:
        act = GivenElementwise(name, _numbers(params["printed"], True))
    else:
        alpha = Fraction(str(params.get("alpha") or LEAKY_ALPHA))
        act = Elementwise(name, alpha if exact else float(alpha))
    G = None if params.get("G") is None else _numbers(params["G"], exact)
    loss = None if params.get("Y") is None else BatchHalfSquaredError(_numbers(params["Y"], exact), params["upstream"])
    sol = solve_batch(X, linear, act, G, loss)
    values = {"X": X, "Z": sol.Z, "A": sol.A, "dL/dA": sol.dA, "delta": sol.dZ, "L": sol.loss,
              "dL/dW": sol.dW, "dL/db": sol.db, "dL/dX": sol.dX}
    steps = []
    if act is not None or loss is not None:
        steps.append(Step("Z", ("X",), linear.forward, "linear"))
    if act is not None:
        steps.append(Step("A", ("Z",), act.forward, act.name))
    if loss is not None:
        one = X.flat[0] * 0 + 1
        grad = lambda A: loss.vjp(A, one)  # noqa: E731
        steps += [Step("L", ("A" if act is not None else "Z",), loss.forward, loss.name,
                       ((M.NO_HALF, M.no_half(loss.forward)),)),
                  Step("dL/dA", ("A" if act is not None else "Z",), grad, loss.name, ((M.NO_HALF, M.no_half(grad)),))]
    if act is None and loss is not None:  # A = Z: Δ is ∂L/∂A itself
        steps.append(Step("delta", ("dL/dA",), lambda g: np.array(g, copy=True), "identity"))
    elif act is not None:
        steps.append(Step("delta", ("Z", "dL/dA"), act.vjp, act.name,
                          ((M.NO_DERIVATIVE, lambda z, g: Identity().vjp(z, g)),
                           (M.F_FOR_F_PRIME, lambda z, g: act.forward(z) * g))))
    n, m = W.shape
    steps.append(Step("dL/dW", ("delta", "X"), lambda D, X_: linear.param_grads(X_, D)["W"], "linear",
                      ((M.TRANSPOSED, lambda D, X_: (X_.T @ D).reshape(n, m)),)))
    if linear.b is not None:
        steps.append(Step("dL/db", ("delta",), lambda D: linear.param_grads(X, D)["b"], "linear"))
    steps.append(Step("dL/dX", ("delta",), lambda D: linear.vjp(X, D), "linear"))
    return Problem(exact, values, chain(*steps))
