"""Solve a problem, check it with the oracle, and give the answer as `qgen solve` prints it."""

from __future__ import annotations

import numpy as np

from qgen.engine.expression import parse_expression, solve_expression
from qgen.engine.expression_check import check_expression
from qgen.engine.network import Network, NetworkSolution, solve_network
from qgen.engine.network_check import check_network
from qgen.errors import QgenError
from qgen.numbers import array_to_json, to_json
from qgen.problem import ExpressionProblem, load_problem

OVERFLOW = "problem: numerical overflow at these values (use smaller numbers)"


def solve_text(text: str, exact: bool = False) -> dict:
    """The JSON answer to a problem's JSON text; every value has passed the oracle."""
    problem = load_problem(text)
    if isinstance(problem, ExpressionProblem):
        graph = parse_expression(problem.text)
        solution = solve_expression(graph, problem.values, exact=True if exact else None)
        check_expression(graph, problem.values, solution)
        return expression_json(solution, exact)
    if exact and not problem.exact:
        raise QgenError("--exact: this network is not rational (sigmoid, tanh and softmax_ce leave the rationals)")
    return network_json(solve_checked_network(problem), exact)


def solve_checked_network(net: Network) -> NetworkSolution:
    """Solve, then run the oracle; numerical trouble becomes a clear error."""
    sol = solve_guarded(net)
    check_network(net, sol)
    return sol


def solve_guarded(net: Network) -> NetworkSolution:
    """solve_network, with numerical overflow (or a value that is not finite) a QgenError
    instead of an inf that the oracle would then report as an engine bug."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            sol = solve_network(net)
        except (FloatingPointError, OverflowError):
            raise QgenError(OVERFLOW) from None
    if not all(np.isfinite(float(v)) for v in _all_numbers(sol)):
        raise QgenError(OVERFLOW)
    return sol


def _all_numbers(sol: NetworkSolution):
    yield sol.loss
    for layer in sol.forward:
        yield from layer.z
        yield from layer.a
    for g in sol.gradients:
        yield from g.dW.flat
    yield from sol.dx


def network_json(sol: NetworkSolution, exact: bool) -> dict:
    def arr(a):
        return array_to_json(a, exact)

    def with_bias(entry: dict, key: str, value) -> dict:
        return entry if value is None else {**entry, key: arr(value)}

    out = {
        "exact": sol.exact,
        "forward": {
            "layers": [{"z": arr(v.z), "a": arr(v.a)} for v in sol.forward],
            "yhat": arr(sol.yhat),
            "loss": to_json(sol.loss, exact),
        },
        "gradients": {
            "layers": [
                with_bias({"dW": arr(g.dW)}, "db", g.db) | {"dz": arr(g.dz), "da": arr(g.da)}
                for g in sol.gradients
            ],
            "dx": arr(sol.dx),
        },
    }
    if sol.update is not None:
        out["update"] = {"layers": [with_bias({"W": arr(u.W)}, "b", u.b) for u in sol.update]}
    return out


def expression_json(sol, exact: bool) -> dict:
    return {
        "exact": sol.exact,
        "value": to_json(sol.value, exact),
        "gradients": {name: to_json(g, exact) for name, g in sol.gradients.items()},
        "nodes": [
            {"id": n.id, "op": n.op, "inputs": list(n.inputs), "value": to_json(n.value, exact), "grad": to_json(n.grad, exact)}
            for n in sol.nodes
        ],
    }
