"""Marking properties over every kind: the key gets full marks; a slip upstream with every later
entry computed by the engine from it loses only the slipped entries' points (follow-through on the
rest); each named mistake, produced by the mistaken rule, is recognised by name; totals are sums."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from qgen.answers import accepts
from qgen.engine.expression import parse_expression, solve_expression
from qgen.engine.gates import GivenSoftmaxCrossEntropy, Linear
from qgen.engine.network import solve_network
from qgen.grade import mistakes as M
from qgen.grade.chains import network_from_params, network_problem
from qgen.grade.manifest import question_row
from qgen.grade.mark import BLANK, CORRECT, FOLLOW_THROUGH, WRONG, mark_question
from qgen.grade.values import number, parse_value
from qgen.kinds.graph import draw_for_expression
from qgen.randomiser import draw_variant, resolve_options

KINDS_MODES = [(k, m) for k in ("mlp", "graph", "jacobian", "gates", "softmax-ce", "shapes")
               for m in ("exact", "given", "calculator")
               if (k, m) not in {("shapes", "given"), ("shapes", "calculator")}]
SEEDS = range(6)


def row_for(kind, seed, mode="exact", difficulty="medium", **overrides):
    options = resolve_options(kind, difficulty, mode, overrides)
    variant = draw_variant(kind, seed, options)
    return row_of(kind, variant.to_json(), points=12)


def row_of(kind, data, points=12):
    data = json.loads(json.dumps(data, default=str))
    return question_row({"student_id": "s1", "question": 1, "kind": kind, "points": points,
                         "options": data["options"], "parameters": data["parameters"], "answers": data["answers"]})


def key_texts(row) -> dict[str, str]:
    return {e.name: e.key_text() for a in row.answers for e in a.entries}


def mark(row, texts: dict[str, str], fraction=Fraction(1)):
    values = {f"q1.{k}": parse_value(v) for k, v in texts.items()}
    return {v.entry.name: v for v in mark_question(row, values, {f"q1.{k}": t for k, t in texts.items()}, fraction)}


def text(value) -> str:
    """A value as a student writes it: an exact fraction, or 6 decimals."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return f"{float(value):.6f}"


def with_answer(texts, name, value) -> dict:
    """texts with every entry of answer `name` replaced by the entries of `value` (reading order)."""
    out = dict(texts)
    flat = list(np.asarray(value, dtype=object).reshape(-1))
    names = [k for k in texts if k == name or k.startswith(name + "[")]
    assert len(names) == len(flat), (name, names, flat)
    for k, v in zip(names, flat):
        out[k] = text(v)
    return out


def changed(row, texts) -> set[str]:
    """The entries whose text the key does not accept."""
    entries = {e.name: e for a in row.answers for e in a.entries}
    return {k for k, t in texts.items() if not accepts(entries[k], number(parse_value(t)))}


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,mode", KINDS_MODES)
def test_the_key_gets_full_marks_and_totals_are_sums(kind, mode):
    for seed in SEEDS:
        row = row_for(kind, seed, mode)
        marks = mark(row, key_texts(row))
        assert {v.verdict for v in marks.values()} == {CORRECT}
        assert sum(v.points for v in marks.values()) == row.points
        assert sum(a.points for a in row.answers) == row.points


def test_blank_entries_are_zero_and_totals_are_the_sum_of_entry_points():
    row = row_for("mlp", 3)
    texts = key_texts(row)
    texts["z1[1]"], texts["L"] = "", "12345"
    marks = mark(row, texts)
    assert marks["z1[1]"].verdict == BLANK and marks["z1[1]"].points == 0
    assert marks["L"].verdict == WRONG
    assert sum(v.points for v in marks.values()) == row.points - marks["z1[1]"].max_points - marks["L"].max_points


# --- follow-through: one slip, every later entry computed by the engine from it -----------------


def mlp_backward_slip(row):
    """The student slips in ∂L/∂ŷ (a wrong target read): the engine solves the network with that
    target; everything from ∂L/∂ŷ on is theirs, the forward pass and L are the key's."""
    problem = network_problem(row.parameters, row.options)
    net = _network(row)
    wrong_y = net.loss.y.copy()
    wrong_y[0] = wrong_y[0] + 1
    sol = solve_network(type(net)(net.x, net.layers, type(net.loss)(wrong_y), net.learning_rate))
    texts = key_texts(row)
    texts = with_answer(texts, "dL/dyhat", sol.steps[-1].downstream)
    for l, g in enumerate(sol.gradients, start=1):
        texts = with_answer(texts, f"delta{l}", g.dz)
        texts = with_answer(texts, f"dL/dW{l}", g.dW)
        texts = with_answer(texts, f"dL/db{l}", g.db)
        if l < len(sol.gradients):
            texts = with_answer(texts, f"dL/da{l}", g.da)
        texts = with_answer(texts, f"updated W{l}", sol.update[l - 1].W)
        texts = with_answer(texts, f"updated b{l}", sol.update[l - 1].b)
    assert problem.steps  # the chain exists
    return texts, {"dL/dyhat"}


def mlp_forward_slip(row):
    """The student slips in z¹ (as if b¹ were b¹ + 1): the engine solves that network; every
    later value is computed from their z¹, and their SGD step starts from the printed b¹."""
    net = _network(row)
    first = net.layers[0]
    b = first.linear.b.copy()
    b[0] += 1
    slipped = type(first)(Linear(first.linear.W, b), first.activation)
    sol = solve_network(type(net)(net.x, (slipped,) + net.layers[1:], net.loss, net.learning_rate))
    if _gate_made_identity(net, sol):
        return None, None  # the guard's case (tested on its own below)
    texts = key_texts(row)
    for l, (f, g) in enumerate(zip(sol.forward, sol.gradients), start=1):
        texts = with_answer(texts, f"z{l}", f.z)
        if f"a{l}[1]" in texts:
            texts = with_answer(texts, f"a{l}", f.a)
        texts = with_answer(texts, f"delta{l}", g.dz)
        texts = with_answer(texts, f"dL/dW{l}", g.dW)
        texts = with_answer(texts, f"dL/db{l}", g.db)
        if l < len(sol.gradients):
            texts = with_answer(texts, f"dL/da{l}", g.da)
        W, b = net.layers[l - 1].linear.W, net.layers[l - 1].linear.b
        texts = with_answer(texts, f"updated W{l}", W - net.learning_rate * g.dW)
        texts = with_answer(texts, f"updated b{l}", b - net.learning_rate * g.db)
    texts = with_answer(texts, "yhat", sol.yhat)
    texts = with_answer(texts, "L", sol.loss)
    texts = with_answer(texts, "dL/dyhat", sol.steps[-1].downstream)
    return texts, {"z1"}


def _zeroed(row, texts) -> bool:
    """The slip made some answer all zero where the key's is not (no follow-through from it)."""
    for a in row.answers:
        mine = [number(parse_value(texts[e.name])) for e in a.entries]
        if not any(mine) and any(number(e.key) for e in a.entries):
            return True
    return False


def _gate_made_identity(net, slipped_solution) -> bool:
    """The slip made a ReLU layer pass every value through (all z > 0) where the key's does not."""
    key = solve_network(net)
    return any(layer.activation.name in ("relu", "leaky_relu") and all(v > 0 for v in s.z) and not all(v > 0 for v in k.z)
               for layer, s, k in zip(net.layers, slipped_solution.forward, key.forward))


def _network(row):
    return network_from_params(row.parameters, row.options)


def graph_backward_slip(row):
    """The student starts backprop from ∂f/∂f = 2: every gradient is the engine's gradient of 2f."""
    expression, values = row.parameters["expression"], row.parameters["values"]
    doubled = solve_expression(parse_expression(f"2 * ({expression})"),
                               {k: Fraction(str(v)) for k, v in values.items()})
    original = parse_expression(expression)
    by_text = {}
    graph2 = parse_expression(f"2 * ({expression})")
    from qgen.engine.expression import expression_text

    for node, trace in zip(graph2.nodes, doubled.nodes):
        by_text[expression_text(graph2, node.id)] = trace
    texts = key_texts(row)
    output_inputs = set(original.node(original.output).inputs)
    for node in original.nodes:
        name = f"df/d{node.id}"
        if name in texts:
            texts[name] = text(by_text[expression_text(original, node.id)].grad)
    return texts, {f"df/d{i}" for i in output_inputs}


def softmax_slip(row, name="dL/dz"):
    """The student's ŷ is off (two entries moved by 1/20); L and ∂L/∂z by the engine from it."""
    yhat = np.array([e.key for e in next(a for a in row.answers if a.name == "yhat").entries], dtype=object)
    mine = np.array([Fraction(v) if isinstance(v, Fraction) else Fraction(round(float(v), 4)).limit_denominator(10**4)
                     for v in yhat], dtype=object)
    mine[0] += Fraction(1, 20)
    mine[1] -= Fraction(1, 20)
    n, target = len(mine), int(row.parameters["target"]) - 1
    y = np.array([Fraction(int(k == target)) for k in range(n)], dtype=object)
    gate = GivenSoftmaxCrossEntropy(y, mine)
    texts = with_answer(key_texts(row), "yhat", mine)
    texts = with_answer(texts, "L", gate.forward(None))
    texts = with_answer(texts, name, gate.vjp(None, Fraction(1)))
    return texts, {"yhat"}


def gates_linear_slip(row):
    """The student's ∂z/∂x has one entry off; ∂L/∂x by the engine's linear gate from it."""
    J = np.array([[Fraction(str(v)) for v in r] for r in row.parameters["W"]], dtype=object)
    J[0, 0] += 1
    delta = np.array([Fraction(str(v)) for v in row.parameters["delta"]], dtype=object)
    texts = with_answer(key_texts(row), "dz/dx", J)
    return with_answer(texts, "dL/dx", Linear(J).vjp(None, delta)), {"dz/dx"}


def jacobian_slip(row):
    """The student's ∂f/∂x is off; ∂g/∂x is the engine's product of their factors."""
    dg_df = next(a for a in row.answers if a.name == "dg/df").key
    df_dx = next(a for a in row.answers if a.name == "df/dx").key.copy()
    df_dx[0, 0] = df_dx[0, 0] + 1
    texts = with_answer(key_texts(row), "df/dx", df_dx)
    product = np.array([[number(v) for v in r] for r in dg_df], dtype=object) @ df_dx
    return with_answer(texts, "dg/dx", product), {"df/dx"}


SLIPS = [
    ("mlp", "exact", {}, mlp_backward_slip),
    ("mlp", "exact", {}, mlp_forward_slip),
    ("mlp", "exact", {"sizes": "2-3-2", "activation": "leaky_relu"}, mlp_forward_slip),
    ("mlp", "given", {"sizes": "2-2-1", "activation": "sigmoid"}, mlp_backward_slip),
    ("mlp", "calculator", {}, mlp_backward_slip),
    ("graph", "exact", {}, graph_backward_slip),
    ("graph", "calculator", {}, graph_backward_slip),
    ("softmax-ce", "exact", {}, softmax_slip),
    ("gates", "exact", {"gate": "linear"}, gates_linear_slip),
    ("jacobian", "exact", {"form": "composition"}, jacobian_slip),
]


@pytest.mark.parametrize("kind,mode,overrides,slip", SLIPS, ids=lambda x: getattr(x, "__name__", str(x)))
def test_a_slip_upstream_loses_only_its_own_points(kind, mode, overrides, slip):
    followed = 0
    for seed in SEEDS:
        row = row_for(kind, seed, mode, **overrides)
        texts, slipped = slip(row)
        if texts is None or _zeroed(row, texts):
            continue  # the guard's cases, tested on their own below
        marks = mark(row, texts)
        wrong = changed(row, texts)
        own = {k for k in wrong if k.split("[")[0] in slipped}
        assert own, "the slip changed nothing"
        for name, v in marks.items():
            if name in own:  # wrong; named when it happens to match a known mistake (ŷ − y − 1 = 2(ŷ − y) at ŷ − y = −1)
                assert v.points == 0 and v.verdict not in (CORRECT, FOLLOW_THROUGH), (seed, name, v.verdict)
            elif name in wrong:
                assert v.verdict == FOLLOW_THROUGH, (seed, name, v.verdict, texts[name], v.entry.key_text())
                followed += 1
            else:
                assert v.verdict == CORRECT, (seed, name, v.verdict)
        assert sum(v.points for v in marks.values()) == row.points - sum(marks[k].max_points for k in own)
        half = mark(row, texts, Fraction(1, 2))
        assert sum(v.points for v in half.values()) == row.points - sum(
            (marks[k].max_points for k in own), Fraction(0)) - sum((marks[k].max_points for k in wrong - own), Fraction(0)) / 2
    assert followed > 0


# --- the guard against gaming ----------------------------------------------------------------


def test_no_follow_through_from_an_all_zero_upstream_gradient():
    """∂L/∂ŷ = 0 makes every later gradient 0 and "consistent" with it: no credit for those zeros."""
    row = row_for("mlp", 1)
    later = ("delta2", "dL/dW2", "dL/db2", "dL/da1", "delta1", "dL/dW1", "dL/db1")
    shapes = {a.name: a.shape for a in row.answers}
    texts = key_texts(row)
    for name in ("dL/dyhat",) + later:
        texts = with_answer(texts, name, np.zeros(shapes[name], dtype=object))
    marks = mark(row, texts)
    assert not any(v.verdict == FOLLOW_THROUGH for v in marks.values())
    notes = [v.note for k, v in marks.items() if k.startswith("delta2[") and v.verdict != CORRECT]
    assert notes and all("is all zero" in n for n in notes)  # the feedback says why
    zeroed = [v for k, v in marks.items() if k.split("[")[0] in later and v.verdict != CORRECT]
    assert zeroed and all(v.points == 0 for v in zeroed)


def test_no_follow_through_when_the_students_value_makes_the_gate_the_identity():
    """A ReLU layer whose z the student made all positive passes it through unchanged: their a¹ =
    their z¹ is not credited (the key's ReLU is not the identity)."""
    for seed in range(40):
        row = row_for("mlp", seed, "exact", sizes="2-3-1")
        z1 = next(a for a in row.answers if a.name == "z1").key
        if all(v > 0 for v in z1):
            continue
        mine = np.array([abs(v) + 1 for v in z1], dtype=object)
        texts = with_answer(with_answer(key_texts(row), "z1", mine), "a1", mine)
        marks = mark(row, texts)
        slipped = [k for k in marks if k.startswith("a1[") and marks[k].verdict != CORRECT]
        assert slipped and all(marks[k].verdict == WRONG for k in slipped)
        return
    pytest.fail("no draw with a negative z1")


# --- named mistakes ---------------------------------------------------------------------------


def assert_named(row, texts, name):
    marks = mark(row, texts)
    wrong = changed(row, texts)
    assert wrong, "the mistake changed nothing"
    for entry, v in marks.items():
        assert v.verdict == (name if entry in wrong else CORRECT), (entry, v.verdict, name)
        if entry in wrong:
            assert v.points == 0


def answer(row, name):
    return np.array([number(e.key) for e in next(a for a in row.answers if a.name == name).entries],
                    dtype=object).reshape(next(a for a in row.answers if a.name == name).shape)


def test_transposed_gradient_is_named():
    for seed in SEEDS:
        row = row_for("mlp", seed, "exact", sizes="2-2-2")
        delta, a1 = answer(row, "delta2"), answer(row, "a1")
        transposed = np.outer(a1, delta).reshape(answer(row, "dL/dW2").shape)  # x δᵀ in W's boxes
        if (transposed == answer(row, "dL/dW2")).all():
            continue
        assert_named(row, with_answer(key_texts(row), "dL/dW2", transposed), M.TRANSPOSED)
    row = row_for("gates", 2, "exact", gate="linear")
    x, delta = (np.array([Fraction(str(v)) for v in row.parameters[k]], dtype=object) for k in ("x", "delta"))
    assert_named(row, with_answer(key_texts(row), "dL/dW", np.outer(x, delta).reshape(len(delta), len(x))),
                 M.TRANSPOSED)


def test_sgd_with_the_wrong_sign_is_named():
    for seed in SEEDS:
        row = row_for("mlp", seed)
        eta = Fraction(row.parameters["learning_rate"])
        W = np.array([[Fraction(v) for v in r] for r in row.parameters["W"][0]], dtype=object)
        assert_named(row, with_answer(key_texts(row), "updated W1", W + eta * answer(row, "dL/dW1")), M.SGD_SIGN)


def test_activation_derivative_left_out_and_f_for_f_prime_are_named():
    for seed in SEEDS:
        row = row_for("mlp", seed, "exact", sizes="2-3-1")
        z1, upstream = answer(row, "z1"), answer(row, "dL/da1")
        if not (upstream == answer(row, "delta1")).all():  # not every ReLU active
            assert_named(row, with_answer(key_texts(row), "delta1", upstream), M.NO_DERIVATIVE)
        relu = np.array([max(v, 0) for v in z1], dtype=object)
        if not (relu * upstream == answer(row, "delta1")).all():
            assert_named(row, with_answer(key_texts(row), "delta1", relu * upstream), M.F_FOR_F_PRIME)
    row = row_for("gates", 0, "given", gate="elementwise", activation="sigmoid")
    printed = np.array([Fraction(str(v)) for v in row.parameters["printed"]], dtype=object)
    assert_named(row, with_answer(key_texts(row), "f'(x)", printed), M.F_FOR_F_PRIME)


def test_relu_derivative_one_at_zero_is_named():
    graph = parse_expression("relu(x - y) * z + x")
    values = {"x": Fraction(2), "y": Fraction(2), "z": Fraction(3)}
    draw = draw_for_expression(graph, values, "exact")
    row = row_of("graph", {"options": {"mode": "exact"}, "parameters": draw.params,
                           "answers": [a.to_json(draw.number_style) for a in draw.answers]})
    mistaken = solve_expression(parse_expression("(x - y) * z + x"), values)  # ReLU′ = 1 everywhere
    texts = key_texts(row)
    texts["df/dn1"] = text(mistaken.nodes[-3].grad)  # ∂f/∂(x − y) through the ReLU at 0
    texts["df/dx"], texts["df/dy"] = text(mistaken.gradients["x"]), text(mistaken.gradients["y"])
    marks = mark(row, texts)
    assert graph.node("n2").op == "relu" and graph.node("n1").inputs == ("x", "y")
    assert marks["df/dn1"].verdict == M.RELU_KINK
    assert marks["df/dx"].verdict == marks["df/dy"].verdict == FOLLOW_THROUGH  # carried on from it
    assert {v.verdict for k, v in marks.items() if k not in ("df/dn1", "df/dx", "df/dy")} == {CORRECT}


def test_softmax_gradient_y_minus_yhat_is_named():
    for seed in SEEDS:
        row = row_for("softmax-ce", seed)
        target = int(row.parameters["target"]) - 1
        y = np.array([Fraction(int(k == target)) for k in range(len(answer(row, "yhat")))], dtype=object)
        assert_named(row, with_answer(key_texts(row), "dL/dz", y - answer(row, "yhat")), M.SOFTMAX_SIGN)


def test_squared_error_without_the_half_is_named():
    for seed in SEEDS:
        row = row_for("mlp", seed)
        assert_named(row, with_answer(key_texts(row), "L", 2 * answer(row, "L")), M.NO_HALF)
        assert_named(row, with_answer(key_texts(row), "dL/dyhat", 2 * answer(row, "dL/dyhat")), M.NO_HALF)


def test_bias_gradient_summed_over_the_wrong_axis_is_named():
    for seed in SEEDS:
        row = row_for("mlp", seed, "exact", sizes="2-3-2")
        delta = answer(row, "delta1")
        if sum(delta) == 0:
            continue  # an all-zero answer is never named (0 matches too many wrong rules)
        assert_named(row, with_answer(key_texts(row), "dL/db1", np.array([sum(delta)] * len(delta), dtype=object)),
                     M.BIAS_AXIS)


@pytest.mark.parametrize("kind,mode", KINDS_MODES)
def test_every_step_on_the_key_inputs_gives_the_key(kind, mode):
    """The chains rebuilt from the manifest's parameters are the engine's: each step, run on the
    key's (or the sheet's) inputs, reproduces the key of the answer it computes."""
    from qgen.grade.chains import problem_for

    checked = 0
    forms = {"jacobian": [{"form": f} for f in ("linear", "elementwise", "composition")],
             "gates": [{"gate": g} for g in ("linear", "elementwise", "softmax_ce")]}.get(kind, [{}])
    for seed, overrides in ((s, o) for s in SEEDS for o in forms):
        row = row_for(kind, seed, mode, **overrides)
        problem = problem_for(row.kind, row.parameters, row.options)
        keys = {a.name: a for a in row.answers}
        values = dict(problem.values)
        for a in row.answers:
            values[a.name] = problem.cast(np.array([number(e.key) for e in a.entries], dtype=object).reshape(a.shape))
        for name, step in problem.steps.items():
            if name not in keys:
                continue
            out = np.asarray(step.rule(*[values[i] for i in step.inputs]), dtype=object).reshape(-1)
            for entry, value in zip(keys[name].entries, out):
                assert accepts(entry, value), (kind, mode, seed, entry.name, value, entry.key_text())
                checked += 1
    assert checked or kind == "shapes"


def test_points_per_part_from_the_manifest_split_over_the_entries():
    options = resolve_options("softmax-ce", "medium", "exact")
    data = json.loads(json.dumps(draw_variant("softmax-ce", 4, options).to_json(), default=str))
    parts = [Fraction(3), Fraction(1), Fraction(2)]  # yhat, L, dL/dz
    row = question_row({"student_id": "s1", "question": 1, "kind": "softmax-ce", "points": 6,
                        "options": data["options"], "parameters": data["parameters"], "answers": data["answers"],
                        "part_points": [str(p) for p in parts]})
    assert [a.name for a in row.answers] == ["yhat", "L", "dL/dz"]
    texts = key_texts(row)
    texts["L"] = ""
    marks = mark(row, texts)
    n = len(row.answers[0].entries)
    assert marks["yhat[1]"].max_points == Fraction(3, n) and marks["dL/dz[1]"].max_points == Fraction(2, n)
    assert sum(v.points for v in marks.values()) == 5
