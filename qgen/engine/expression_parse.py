"""Reading a formula into an expression Graph with Python's `ast` under a whitelist (nothing is
evaluated); the rules are in qgen.engine.expression's docstring."""

from __future__ import annotations

import ast
import re
from fractions import Fraction

from qgen.engine.expression_graph import (ALLOWED, FUNCTIONS, MAX_EXPONENT, MAX_NODES, MAX_TEXT, Graph, Node,
                                          _error, _short)
from qgen.errors import QgenError
from qgen.numbers import parse_number

# ---------------------------------------------------------------------------------------------
# Parsing

_REFUSED = {  # AST node types a user may write but we do not accept, as the user would name them
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Slice: "slices",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if-else expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.NamedExpr: "assignments",
    ast.JoinedStr: "strings",
    ast.Starred: "starred arguments",
}
_OPERATORS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
_OPERATOR_SYMBOLS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<",
                     ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&"}  # fmt: skip
_CONSTANT_KINDS = {str: "strings", bytes: "strings", bool: "booleans", complex: "complex numbers",
                   type(None): "None", type(...): "..."}  # fmt: skip
_VARIABLE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_RESERVED = re.compile(r"[nc][0-9]+")


def _refuse(node: ast.AST) -> QgenError:
    kind = _REFUSED.get(type(node), f"{type(node).__name__} nodes")
    return _error(f"{kind} {'is' if kind == 'attribute access' else 'are'} not allowed ({ALLOWED})")


def parse_expression(text: str) -> Graph:
    """Read a formula into a Graph, or raise QgenError naming what is not allowed."""
    if not isinstance(text, str):
        raise _error(f"expected text such as \"x * y + z\", got {type(text).__name__}")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise _error(f"too long ({len(text)} characters, at most {MAX_TEXT})")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        where = f" (column {e.offset})" if e.offset else ""
        raise _error(f"not a valid expression: {e.msg}{where}") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise _error(f"not a valid expression: {e}") from None
    written = [n for n in ast.walk(tree) if isinstance(n, ast.expr)]
    count = len(written) - sum(isinstance(n, ast.Call) for n in written)  # a call's name is no node
    if count > MAX_NODES:
        raise _error(f"too many nodes ({count}, at most {MAX_NODES})")
    builder = _Builder(text)
    output = builder.visit(tree.body)
    leaves_first = {"input": 0, "const": 1}
    nodes = sorted(builder.nodes.values(), key=lambda n: leaves_first.get(n.op, 2))  # stable
    variables = tuple(n.id for n in nodes if n.op == "input")
    return Graph(nodes=tuple(nodes), output=output, variables=variables, text=text)


class _Builder:
    """Walks the whitelisted AST bottom-up, making one node per distinct subexpression."""

    def __init__(self, text: str):
        self.text = text
        self.nodes: dict[tuple, Node] = {}  # hash-consing key -> node, in creation order
        self.counts = {"c": 0, "n": 0}

    def add(self, op: str, inputs=(), constant=None, exponent=None, name=None) -> str:
        key = (op, inputs, constant, exponent, name)
        if key not in self.nodes:
            if op == "input":
                node_id = name
            else:
                prefix = "c" if op == "const" else "n"
                self.counts[prefix] += 1
                node_id = f"{prefix}{self.counts[prefix]}"
            self.nodes[key] = Node(node_id, op, tuple(inputs), constant, exponent)
        return self.nodes[key].id

    def visit(self, node: ast.AST) -> str:
        literal = self.literal(node)
        if literal is not None:
            return self.add("const", constant=literal)
        if isinstance(node, ast.Name):
            return self.variable(node.id)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return self.add("neg", (self.visit(node.operand),))
            if isinstance(node.op, ast.UAdd):
                return self.visit(node.operand)
            raise _error(f"'{'not' if isinstance(node.op, ast.Not) else '~'}' is not allowed ({ALLOWED})")
        if isinstance(node, ast.Call):
            return self.call(node)
        raise _refuse(node)

    def literal(self, node: ast.AST) -> Fraction | None:
        """The number a literal (possibly signed) spells, exactly; None if it is not one."""
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.literal(node.operand)
            if inner is None:
                return None
            return -inner if isinstance(node.op, ast.USub) else inner
        if not isinstance(node, ast.Constant):
            return None
        value = node.value
        if type(value) in _CONSTANT_KINDS:
            kind = _CONSTANT_KINDS[type(value)]
            raise _error(f"{kind} {'is' if kind in ('None', '...') else 'are'} not allowed ({ALLOWED})")
        if isinstance(value, float):  # read the decimal as written: 0.1 is 1/10
            value = (ast.get_source_segment(self.text, node) or repr(value)).replace("_", "")
        return parse_number(value, "expression")

    def variable(self, name: str) -> str:
        if name in FUNCTIONS:
            raise _error(f"'{name}' is a function; call it, e.g. {name}(x)")
        if not _VARIABLE.fullmatch(name):
            raise _error(f"variable names are ASCII letters, digits and _, starting with a letter; got {name!r}")
        if _RESERVED.fullmatch(name):
            raise _error(f"variable name {name!r} is reserved for graph nodes (n1, n2, …, c1, c2, …)")
        return self.add("input", name=name)

    def binary(self, node: ast.BinOp) -> str:
        if isinstance(node.op, ast.Pow):
            k = self.literal(node.right)
            if k is None or k.denominator != 1:
                raise _error(f"the exponent in {_short(ast.unparse(node))} must be an integer constant such as 2 or -1")
            if abs(k) > MAX_EXPONENT:
                raise _error(f"huge exponent {k} in {_short(ast.unparse(node))} (at most {MAX_EXPONENT} in absolute value)")
            return self.add("pow", (self.visit(node.left),), exponent=int(k))
        if isinstance(node.op, ast.BitXor):
            raise _error("^ is not allowed (in Python it is bitwise xor); write powers with **, e.g. x ** 2")
        if type(node.op) not in _OPERATORS:
            raise _error(f"operator {_OPERATOR_SYMBOLS.get(type(node.op), '?')} is not allowed ({ALLOWED})")
        left = self.visit(node.left)
        right = self.visit(node.right)
        return self.add(_OPERATORS[type(node.op)], (left, right))

    def call(self, node: ast.Call) -> str:
        functions = ", ".join(FUNCTIONS)
        if not isinstance(node.func, ast.Name):
            if type(node.func) in _REFUSED:
                raise _refuse(node.func)
            raise _error(f"only these functions can be called, by name: {functions}")
        name = node.func.id
        if name not in FUNCTIONS:
            raise _error(f"unknown function {name!r} (allowed functions: {functions})")
        if node.keywords:
            raise _error(f"keyword arguments are not allowed, in {_short(ast.unparse(node))}")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _refuse(arg)
        arity = FUNCTIONS[name]
        if len(node.args) != arity:
            raise _error(f"{name} takes exactly {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)} in {_short(ast.unparse(node))}")
        return self.add(name, tuple(self.visit(arg) for arg in node.args))


# ---------------------------------------------------------------------------------------------
# Solving
