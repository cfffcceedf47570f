"""Solves per second of the reference engine (issue 2), exact and float, in one run.

    make bench            # or: .venv/bin/python bench/solve_speed.py

Measures solve alone and solve + oracle check (what `qgen solve` does) for a 3-4-3 network and a
12-node expression. Figures are machine-dependent: compare the ratios printed in one run.
"""

from __future__ import annotations

import json
import time

from qgen.engine.expression import parse_expression, solve_expression
from qgen.engine.expression_check import check_expression
from qgen.engine.network import solve_network
from qgen.engine.network_check import check_network
from qgen.problem import load_problem

NETWORK = {
    "x": ["1/2", -1, 2],
    "layers": [{"W": [[1, -2, "1/2"], [0, 1, -1], [2, 1, 1], [-1, "3/2", 0]], "b": [0, 1, -1, "1/2"], "activation": "relu"},
               {"W": [[1, 0, -1, 2], [-2, 1, 0, 1], [0, "1/2", 1, -1]], "b": [1, 0, -1], "activation": "identity"}],
    "y": [1, 0, -1], "learning_rate": "1/10",
}
EXPRESSION_EXACT = "((x * y + max(z, w)) * relu(x - y) + z) * w"  # 4 inputs + 8 operations = 12 nodes
EXPRESSION_FLOAT = "((x * y + max(z, w)) * sigmoid(x - y) + z) * w"
VALUES = {"x": 3, "y": -4, "z": 2, "w": -1}


def rate(fn, seconds: float = 1.0) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def main() -> None:
    rows = []
    for label, loss, activation in (("exact", "half_sse", "relu"), ("float", "half_sse", "sigmoid")):
        problem = dict(NETWORK, loss=loss)
        problem["layers"] = [dict(NETWORK["layers"][0], activation=activation), NETWORK["layers"][1]]
        net = load_problem(json.dumps(problem))
        assert net.exact == (label == "exact")
        rows.append((f"3-4-3 network, {label}", rate(lambda: solve_network(net)),
                     rate(lambda: check_network(net, solve_network(net)))))
    for label, text in (("exact", EXPRESSION_EXACT), ("float", EXPRESSION_FLOAT)):
        graph = parse_expression(text)
        sol = solve_expression(graph, VALUES)
        assert sol.exact == (label == "exact")
        rows.append((f"{len(graph.nodes)}-node expression, {label}", rate(lambda: solve_expression(graph, VALUES)),
                     rate(lambda: check_expression(graph, VALUES, solve_expression(graph, VALUES)))))
    print(f"{'problem':<32} {'solves/s':>10} {'solve+check/s':>14}")
    for label, solve_rate, checked_rate in rows:
        print(f"{label:<32} {solve_rate:>10.0f} {checked_rate:>14.0f}")
    base = rows[0][1]
    print("\nratios to the exact network's solve rate: " + ", ".join(f"{label}: {s / base:.2f}" for label, s, _ in rows))


if __name__ == "__main__":
    main()
