"""The `graph` kind's options (`qgen kinds`, --set, EXAM.toml) and their checks, as one line naming
the option."""

from __future__ import annotations

from qgen.engine.expression import NOT_RATIONAL, parse_expression
from qgen.errors import QgenError
from qgen.kinds.base import Option
from qgen.kinds.graph_context import _operations
from qgen.kinds.graph_sampling import CLASSICS, classics

MAX_OPS = 16  # operations in a user's expression (the picture and the key stay readable)
MAX_VARIABLES = 6
NO_EXPRESSION = "none"  # the expression option's default: draw one


class _Range(tuple):
    """(low, high) operations, shown as the user writes it: 3-5."""

    def __str__(self) -> str:
        return f"{self[0]}-{self[1]}" if self[0] != self[1] else str(self[0])


def _op_range(text) -> tuple[int, int]:
    parts = str(text).split("-")
    try:
        low, high = int(parts[0]), int(parts[-1])
    except ValueError:
        raise ValueError(f"expected a count such as 5 or a range such as 4-6, got {text!r}") from None
    if len(parts) > 2 or not 2 <= low <= high <= 14:
        raise ValueError(f"expected a count or range from 2 to 14 operations, such as 5 or 4-6, got {text!r}")
    return _Range((low, high))


def _expression(text) -> str:
    text = str(text).strip()
    if not text or text.lower() == NO_EXPRESSION:
        return NO_EXPRESSION
    try:
        parse_expression(text)
    except QgenError as e:
        raise ValueError(str(e).removeprefix("expression: ")) from None
    return text


OPTIONS = (
    Option("operations", "number of operations, such as 5 or 4-6 (ignored with expression=…)",
           {"easy": _Range((3, 5)), "medium": _Range((6, 8)), "hard": _Range((9, 12))}, _op_range),
    Option("shared", "a variable or node used twice, so its gradients add up: yes, no or any",
           {"easy": "any", "medium": "yes", "hard": "yes"}, str, choices=("yes", "no", "any")),
    Option("shape", "classic (the cs231n circuits, 2-7 operations), random (a random tree) or any",
           {"easy": "any", "medium": "any", "hard": "random"}, str, choices=("classic", "random", "any")),
    Option("expression", "a fixed expression such as 2*(x*y + max(z, w)); only the values are drawn",
           {"easy": NO_EXPRESSION, "medium": NO_EXPRESSION, "hard": NO_EXPRESSION}, _expression),
)


def check_options(options: dict) -> None:
    mode = options["mode"]
    if options["expression"] != NO_EXPRESSION:
        graph = parse_expression(options["expression"])
        ops = _operations(graph)
        functions = sorted({op for op in ops if op in NOT_RATIONAL})
        if not ops or not graph.variables:
            raise QgenError("graph option expression: needs at least one variable and one operation, such as x * y")
        if len(ops) > MAX_OPS or len(graph.variables) > MAX_VARIABLES:
            raise QgenError(f"graph option expression: at most {MAX_OPS} operations and {MAX_VARIABLES} variables "
                            f"(got {len(ops)} and {len(graph.variables)})")
        if mode == "exact" and functions:
            raise QgenError(f"graph option expression: {', '.join(functions)} cannot be exact; "
                            "use --mode given or --mode calculator")
        if mode == "given" and not functions:
            raise QgenError("graph option expression: given mode prints values of exp, log, sigmoid or tanh and "
                            "this expression has none; use --mode exact")
        return
    low, high = options["operations"]
    if options["shape"] == "classic" and not classics(options, low, high):
        sizes = ", ".join(sorted({str(c.ops) for c in CLASSICS if mode in c.modes}))
        raise QgenError(f"graph option shape: no classic shape has {low}-{high} operations with shared="
                        f"{options['shared']} in {mode} mode (classic sizes: {sizes}); use shape=random")
    need = 1 + (options["shared"] == "yes") + (mode == "given")
    if options["shape"] != "classic" and low < need:
        raise QgenError(f"graph option operations: a random graph with these options needs at least {need} "
                        f"operations, got {low}")
