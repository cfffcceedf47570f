"""The guard against gaming follow-through: credit is refused only when the student's own inputs
make the step trivial and the key's inputs do not (README, "Guard against gaming").

A step is trivial on some inputs when
- (zero) one input is all zero and so is the step's output: every gradient computed from an
  all-zero upstream gradient is zero, whatever the rule; or
- (identity) a ReLU or leaky-ReLU step (a forward a = f(z), or δ = f′(z) ⊙ g) passes one input
  through unchanged, as a map: moving that input by a small probe h·u (and by −h·u) moves the
  output by exactly as much. That is a z the student made all positive: the gate's whole work,
  deciding which units pass, is gone.

A coincidence is not trivial: a value that a correct mask passes unchanged (δ = f′ ⊙ g with zeros
in g where the mask is 0), n3 = n2² at n2 = 1, a product with a factor 1 (even one the student
slipped into: a multiplication is still done), an output equal to an input. Nor is a step that is
trivial on the key's inputs too: the student did the same work as the key asks.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.grade.rules import FAILED, run_rule

_H_EXACT = Fraction(1, 1000)
_H_FLOAT = 2.0 ** -10


PASSING_GATES = ("relu", "leaky_relu")  # the gates whose work an input can remove (all units active)


def refusal(gate: str, rule, names: tuple[str, ...], mine: list, keys: list, output, key_output) -> str | None:
    """Why follow-through is refused for a step recomputed on the student's inputs `mine` (its
    output `output`), or None. `keys`, `key_output`: the same on the key's inputs."""
    if _zero(output) and not _zero(key_output):
        for name, m, k in zip(names, mine, keys):
            if _zero(m) and not _zero(k):
                return f"your {name} is all zero (the key's is not), which makes every value computed from it 0"
    for j, name in enumerate(names if gate in PASSING_GATES else ()):
        if _identity(rule, mine, j) and not _identity(rule, keys, j):
            return (f"your values make this {gate} gate pass {name} through unchanged "
                    "(every unit active; on the key's values it is not)")
    return None


def _flat(v) -> list[float]:
    return [float(x) for x in np.asarray(v, dtype=object).reshape(-1)]


def _zero(v) -> bool:
    try:
        return v is not None and not any(_flat(v))
    except FAILED:
        return False


def _identity(rule, inputs: list, j: int) -> bool:
    """The step, as a map of input j (the others fixed), moves its output exactly as the input."""
    base = run_rule(rule, inputs)
    if base is None:
        return False
    x = np.asarray(inputs[j], dtype=object)
    if np.asarray(base, dtype=object).size != x.size:
        return False
    exact = all(isinstance(v, (Fraction, int)) for v in x.reshape(-1))
    h = _H_EXACT if exact else _H_FLOAT
    u = np.array([h * (k + 1) for k in range(x.size)], dtype=object).reshape(x.shape)
    for sign in (1, -1):
        probe = x + sign * u
        moved = run_rule(rule, [*inputs[:j], probe if x.ndim else probe.item(), *inputs[j + 1:]])
        if moved is None:
            return False
        delta = np.asarray(moved, dtype=object).reshape(-1) - np.asarray(base, dtype=object).reshape(-1)
        want = (sign * u).reshape(-1)
        if exact:
            if any(d != w for d, w in zip(delta, want)):
                return False
        elif any(abs(float(d) - float(w)) > 1e-9 * (1 + abs(float(w))) for d, w in zip(delta, want)):
            return False
    return True

