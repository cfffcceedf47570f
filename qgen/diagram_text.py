"""A text description of a question's diagram (its nodes and edges), for screen readers on the
practice page: the graph kind's operation nodes and what each takes, the mlp kind's layers."""

from __future__ import annotations

from qgen.engine.expression import parse_expression
from qgen.numbers import fraction_text

INFIX = {"add": "plus", "sub": "minus", "mul": "times", "div": "divided by"}


def describe(kind: str, params: dict) -> str:
    if kind == "graph":
        return _graph(params)
    if kind == "mlp":
        return _network(params)
    return "the diagram of the question"


def _graph(params: dict) -> str:
    graph = parse_expression(params["expression"])
    by_id = {n.id: n for n in graph.nodes}

    def name(node_id: str) -> str:
        node = by_id[node_id]
        return f"the constant {fraction_text(node.constant)}" if node.op == "const" else node_id

    nodes = [n for n in graph.nodes if n.op not in ("input", "const")]
    def rule(n) -> str:
        args = [name(i) for i in n.inputs]
        if n.op in INFIX:
            return f" {INFIX[n.op]} ".join(args)
        if n.op == "pow":
            return f"{args[0]} to the power {n.exponent}"
        if n.op == "neg":
            return f"minus {args[0]}"
        return f"{n.op} of " + " and ".join(args)

    parts = [f"{n.id} is {rule(n)}" for n in nodes]
    return (f"Computational graph with inputs {', '.join(graph.variables)} and {len(nodes)} operation nodes: "
            + "; ".join(parts) + f". The output f is {graph.output}.")


def _network(params: dict) -> str:
    sizes, activations = params["sizes"], params["activations"]
    layers = [f"layer {l}: {n} unit{'s' if n > 1 else ''}, {act.replace('_', ' ')}"
              for l, (n, act) in enumerate(zip(sizes[1:], activations), start=1)]
    loss = "half the squared error" if params["loss"] == "half_sse" else "softmax and cross-entropy"
    return (f"Network diagram: input x with {sizes[0]} units, each layer fully connected to the next; "
            + "; ".join(layers) + f"; the last layer gives the output ŷ, and the loss L is {loss} against the target y.")
