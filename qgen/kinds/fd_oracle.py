"""The oracle's float64 pieces shared by the kinds: central differences and the comparisons every
engine answer must pass (no engine code here)."""

from __future__ import annotations

import numpy as np

from qgen.engine.network_check import VerificationError

STEP = 1e-5
GRAD_RTOL = 1e-6
VALUE_RTOL = 1e-9


def fd_jacobian(f, x0: np.ndarray) -> np.ndarray:
    """∂f/∂x by central differences (numerator layout): len(f(x)) × len(x)."""
    columns = []
    for j in range(len(x0)):
        h = STEP * max(1.0, abs(x0[j]))
        step = np.zeros(len(x0))
        step[j] = h
        columns.append((np.atleast_1d(f(x0 + step)) - np.atleast_1d(f(x0 - step))) / (2 * h))
    return np.column_stack(columns)


def fd_gradient(loss, point: np.ndarray) -> np.ndarray:
    """∂L/∂point for a scalar L, any shape of point, by central differences."""
    flat = np.array(point, dtype=float).reshape(-1)
    grad = fd_jacobian(lambda v: loss(v.reshape(np.shape(point))), flat)
    return grad.reshape(np.shape(point))


def same_values(what: str, got, expected) -> None:
    got, expected = np.array(got, dtype=float), np.array(expected, dtype=float)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=VALUE_RTOL, atol=VALUE_RTOL):
        raise VerificationError(f"{what}: engine {got.tolist()} != oracle {expected.tolist()}")


def same_gradient(what: str, got, expected) -> None:
    """Central differences with h = 1e-5 err by ~1e-10 on these moderate functions; a wrong
    factor, sign or transpose misses 1e-6·(1 + |g|) by far."""
    got, expected = np.array(got, dtype=float), np.array(expected, dtype=float)
    if got.shape != expected.shape:
        raise VerificationError(f"{what}: shape {got.shape} != {expected.shape}")
    if np.any(np.abs(got - expected) > GRAD_RTOL * (1 + np.abs(got))):
        raise VerificationError(f"{what}: engine {got.tolist()} != finite differences {expected.tolist()}")
