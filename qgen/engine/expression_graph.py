"""The expression graph's data (nodes, the graph, the language's limits and functions): what the
parser (expression_parse) builds and the solver (expression) runs; see qgen.engine.expression."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from qgen.errors import QgenError

MAX_TEXT = 500
MAX_NODES = 200  # expression nodes as written (before sharing)
MAX_EXPONENT = 8
MAX_EXACT_BITS = 1000
EXP_LIMIT = 700  # exp(700) ≈ 1e304 is the last power of e a float holds comfortably

FUNCTIONS = {"max": 2, "min": 2, "exp": 1, "log": 1, "sigmoid": 1, "tanh": 1, "relu": 1}
NOT_RATIONAL = {"exp", "log", "sigmoid", "tanh"}
ALLOWED = "allowed: numbers, variable names, + - * / **, max, min, exp, log, sigmoid, tanh, relu"


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Node:
    id: str
    op: str
    inputs: tuple[str, ...] = ()
    constant: Fraction | None = None  # for "const"
    exponent: int | None = None  # for "pow"


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]  # topological order, output last
    output: str
    variables: tuple[str, ...]  # in order of first appearance
    text: str

    def node(self, node_id: str) -> Node:
        return self._by_id[node_id]

    @cached_property
    def _by_id(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}


def _error(what: str) -> QgenError:
    return QgenError(f"expression: {what}")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
