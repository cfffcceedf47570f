"""Every gate's forward rule, local Jacobian and VJP, against finite differences; the note's
gate table row by row; the note's chain-rule example."""

from fractions import Fraction

import numpy as np
import pytest

from gradcheck import assert_jacobian
from qgen.engine.gates import (
    Elementwise, HalfSquaredError, Identity, Linear, SoftmaxCrossEntropy, chain_jacobians, softmax_jacobian,
)

RNG = np.random.default_rng(7)
W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
b = np.array([0.1, -0.2])
x = np.array([0.3, -0.7, 1.1])
z = np.array([0.8, -1.3, 0.4, 2.2])  # no entry at a kink


def check_gate(gate, point, upstream):
    """forward's Jacobian by finite differences equals jacobian(); vjp equals Jacobianᵀ·upstream."""
    assert_jacobian(gate.forward, point, gate.jacobian(point))
    np.testing.assert_allclose(gate.vjp(point, upstream), np.array(gate.jacobian(point), dtype=float).T @ upstream)


def test_row_linear_z_equals_Wx_has_jacobian_W():
    gate = Linear(W, b)
    np.testing.assert_allclose(gate.forward(x), W @ x + b)
    np.testing.assert_array_equal(gate.jacobian(x), W)
    check_gate(gate, x, np.array([1.0, -2.0]))


def test_row_identity_z_equals_x_has_jacobian_I():
    gate = Identity()
    np.testing.assert_array_equal(gate.jacobian(x), np.eye(3))
    check_gate(gate, x, np.array([0.5, 1.0, -1.0]))


@pytest.mark.parametrize("name", ["identity", "relu", "leaky_relu", "sigmoid", "tanh"])
def test_row_elementwise_has_jacobian_diag_of_derivative(name):
    gate = Elementwise(name, alpha=0.1)
    jac = np.array(gate.jacobian(z), dtype=float)
    assert np.count_nonzero(jac - np.diag(np.diag(jac))) == 0  # diagonal
    check_gate(gate, z, np.array([1.0, -0.5, 2.0, 0.25]))


def test_row_weight_gradient_is_delta_x_transposed():
    """The note's δᵀx, written with δ a column: ∂L/∂W = δxᵀ, the shape of W."""
    delta = np.array([0.7, -1.2])

    def loss_of_W(Wflat):
        return delta @ (Wflat.reshape(W.shape) @ x + b)  # L linear in z with ∂L/∂z = δ

    grads = Linear(W, b).param_grads(x, delta)
    assert grads["W"].shape == W.shape
    np.testing.assert_allclose(grads["W"], np.outer(delta, x))
    assert_jacobian(loss_of_W, W.flatten(), grads["W"].flatten())
    np.testing.assert_allclose(grads["b"], delta)


def test_row_softmax_cross_entropy_gradient_is_yhat_minus_y():
    y = np.array([0.0, 1.0, 0.0, 0.0])
    gate = SoftmaxCrossEntropy(y)
    yhat = gate.probabilities(z)
    assert abs(yhat.sum() - 1) < 1e-12
    assert abs(gate.forward(z) + np.log(yhat[1])) < 1e-12
    np.testing.assert_allclose(gate.vjp(z, 1.0), yhat - y)
    assert_jacobian(lambda v: np.array([gate.forward(v)]), z, gate.jacobian(z))
    assert_jacobian(gate.probabilities, z, softmax_jacobian(z))


def test_half_squared_error_gradient_is_a_minus_y():
    y = np.array([0.5, 0.0, 1.0, -1.0])
    gate = HalfSquaredError(y)
    assert gate.forward(z) == pytest.approx(0.5 * np.sum((z - y) ** 2))
    np.testing.assert_allclose(gate.vjp(z, 1.0), z - y)
    assert_jacobian(lambda v: np.array([gate.forward(v)]), z, gate.jacobian(z))


def test_relu_derivative_at_zero_is_zero_by_convention():
    at_kink = np.array([Fraction(0), Fraction(-1), Fraction(2)], dtype=object)
    assert list(Elementwise("relu").derivative(at_kink)) == [0, 0, 1]
    assert list(Elementwise("leaky_relu", Fraction(1, 10)).derivative(at_kink)) == [Fraction(1, 10), Fraction(1, 10), 1]


def test_exact_gates_keep_fractions():
    Wq = np.array([[Fraction(1, 2), Fraction(-1)], [Fraction(3), Fraction(2, 3)]], dtype=object)
    xq = np.array([Fraction(2), Fraction(-3, 4)], dtype=object)
    zq = Linear(Wq).forward(xq)
    assert list(zq) == [Fraction(7, 4), Fraction(11, 2)]
    out = Elementwise("leaky_relu", Fraction(1, 4)).forward(np.array([Fraction(-2), Fraction(3)], dtype=object))
    assert list(out) == [Fraction(-1, 2), 3] and all(isinstance(v, Fraction) for v in out)


def test_chain_rule_example_from_the_note():
    """f: R → R², g: R² → R²; ∂g/∂x = (∂g/∂f)(∂f/∂x), a 2×2 times 2×1 product."""
    f = [Linear(np.array([[2.0], [-1.0]]), np.array([0.5, 0.0])), Elementwise("tanh")]
    g = [Linear(np.array([[1.0, 3.0], [-2.0, 0.5]])), Elementwise("sigmoid")]
    point = np.array([0.4])
    values, jacobians, product = chain_jacobians(f + g, point)
    df_dx = jacobians[1] @ jacobians[0]
    dg_df = jacobians[3] @ jacobians[2]
    assert df_dx.shape == (2, 1) and dg_df.shape == (2, 2)
    np.testing.assert_allclose(product, dg_df @ df_dx)

    def composed(v):
        for gate in f + g:
            v = gate.forward(v)
        return v

    assert_jacobian(composed, point, product)
    # The entrywise form the note writes out: ∂g_i/∂x = Σ_k ∂g_i/∂f_k ∂f_k/∂x.
    for i in range(2):
        assert product[i, 0] == pytest.approx(sum(dg_df[i, k] * df_dx[k, 0] for k in range(2)))


def test_random_gates_against_finite_differences():
    for _ in range(20):
        n, m = RNG.integers(1, 6, size=2)
        gate = Linear(RNG.normal(size=(n, m)), RNG.normal(size=n))
        check_gate(gate, RNG.normal(size=m), RNG.normal(size=n))
