"""The `graph` kind's template data: node names, formulas as trees, the printed tables, the
forward rows and the backward steps of the worked key (qgen.kinds.graph draws and solves)."""

from __future__ import annotations

import math
from fractions import Fraction


from qgen.engine.expression import (
    ExpressionSolution,
    Graph,
)
from qgen.errors import VerificationError
from qgen.kinds.base import round_to
from qgen.kinds.graph_sampling import VARIABLES

TABLES = {"exp": (-3, 3), "sigmoid": (-4, 4), "tanh": (-2, 2), "log": (1, 8)}  # given mode: printed k


def _operations(graph: Graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op not in ("input", "const")]


def _uses(graph: Graph) -> dict[str, list[tuple[str, int]]]:
    """node id -> [(consumer id, input slot)], consumers in topological order."""
    uses: dict[str, list[tuple[str, int]]] = {n.id: [] for n in graph.nodes}
    for node in graph.nodes:
        for slot, i in enumerate(node.inputs):
            uses[i].append((node.id, slot))
    return uses


FUNCTIONS = {"exp": math.exp, "sigmoid": lambda k: 1 / (1 + math.exp(-k)), "tanh": math.tanh, "log": math.log}


def _printed(op: str, k) -> Fraction:
    """A function's value as the given-mode table prints it (4 decimals)."""
    return round_to(FUNCTIONS[op](float(k)), 4)


def _gradient_ids(graph: Graph) -> list[str]:
    """The nodes whose gradient is asked: every operation but the output, then the inputs."""
    return [n.id for n in graph.nodes if n.op not in ("input", "const") and n.id != graph.output] + list(_variables(graph))


def _variables(graph: Graph) -> tuple[str, ...]:
    """The inputs in reading order: x, y, z, w, v when the graph uses only those, else as they appear."""
    if set(graph.variables) <= set(VARIABLES):
        return tuple(sorted(graph.variables, key=VARIABLES.index))
    return graph.variables


def _math_name(node_id: str) -> str:
    """x0 -> x_{0}, n3 -> n_{3}: the answer labels (math, as the key writes them)."""
    ref = _split(node_id)
    return ref[0] + (f"_{{{ref[1]}}}" if ref[1] else "")


def _split(node_id: str) -> tuple[str, str]:
    """A name as LaTeX math (base, subscript): x0 -> (x, 0), n12 -> (n, 12). A user's own names
    (ASCII letters, digits and _, starting with a letter) may be longer: x_1 -> (x, 1) and
    rate_in -> (\\mathit{rate}, \\mathit{in}), so that no `_` reaches LaTeX as a second subscript."""
    if "_" in node_id:
        base, sub = node_id.split("_", 1)
        sub = sub.replace("_", r"\_")
    else:
        base = node_id.rstrip("0123456789")
        sub = node_id[len(base):]
    if len(base) > 1:
        base = rf"\mathit{{{base}}}"
    if len(sub) > 1 and not sub.isdigit():
        sub = rf"\mathit{{{sub}}}"
    return base, sub


def _ref(graph: Graph, node_id: str) -> dict:
    """A leaf of a formula: a variable, a node id or a constant (printed through `num`)."""
    node = graph.node(node_id)
    base, sub = _split(node_id)
    kind = {"input": "var", "const": "const"}.get(node.op, "node")
    return {"kind": kind, "base": base, "sub": sub, "value": node.constant, "paren": False, "tall": False}


# Precedence of what a subtree prints as: it decides the parentheses the templates draw.
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "neg": 3, "pow": 4, "div": 4.5}


def _precedence(tree: dict) -> float:
    if tree["kind"] == "op":
        return _PRECEDENCE.get(tree["op"], 5)  # function calls are atoms
    return 3 if tree["kind"] == "const" and tree["value"] < 0 else 5


def _leads_with_minus(tree: dict) -> bool:
    """The printed subtree starts with a minus sign (-x, -2, -3·y, -x + y): after a + − or · it
    needs parentheses, or the sheet would show y − −3·x."""
    if tree["paren"]:
        return False
    if tree["kind"] == "const":
        return tree["value"] < 0
    if tree["kind"] != "op":
        return False
    return tree["op"] == "neg" or (tree["op"] in ("add", "sub", "mul", "pow") and _leads_with_minus(tree["args"][0]))


def _paren(op: str, slot: int, child: dict) -> bool:
    p = _precedence(child)
    if op in ("add", "sub"):
        return slot == 1 and (p <= 1 or _leads_with_minus(child))
    if op == "mul":
        if slot == 0:
            return p < 2 or (child["kind"] == "op" and child["op"] == "neg")
        return p <= 2 or _leads_with_minus(child)
    if op == "neg":
        return p < 4
    if op == "pow":
        return p < 5
    return False  # div is a \frac, function arguments sit in parentheses already


def _tree(graph: Graph, node_id: str, expand: bool = True) -> dict:
    """A formula for the templates: nested dicts with the parentheses decided here.
    expand=False: one stage only, its inputs as names (n_3 = n_1 + n_2)."""
    node = graph.node(node_id)
    if node.op in ("input", "const"):
        return _ref(graph, node_id)
    args = []
    for slot, i in enumerate(node.inputs):
        child = _tree(graph, i) if expand else _ref(graph, i)
        child["paren"] = _paren(node.op, slot, child)
        args.append(child)
    tall = node.op == "div" or any(a["tall"] for a in args)  # a fraction inside: \left( \right)
    return {"kind": "op", "op": node.op, "args": args, "exponent": node.exponent, "paren": False, "tall": tall}


def _numeric_form(graph: Graph, node_id: str, value: dict) -> dict:
    """One stage with its inputs' values in place of their names: 3 · (−4)."""
    node = graph.node(node_id)
    args = []
    for slot, i in enumerate(node.inputs):
        leaf = {"kind": "const", "base": "", "sub": "", "value": value[i], "paren": False, "tall": False}
        args.append(leaf | {"paren": _paren(node.op, slot, leaf)})
    return {"kind": "op", "op": node.op, "args": args, "exponent": node.exponent, "paren": False, "tall": False}


def _tables(graph: Graph) -> list[dict]:
    """Given mode: each function's values at every integer of its fixed range."""
    return [{"op": op, "points": [{"k": k, "value": _printed(op, k)} for k in range(TABLES[op][0], TABLES[op][1] + 1)]}
            for op in TABLES if op in _operations(graph)]


def _local(graph: Graph, node_id: str, slot: int, solution: ExpressionSolution) -> dict:
    """∂node/∂(input `slot`), with what the templates need to show the rule."""
    by_id = {t.id: t for t in solution.nodes}
    node = graph.node(node_id)
    trace = by_id[node_id]
    refs = [_ref(graph, i) for i in node.inputs]
    return {"op": node.op, "slot": slot, "args": refs, "arg_values": [by_id[i].value for i in node.inputs],
            "self": _ref(graph, node_id), "self_value": trace.value, "exponent": node.exponent,
            "value": trace.local[slot], "with_constant": any(r["kind"] == "const" for r in refs)}


def _rows(graph: Graph, solution: ExpressionSolution) -> list[dict]:
    """The summary table, in topological order (constants left out: they are no answers)."""
    value = {t.id: t.value for t in solution.nodes}
    by_id = {t.id: t for t in solution.nodes}
    rows = []
    for node_id in _variables(graph) + tuple(n.id for n in graph.nodes if n.op not in ("input", "const")):
        node, trace = graph.node(node_id), by_id[node_id]
        is_op = node.op != "input"
        rows.append({
            "ref": _ref(graph, node.id), "input": not is_op, "value": trace.value, "grad": trace.grad,
            "form": _tree(graph, node.id, expand=False) if is_op else None,
            "numbers": _numeric_form(graph, node.id, value) if is_op else None,
            "locals": [_local(graph, node.id, s, solution) for s in range(len(node.inputs))
                       if graph.node(node.inputs[s]).op != "const"],
        })
    return rows


def _backward_steps(graph: Graph, solution: ExpressionSolution) -> list[dict]:
    """The backward pass as the key writes it: for every node after the output (ops in reverse
    topological order, then the inputs), each use's upstream gradient times the local partial,
    and their sum when the node is used more than once. The sum is checked against the engine."""
    by_id = {t.id: t for t in solution.nodes}
    uses = _uses(graph)
    ops = [n.id for n in graph.nodes if n.op not in ("input", "const")]
    order = [i for i in reversed(ops) if i != graph.output] + list(_variables(graph))
    steps = []
    for node_id in order:
        contributions = []
        for consumer, slot in reversed(uses[node_id]):
            upstream = by_id[consumer].grad
            local = by_id[consumer].local[slot]
            contributions.append({"consumer": _ref(graph, consumer), "form": _tree(graph, consumer, expand=False),
                                  "local": _local(graph, consumer, slot, solution),
                                  "upstream": upstream, "product": upstream * local})
        total = by_id[node_id].grad
        added = sum((c["product"] for c in contributions), start=0 * total)
        if not math.isclose(float(added), float(total), rel_tol=1e-12, abs_tol=1e-12) or (
                solution.exact and added != total):
            raise VerificationError(f"graph key: the contributions to {node_id} do not add up to its gradient")
        steps.append({"ref": _ref(graph, node_id), "contributions": contributions, "grad": total,
                      "input": graph.node(node_id).op == "input"})
    return steps
