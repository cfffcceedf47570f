"""Gradient checking: the central difference of an expression graph along one variable, the
analytic partial derivative by backpropagation, and their relative error.

    numeric  = (f(p + h e_v) − f(p − h e_v)) / 2h
    analytic = ∂f/∂v at p (the expression engine's backward pass)
    relative error = |numeric − analytic| / max(|numeric|, |analytic|)

Exact (Fractions) for polynomials at rational points and steps; float64 otherwise. In given mode
the sheet prints f(p ± h e_v) and the values of the functions at p: the check then works from
exactly those printed numbers and stays rational.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qgen.engine.expression import Graph, solve_expression
from qgen.numbers import Scalar


@dataclass(frozen=True)
class GradientCheck:
    variable: str
    f_plus: Scalar  # f(p + h e_v)
    f_minus: Scalar  # f(p − h e_v)
    numeric: Scalar
    analytic: Scalar
    relative_error: Scalar


def shifted(point: Mapping[str, Scalar], variable: str, step: Scalar) -> dict[str, Scalar]:
    """The point with `step` added to one variable."""
    return {name: value + step if name == variable else value for name, value in point.items()}


def relative_error(numeric: Scalar, analytic: Scalar) -> Scalar:
    """|numeric − analytic| / max(|numeric|, |analytic|) (0 when both are 0)."""
    scale = max(abs(numeric), abs(analytic))
    return abs(numeric - analytic) / scale if scale else scale


def central_difference(f_plus: Scalar, f_minus: Scalar, h: Scalar) -> Scalar:
    return (f_plus - f_minus) / (2 * h)


def check_gradient(graph: Graph, point: Mapping[str, Scalar], variable: str, h: Scalar, exact: bool,
                   printed: Mapping[str, Scalar] | None = None,
                   f_values: tuple[Scalar, Scalar] | None = None) -> GradientCheck:
    """The check along `variable` at `point`. f_values: f(p ± h e_v) as printed (given mode), else
    computed by the engine; printed: function nodes' printed values at p (solve_expression)."""
    if f_values is None:
        f_values = tuple(solve_expression(graph, shifted(point, variable, s), exact).value for s in (h, -h))
    f_plus, f_minus = f_values
    numeric = central_difference(f_plus, f_minus, h)
    analytic = solve_expression(graph, point, exact, printed).gradients[variable]
    return GradientCheck(variable, f_plus, f_minus, numeric, analytic, relative_error(numeric, analytic))
