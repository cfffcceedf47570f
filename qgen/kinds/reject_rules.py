"""Reject rules against draws that teach nothing (each rule's name is what `qgen check` reports).

- graph: a binary gate whose two inputs have the same value hides its rule: at x · y with
  x = y the swap (∂/∂x = y, ∂/∂y = x) cannot be seen, at x + y the two inputs look alike.
  A gate fed twice by the same node (x · x, a square) is exempt: its two paths are the lesson.
- mlp: a column of the last W with equal entries before a softmax moves every logit by the same
  amount, which softmax ignores: that hidden unit's ∂L/∂a is 0 and its row of ∂L/∂W⁽¹⁾ is zero,
  for a reason the key never gives.
- jacobian at hard: an activation whose derivative is 1 at every entry makes Diag φ′ = I, a
  factor that does nothing in the chain. The identity activation, when chosen, is exempt.
"""

from __future__ import annotations

import numpy as np

from qgen.kinds.base import Redraw

RULE_EQUAL_INPUTS = "distinct values at every binary gate's inputs"
RULE_EQUAL_COLUMN = "no column of the last W with equal entries before a softmax"
RULE_IDENTITY_DERIVATIVE = "no activation derivative that is 1 everywhere (Diag f' = I) at hard"


def reject_equal_inputs(graph, value: dict, tol: float = 1e-12) -> None:
    """graph: redraw when a gate with two different input nodes sees the same value on both."""
    for node in graph.nodes:
        if len(node.inputs) == 2 and node.inputs[0] != node.inputs[1]:
            a, b = (value[i] for i in node.inputs)
            if abs(float(a) - float(b)) <= tol:
                raise Redraw(RULE_EQUAL_INPUTS)


def reject_equal_column(W) -> None:
    """mlp with softmax: redraw when a column of the last layer's W has all entries equal."""
    M = np.asarray(W, dtype=object)
    if M.ndim == 2 and M.shape[0] > 1 and any(len(set(col)) == 1 for col in M.T):
        raise Redraw(RULE_EQUAL_COLUMN)


def reject_identity_derivative(derivatives, activation: str) -> None:
    """jacobian at hard: redraw when any drawn activation derivative is 1 at every entry."""
    if activation == "identity":
        return
    for d in derivatives:
        if d is not None and all(float(v) == 1 for v in np.asarray(d, dtype=object).flat):
            raise Redraw(RULE_IDENTITY_DERIVATIVE)
