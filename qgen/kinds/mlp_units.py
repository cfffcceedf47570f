"""mlp sampling: which hidden ReLU units are inactive is chosen, not left to chance.

With the numbers drawn uniformly most networks have an inactive unit (z ≤ 0: its a and its δ are
0, and half the hidden work disappears); rejecting them all would cost hundreds of redraws. So
after the numbers are drawn, the units that should be inactive are chosen with the rng, and each
hidden unit whose sign of z is not the chosen one has its row of W and its bias negated (z → −z,
the same numbers with the other sign: the weights' distribution is symmetric). Layer by layer, so
the next layer sees the final activations. A unit at z = 0 stays as it is (the kink rule redraws).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.kinds.reject_rules import INACTIVE_ANY


def choose_inactive(rng: np.random.Generator, widths: list[int], k: int) -> set[tuple[int, int]]:
    """k (layer, unit) pairs among the hidden units, at most half of each layer."""
    units = [(l, i) for l, n in enumerate(widths) for i in range(n)]
    chosen: set[tuple[int, int]] = set()
    for index in rng.permutation(len(units)):
        l, i = units[int(index)]
        if len(chosen) < k and sum(c[0] == l for c in chosen) < widths[l] // 2:
            chosen.add((l, i))
    return chosen


def orient_units(rng: np.random.Generator, x: list, Ws: list, bs: list, activations, wanted) -> None:
    """Negate rows of the hidden layers' W (and b) in place so that exactly the chosen units are
    inactive; only when every hidden layer is ReLU and `wanted` is a number (not any)."""
    hidden = len(Ws) - 1
    if wanted == INACTIVE_ANY or hidden == 0 or any(a != "relu" for a in activations[:hidden]):
        return
    inactive = choose_inactive(rng, [len(W) for W in Ws[:hidden]], wanted)
    a = [Fraction(v) for v in x]
    for l in range(hidden):
        W, b = Ws[l], bs[l]
        z = []
        for i, row in enumerate(W):
            value = sum((Fraction(w) * v for w, v in zip(row, a)), Fraction(0)) + (Fraction(b[i]) if b else 0)
            if value != 0 and (value < 0) != ((l, i) in inactive):
                W[i] = [-w for w in row]
                if b:
                    b[i] = -b[i]
                value = -value
            z.append(value)
        a = [max(v, Fraction(0)) for v in z]
