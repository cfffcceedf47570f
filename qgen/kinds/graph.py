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
from qgen.errors import QgenError
from qgen.kinds.base import Answer, Draw, Redraw, bounded, reject_zero_share, round_to, small_int
from qgen.answers import accepts, entries
from qgen.kinds.graph_layout import layout as draw_layout
from qgen.kinds.graph_sampling import draw_text
from qgen import shown
from qgen.kinds.reject_rules import reject_equal_inputs
from qgen.kinds.graph_context import (  # the key's template data
    FUNCTIONS, TABLES, _backward_steps, _gradient_ids, _math_name, _operations, _printed, _ref, _rows, _tables,
    _tree, _uses, _variables,
)
from qgen.kinds.graph_options import MAX_OPS, MAX_VARIABLES, NO_EXPRESSION, OPTIONS, check_options  # noqa: F401 (the kind's interface)
from qgen.render import render

NAME = "graph"
SUMMARY = "scalar expression graph with input values; the value and the gradient at every node and input"

MAX_DEPTH = 7  # columns of operations in a drawn (random) graph: fits the page unscaled
LIMIT = {"exact": 200, "given": 100, "calculator": 100}  # largest |value| or |gradient|
MAX_DENOMINATOR = 12  # exact mode: simple fractions only
NEAR_KINK = 0.05  # float modes: max/min arguments and ReLU inputs at least this far from a kink
VALUE_TRIES = 8  # input values drawn for one graph before the graph itself is redrawn
SATURATION = {"sigmoid": 4, "tanh": 2.5}  # |argument| beyond this: the gradient all but vanishes
RULE_DEAD_BRANCH = "no dead branch (an operation whose gradient is 0)"
RULE_REPEATED_TERM = "no term repeated in a chain of + and − (or of ×)"
RULE_CONSTANTS = "at most one constant in a chain of + and − (or of ×)"
CHAINS = ({"add", "sub"}, {"mul"})  # operations that read as one chain: x − w − w, 2 · x · 3
FLOAT_NOTE = ("Exp, log, sigmoid and tanh leave the fractions, so every value is computed in floating point "
              "(float64) and printed rounded to 4 decimals; each step works with the unrounded values, so "
              "redoing it from the printed ones may differ in the last digit.")


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
        # distinct probes: an expression with one or two drawable value sets would give students
        # the same numbers (and a Moodle export no second variant); and an input gradient that
        # depends on the student's values: a linear expression gives the whole class the same
        # gradient answers (half the question shared, and a shared value is no copy evidence)
        probes = [_drawable(rng, shared) for _ in range(CLASS_PROBES)]
        if (all(p is not None for p in probes) and len({repr(p.params) for p in probes}) == CLASS_PROBES
                and len({_input_gradients(p) for p in probes}) > 1):
            return shared
    raise QgenError(f"graph: no expression in {CLASS_TRIES} tries suits a whole class with these options")


def _drawable(rng: np.random.Generator, options: dict, budget: int = 40) -> Draw | None:
    """A draw of this expression within a small retry budget, or None."""
    for _ in range(budget):
        try:
            return draw(rng, options)
        except Redraw:
            continue
    return None


def _input_gradients(drawn: Draw) -> str:
    """The answers ∂f/∂(input) of a draw, as text to compare."""
    variables = drawn.params["values"]
    return repr([a.value for a in drawn.answers if a.name.startswith("df/d") and a.name[4:] in variables])


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


# The layout and picture depend on the graph alone (never on values): with same_structure a class
# has one graph per question, so each process lays it out and renders it once. A few kept per
# process (a practice set draws a structure per question); nobody changes a layout once made.
_LAYOUTS: dict[Graph, dict] = {}
_PICTURES: dict[Graph, str] = {}
KEPT = 64


def _kept(cache: dict, graph: Graph, make):
    if graph not in cache:
        if len(cache) >= KEPT:
            cache.clear()
        cache[graph] = make()
    return cache[graph]


def _layout(graph: Graph) -> dict:
    return _kept(_LAYOUTS, graph, lambda: draw_layout(graph, _variables(graph), lambda node_id: _ref(graph, node_id)))


def _picture(graph: Graph, layout: dict) -> str:
    return _kept(_PICTURES, graph, lambda: render("diagrams/graph.tex", g=layout))


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
    diagram = _picture(graph, layout)
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
