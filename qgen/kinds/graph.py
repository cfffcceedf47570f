"""`graph`: a scalar expression graph (+, −, ×, max, ReLU, σ, …) and its input values; asked: the
value of every node (forward pass) and the gradient of the output at every node and input
(backward pass).

The expression TEXT is drawn (a classic cs231n circuit with random operators and constants, or a
random tree), then read by the engine's parser, which is the single source of truth for the
graph: node ids, sharing (a variable or subexpression used twice is one node) and the solution
all come from qgen.engine.expression, and every key passes check_expression before it is returned.

Modes. exact: + − × ÷ (by small integers), powers 2 and 3, max, min, ReLU, negation; integer
inputs; every answer an exact rational. given: adds exp, σ and tanh at integer arguments; the
question prints a table of their values (4 decimals) over a fixed range, so it does not reveal
which arguments occur; the key is computed in float64 and checked to a tolerance. calculator:
inputs with 2 decimals, float answers with a tolerance.

The diagram depends only on the graph's structure (never on the values), so all variants of one
expression share one compiled picture.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from qgen.engine.expression import (
    NOT_RATIONAL,
    RULES,
    ExpressionSolution,
    Graph,
    expression_text,
    parse_expression,
    solve_expression,
)
from qgen.engine.expression_check import check_expression
from qgen.errors import QgenError, VerificationError
from qgen.kinds.base import Answer, Draw, Option, Redraw, bounded, reject_zero_share, round_to, small_int
from qgen.answers import accepts, entries
from qgen.kinds.graph_layout import layout as draw_layout
from qgen.kinds.graph_sampling import CLASSICS, VARIABLES, classics, draw_text
from qgen import shown
from qgen.kinds.reject_rules import reject_equal_inputs
from qgen.render import render

NAME = "graph"
SUMMARY = "scalar expression graph with input values; the value and the gradient at every node and input"

MAX_OPS = 16  # operations in a user's expression (the picture and the key stay readable)
MAX_VARIABLES = 6
MAX_DEPTH = 7  # columns of operations in a drawn (random) graph: fits the page unscaled
LIMIT = {"exact": 200, "given": 100, "calculator": 100}  # largest |value| or |gradient|
MAX_DENOMINATOR = 12  # exact mode: simple fractions only
NEAR_KINK = 0.05  # float modes: max/min arguments and ReLU inputs at least this far from a kink
VALUE_TRIES = 8  # input values drawn for one graph before the graph itself is redrawn
TABLES = {"exp": (-3, 3), "sigmoid": (-4, 4), "tanh": (-2, 2), "log": (1, 8)}  # given mode: printed k
SATURATION = {"sigmoid": 4, "tanh": 2.5}  # |argument| beyond this: the gradient all but vanishes
NO_EXPRESSION = "none"  # the expression option's default: draw one
RULE_DEAD_BRANCH = "no dead branch (an operation whose gradient is 0)"
RULE_REPEATED_TERM = "no term repeated in a chain of + and − (or of ×)"
RULE_CONSTANTS = "at most one constant in a chain of + and − (or of ×)"
CHAINS = ({"add", "sub"}, {"mul"})  # operations that read as one chain: x − w − w, 2 · x · 3
FLOAT_NOTE = ("Exp, log, sigmoid and tanh leave the fractions, so every value is computed in floating point "
              "(float64) and printed rounded to 4 decimals; each step works with the unrounded values, so "
              "redoing it from the printed ones may differ in the last digit.")


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


# ---------------------------------------------------------------------------------------------
# Options


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


def _operations(graph: Graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op not in ("input", "const")]


def _uses(graph: Graph) -> dict[str, list[tuple[str, int]]]:
    """node id -> [(consumer id, input slot)], consumers in topological order."""
    uses: dict[str, list[tuple[str, int]]] = {n.id: [] for n in graph.nodes}
    for node in graph.nodes:
        for slot, i in enumerate(node.inputs):
            uses[i].append((node.id, slot))
    return uses


def _shared(graph: Graph) -> bool:
    """A variable or operation (not a constant) feeds more than one input slot."""
    uses = _uses(graph)
    return any(len(uses[n.id]) > 1 for n in graph.nodes if n.op != "const")


def _check_structure(graph: Graph, options: dict, columns: int) -> None:
    low, high = options["operations"]
    if not low <= len(_operations(graph)) <= high:
        raise Redraw("operation count (repeated subexpressions merge)")
    if options["shared"] != "any" and _shared(graph) != (options["shared"] == "yes"):
        raise Redraw("a node used twice, as asked by the option shared")
    if options["mode"] == "given" and not any(op in NOT_RATIONAL for op in _operations(graph)):
        raise Redraw("given mode needs a function with printed values")
    if columns > MAX_DEPTH:
        raise Redraw("diagram too deep for the page")
    if any(n.op == "neg" and graph.node(n.inputs[0]).op in ("input", "const") for n in graph.nodes):
        raise Redraw("no negation of a printed number (its value is the number negated)")
    _check_chains(graph)


def _check_chains(graph: Graph) -> None:
    """A chain of + and − (or of ×) reads as one sum (product) of terms: a term in it twice
    (x − w − w) or two constants (x + 2 + y + 3) is a roundabout way to write a shorter expression."""
    for node in graph.nodes:
        for family in CHAINS:
            if node.op in family:
                terms = _chain_terms(graph, node.id, family)
                if len(set(terms)) < len(terms):
                    raise Redraw(RULE_REPEATED_TERM)
                if sum(graph.node(t).op == "const" for t in terms) > 1:
                    raise Redraw(RULE_CONSTANTS)


def _chain_terms(graph: Graph, node_id: str, family: set[str]) -> list[str]:
    """The terms of the chain of `family` operations under node_id (node ids; a shared node or
    constant keeps its one id, so a repeat shows as the same id twice)."""
    terms = []
    for i in graph.node(node_id).inputs:
        terms += _chain_terms(graph, i, family) if graph.node(i).op in family else [i]
    return terms


# ---------------------------------------------------------------------------------------------
# Values, solving and the reject rules


def _draw_values(rng: np.random.Generator, graph: Graph, options: dict) -> dict[str, Fraction]:
    high = 3 if options["difficulty"] == "easy" or options["mode"] == "given" else 4
    values = {}
    for name in graph.variables:
        if options["mode"] == "calculator":
            value = Fraction(0)
            while abs(value) < Fraction(1, 10):
                value = round_to(rng.uniform(-3, 3))
        else:
            value = small_int(rng, -high, high, nonzero=True)
        values[name] = value
    return values


def _solve(graph: Graph, values: dict, mode: str) -> ExpressionSolution:
    try:
        return solve_expression(graph, values, exact=mode == "exact")
    except QgenError:  # log of a non-positive number, division by zero, overflow
        raise Redraw("values outside a function's domain") from None


def _reject(graph: Graph, solution: ExpressionSolution, mode: str) -> None:
    value = {t.id: t.value for t in solution.nodes}
    for node in graph.nodes:
        args = [value[i] for i in node.inputs]
        if node.op in ("max", "min"):
            if args[0] == args[1]:
                raise Redraw("max/min tie (a kink)")
            if mode != "exact" and abs(args[0] - args[1]) < NEAR_KINK:
                raise Redraw("max/min arguments near a tie")
        if node.op == "relu":
            if args[0] == 0:
                raise Redraw("ReLU at its kink")
            if mode != "exact" and abs(args[0]) < NEAR_KINK:
                raise Redraw("ReLU input near its kink")
        if node.op in SATURATION and abs(args[0]) > SATURATION[node.op]:
            raise Redraw(f"saturated {node.op}")
        if node.op == "exp" and args[0] > TABLES["exp"][1]:
            raise Redraw("exp of a large argument")
        if node.op == "log" and args[0] < 0.2:
            raise Redraw("log near 0")
        if mode == "given" and node.op in TABLES:
            low, high = TABLES[node.op]
            if abs(args[0] - round(args[0])) > 1e-9 or not low <= round(args[0]) <= high:
                raise Redraw("function argument off the printed table")
    zeros = sum(abs(g) < 1e-9 for g in solution.gradients.values())  # floats: uses that cancel leave ~1e-17
    if zeros == len(solution.gradients):
        raise Redraw("all-zero gradient at the inputs")
    if zeros > 1:  # one input cut off (the losing side of a max) teaches; more is a dull question
        raise Redraw("more than one input with zero gradient")
    # An operation with gradient 0 (the losing side of a max, an inactive ReLU, a factor 0) cuts
    # off its whole branch: the student works it forward for nothing. Only an input may be cut off.
    grads = {t.id: t.grad for t in solution.nodes}
    if any(abs(grads[n.id]) < 1e-9 for n in graph.nodes if n.op not in ("input", "const")):
        raise Redraw(RULE_DEAD_BRANCH)
    reject_zero_share([grads[i] for i in _gradient_ids(graph)])
    numbers = [x for t in solution.nodes for x in (t.value, t.grad, *t.local)]
    bounded(numbers, LIMIT[mode])
    if mode == "exact" and any(Fraction(x).denominator > MAX_DENOMINATOR for x in numbers):
        raise Redraw("fractions too fine to compute by hand")
    reject_equal_inputs(graph, value)


FUNCTIONS = {"exp": math.exp, "sigmoid": lambda k: 1 / (1 + math.exp(-k)), "tanh": math.tanh, "log": math.log}


def _printed(op: str, k) -> Fraction:
    """A function's value as the given-mode table prints it (4 decimals)."""
    return round_to(FUNCTIONS[op](float(k)), 4)


def _check_printed_precision(graph: Graph, values: dict, solution: ExpressionSolution) -> None:
    """Given mode: the key is float64, the student works from the table's 4 decimals. Work the
    graph again, exactly, the student's way (each function's value read off the table, its
    derivative from that value by the same rules), and redraw unless the one acceptance rule
    (qgen.answers) accepts every answer worked that way: the table never costs a student a mark."""
    value: dict = {}
    local: dict = {}
    for node in graph.nodes:
        if node.op in ("input", "const"):
            value[node.id] = Fraction(values[node.id]) if node.op == "input" else node.constant
            continue
        args = [value[i] for i in node.inputs] + ([node.exponent] if node.op == "pow" else [])
        forward, partials = RULES[node.op]
        value[node.id] = _printed(node.op, args[0]) if node.op in FUNCTIONS else forward(*args)
        local[node.id] = partials(*args, value[node.id])
    grad = {node.id: Fraction(0) for node in graph.nodes}
    grad[graph.output] = Fraction(1)
    for node in reversed(graph.nodes):
        for i, partial in zip(node.inputs, local.get(node.id, ())):
            grad[i] += grad[node.id] * partial
    for t in solution.nodes:
        if t.op == "const":
            continue
        for key, student in ((t.value, value[t.id]), (t.grad, grad[t.id])):
            if not accepts(entries("", key, "rounded")[0], student):
                raise Redraw("printed function values too coarse for the acceptance rule")


def _draw_solution(rng: np.random.Generator, graph: Graph, options: dict) -> tuple[dict, ExpressionSolution]:
    """Input values for this graph that pass every reject rule, and the checked solution. A few
    tries per graph before giving up on it: otherwise the shapes that rarely fail (a classic)
    would crowd out the random ones that often do."""
    mode = options["mode"]
    for attempt in range(VALUE_TRIES):
        values = _draw_values(rng, graph, options)
        try:
            solution = _solve(graph, values, mode)
            _reject(graph, solution, mode)
            if mode == "given":
                _check_printed_precision(graph, values, solution)
        except Redraw:
            if attempt == VALUE_TRIES - 1:
                raise
            continue
        check_expression(graph, values, solution)  # the oracle: raises VerificationError
        return values, solution
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# The draw


def draw(rng: np.random.Generator, options: dict) -> Draw:
    """One question: the structure (the expression) unless the options fix it, then the values."""
    mode = options["mode"]
    if options["expression"] == NO_EXPRESSION:
        graph, origin, layout = _drawn_structure(rng, options)
    else:
        graph, origin = parse_expression(options["expression"]), "given"
        layout = _layout(graph)
    values, solution = _draw_solution(rng, graph, options)
    params = {"expression": expression_text(graph, graph.output), "shape": origin,
              "values": {v: f"{float(values[v]):.2f}" if mode == "calculator" else str(values[v])
                         for v in _variables(graph)},
              "nodes": _subexpressions(graph)}
    if mode == "given":  # the printed tables are given values too: answers.json alone can check the key
        params["tables"] = {t["op"]: {str(p["k"]): f"{float(p['value']):.4f}" for p in t["points"]}
                            for t in _tables(graph)}
    return _key(graph, values, solution, mode, params, layout)


def _drawn_structure(rng: np.random.Generator, options: dict) -> tuple[Graph, str, dict]:
    """A drawn expression's graph, the shape it came from and its layout; Redraw when it breaks a
    structural rule. The same step makes a class's expression (class_options) and a practice one."""
    text, origin = draw_text(rng, options)
    graph = parse_expression(text)  # the engine's graph is the single source of truth
    layout = _layout(graph)
    _check_structure(graph, options, layout["columns"])
    return graph, origin, layout


def _subexpressions(graph: Graph) -> dict[str, str]:
    """Each operation node's id and the subexpression it computes (n1: "x * y")."""
    return {n.id: expression_text(graph, n.id) for n in graph.nodes if n.op not in ("input", "const")}


CLASS_TRIES = 50  # expressions tried for a class before giving up
CLASS_PROBES = 5  # students' values that must be drawable from a class expression


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """Options for a whole class (`qgen exam`): one expression drawn for everyone, so every
    student works the same structure (the same amount of work, the same printed tables, one
    picture for the class) with values of their own. A fixed `expression` option is kept as it
    is, so class_options is idempotent. (`draw` draws its expression with the same step,
    _drawn_structure, but without the probes: a practice question needs values for one student.)"""
    if options["expression"] != NO_EXPRESSION:
        return options
    for _ in range(CLASS_TRIES):
        try:
            graph, _, _ = _drawn_structure(rng, options)
            shared = {**options, "expression": expression_text(graph, graph.output)}
            check_options(shared)
        except (Redraw, QgenError):
            continue
        if all(_drawable(rng, shared) for _ in range(CLASS_PROBES)):
            return shared
    raise QgenError(f"graph: no expression in {CLASS_TRIES} tries suits a whole class with these options")


def _drawable(rng: np.random.Generator, options: dict, budget: int = 40) -> bool:
    """Whether values for this expression are found within a small retry budget."""
    for _ in range(budget):
        try:
            draw(rng, options)
            return True
        except Redraw:
            continue
    return False


def draw_for_expression(graph: Graph, values: dict, mode: str) -> Draw:
    """The worked key of a given expression at given values (a user's own problem, `qgen solve
    --pdf`): solved by the engine, checked by the oracle, and the same question and solution
    contexts as a drawn one.

    mode: "exact" (every value a fraction) or "float" (exp, log, sigmoid or tanh occur: float64,
    printed rounded to 4 decimals, with a note saying so). No reject rule applies: a ReLU at 0 or a
    max/min tie is solved with the stated conventions and the key names them. A value outside a
    function's domain or an overflow is a QgenError; an oracle disagreement a VerificationError.
    """
    solution = solve_expression(graph, values, exact=mode == "exact")
    check_expression(graph, values, solution)
    params = {"expression": expression_text(graph, graph.output),
              "values": {v: str(values[v]) for v in _variables(graph)}, "nodes": _subexpressions(graph)}
    return _key(graph, values, solution, mode, params, _layout(graph))


def _layout(graph: Graph) -> dict:
    return draw_layout(graph, _variables(graph), lambda node_id: _ref(graph, node_id))


def _key(graph: Graph, values: dict, solution: ExpressionSolution, mode: str, params: dict, layout: dict) -> Draw:
    """Answers, template contexts, diagram and notes of a solved, checked expression."""
    steps = _backward_steps(graph, solution)
    by_id = {t.id: t for t in solution.nodes}
    ops = [n for n in graph.nodes if n.op not in ("input", "const")]
    # Given mode: a function's value is read off the printed table, so it is not asked (asking it
    # would print the answer on the sheet); its gradient still is.
    valued = [n for n in ops if not (mode == "given" and n.op in TABLES)]
    answers = tuple(
        [Answer(n.id, _math_name(n.id), by_id[n.id].value) for n in valued]
        + [Answer(f"df/d{n.id}", rf"\partial f/\partial {_math_name(n.id)}", by_id[n.id].grad)
           for n in ops if n.id != graph.output]
        + [Answer(f"df/d{v}", rf"\partial f/\partial {_math_name(v)}", solution.gradients[v])
           for v in _variables(graph)]
    )
    diagram = render("diagrams/graph.tex", g=layout)
    question = {
        "formula": _tree(graph, graph.output),
        "long": len(expression_text(graph, graph.output)) > 70,
        "variables": [{"ref": _ref(graph, v), "value": values[v]} for v in _variables(graph)],
        "stages": [{"ref": _ref(graph, n.id), "form": _tree(graph, n.id, expand=False)} for n in ops],
        "valued": [_ref(graph, n.id) for n in valued],
        "output": _ref(graph, graph.output),
        "tables": _tables(graph) if mode == "given" else [],
        "mode": mode,
        "scale": layout["scale"],
    }
    solution_context = {**question, "rows": _rows(graph, solution), "steps": steps,
                        "inputs": [{"ref": _ref(graph, v), "grad": solution.gradients[v]} for v in _variables(graph)]}
    notes = ()
    if mode == "given":
        notes = ("The values of the functions are printed to 4 decimals; the key is computed in full precision "
                 "and rounded to 4 decimals.", shown.NOTE)
    elif mode == "calculator":
        notes = ("The inputs have 2 decimals; the key is computed from them in full precision and rounded to "
                 "4 decimals.", shown.NOTE)
    elif mode == "float":
        notes = (FLOAT_NOTE, shown.NOTE)
    return Draw(params, answers, question, solution_context, diagram,
                number_style="fraction" if mode == "exact" else "rounded", notes=notes)


# ---------------------------------------------------------------------------------------------
# Template data: names, formulas, the forward and backward pass


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


