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

from qgen.errors import QgenError
from qgen.kinds.base import Option, Redraw

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


# ---------------------------------------------------------------------------------------------
# mlp: inactive ReLU units (z ≤ 0: a = 0, δ = 0 there, half the hidden work gone). The option
# `inactive` sets how many a network has: auto (none, or one in about a quarter of the
# questions), a number (exactly that many), or any (only the old rule: at least half of every
# ReLU layer active). class_options resolves auto once per class, so a class shares the count.

INACTIVE_AUTO, INACTIVE_ANY = "auto", "any"
INACTIVE_SHARE = 0.25  # auto: the chance that a question (or a class) has one inactive unit
RULE_INACTIVE = "inactive ReLU units as the option inactive asks (auto: none, or one in a quarter of questions)"


def inactive_option(text):
    """The mlp option inactive: auto, any, or a whole number of inactive ReLU units."""
    if str(text) in (INACTIVE_AUTO, INACTIVE_ANY):
        return str(text)
    try:
        k = int(str(text))
    except ValueError:
        raise ValueError(f"expected auto, any or a whole number from 0 to 6, got {text!r}") from None
    if not 0 <= k <= 6:
        raise ValueError(f"expected auto, any or a whole number from 0 to 6, got {text!r}")
    return k


INACTIVE_OPTION = Option(
    "inactive", "inactive ReLU units (z <= 0) in the network: auto (none, or one in about a quarter of the "
    "questions), a number (exactly that many), or any (at least half of each ReLU layer active)",
    {"easy": INACTIVE_AUTO, "medium": INACTIVE_AUTO, "hard": INACTIVE_AUTO}, inactive_option)


def check_inactive(wanted, sizes, activations) -> None:
    """A number of inactive units must fit the hidden ReLU layers (at most half of each)."""
    room = sum(n // 2 for n, act in zip(sizes[1:-1], activations) if act == "relu")
    if isinstance(wanted, int) and wanted > room:
        raise QgenError(f"mlp option inactive: at most {room} inactive ReLU units fit these hidden layers "
                        f"(at least half of each ReLU layer stays active), got {wanted}")


def resolve_inactive(rng, value, hidden_relu: bool = True):
    """auto -> 1 with chance INACTIVE_SHARE, else 0 (drawn with rng), and 0 without a hidden ReLU
    layer; a number or any as it is."""
    if value != INACTIVE_AUTO:
        return value
    return int(rng.random() < INACTIVE_SHARE and hidden_relu)


def count_inactive(pre_activations, activations) -> int:
    """The ReLU units whose pre-activation is not positive, over every layer."""
    return sum(float(v) <= 0 for z, act in zip(pre_activations, activations) if act == "relu" for v in z)


def reject_inactive(pre_activations, activations, wanted) -> None:
    if wanted != INACTIVE_ANY and count_inactive(pre_activations, activations) != wanted:
        raise Redraw(RULE_INACTIVE)


RULE_CANCELLED = "no hidden unit whose dL/da cancels to 0"


def reject_cancelled(upstream) -> None:
    """mlp: redraw when an entry of a hidden layer's ∂L/∂a = Wᵀδ is 0 (a sum that cancels by
    chance): that unit's δ is 0 although it is active, and its row of ∂L/∂W is empty."""
    if any(abs(float(v)) < 1e-12 for da in upstream for v in np.asarray(da, dtype=object).flat):
        raise Redraw(RULE_CANCELLED)


def resample_equal_columns(W: list, entry, tries: int = 3) -> None:
    """mlp with softmax, before the rule above: a column of the last W with equal entries is drawn
    again (entry() draws one weight), up to `tries` times; one still equal is left to the rule.
    (With weights ±1 and 2 outputs half the columns come out equal: rejection alone would take
    dozens of redraws per question.)"""
    for j in range(len(W[0]) if len(W) > 1 else 0):
        for _ in range(tries):
            if len({row[j] for row in W}) > 1:
                break
            for row in W:
                row[j] = entry()
