"""Scalar expression graphs (the `graph` question kind): parse a formula, run it forward and
backward, and keep every node's value, gradient and local partials for the key.

    graph = parse_expression("2 * (x * y + max(z, w))")
    solution = solve_expression(graph, {"x": 3, "y": -4, "z": 2, "w": -1})

Parsing. The text is read by Python's `ast` module under a whitelist: numbers, variable names,
+ - * /, `**` with an integer constant exponent (|k| ≤ 8), unary minus and plus, and the calls
max(a, b), min(a, b), exp, log, sigmoid, tanh, relu by bare name. Nothing is ever evaluated by
Python. Decimal literals are read exactly (0.1 is 1/10), and a minus sign written in front of a
number is part of the constant (`-2 * x` has the constant -2, not neg(2)). Names such as `e` or
`pi` are ordinary variables.

The graph is a DAG: identical subexpressions are one node (hash-consing on op, inputs and
constant or exponent), so `x*y + x*y` has one `x*y` node used twice, and every use of a variable
is the same node. No algebra is done: `x*y` and `y*x` are different nodes.

Node ids:
  - a variable's node has the variable's name as id (op "input");
  - constants are "c1", "c2", ... in order of first appearance (op "const");
  - operations are "n1", "n2", ... in topological order (children before parents).
`Graph.nodes` lists the variables (in order of first appearance), then the constants, then the
operations; the output is the last node. Variable names are ASCII letters, digits and _,
starting with a letter, and never of the form n<digits> or c<digits>.

Conventions at kinks (the same in every key):
  - relu′(0) = 0;
  - max(a, b) with a == b passes the gradient to its first argument a (b gets 0);
  - min(a, b) with a == b likewise passes it to its first argument a.

Arithmetic. A solution is exact (Fractions throughout) when every value is a Fraction or int and
no exp, log, sigmoid or tanh occurs; otherwise it is float64. Exact values are capped at
MAX_EXACT_BITS bits per numerator and denominator so a run never stalls.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from qgen.engine.expression_graph import (ALLOWED, EXP_LIMIT, FUNCTIONS, MAX_EXACT_BITS, MAX_EXPONENT,  # noqa: F401
                                          MAX_NODES, MAX_TEXT, NOT_RATIONAL, Graph, Node, _error, _short)
from qgen.engine.expression_parse import parse_expression  # noqa: F401  (re-exported: one import for users)
from qgen.errors import QgenError
from qgen.numbers import Scalar, fraction_text, parse_number

@dataclass(frozen=True)
class NodeTrace:
    id: str
    op: str
    inputs: tuple[str, ...]
    value: Scalar
    grad: Scalar  # ∂output/∂node
    local: tuple[Scalar, ...]  # ∂node/∂input_i, one per input


@dataclass(frozen=True)
class ExpressionSolution:
    exact: bool
    value: Scalar
    gradients: dict[str, Scalar]  # ∂output/∂variable, in the graph's variable order
    nodes: tuple[NodeTrace, ...]  # same order as graph.nodes


# ---------------------------------------------------------------------------------------------
# Each op's forward rule and its local partials side by side. A rule gets the input values
# (and, for pow, the exponent k); the partials also get the node's output y.


def _sigmoid(a):
    a = float(a)
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)  # this branch never overflows for very negative a
    return e / (1.0 + e)


RULES = {
    #          forward y                           local partials (∂y/∂a, ∂y/∂b)
    "add": (lambda a, b: a + b,                 lambda a, b, y: (1, 1)),
    "sub": (lambda a, b: a - b,                 lambda a, b, y: (1, -1)),
    "mul": (lambda a, b: a * b,                 lambda a, b, y: (b, a)),
    "div": (lambda a, b: a / b,                 lambda a, b, y: (1 / b, -y / b)),
    "pow": (lambda a, k: a**k,                  lambda a, k, y: (k * a ** (k - 1) if k else 0,)),
    "neg": (lambda a: -a,                       lambda a, y: (-1,)),
    "max": (lambda a, b: a if a >= b else b,    lambda a, b, y: (1, 0) if a >= b else (0, 1)),
    "min": (lambda a, b: a if a <= b else b,    lambda a, b, y: (1, 0) if a <= b else (0, 1)),
    "relu": (lambda a: a if a > 0 else 0,       lambda a, y: (1 if a > 0 else 0,)),
    "exp": (lambda a: math.exp(a),              lambda a, y: (y,)),
    "log": (lambda a: math.log(a),              lambda a, y: (1 / a,)),
    "sigmoid": (_sigmoid,                       lambda a, y: (y * (1 - y),)),
    "tanh": (lambda a: math.tanh(a),            lambda a, y: (1 - y * y,)),
}  # fmt: skip


def solve_expression(graph: Graph, values: Mapping[str, Scalar], exact: bool | None = None,
                     printed: Mapping[str, Fraction] | None = None) -> ExpressionSolution:
    """Forward values, then backward gradients in reverse topological order.

    exact=None: exact iff every value is a Fraction (or int) and every op keeps rationals.
    exact=True with a float value reads it as the decimal it spells (0.1 is 1/10).
    printed: node id -> the value a sheet prints for that node (given mode, e.g. σ(2) = 0.8808):
    the node takes that value and its local partial follows from it (σ′ = y(1 − y), exp′ = y), so
    with every exp, sigmoid and tanh printed the solution can be exact.
    """
    _check_names(graph, values)
    printed = printed or {}
    exact = _choose_exact(graph, values, exact, set(printed))
    num = Fraction if exact else float

    value: dict[str, Scalar] = {}
    local: dict[str, tuple[Scalar, ...]] = {}
    for node in graph.nodes:
        local[node.id] = ()
        if node.op == "input":
            value[node.id] = _read_value(node.id, values[node.id], exact)
        elif node.op == "const":
            value[node.id] = num(node.constant)
        else:
            args = [value[i] for i in node.inputs] + ([node.exponent] if node.op == "pow" else [])
            _check_domain(graph, node, args)
            forward, partials = RULES[node.op]
            y = num(printed[node.id]) if node.id in printed else _computed(graph, node, lambda: num(forward(*args)))
            local[node.id] = _computed(graph, node, lambda: tuple(num(p) for p in partials(*args, y)), "the local derivative")
            value[node.id] = y
        _check_size(graph, node, value[node.id])

    grad = {node.id: num(0) for node in graph.nodes}
    grad[graph.output] = num(1)
    for node in reversed(graph.nodes):  # a node used twice collects both contributions
        for input_id, partial in zip(node.inputs, local[node.id]):
            grad[input_id] = _computed(graph, node, lambda: grad[input_id] + grad[node.id] * partial, "the gradient")

    traces = tuple(
        NodeTrace(n.id, n.op, n.inputs, value[n.id], grad[n.id], local[n.id]) for n in graph.nodes
    )
    return ExpressionSolution(
        exact=exact,
        value=value[graph.output],
        gradients={name: grad[name] for name in graph.variables},
        nodes=traces,
    )


def _check_names(graph: Graph, values) -> None:
    if not isinstance(values, Mapping):
        raise QgenError(f"values: expected a mapping from variable names to numbers, got {type(values).__name__}")
    for name in graph.variables:
        if name not in values:
            raise QgenError(f"values: missing value for {name!r}")
    for name in values:
        if name not in graph.variables:
            uses = ", ".join(graph.variables) or "no variables"
            raise QgenError(f"values: unknown variable {name!r} (the expression uses {uses})")


def _choose_exact(graph: Graph, values: Mapping, exact: bool | None, printed: set = frozenset()) -> bool:
    irrational = next((n for n in graph.nodes if n.op in NOT_RATIONAL and n.id not in printed), None)
    if exact is None:
        return irrational is None and all(
            isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in values.values()
        )
    if exact and irrational is not None:
        raise _error(
            f"{_short(expression_text(graph, irrational.id))} cannot be computed exactly "
            f"({irrational.op} is not rational; exp, log, sigmoid and tanh need floats)"
        )
    return bool(exact)


def _read_value(name: str, v, exact: bool) -> Scalar:
    if isinstance(v, bool) or not isinstance(v, (int, float, Fraction)):
        raise QgenError(f"values: {name} must be a number, got {v!r}"[:120])
    if isinstance(v, float) and not math.isfinite(v):
        raise QgenError(f"values: {name} must be a finite number, got {v}")
    if not exact:
        return float(v)
    return parse_number(v, f"values: {name}") if isinstance(v, float) else Fraction(v)


def _check_domain(graph: Graph, node: Node, args: list) -> None:
    at = _short(expression_text(graph, node.id))
    a = args[0]
    if node.op == "div" and args[1] == 0:
        divisor = _short(expression_text(graph, node.inputs[1]))
        raise _error(f"division by zero at {at} (the divisor {divisor} is 0)")
    if node.op == "pow" and a == 0 and node.exponent < 0:
        raise _error(f"0 to a negative power at {at}")
    if node.op == "log" and a <= 0:
        raise _error(f"log of a non-positive number at {at} (value {_show(a)})")
    if node.op == "exp" and a > EXP_LIMIT:
        raise _error(f"overflow at {at} (exp of {_show(a)}, more than {EXP_LIMIT})")


def _computed(graph: Graph, node: Node, compute, what: str = "the value"):
    """Run one arithmetic step of `node`; overflow or a non-finite float becomes a QgenError."""
    try:
        result = compute()
    except (OverflowError, ZeroDivisionError) as e:
        raise _error(f"overflow in {what} at {_short(expression_text(graph, node.id))} ({e})") from None
    for v in result if isinstance(result, tuple) else (result,):
        if isinstance(v, float) and not math.isfinite(v):
            raise _error(f"overflow in {what} at {_short(expression_text(graph, node.id))} (value {v})")
        _check_size(graph, node, v)
    return result


def _check_size(graph: Graph, node: Node, v: Scalar) -> None:
    if isinstance(v, Fraction) and max(abs(v.numerator).bit_length(), v.denominator.bit_length()) > MAX_EXACT_BITS:
        raise _error(
            f"number too large for exact arithmetic at {_short(expression_text(graph, node.id))} "
            f"(more than {MAX_EXACT_BITS} bits)"
        )


def _show(v: Scalar) -> str:
    return fraction_text(v) if isinstance(v, Fraction) else f"{v:.6g}"


# ---------------------------------------------------------------------------------------------
# Readable text of a node, for keys and messages. It parses back to the same graph.

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_ATOM = 5


def expression_text(graph: Graph, node_id: str) -> str:
    """Infix text of a node with only the parentheses it needs, e.g. "2 * (x * y + max(z, w))"."""
    return _text(graph, node_id)[0]


def _text(graph: Graph, node_id: str) -> tuple[str, int]:
    node = graph.node(node_id)
    if node.op == "input":
        return node.id, _ATOM
    if node.op == "const":
        return _decimal(node.constant), (_PRECEDENCE["neg"] if node.constant < 0 else _ATOM)
    parts = [_text(graph, i) for i in node.inputs]
    if node.op in FUNCTIONS:
        return f"{node.op}({', '.join(text for text, _ in parts)})", _ATOM
    own = _PRECEDENCE[node.op]

    def wrap(part, least):
        text, precedence = part
        return text if precedence >= least else f"({text})"

    if node.op == "neg":
        return "-" + wrap(parts[0], own + 1), own
    if node.op == "pow":
        return f"{wrap(parts[0], _ATOM)} ** {node.exponent}", own
    # left-associative: the right operand needs strictly higher precedence, as in a - (b - c)
    return f"{wrap(parts[0], own)} {_SYMBOLS[node.op]} {wrap(parts[1], own + 1)}", own


def _decimal(c: Fraction) -> str:
    """A constant as the decimal it was written as (constants come from decimal literals)."""
    if c.denominator == 1:
        return str(c.numerator)
    k = next((k for k in range(1, 200) if 10**k % c.denominator == 0), None)
    if k is None:  # not a finite decimal; cannot come from the parser
        return f"({fraction_text(c)})"
    digits = str(abs(c.numerator) * (10**k // c.denominator)).rjust(k + 1, "0")
    return ("-" if c < 0 else "") + digits[:-k] + "." + digits[-k:]
