"""The one gradient-check helper every test shares: central finite differences in float64."""

from __future__ import annotations

import numpy as np

STEP = 1e-6
# Central differences err by O(h^2 f''') + O(eps |f| / h); for the smooth, moderate functions
# tested here that is far below this bound.
RTOL = 1e-5
ATOL = 1e-6


def numeric_jacobian(f, x) -> np.ndarray:
    """∂f/∂x by central differences: shape f(x).shape + x.shape (numerator layout)."""
    x = np.array(x, dtype=float)
    fx = np.asarray(f(x.copy()), dtype=float)
    jac = np.zeros(fx.shape + x.shape)
    for index in np.ndindex(x.shape):
        h = STEP * max(1.0, abs(x[index]))
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        diff = (np.asarray(f(plus), dtype=float) - np.asarray(f(minus), dtype=float)) / (2 * h)
        jac[(...,) + index] = diff
    return jac


def assert_jacobian(f, x, analytic) -> None:
    """Fail unless `analytic` equals ∂f/∂x at x within the documented tolerance."""
    expected = numeric_jacobian(f, x)
    got = np.array(analytic, dtype=float)
    assert got.shape == expected.shape, f"shape {got.shape} != finite differences {expected.shape}"
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
