"""The oracle for expression graphs: an independent float64 recomputation every key must pass.

check_expression(graph, values, solution) shares nothing with the engine but the Graph data (and
expression_text, for naming nodes in messages). It has its own evaluation code below and checks:

  - every node's value, within 1e-9 relative to max(1, |value|);
  - every node's gradient ∂out/∂node by central differences: the whole graph is evaluated again
    with an additive offset ±h on that node's value, so every use of a shared node sees the same
    offset and the difference quotient is the node's total derivative, as backprop sums it;
  - every local partial ∂node/∂input_i, by central differences of the node's own function with
    only input slot i offset (so mul(x, x) has two partials, each x);
  - the output value and the per-variable gradients against the node traces.
Step h = 1e-6·max(1, |v|) with v the value being offset. A derivative g passes when
|fd − g| ≤ 1e-5·(1 + |g|) + 1e-9·M, with M the largest |value| in the graph.

Why the bound is sound. If the function is smooth near the point, the central difference
(f(v+h) − f(v−h)) / 2h equals f′(v) + h²·f‴(ξ)/6, and rounding adds about k·ε·M/h, where
ε = 2⁻⁵³ ≈ 1.1e-16 and k counts the roundings that differ between the two evaluations. With
h ≥ 1e-6: truncation ≈ 1.7e-13·max(1,|v|)²·|f‴|, far below 1e-5 for the curvatures of exam
questions; rounding ≈ k·1.1e-10·M, covered by the 1e-9·M term for k up to about 9 (so that
`(x*y)**8 + z`, whose value dwarfs the ±h on z, is not a false alarm). A wrong gradient (a
missing factor, a sign, a dropped second use of a shared node) misses the bound by orders of
magnitude. Far outside that regime (values beyond ~1e8, points within ~h of a pole or of log's
domain edge) the check can refuse a correct key; it never loosens beyond the stated bound.

Kinks. relu, max and min are evaluated with the branch each one takes at the base point frozen;
at a tie the frozen branch is the one the convention picks (relu(0): the zero branch, so
relu′(0) = 0; max/min with equal arguments: the first argument). Finite differences then see
the one-sided function whose derivative the convention states, and a point merely near a kink
cannot flip a branch under ±h.
"""

from __future__ import annotations

import math

from qgen.engine.expression import ExpressionSolution, Graph, expression_text
from qgen.errors import VerificationError

VALUE_RTOL = 1e-9
GRAD_RTOL = 1e-5
ROUNDING = 1e-9
STEP = 1e-6


def check_expression(graph: Graph, values: dict, solution: ExpressionSolution) -> None:
    """Raise VerificationError unless every value, gradient and local partial checks out."""
    traces = solution.nodes
    if [(t.id, t.op, t.inputs) for t in traces] != [(n.id, n.op, n.inputs) for n in graph.nodes]:
        raise VerificationError("the solution's nodes are not the graph's nodes")
    inputs = {name: float(values[name]) for name in graph.variables}
    branches: dict[str, int] = {}
    base = _evaluate(graph, inputs, branches)  # also freezes the branches
    if not all(math.isfinite(v) for v in base.values()):
        raise VerificationError("the oracle's values are not all finite")
    scale = max(abs(v) for v in base.values())

    def agree(what: str, node_id: str, fd: float, g) -> None:
        g = float(g)
        if not abs(fd - g) <= GRAD_RTOL * (1 + abs(g)) + ROUNDING * scale:  # NaN fails too
            raise VerificationError(
                f"node {_label(graph, node_id)}: {what} is {g!r} but finite differences give {fd!r}"
            )

    for node, trace in zip(graph.nodes, traces):
        v = base[node.id]
        if not abs(float(trace.value) - v) <= VALUE_RTOL * max(1.0, abs(v)):
            raise VerificationError(f"node {_label(graph, node.id)}: value is {trace.value} but the oracle gets {v!r}")

        h = STEP * max(1.0, abs(v))
        plus = _evaluate(graph, inputs, branches, bump=(node.id, h))[graph.output]
        minus = _evaluate(graph, inputs, branches, bump=(node.id, -h))[graph.output]
        agree("the gradient", node.id, (plus - minus) / (2 * h), trace.grad)

        if len(trace.local) != len(node.inputs):
            raise VerificationError(f"node {_label(graph, node.id)}: {len(trace.local)} local partials for {len(node.inputs)} inputs")
        args = [base[i] for i in node.inputs]
        for slot, partial in enumerate(trace.local):
            h = STEP * max(1.0, abs(args[slot]))
            plus, minus = list(args), list(args)
            plus[slot] += h
            minus[slot] -= h
            fd = (_apply(graph, node, plus, branches) - _apply(graph, node, minus, branches)) / (2 * h)
            agree(f"the local partial for input {slot + 1} ({node.inputs[slot]})", node.id, fd, partial)

    if not abs(float(solution.value) - base[graph.output]) <= VALUE_RTOL * max(1.0, abs(base[graph.output])):
        raise VerificationError(f"the output value is {solution.value} but the oracle gets {base[graph.output]!r}")
    by_id = {t.id: t for t in traces}
    if list(solution.gradients) != list(graph.variables) or any(
        solution.gradients[name] != by_id[name].grad for name in graph.variables
    ):
        raise VerificationError("the per-variable gradients are not the input nodes' gradients")


def _evaluate(graph: Graph, inputs: dict, branches: dict, bump=None) -> dict[str, float]:
    """Every node's float value; `bump` = (node id, offset) adds the offset to that node's value.
    Branches missing from `branches` are decided here (the base run) and kept."""
    out: dict[str, float] = {}
    for node in graph.nodes:
        if node.op == "input":
            v = inputs[node.id]
        elif node.op == "const":
            v = float(node.constant)
        else:
            args = [out[i] for i in node.inputs]
            if node.id not in branches:
                branches[node.id] = _branch(node.op, args)
            v = _apply(graph, node, args, branches)
        if bump is not None and bump[0] == node.id:
            v += bump[1]
        out[node.id] = v
    return out


def _branch(op: str, args: list) -> int:
    """Which piece a kinked op takes: 0 = the first argument (relu: the identity), 1 = the other."""
    if op == "max":
        return 0 if args[0] >= args[1] else 1
    if op == "min":
        return 0 if args[0] <= args[1] else 1
    if op == "relu":
        return 0 if args[0] > 0 else 1
    return 0


def _apply(graph: Graph, node, args: list, branches: dict) -> float:
    """One op in plain float64, on the frozen branch; a domain or range error is a failed check."""
    op, a = node.op, args[0]
    try:
        if op == "add":
            return a + args[1]
        if op == "sub":
            return a - args[1]
        if op == "mul":
            return a * args[1]
        if op == "div":
            return a / args[1]
        if op == "pow":
            return float(a) ** node.exponent
        if op == "neg":
            return -a
        if op in ("max", "min"):
            return args[branches[node.id]]
        if op == "relu":
            return a if branches[node.id] == 0 else 0.0
        if op == "exp":
            return math.exp(a)
        if op == "log":
            return math.log(a)
        if op == "sigmoid":
            return 0.5 * (1.0 + math.tanh(0.5 * a))  # the same function by another formula
        if op == "tanh":
            return math.tanh(a)
    except (ArithmeticError, ValueError) as e:
        raise VerificationError(f"node {_label(graph, node.id)}: the oracle cannot evaluate it here ({e})") from None
    raise VerificationError(f"node {node.id}: unknown op {op!r}")


def _label(graph: Graph, node_id: str) -> str:
    text = expression_text(graph, node_id)
    return node_id if text == node_id else f"{node_id} ({text[:57] + '...' if len(text) > 60 else text})"
