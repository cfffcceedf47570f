"""The `graph` kind: drawn expression graphs, their keys, the reject rules, options and the picture."""

from __future__ import annotations

import ast
import math
from fractions import Fraction as F

import numpy as np
import pytest

from gradcheck import numeric_jacobian
from qgen.answers import EXACT
from qgen.engine.expression import parse_expression, solve_expression
from qgen.errors import QgenError, VerificationError
from qgen.kinds import graph, graph_layout, graph_sampling
from qgen.kinds import base
from qgen.kinds.base import Redraw
from qgen.randomiser import draw_variant, resolve_options
from qgen.render import render

MODES = ("exact", "given", "calculator")
DIFFICULTIES = ("easy", "medium", "hard")
FUNCTIONS = {"max": max, "min": min, "relu": lambda a: max(a, 0), "exp": math.exp, "log": math.log,
             "tanh": math.tanh, "sigmoid": lambda a: 1 / (1 + math.exp(-a))}


def evaluate(text: str, values: dict):
    """The printed expression evaluated by Python itself: independent of the engine's solver.
    (Test-only: the text comes from the engine's own printer, never from a user.)"""
    return eval(text, {"__builtins__": {}}, {**FUNCTIONS, **values})  # noqa: S307


def answers(draw) -> dict:
    return {a.name: a.value for a in draw.answers}


def draw_with(expression: str, values: dict, mode: str = "exact", monkeypatch=None, difficulty: str = "easy"):
    """One draw of a fixed expression at fixed input values."""
    monkeypatch.setattr(graph, "_draw_values", lambda rng, g, options: dict(values))
    options = resolve_options("graph", difficulty, mode, {"expression": expression})
    return graph.draw(np.random.default_rng(0), options)


# ---------------------------------------------------------------------------------------------
# Hand-checked numbers


def test_the_cs231n_circuit_by_hand(monkeypatch):
    # 2 * (x*y + max(z, w)) at x=3, y=-4, z=2, w=-1 (cs231n): -20; the max routes to z
    d = draw_with("2 * (x * y + max(z, w))", {"x": F(3), "y": F(-4), "z": F(2), "w": F(-1)}, monkeypatch=monkeypatch)
    assert answers(d) == {
        "n1": -12, "n2": 2, "n3": -10, "n4": -20,
        "df/dn1": 2, "df/dn2": 2, "df/dn3": 2,
        "df/dx": -8, "df/dy": 6, "df/dz": 2, "df/dw": 0,
    }  # fmt: skip
    assert all(isinstance(v, F) for v in answers(d).values())
    assert d.number_style == "fraction" and all(e.precision == EXACT for a in d.answers for e in a.entries(d.number_style))
    assert "df/dn4" not in answers(d)  # the seed ∂f/∂f = 1 is printed on the sheet, so it is no answer


def test_a_variable_used_twice_adds_its_two_gradients(monkeypatch):
    # x*y + max(x, z) at x=3, y=-2, z=1: ∂f/∂x = y (from x*y) + 1 (x wins the max) = -1
    d = draw_with("x * y + max(x, z)", {"x": F(3), "y": F(-2), "z": F(1)}, monkeypatch=monkeypatch)
    assert answers(d)["df/dx"] == -1 and answers(d)["df/dy"] == 3 and answers(d)["df/dz"] == 0
    step = next(s for s in d.solution["steps"] if s["ref"]["base"] == "x")
    assert [(c["consumer"]["sub"], c["upstream"], c["local"]["value"], c["product"]) for c in step["contributions"]] == [
        ("2", 1, 1, 1),  # from n2 = max(x, z), visited first on the way back
        ("1", 1, -2, -2),  # from n1 = x * y
    ]
    assert step["grad"] == -1


def test_the_key_walks_back_in_reverse_order_and_the_sheet_defines_every_stage(monkeypatch):
    d = draw_with("2 * (x * y + max(z, w))", {"x": F(3), "y": F(-4), "z": F(2), "w": F(-1)}, monkeypatch=monkeypatch)
    assert [s["ref"]["base"] + s["ref"]["sub"] for s in d.solution["steps"]] == ["n3", "n2", "n1", "x", "y", "z", "w"]
    assert [s["ref"]["sub"] for s in d.question["stages"]] == ["1", "2", "3", "4"]
    assert {"steps", "rows", "inputs"}.isdisjoint(d.question)  # worked values only in the key


def test_given_mode_prints_a_table_and_the_key_is_float(monkeypatch):
    d = draw_with("sigmoid(w0 * x0 + w1 * x1 + w2)", {"w0": F(2), "x0": F(-1), "w1": F(-3), "x1": F(-2), "w2": F(-3)},
                  "given", monkeypatch)
    # z = -2 + 6 - 3 = 1; σ(1) = 0.7310586; ∂f/∂z = σ(1)(1 - σ(1)) = 0.1966119
    s = 1 / (1 + math.exp(-1))
    got = answers(d)
    assert got["n4"] == pytest.approx(1) and "n5" not in got  # σ(1) is read off the table, not asked
    assert got["df/dw0"] == pytest.approx(s * (1 - s) * -1) and got["df/dx1"] == pytest.approx(s * (1 - s) * -3)
    assert d.number_style == "rounded" and d.notes
    [table] = d.question["tables"]
    assert table["op"] == "sigmoid" and [p["k"] for p in table["points"]] == list(range(-4, 5))
    assert next(p["value"] for p in table["points"] if p["k"] == 1) == F("0.7311")


# ---------------------------------------------------------------------------------------------
# Every difficulty × mode draws, and its answers are right by an independent computation


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_draws_correct_keys(mode, difficulty):
    options = resolve_options("graph", difficulty, mode)
    low, high = options["operations"]
    for seed in range(200):
        draw = draw_variant("graph", seed, options).draw
        text = draw.params["expression"]
        g = parse_expression(text)
        values = {k: F(v) for k, v in draw.params["values"].items()}
        got = answers(draw)
        ops = [n for n in g.nodes if n.op not in ("input", "const")]
        if draw.params["shape"] == "random":
            assert low <= len(ops) <= high
        if options["shared"] != "any" and draw.params["shape"] == "random":
            assert graph._shared(g) == (options["shared"] == "yes")
        # the output and every node value, by Python's own arithmetic on the printed text
        exact_values = values if mode == "exact" else {k: float(v) for k, v in values.items()}
        read_off = [n for n in ops if mode == "given" and n.op in graph.TABLES]  # values from the table
        assert not {n.id for n in read_off} & set(got)
        if g.output in got:
            assert got[g.output] == pytest.approx(evaluate(text, exact_values), rel=1e-9, abs=1e-9)
        if mode == "exact":
            assert got[g.output] == evaluate(text, values)  # exactly, as Fractions
        # the input gradients by central differences of that evaluation
        names = list(values)
        grads = numeric_jacobian(lambda v: evaluate(text, dict(zip(names, map(float, v)))), [float(values[n]) for n in names])
        for name, fd in zip(names, grads):
            assert float(got[f"df/d{name}"]) == pytest.approx(fd, rel=1e-5, abs=1e-6), (text, name)
        assert len(got) == 2 * len(ops) - 1 + len(names) - len(read_off)
        assert any(v != 0 for k, v in got.items() if k.startswith("df/d") and k[4:] in names)


def test_the_same_seed_draws_the_same_question():
    for mode in MODES:
        options = resolve_options("graph", "hard", mode)
        a, b = draw_variant("graph", 42, options).draw, draw_variant("graph", 42, options).draw
        assert a.params == b.params and a.diagram == b.diagram
        assert [x.to_json(a.number_style) for x in a.answers] == [x.to_json(b.number_style) for x in b.answers]


def test_variables_are_often_used_twice_on_easy_sheets():
    options = resolve_options("graph", "easy", "exact")
    shared = [graph._shared(parse_expression(draw_variant("graph", s, options).draw.params["expression"]))
              for s in range(200)]
    assert 0.3 < sum(shared) / len(shared) < 0.9


def test_shared_no_and_yes_are_kept():
    for shared in ("yes", "no"):
        options = resolve_options("graph", "medium", "exact", {"shared": shared, "shape": "random"})
        for seed in range(50):
            g = parse_expression(draw_variant("graph", seed, options).draw.params["expression"])
            assert graph._shared(g) == (shared == "yes")


def test_given_mode_function_arguments_are_on_the_printed_table():
    options = resolve_options("graph", "hard", "given")
    for seed in range(100):
        draw = draw_variant("graph", seed, options).draw
        g = parse_expression(draw.params["expression"])
        values = {k: F(v) for k, v in draw.params["values"].items()}
        s = solve_expression(g, values, exact=False)
        by_id = {t.id: t.value for t in s.nodes}
        tables = {t["op"]: [p["k"] for p in t["points"]] for t in draw.question["tables"]}
        for node in g.nodes:
            if node.op in graph.TABLES:
                assert by_id[node.inputs[0]] in tables[node.op]


# ---------------------------------------------------------------------------------------------
# The reject rules


def reject(text: str, mode: str = "exact", **values):
    g = parse_expression(text)
    solution = graph._solve(g, values, mode)
    graph._reject(g, solution, mode)


@pytest.mark.parametrize("text, mode, values, rule", [
    ("max(x, y) * 2", "exact", {"x": F(1), "y": F(1)}, "max/min tie (a kink)"),
    ("min(x, y) * z", "calculator", {"x": F("1.00"), "y": F("1.02"), "z": F(1)}, "max/min arguments near a tie"),
    ("relu(x - y) + y", "exact", {"x": F(2), "y": F(2)}, "ReLU at its kink"),
    ("relu(x) * y", "exact", {"x": F(-2), "y": F(3)}, "all-zero gradient at the inputs"),
    ("relu(x) * y + z", "exact", {"x": F(-2), "y": F(3), "z": F(1)}, "more than one input with zero gradient"),
    ("sigmoid(x * y)", "calculator", {"x": F(3), "y": F(2)}, "saturated sigmoid"),
    ("tanh(x + y)", "calculator", {"x": F(2), "y": F(1)}, "saturated tanh"),
    ("x ** 3 * y ** 3", "exact", {"x": F(4), "y": F(4)}, "answers of bounded size"),
    ("x / 7 + y / 11", "exact", {"x": F(1), "y": F(1)}, "fractions too fine to compute by hand"),
    ("sigmoid(x / 2) + y", "given", {"x": F(1), "y": F(1)}, "function argument off the printed table"),
    ("exp(x * y)", "given", {"x": F(2), "y": F(2)}, "exp of a large argument"),
    ("log(x) + y", "calculator", {"x": F(-1), "y": F(1)}, "values outside a function's domain"),
])  # fmt: skip
def test_each_reject_rule_fires(text, mode, values, rule):
    with pytest.raises(Redraw) as caught:
        reject(text, mode, **values)
    assert caught.value.rule == rule


def test_given_mode_redraws_when_the_printed_values_miss_the_acceptance_rule(monkeypatch):
    # a rule of 1e-9 that 4 printed decimals cannot meet stands in for the real one
    monkeypatch.setattr(graph, "accepts", lambda entry, value: abs(float(value) - float(entry.key)) <= 1e-9)
    with pytest.raises(Redraw, match="too coarse"):
        draw_with("sigmoid(x) * y", {"x": F(1), "y": F(3)}, "given", monkeypatch)


def test_a_wrong_engine_answer_never_leaves_draw(monkeypatch):
    import dataclasses

    real = graph.solve_expression

    def wrong(g, values, exact=None):
        s = real(g, values, exact)
        nodes = tuple(dataclasses.replace(t, grad=t.grad + 1) if t.id == "x" else t for t in s.nodes)
        return dataclasses.replace(s, nodes=nodes, gradients={**s.gradients, "x": s.gradients["x"] + 1})

    monkeypatch.setattr(graph, "solve_expression", wrong)
    with pytest.raises(VerificationError):
        draw_with("x * y + z", {"x": F(2), "y": F(3), "z": F(1)}, monkeypatch=monkeypatch)


def test_the_written_out_sums_must_match_the_engine():
    g = parse_expression("x * y + x")
    s = solve_expression(g, {"x": F(2), "y": F(3)})
    import dataclasses

    bad = dataclasses.replace(s, nodes=tuple(dataclasses.replace(t, grad=t.grad + 1) if t.id == "x" else t
                                            for t in s.nodes))
    with pytest.raises(VerificationError):
        graph._backward_steps(g, bad)


# ---------------------------------------------------------------------------------------------
# Options


@pytest.mark.parametrize("name, text, message", [
    ("operations", "1", "graph option operations"),
    ("operations", "3-20", "graph option operations"),
    ("operations", "lots", "graph option operations"),
    ("shared", "maybe", "graph option shared"),
    ("shape", "circle", "graph option shape"),
    ("expression", "x +", "graph option expression: not a valid expression"),
    ("expression", "x % y", "graph option expression: operator % is not allowed"),
])  # fmt: skip
def test_bad_option_text_is_a_qgen_error_naming_the_option(name, text, message):
    with pytest.raises(QgenError, match=message):
        resolve_options("graph", "easy", "exact", {name: text})


@pytest.mark.parametrize("mode, overrides, message", [
    ("exact", {"expression": "sigmoid(x) * y"}, "sigmoid cannot be exact; use --mode given"),
    ("given", {"expression": "x * y"}, "given mode .* use --mode exact"),
    ("exact", {"expression": "3 * 2"}, "needs at least one variable and one operation"),
    ("exact", {"expression": "x"}, "needs at least one variable and one operation"),
    ("exact", {"shape": "classic", "operations": "9-12"}, "graph option shape: no classic shape"),
    ("given", {"shared": "yes", "operations": "2"}, "graph option operations: .* at least 3"),
])  # fmt: skip
def test_options_that_make_no_sense_together_are_refused(mode, overrides, message):
    with pytest.raises(QgenError, match=message):
        resolve_options("graph", "easy", mode, overrides)


def test_option_defaults_per_difficulty():
    assert [resolve_options("graph", d)["operations"] for d in DIFFICULTIES] == [(3, 5), (6, 8), (9, 12)]
    assert [resolve_options("graph", d)["shared"] for d in DIFFICULTIES] == ["any", "yes", "yes"]
    assert resolve_options("graph", "easy", "exact", {"operations": "4-6"})["operations"] == (4, 6)
    assert resolve_options("graph", "easy", "exact", {"operations": "5"})["operations"] == (5, 5)


def test_a_fixed_expression_draws_only_its_values():
    options = resolve_options("graph", "easy", "exact", {"expression": "x*y + max(x, z)"})
    draws = [draw_variant("graph", seed, options).draw for seed in range(20)]
    assert {d.params["expression"] for d in draws} == {"x * y + max(x, z)"}
    assert len({tuple(d.params["values"].values()) for d in draws}) > 10


# ---------------------------------------------------------------------------------------------
# The picture


def picture(g):
    return graph_layout.layout(g, graph._variables(g), lambda node_id: graph._ref(g, node_id))


def test_the_diagram_depends_on_the_structure_only():
    options = resolve_options("graph", "easy", "exact", {"expression": "2 * (x * y + max(z, w)) - 3 / (1 - y)"})
    diagrams = {draw_variant("graph", seed, options).draw.diagram for seed in range(10)}
    assert len(diagrams) == 1
    (source,) = diagrams
    assert source.lstrip().startswith(r"\begin{tikzpicture}") and source.rstrip().endswith(r"\end{tikzpicture}")
    for node_id in ("n1", "n2", "n3", "n4", "n5", "n6", "n7"):
        assert f"({node_id})" in source  # every operation is a node of the picture


def test_layout_keeps_nodes_apart_and_inside_the_page():
    for mode in MODES:
        options = resolve_options("graph", "hard", mode)
        for seed in range(60):
            g = parse_expression(draw_variant("graph", seed, options).draw.params["expression"])
            layout = picture(g)
            assert layout["columns"] <= graph.MAX_DEPTH
            assert layout["scale"] >= 0.9
            by_column: dict = {}
            for n in layout["nodes"]:
                by_column.setdefault(n["x"], []).append(n)
            for column in by_column.values():
                column.sort(key=lambda n: -n["y"])
                for upper, lower in zip(column, column[1:]):
                    gap = (graph_layout.SIZE[upper["kind"]] + graph_layout.SIZE[lower["kind"]]) / 2 * graph_layout.ROW
                    assert upper["y"] - lower["y"] >= gap - 1e-2
            ops = [n for n in layout["nodes"] if n["kind"] == "op"]
            assert max(n["x"] for n in ops) == next(n["x"] for n in ops if n["name"] == g.output)


def test_edges_never_skip_a_column():
    g = parse_expression("x * y + max(x, relu(relu(z) * 2) - 3)")
    layout = picture(g)
    x = {n["name"]: n["x"] for n in layout["nodes"]}
    for edge in layout["edges"]:
        steps = [round(x[b] - x[a], 3) for a, b in zip(edge["path"], edge["path"][1:])]
        assert steps == [graph_layout.COLUMN] * len(steps)


def test_templates_render_for_every_mode(monkeypatch):
    for mode in MODES:
        options = resolve_options("graph", "medium", mode)
        draw = draw_variant("graph", 3, options).draw
        sheet = render("kinds/graph_question.tex", d=draw.question, diagram="pic.pdf", number_style=draw.number_style)
        key = render("kinds/graph_solution.tex", d=draw.solution, diagram="pic.pdf", number_style=draw.number_style)
        assert r"\includegraphics" in sheet and r"\boxed" not in sheet
        assert key.count(r"\boxed") >= len(draw.params["values"])
        assert ("tabular" in sheet) == (mode == "given")


# ---------------------------------------------------------------------------------------------
# No degenerate draws; one structure for a class; what answers.json records


def chain_terms(node, family) -> list[str]:
    """The terms of a chain of + and − (family "add") or of × ("mul") in the printed text, read
    with Python's own parser (independent of the engine's graph)."""
    ops = (ast.Add, ast.Sub) if family == "add" else (ast.Mult,)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ops):
        return chain_terms(node.left, family) + chain_terms(node.right, family)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return [f"const:{-node.operand.value}"]  # -2 written in front of a number is one constant
    return [f"const:{node.value}" if isinstance(node, ast.Constant) else ast.dump(node)]


def chains(text: str):
    """Every chain (its terms) in the expression, for both families."""
    for node in ast.walk(ast.parse(text, mode="eval")):
        for family, ops in (("add", (ast.Add, ast.Sub)), ("mul", (ast.Mult,))):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ops):
                yield chain_terms(node, family)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_no_degenerate_graphs_in_many_draws(mode, difficulty):
    """The issue's hard given seed 156 had 6 of 9 node gradients 0 and a dead σ branch, and
    expressions such as x − w − w and x + 2 + … + 3 were drawn."""
    options = resolve_options("graph", difficulty, mode)
    for seed in range(120):
        draw = draw_variant("graph", seed, options).draw
        got = answers(draw)
        grads = {k[4:]: float(v) for k, v in got.items() if k.startswith("df/d")}
        zeros = [k for k, v in grads.items() if abs(v) < 1e-9]
        assert 4 * len(zeros) <= len(grads), (draw.params, zeros)
        assert all(k in draw.params["values"] for k in zeros), (draw.params, zeros)  # only an input cut off
        for terms in chains(draw.params["expression"]):
            assert len(set(terms)) == len(terms), draw.params["expression"]
            assert sum(t.startswith("const:") for t in terms) <= 1, draw.params["expression"]


def test_the_issues_dead_branch_is_refused():
    with pytest.raises(Redraw) as caught:
        reject("w - max(sigmoid(relu(-x) * (w ** 2 * w)), max(y * z, -x))", "given",
               x=F(1), y=F(1), z=F(1), w=F(-3))
    assert caught.value.rule == graph.RULE_DEAD_BRANCH


@pytest.mark.parametrize("text, values, rule", [
    ("relu(x - y) * z + x * y", {"x": F(1), "y": F(2), "z": F(3)}, graph.RULE_DEAD_BRANCH),  # inactive ReLU
    ("x * y * (z + w) + x * z", {"x": F(1), "y": F(2), "z": F(1), "w": F(-1)}, graph.RULE_DEAD_BRANCH),  # factor 0
    ("max(x, y)", {"x": F(1), "y": F(2)}, base.RULE_ZERO_GRADIENTS),  # one of two gradients is 0
])  # fmt: skip
def test_zero_gradient_rules_fire(text, values, rule):
    with pytest.raises(Redraw) as caught:
        reject(text, **values)
    assert caught.value.rule == rule


@pytest.mark.parametrize("text, rule", [
    ("x - w - w", graph.RULE_REPEATED_TERM),
    ("x * z - y - (w - y)", graph.RULE_REPEATED_TERM),
    ("x * y * (z + w) * y", graph.RULE_REPEATED_TERM),  # y twice in one product
    ("x + 2 + y * z + 3", graph.RULE_CONSTANTS),
    ("2 * (x * 3)", graph.RULE_CONSTANTS),
])
def test_chain_rules_fire(text, rule):
    with pytest.raises(Redraw) as caught:
        graph._check_chains(parse_expression(text))
    assert caught.value.rule == rule


@pytest.mark.parametrize("text", ["x * y + max(x, z)", "x * y * (z + x * y)", "2 * (x * y + max(z, w))", "(x + y) * (x - y)",
                                  "sigmoid(w0 * x0 + w1 * x1 + w2)", "x * 2 + 3"])
def test_chain_rules_keep_the_classics(text):
    graph._check_chains(parse_expression(text))


def test_a_max_of_two_computed_values_is_never_drawn():
    """Its losing side would always be a dead branch."""
    for seed in range(300):
        rng = np.random.default_rng(seed)
        text = graph_sampling.random_text(rng, 8, "exact", "any")
        for node in ast.walk(ast.parse(text, mode="eval")):
            if isinstance(node, ast.Call) and node.func.id in ("max", "min"):
                assert any(isinstance(a, ast.Name) for a in node.args), text


@pytest.mark.parametrize("mode", MODES)
def test_class_options_fix_the_expression_and_are_idempotent(mode):
    options = resolve_options("graph", "hard", mode)
    shared = graph.class_options(np.random.default_rng(7), options)
    assert shared["expression"] != graph.NO_EXPRESSION
    assert graph.class_options(np.random.default_rng(8), shared) == shared
    draws = [draw_variant("graph", seed, shared).draw for seed in range(30)]
    layouts = {(tuple(a.name for a in d.answers), str(d.question["tables"]), d.diagram) for d in draws}
    assert len(layouts) == 1  # the same answers, printed tables and picture for every student
    assert len({str(d.params["values"]) for d in draws}) > 20


@pytest.mark.parametrize("difficulty, mode", [("easy", "exact"), ("easy", "calculator"), ("medium", "exact")])
def test_a_class_expression_gives_students_gradients_of_their_own(difficulty, mode):
    """A class's expression is never linear in every input: some ∂f/∂input depends on the
    student's values (a linear one, e.g. -(z - x + (-3y - 1)), gave the whole class the same
    gradient answers; about one class in eight at easy before this rule)."""
    options = resolve_options("graph", difficulty, mode)
    for seed in range(40):
        shared = graph.class_options(np.random.default_rng(seed), options)
        draws = [draw_variant("graph", 1000 + k, shared).draw for k in range(6)]
        inputs = list(draws[0].params["values"])
        gradients = {tuple(str(answers(d)[f"df/d{v}"]) for v in inputs) for d in draws}
        assert len(gradients) > 1, shared["expression"]


@pytest.mark.parametrize("mode", MODES)
def test_answers_json_gives_each_node_its_subexpression(mode):
    draw = draw_variant("graph", 3, resolve_options("graph", "medium", mode)).draw
    values = {k: F(v) if mode == "exact" else float(F(v)) for k, v in draw.params["values"].items()}
    got = answers(draw)
    asked = {k for k in got if not k.startswith("df/d")}
    read_off = {n.id for n in parse_expression(draw.params["expression"]).nodes if mode == "given" and n.op in graph.TABLES}
    assert set(draw.params["nodes"]) == asked | read_off and not asked & read_off
    for node_id, text in draw.params["nodes"].items():  # n1, n2, … each the value of its subexpression
        if node_id in asked:
            assert float(got[node_id]) == pytest.approx(float(evaluate(text, values)), abs=1e-9), (node_id, text)
    assert list(draw.params["nodes"]) == sorted(draw.params["nodes"], key=lambda n: int(n[1:]))


def test_given_mode_parameters_hold_the_printed_tables():
    draw = draw_variant("graph", 5, resolve_options("graph", "medium", "given")).draw
    tables = draw.params["tables"]
    assert tables and set(tables) == {t["op"] for t in draw.question["tables"]}
    for op, table in tables.items():
        low, high = graph.TABLES[op]
        assert list(table) == [str(k) for k in range(low, high + 1)]
        for k, text in table.items():
            assert float(text) == pytest.approx(FUNCTIONS[op](int(k)), abs=5e-5) and len(text.split(".")[1]) == 4


def test_given_mode_asks_no_value_read_off_a_table():
    """A function's value is printed in the given-mode table: asking it would print the answer."""
    options = resolve_options("graph", "hard", "given")
    for seed in range(40):
        draw = draw_variant("graph", seed, options).draw
        functions = {n.id for n in parse_expression(draw.params["expression"]).nodes if n.op in graph.TABLES}
        assert functions, draw.params["expression"]  # given mode always has a function
        assert not functions & {a.name for a in draw.answers}
        assert {f"df/d{n}" for n in functions if f"df/d{n}" in {a.name for a in draw.answers}}  # gradients still asked
