"""The network engine: numbers checked by hand, the oracle, and exact/float agreement."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from exact import HAND
from qgen.engine.network import solve_network
from qgen.engine.network_check import VerificationError, check_network
from qgen.problem import load_problem

F = Fraction



def test_small_relu_network_by_hand():
    net = load_problem(json.dumps(HAND))
    sol = solve_network(net)
    check_network(net, sol)
    assert sol.exact
    assert list(sol.forward[0].z) == [-1, 3] and list(sol.forward[0].a) == [0, 3]
    assert list(sol.forward[1].a) == [6] and sol.loss == 2
    g1, g2 = sol.gradients
    assert g2.dW.tolist() == [[0, 6]] and list(g2.db) == [2] and list(g2.dz) == [2]
    assert list(g1.da) == [2, 4] and list(g1.dz) == [0, 4]
    assert g1.dW.tolist() == [[0, 0], [4, 8]] and list(g1.db) == [0, 4]
    assert list(sol.dx) == [8, 0]
    u1, u2 = sol.update
    assert u1.W.tolist() == [[1, -1], [0, -4]] and list(u1.b) == [0, -1]
    assert u2.W.tolist() == [[1, -1]] and list(u2.b) == [-1]
    assert all(isinstance(v, Fraction) for v in u1.W.flat)


def test_mazur_sigmoid_example():
    """The widely used worked example (Mazur, 'A step by step backpropagation example')."""
    net = load_problem(open("examples/network.json").read())
    sol = solve_network(net)
    check_network(net, sol)
    assert not sol.exact
    assert sol.loss == pytest.approx(0.298371109, abs=1e-9)
    np.testing.assert_allclose(sol.forward[0].a, [0.593269992, 0.596884378], atol=1e-9)
    np.testing.assert_allclose(sol.update[1].W, [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], atol=1e-8)
    np.testing.assert_allclose(sol.update[0].W, [[0.149780716, 0.19956143], [0.24975114, 0.29950229]], atol=1e-8)


def test_softmax_cross_entropy_network():
    problem = {"x": [1, -1], "layers": [{"W": [[1, 0], [0, 1], [1, 1]], "activation": "identity"}],
               "loss": "softmax_ce", "y": 1}
    net = load_problem(json.dumps(problem))
    sol = solve_network(net)
    check_network(net, sol)
    z = np.array([1.0, -1.0, 0.0])
    p = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(sol.yhat, p)
    assert sol.loss == pytest.approx(-np.log(p[1]))
    np.testing.assert_allclose(sol.gradients[0].dz, p - [0, 1, 0])
    assert sol.gradients[0].db is None


def test_trace_lists_every_gate_in_order_with_its_jacobian():
    sol = solve_network(load_problem(json.dumps(HAND)))
    assert [(s.gate, s.layer) for s in sol.steps] == [("linear", 1), ("relu", 1), ("linear", 2), ("identity", 2), ("half_sse", 3)]
    relu = sol.steps[1]
    assert relu.jacobian.tolist() == [[0, 0], [0, 1]]  # Diag[ReLU'(z)] with z = (-1, 3)
    assert list(relu.upstream) == [2, 4] and list(relu.downstream) == [0, 4]
    assert sol.steps[2].jacobian.tolist() == [[1, 2]]  # ∂z²/∂a¹ = W²


@pytest.mark.parametrize("field", ["dW", "dz", "da"])
def test_oracle_catches_a_wrong_gradient(field):
    net = load_problem(json.dumps(HAND))
    sol = solve_network(net)
    getattr(sol.gradients[0], field).flat[1] += 1
    with pytest.raises(VerificationError):
        check_network(net, sol)


def test_oracle_catches_a_wrong_forward_value_and_update():
    net = load_problem(json.dumps(HAND))
    sol = solve_network(net)
    sol.forward[1].z[0] += F(1, 1000)
    with pytest.raises(VerificationError, match="z\\^2"):
        check_network(net, sol)
    sol = solve_network(net)
    sol.update[0].W[0, 0] += 1
    with pytest.raises(VerificationError, match="updated W"):
        check_network(net, sol)


small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def chains(draw):
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layer = {"W": [[str(draw(small)) for _ in range(n_in)] for _ in range(n_out)],
                 "activation": draw(st.sampled_from(["identity", "relu", "leaky_relu"]))}
        if draw(st.booleans()):
            layer["b"] = [str(draw(small)) for _ in range(n_out)]
        layers.append(layer)
    return {"x": [str(draw(small)) for _ in range(sizes[0])], "layers": layers, "loss": "half_sse",
            "y": [str(draw(small)) for _ in range(sizes[-1])], "learning_rate": "1/10"}


@settings(max_examples=60, deadline=None)
@given(chains())
def test_exact_and_float_agree_and_pass_the_oracle(problem):
    exact_net = load_problem(json.dumps(problem))
    exact = solve_network(exact_net)
    check_network(exact_net, exact)  # kinks included: the oracle follows the stated convention
    assert exact.exact and isinstance(exact.loss, Fraction)
    # At an exact kink float64 may land on either side (5.6e-17 for 0): there only exact is right.
    assume(all(v != 0 for layer in exact.forward for v in layer.z))
    fsol = solve_network(_as_float(exact_net))  # the same chain in float64
    assert float(exact.loss) == pytest.approx(float(fsol.loss), rel=1e-9, abs=1e-12)
    for g, h in zip(exact.gradients, fsol.gradients):
        np.testing.assert_allclose(np.array(g.dW, dtype=float), h.dW, rtol=1e-9, atol=1e-12)


def _as_float(net):
    from dataclasses import replace

    from qgen.engine.gates import Elementwise, HalfSquaredError, Linear
    from qgen.engine.network import Layer

    def f(a):
        return None if a is None else np.array(a, dtype=float)

    layers = tuple(Layer(Linear(f(l.linear.W), f(l.linear.b)), Elementwise(l.activation.name, float(l.activation.alpha)))
                   for l in net.layers)
    return replace(net, x=f(net.x), layers=layers, loss=HalfSquaredError(f(net.loss.y)))


def _given_sigmoid_network(printed):
    from qgen.engine.gates import GivenElementwise, HalfSquaredError, Elementwise, Linear
    from qgen.engine.network import Layer, Network

    q = lambda *v: np.array([F(t) for t in v], dtype=object)  # noqa: E731
    hidden = Layer(Linear(np.array([[F(1), F(0)], [F(0), F(-1)]], dtype=object)), GivenElementwise("sigmoid", q(*printed)))
    out = Layer(Linear(np.array([[F(1), F(1)]], dtype=object)), Elementwise("identity"))
    return Network(q(1, 2), (hidden, out), HalfSquaredError(q(1)), F(1, 2))


def test_given_values_mode_uses_the_printed_sigmoid_values():
    net = _given_sigmoid_network(["0.73", "0.12"])  # σ(1) = 0.7311, σ(-2) = 0.1192, printed to 2 places
    sol = solve_network(net)
    check_network(net, sol)
    assert list(sol.forward[0].a) == [F("0.73"), F("0.12")]
    assert list(sol.gradients[1].dz) == [F("-0.15")]
    assert list(sol.gradients[0].dz) == [F("-0.029565"), F("-0.01584")]  # -0.15·0.73·0.27, -0.15·0.12·0.88
    assert sol.loss == F("0.01125")


def test_oracle_refuses_a_printed_value_that_is_not_the_rounded_truth():
    net = _given_sigmoid_network(["0.90", "0.12"])
    with pytest.raises(VerificationError, match="printed a"):
        check_network(net, solve_network(net))


def test_oracle_follows_the_convention_at_an_exact_kink_that_floats_miss():
    """-5/6 + 1/2 + 1/3 is exactly 0 (ReLU'(0) = 0), but 5.6e-17 in float64."""
    problem = {"x": ["0", "-5/3", "1/4"],
               "layers": [{"W": [["0", "1/2", "2"]], "activation": "identity", "b": ["1/3"]},
                          {"W": [["0"], ["-1"]], "activation": "relu"}],
               "loss": "half_sse", "y": ["0", "1"], "learning_rate": "1/10"}
    net = load_problem(json.dumps(problem))
    sol = solve_network(net)
    check_network(net, sol)
    assert list(sol.forward[0].z) == [0]
    assert list(sol.gradients[1].dz) == [0, 0]
