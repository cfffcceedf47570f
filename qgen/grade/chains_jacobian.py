"""The `jacobian` kind's softmax forms as a chain of steps (qgen.engine.softmax), rebuilt from the
manifest's parameters: ∂ŷ/∂z from the student's ŷ (calculator) or the given one, ∂L/∂ŷ from ŷ
(the cross-entropy), ∂L/∂z from their Jacobian and upstream gradient."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.softmax import CrossEntropy, GivenSoftmax, Softmax
from qgen.grade.steps import Problem, Step, chain


def softmax_problem(params: dict, options: dict) -> Problem:
    exact = params["mode"] != "calculator"
    num = (lambda v: Fraction(str(v))) if exact else (lambda v: float(Fraction(str(v))))
    arr = lambda values: np.array([num(v) for v in values], dtype=object if exact else float)  # noqa: E731
    if params["yhat"] is not None:
        p = np.array([Fraction(str(v)) for v in params["yhat"]], dtype=object)
    else:
        p = Softmax().probabilities(arr(params["z"]))
    values = {"yhat": p, "dyhat/dz": GivenSoftmax(p).jacobian(None)}
    steps = [Step("dyhat/dz", ("yhat",), lambda q: GivenSoftmax(q).jacobian(None), "softmax")]
    if params["form"] == "softmax":
        upstream = "upstream"
        values["upstream"] = arr(params["upstream"])
    else:
        upstream = "dL/dyhat"
        y = arr([int(k + 1 == params["target"]) for k in range(params["n"])])
        values["dL/dyhat"] = CrossEntropy(y).vjp(p, p[0] * 0 + 1)
        steps.append(Step("dL/dyhat", ("yhat",), lambda q: CrossEntropy(y).vjp(q, q[0] * 0 + 1), "cross_entropy"))
    steps.append(Step("dL/dz", ("dyhat/dz", upstream), lambda J, g: J.T @ g, "softmax"))
    return Problem(exact, values, chain(*steps))
