"""Expression graphs: parsing under a whitelist, exact and float solving, the kink conventions,
error lines, and the independent oracle (which must be able to fail)."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcheck import assert_jacobian
from qgen.engine.expression import Graph, expression_text, parse_expression, solve_expression
from qgen.engine.expression_check import VerificationError, check_expression
from qgen.errors import QgenError


def solve(text: str, exact=None, **values):
    graph = parse_expression(text)
    return graph, solve_expression(graph, values, exact=exact)


def trace(solution, node_id):
    return next(t for t in solution.nodes if t.id == node_id)


# ---------------------------------------------------------------------------------------------
# Worked numbers, checked by hand


def test_worked_example_from_the_brief():
    # 2 * (x*y + max(z, w)) at x=3, y=-4, z=2, w=-1: 2 * (-12 + 2) = -20
    graph, s = solve("2 * (x * y + max(z, w))", x=3, y=-4, z=2, w=-1)
    assert s.exact
    assert s.value == -20 and isinstance(s.value, F)
    assert s.gradients == {"x": -8, "y": 6, "z": 2, "w": 0}  # 2y, 2x, 2 (z wins the max), 0
    assert all(isinstance(g, F) for g in s.gradients.values())
    check_expression(graph, {"x": 3, "y": -4, "z": 2, "w": -1}, s)


def test_node_ids_and_topological_order():
    graph = parse_expression("2 * (x * y + max(z, w))")
    assert [(n.id, n.op, n.inputs) for n in graph.nodes] == [
        ("x", "input", ()), ("y", "input", ()), ("z", "input", ()), ("w", "input", ()),
        ("c1", "const", ()),
        ("n1", "mul", ("x", "y")),
        ("n2", "max", ("z", "w")),
        ("n3", "add", ("n1", "n2")),
        ("n4", "mul", ("c1", "n3")),
    ]  # fmt: skip
    assert graph.output == "n4" and graph.nodes[-1].id == "n4"
    assert graph.variables == ("x", "y", "z", "w")
    assert graph.node("c1").constant == 2


def test_local_partials_and_node_gradients():
    _, s = solve("2 * (x * y + max(z, w))", x=3, y=-4, z=2, w=-1)
    assert trace(s, "n1").local == (-4, 3)  # ∂(xy)/∂x = y, ∂(xy)/∂y = x
    assert trace(s, "n2").local == (1, 0)  # z > w
    assert trace(s, "n4").local == (-10, 2)  # ∂(c·u)/∂c = u = -10, ∂/∂u = c = 2
    assert [trace(s, i).grad for i in ("n4", "n3", "n1", "n2", "c1")] == [1, 2, 2, 2, -10]
    assert trace(s, "x").local == ()


def test_shared_node_sums_its_gradient_contributions():
    graph, s = solve("x * x + x", x=F(3))
    assert [n.id for n in graph.nodes] == ["x", "n1", "n2"]  # one x, one x*x
    assert graph.node("n1").inputs == ("x", "x")
    assert s.value == 12 and s.gradients == {"x": 7}  # 2x + 1


def test_identical_subexpressions_are_one_node():
    graph, s = solve("x*y + x*y", x=2, y=5)
    assert [n.op for n in graph.nodes] == ["input", "input", "mul", "add"]
    assert graph.node("n2").inputs == ("n1", "n1")
    assert trace(s, "n1").grad == 2
    assert s.gradients == {"x": 10, "y": 4}  # 2y, 2x


def test_division():
    _, s = solve("x / y", x=3, y=4)
    assert s.value == F(3, 4)
    assert s.gradients == {"x": F(1, 4), "y": F(-3, 16)}  # 1/y, -x/y²


def test_negative_power():
    graph, s = solve("x ** -2", x=2)
    assert graph.node("n1").exponent == -2
    assert s.value == F(1, 4)
    assert s.gradients == {"x": F(-1, 4)}  # -2 x^-3


def test_decimal_literals_are_exact():
    graph, s = solve("0.1 * x + 0.2", x=F(10))
    assert graph.node("c1").constant == F(1, 10)
    assert s.exact and s.value == F(6, 5)


def test_minus_in_front_of_a_number_is_part_of_the_constant():
    graph = parse_expression("-2 * x")
    assert [n.op for n in graph.nodes] == ["input", "const", "mul"]
    assert graph.node("c1").constant == -2
    assert [n.op for n in parse_expression("-x").nodes] == ["input", "neg"]
    assert [n.op for n in parse_expression("+x").nodes] == ["input"]


@pytest.mark.parametrize(
    "text, point",
    [
        ("sigmoid(x) * tanh(y)", [0.3, -0.7]),
        ("exp(x - y) * log(y)", [0.4, 1.7]),
        ("log(sigmoid(x) + exp(y)) / tanh(x + 2)", [-1.2, 0.5]),
        ("sigmoid(x * y) ** 3 - tanh(x) ** -1", [0.8, -1.5]),
    ],
)
def test_smooth_functions_against_finite_differences(text, point):
    graph = parse_expression(text)
    names = graph.variables

    def f(p):
        return solve_expression(graph, dict(zip(names, map(float, p)))).value

    s = solve_expression(graph, dict(zip(names, point)))
    assert not s.exact
    assert_jacobian(f, point, [s.gradients[n] for n in names])
    check_expression(graph, dict(zip(names, point)), s)


def test_smooth_function_values_by_hand():
    _, s = solve("sigmoid(x)", x=0.0)
    assert s.value == 0.5 and s.gradients == {"x": 0.25}
    _, s = solve("tanh(x) + exp(y) + log(z)", x=0.0, y=0.0, z=1.0)
    assert s.value == 1.0 and s.gradients == {"x": 1.0, "y": 1.0, "z": 1.0}


def test_sigmoid_does_not_overflow_for_very_negative_input():
    _, s = solve("sigmoid(x)", x=-800.0)
    assert s.value == 0.0 and s.gradients["x"] == 0.0


# ---------------------------------------------------------------------------------------------
# Kink conventions: relu′(0) = 0; a max/min tie sends the gradient to the first argument


def test_relu_at_zero_has_derivative_zero():
    graph, s = solve("relu(x)", x=0)
    assert s.value == 0 and s.gradients == {"x": 0}
    check_expression(graph, {"x": 0}, s)
    assert solve("relu(x)", x=2)[1].gradients == {"x": 1}
    assert solve("relu(x)", x=-2)[1].gradients == {"x": 0}


@pytest.mark.parametrize("op", ["max", "min"])
def test_tie_sends_gradient_to_first_argument(op):
    graph, s = solve(f"{op}(x, y)", x=1, y=1)
    assert s.value == 1 and s.gradients == {"x": 1, "y": 0}
    check_expression(graph, {"x": 1, "y": 1}, s)
    _, s = solve(f"{op}(y, x)", x=1, y=1)
    assert s.gradients == {"y": 1, "x": 0}


def test_max_and_min_away_from_ties():
    assert solve("max(x, y)", x=1, y=2)[1].gradients == {"x": 0, "y": 1}
    assert solve("min(x, y)", x=1, y=2)[1].gradients == {"x": 1, "y": 0}
    assert solve("max(x, x)", x=5)[1].gradients == {"x": 1}


# ---------------------------------------------------------------------------------------------
# Exact and float modes


def test_mode_selection():
    assert solve("x * y", x=F(1, 2), y=3)[1].exact
    assert not solve("x * y", x=0.5, y=3)[1].exact  # a float value means floats
    assert not solve("x * y", exact=False, x=F(1, 2), y=3)[1].exact
    assert not solve("sigmoid(x)", x=F(1))[1].exact
    _, s = solve("x * 3", exact=True, x=0.1)  # a float is read as the decimal it spells
    assert s.exact and s.value == F(3, 10)


def test_exact_is_impossible_with_irrational_ops():
    with pytest.raises(QgenError, match=r"^expression: sigmoid\(x \+ 1\) cannot be computed exactly \(sigmoid"):
        solve("2 * sigmoid(x + 1)", exact=True, x=F(1))


def test_float_results_are_floats():
    _, s = solve("x / y", x=1.0, y=3.0)
    assert isinstance(s.value, float) and all(isinstance(t.grad, float) for t in s.nodes)
    assert all(isinstance(p, float) for t in s.nodes for p in t.local)


# ---------------------------------------------------------------------------------------------
# Bad input: one line that starts with the field


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('echo hi')", "attribute access is not allowed"),
        ("__import__('os')", "unknown function '__import__'"),
        ("(lambda: 1)()", "lambdas are not allowed"),
        ("lambda: 1", "lambdas are not allowed"),
        ("[x for x in y]", "comprehensions are not allowed"),
        ("sum(x for x in y)", "unknown function 'sum'"),
        ('"a"', "strings are not allowed"),
        ("x + 'a'", "strings are not allowed"),
        ("f'{x}'", "strings are not allowed"),
        ("x.real", "attribute access is not allowed (allowed: numbers, variable names, + - * / **"),
        ("x[0]", "subscripts are not allowed"),
        ("2**100000", "huge exponent 100000"),
        ("x ** -9", "huge exponent -9"),
        ("x ** y", "must be an integer constant"),
        ("x ** 0.5", "must be an integer constant"),
        ("x ** (1 + 1)", "must be an integer constant"),
        ("x ^ 2", "write powers with **"),
        ("x % 2", "operator % is not allowed"),
        ("x // 2", "operator // is not allowed"),
        ("not x", "'not' is not allowed"),
        ("~x", "'~' is not allowed"),
        ("True + x", "booleans are not allowed"),
        ("None", "None is not allowed"),
        ("2j * x", "complex numbers are not allowed"),
        ("x < y", "comparisons are not allowed"),
        ("x and y", "and/or are not allowed"),
        ("x if y else z", "if-else expressions are not allowed"),
        ("(x, y)", "tuples are not allowed"),
        ("(y := 2)", "assignments are not allowed"),
        ("max(x)", "max takes exactly 2 arguments, got 1"),
        ("max(x, y, z)", "max takes exactly 2 arguments, got 3"),
        ("exp(x, y)", "exp takes exactly 1 argument, got 2"),
        ("exp(x=1)", "keyword arguments are not allowed"),
        ("max(*x)", "starred arguments are not allowed"),
        ("sin(x)", "unknown function 'sin'"),
        ("math.exp(x)", "attribute access is not allowed"),
        ("x(2)", "unknown function 'x'"),
        ("f(x)(y)", "only these functions can be called, by name"),
        ("exp + 1", "'exp' is a function"),
        ("n1 * x", "reserved for graph nodes"),
        ("_x + 1", "variable names are ASCII letters"),
        ("α + 1", "variable names are ASCII letters"),
        ("1e400 * x", "number out of range"),
        ("x +", "not a valid expression"),
        ("x = 1", "not a valid expression"),
        ("", "not a valid expression"),
        ("x\0", "not a valid expression"),
        ("x" + " + x" * 130, "too long (521 characters, at most 500)"),
        (" + ".join(["x"] * 120), "too many nodes (239, at most 200)"),
        ("(" * 210 + "x" + ")" * 210, "not a valid expression: too many nested parentheses"),
        ("-" * 300 + "x", "too many nodes"),
    ],
)
def test_bad_expressions_are_refused_with_one_line(text, fragment):
    with pytest.raises(QgenError) as caught:
        parse_expression(text)
    message = str(caught.value)
    assert message.startswith("expression: ")
    assert fragment in message
    assert "\n" not in message


def test_non_text_expression_is_refused():
    with pytest.raises(QgenError, match="^expression: expected text"):
        parse_expression(3)


@pytest.mark.parametrize(
    "text, values, fragment",
    [
        ("log(x - y)", {"x": 1, "y": 3}, "expression: log of a non-positive number at log(x - y) (value -2)"),
        ("log(x)", {"x": 0.0}, "expression: log of a non-positive number at log(x) (value 0)"),
        ("1 / (x - y)", {"x": 2, "y": 2}, "expression: division by zero at 1 / (x - y) (the divisor x - y is 0)"),
        ("x ** -1", {"x": 0}, "expression: 0 to a negative power at x ** -1"),
        ("exp(x)", {"x": 800.0}, "expression: overflow at exp(x)"),
        ("(x * x) ** 8 * x", {"x": 1e100}, "expression: overflow in the value at (x * x) ** 8"),
        ("x * x", {"x": 1e200}, "expression: overflow in the value at x * x"),
        ("((((x ** 8) ** 8) ** 8) ** 8)", {"x": 3}, "expression: number too large for exact arithmetic"),
    ],
)
def test_numerical_trouble_names_the_node(text, values, fragment):
    with pytest.raises(QgenError) as caught:
        solve_expression(parse_expression(text), values)
    assert str(caught.value).startswith(fragment)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"x": 1, "y": 2}, "values: missing value for 'z'"),
        ({"x": 1, "y": 2, "z": 3, "q": 4}, "values: unknown variable 'q' (the expression uses x, y, z)"),
        ({"x": 1, "y": 2, "z": "3"}, "values: z must be a number, got '3'"),
        ({"x": True, "y": 2, "z": 3}, "values: x must be a number, got True"),
        ({"x": math.nan, "y": 2, "z": 3}, "values: x must be a finite number, got nan"),
    ],
)
def test_bad_values_are_refused(values, message):
    with pytest.raises(QgenError) as caught:
        solve_expression(parse_expression("x * y + z"), values)
    assert str(caught.value) == message


def test_values_must_be_a_mapping():
    with pytest.raises(QgenError, match="^values: expected a mapping"):
        solve_expression(parse_expression("x"), [1])


# ---------------------------------------------------------------------------------------------
# The oracle passes correct solutions and catches tampered ones


def _tamper(solution, node_id, **change):
    nodes = tuple(dataclasses.replace(t, **change) if t.id == node_id else t for t in solution.nodes)
    return dataclasses.replace(solution, nodes=nodes)


@pytest.fixture
def worked():
    values = {"x": 3, "y": -4, "z": 2, "w": -1}
    graph = parse_expression("2 * (x * y + max(z, w))")
    return graph, values, solve_expression(graph, values)


def test_oracle_catches_a_wrong_node_gradient(worked):
    graph, values, s = worked
    with pytest.raises(VerificationError, match=r"node n1 \(x \* y\): the gradient is 3"):
        check_expression(graph, values, _tamper(s, "n1", grad=F(3)))


def test_oracle_catches_a_wrong_variable_gradient(worked):
    graph, values, s = worked
    tampered = dataclasses.replace(s, gradients={**s.gradients, "x": F(-7)})
    with pytest.raises(VerificationError, match="per-variable gradients"):
        check_expression(graph, values, tampered)
    with pytest.raises(VerificationError, match="node x: the gradient is -7"):
        check_expression(graph, values, _tamper(s, "x", grad=F(-7)))


def test_oracle_catches_a_wrong_value_or_local_partial(worked):
    graph, values, s = worked
    with pytest.raises(VerificationError, match="node n3 .*value is -9"):
        check_expression(graph, values, _tamper(s, "n3", value=F(-9)))
    with pytest.raises(VerificationError, match="node n2 .*local partial for input 2"):
        check_expression(graph, values, _tamper(s, "n2", local=(F(1), F(1))))
    with pytest.raises(VerificationError, match="output value"):
        check_expression(graph, values, dataclasses.replace(s, value=F(-21)))


def test_oracle_catches_the_wrong_kink_convention():
    graph, s = solve("relu(x) + max(y, z)", x=0, y=1, z=1)
    values = {"x": 0, "y": 1, "z": 1}
    check_expression(graph, values, s)
    with pytest.raises(VerificationError, match="node x: the gradient"):
        check_expression(graph, values, _tamper(s, "x", grad=F(1)))  # as if relu′(0) = 1
    swapped = _tamper(_tamper(s, "y", grad=F(0)), "z", grad=F(1))  # tie sent to the second argument
    with pytest.raises(VerificationError, match="node y: the gradient"):
        check_expression(graph, values, swapped)


def test_oracle_error_is_not_a_user_error():
    assert not issubclass(VerificationError, QgenError)


def test_oracle_tolerates_a_large_value_beside_a_small_gradient():
    # (x*y)**8 is about 4e8; the ±h on z is lost in its rounding unless the bound allows for it
    graph, s = solve("(x * y) ** 8 + z", x=3.0, y=4.0, z=0.5)
    check_expression(graph, {"x": 3.0, "y": 4.0, "z": 0.5}, s)


# ---------------------------------------------------------------------------------------------
# Properties over random expressions from a small grammar

LEAVES = ["x", "y", "z", "1", "2", "3", "0.5", "-2"]


def _grammar(unary_functions):
    def extend(children):
        return st.one_of(
            st.tuples(children, st.sampled_from("+-*/"), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(children, st.sampled_from([-2, -1, 2, 3])).map(lambda t: f"({t[0]}) ** {t[1]}"),
            children.map(lambda c: f"-({c})"),
            st.tuples(st.sampled_from(["max", "min"]), children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
            st.tuples(st.sampled_from(unary_functions), children).map(lambda t: f"{t[0]}({t[1]})"),
        )

    return st.recursive(st.sampled_from(LEAVES), extend, max_leaves=8)


rational_expressions = _grammar(["relu"])
any_expressions = _grammar(["relu", "exp", "log", "sigmoid", "tanh"])
small_fractions = st.builds(F, st.integers(-4, 4), st.sampled_from([1, 2, 3, 4]))
value_sets = st.fixed_dictionaries({"x": small_fractions, "y": small_fractions, "z": small_fractions})
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


def _solve_or_reject(graph, values, exact):
    try:
        return solve_expression(graph, values, exact=exact)
    except QgenError:
        assume(False)


def _scale(solution) -> float:
    numbers = [x for t in solution.nodes for x in (t.value, t.grad, *t.local)]
    return 1 + max(abs(float(x)) for x in numbers)


def _ties(graph: Graph, solution) -> set[str]:
    value = {t.id: t.value for t in solution.nodes}
    return {
        n.id
        for n in graph.nodes
        if (n.op in ("max", "min") and value[n.inputs[0]] == value[n.inputs[1]])
        or (n.op == "relu" and value[n.inputs[0]] == 0)
    }


@PROPERTY
@given(text=rational_expressions, values=value_sets)
def test_exact_and_float_solutions_agree(text, values):
    graph = parse_expression(text)
    values = {name: values[name] for name in graph.variables}
    exact = _solve_or_reject(graph, values, exact=None)  # all Fractions: exact
    approx = _solve_or_reject(graph, values, exact=False)
    assume(_ties(graph, exact) == _ties(graph, approx))  # rounding can break an exact tie
    assert exact.exact and not approx.exact
    assert all(isinstance(x, F) for t in exact.nodes for x in (t.value, t.grad, *t.local))
    tolerance = 1e-9 * _scale(exact)
    for e, a in zip(exact.nodes, approx.nodes):
        assert math.isclose(float(e.value), a.value, rel_tol=1e-9, abs_tol=tolerance), e.id
        assert math.isclose(float(e.grad), a.grad, rel_tol=1e-9, abs_tol=tolerance), e.id
    assert exact.gradients.keys() == approx.gradients.keys()


@PROPERTY
@given(text=any_expressions, values=value_sets)
def test_oracle_accepts_engine_solutions(text, values):
    graph = parse_expression(text)
    values = {name: float(values[name]) for name in graph.variables}
    solution = _solve_or_reject(graph, values, exact=None)
    assume(_scale(solution) < 1e4)  # the documented regime of the oracle's bound
    check_expression(graph, values, solution)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(text=any_expressions, values=value_sets, data=st.data())
def test_oracle_rejects_any_tampered_gradient(text, values, data):
    graph = parse_expression(text)
    values = {name: float(values[name]) for name in graph.variables}
    solution = _solve_or_reject(graph, values, exact=None)
    assume(_scale(solution) < 1e4)
    node = data.draw(st.sampled_from(graph.nodes))
    grad = trace(solution, node.id).grad
    with pytest.raises(VerificationError):
        check_expression(graph, values, _tamper(solution, node.id, grad=grad + 1e-3 * (1 + abs(grad)) + 1e-3))


@PROPERTY
@given(text=any_expressions)
def test_expression_text_parses_back_to_the_same_graph(text):
    graph = parse_expression(text)
    again = parse_expression(expression_text(graph, graph.output))
    assert again.nodes == graph.nodes and again.output == graph.output
