"""The reject rules against draws that teach nothing (issue 20.4): each one fires on a first draw
that breaks it, is named in the redraw report, and no accepted draw breaks it (checked here from
the drawn parameters, independently of the rule's code)."""

from fractions import Fraction as F

import numpy as np
import pytest
from click.testing import CliRunner

import qgen.kinds.graph as graph_kind
from qgen.cli import main
from qgen.engine.expression import parse_expression
from qgen.kinds.base import Redraw
from qgen.kinds.reject_rules import (
    RULE_EQUAL_COLUMN, RULE_EQUAL_INPUTS, RULE_IDENTITY_DERIVATIVE, reject_equal_column, reject_equal_inputs,
    reject_identity_derivative,
)
from qgen.randomiser import draw_variant, kind_module, read_options, resolve_options


def first_draw_breaking(kind: str, options: dict, rule: str, seeds=range(400)) -> int:
    """A seed whose first draw (before any redraw) is rejected by `rule`."""
    module, options = kind_module(kind), read_options(kind, options)
    for seed in seeds:
        try:
            module.draw(np.random.default_rng(seed), options)
        except Redraw as r:
            if r.rule == rule:
                return seed
    raise AssertionError(f"no first draw in {len(seeds)} seeds broke {rule!r}")


# --- graph: distinct values at every binary gate's inputs ------------------------------------


def test_equal_inputs_of_a_multiply_are_rejected_but_a_square_is_not():
    g = parse_expression("x * y + z")
    with pytest.raises(Redraw, match=RULE_EQUAL_INPUTS):
        reject_equal_inputs(g, {"x": F(2), "y": F(2), "z": F(1), "n1": F(4), "n2": F(5)})
    reject_equal_inputs(g, {"x": F(2), "y": F(-2), "z": F(1), "n1": F(-4), "n2": F(-3)})
    square = parse_expression("x * x")
    reject_equal_inputs(square, {"x": F(3), "n1": F(9)})  # one node on both inputs: exempt


def _node_values(draw) -> dict:
    """Every node's value from the answers (exact mode asks them all) and the printed inputs."""
    values = {name: F(v) for name, v in draw.params["values"].items()}
    values.update({a.name: F(a.value) for a in draw.answers if not a.name.startswith("df/")})
    return values


def test_graph_rule_fires_and_no_accepted_draw_has_equal_gate_inputs(monkeypatch):
    monkeypatch.setattr(graph_kind, "VALUE_TRIES", 1)  # the first values drawn decide the first draw
    options = resolve_options("graph", "easy", "exact", {"expression": "x * y + z"})
    seed = first_draw_breaking("graph", options, RULE_EQUAL_INPUTS)
    variant = draw_variant("graph", seed, options)
    assert RULE_EQUAL_INPUTS in variant.redraw_rules
    checked = 0
    for seed in range(120):
        draw = draw_variant("graph", seed, resolve_options("graph", "medium", "exact")).draw
        g, values = parse_expression(draw.params["expression"]), _node_values(draw)
        for node in g.nodes:
            values.setdefault(node.id, node.constant)
        for node in g.nodes:
            if len(node.inputs) == 2 and node.inputs[0] != node.inputs[1]:
                assert values[node.inputs[0]] != values[node.inputs[1]], (seed, draw.params)
                checked += 1
    assert checked > 300


# --- mlp: no column of the last W with equal entries before a softmax ------------------------


def test_an_equal_column_before_softmax_is_rejected():
    with pytest.raises(Redraw, match=RULE_EQUAL_COLUMN):
        reject_equal_column([[F(1), F(2)], [F(1), F(-2)]])
    reject_equal_column([[F(1), F(2)], [F(-1), F(-2)]])


def test_mlp_rule_fires_and_no_accepted_draw_has_a_zero_row_from_it():
    options = resolve_options("mlp", "hard", "given", {"loss": "softmax_ce"})
    seed = first_draw_breaking("mlp", options, RULE_EQUAL_COLUMN)
    assert RULE_EQUAL_COLUMN in draw_variant("mlp", seed, options).redraw_rules
    for seed in range(40):
        draw = draw_variant("mlp", seed, options).draw
        last = np.array([[F(v) for v in row] for row in draw.params["W"][-1]], dtype=object)
        assert all(len(set(col)) > 1 for col in last.T)
        # with 2 outputs, δ2 = ŷ − y = (d, −d) with d ≠ 0, so ∂L/∂a1_j = (W2_1j − W2_2j)·d ≠ 0 for
        # every unit j: no zero row in ∂L/∂W1 comes from the softmax
        delta2 = next(a.value for a in draw.answers if a.name == "delta2")
        da1 = next(a.value for a in draw.answers if a.name == "dL/da1")
        assert len(delta2) == 2 and delta2[0] == -delta2[1] != 0
        assert all(abs(float(v)) > 1e-12 for v in da1), draw.params


def test_check_names_the_softmax_column_rule():
    result = CliRunner().invoke(main, ["check", "--kind", "mlp", "--count", "20", "--difficulty", "hard",
                                       "--mode", "given", "--set", "loss=softmax_ce"])
    assert result.exit_code == 0, result.output
    assert RULE_EQUAL_COLUMN in result.output


# --- jacobian at hard: no activation derivative that is 1 everywhere ------------------------


def test_identity_derivative_is_rejected_unless_the_activation_is_identity():
    with pytest.raises(Redraw, match="Diag f' = I"):
        reject_identity_derivative([np.array([F(1), F(1)], dtype=object)], "relu")
    reject_identity_derivative([np.array([F(1), F(0)], dtype=object)], "relu")
    reject_identity_derivative([np.array([F(1), F(1)], dtype=object)], "identity")


def _relu_inputs(params) -> list[list[F]]:
    """The composition's two pre-activations, s = w x + b and t = V f + c, from the parameters."""
    x = F(params["x"][0])
    s = [F(w[0]) * x + F(b) for w, b in zip(params["w"], params["b"])]
    f = [max(v, F(0)) for v in s]
    t = [sum(F(v) * fj for v, fj in zip(row, f)) + F(c) for row, c in zip(params["V"], params["c"])]
    return [s, t]


def test_jacobian_rule_fires_at_hard_and_every_accepted_relu_composition_has_an_inactive_unit():
    options = resolve_options("jacobian", "hard", "exact", {"activation": "relu"})
    seed = first_draw_breaking("jacobian", options, RULE_IDENTITY_DERIVATIVE)
    assert RULE_IDENTITY_DERIVATIVE in draw_variant("jacobian", seed, options).redraw_rules
    for seed in range(60):
        params = draw_variant("jacobian", seed, options).draw.params
        for pre in _relu_inputs(params):
            assert any(v < 0 for v in pre), params  # ReLU' = 1 everywhere would need all of them > 0
    easy = resolve_options("jacobian", "easy", "exact", {"activation": "relu"})
    report = CliRunner().invoke(main, ["check", "--kind", "jacobian", "--count", "30", "--difficulty", "hard"])
    assert RULE_IDENTITY_DERIVATIVE in report.output
    assert all(RULE_IDENTITY_DERIVATIVE not in draw_variant("jacobian", s, easy).redraw_rules for s in range(30))
