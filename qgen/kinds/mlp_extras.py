"""`mlp`'s training extras: the options that also ask ∂L/∂x, L2 weight decay and one momentum step,
the velocities each student is given, and their reject rules (the engine solves them:
qgen.engine.network; the oracle checks them: qgen.engine.network_check)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np

from qgen.engine.network import LayerUpdate, Network, NetworkSolution
from qgen.kinds.base import Option, Redraw, parse_bool, round_to
from qgen.kinds.reject_rules import reject_cancelled
from qgen.numbers import NumberRangeError, exact_number

MAX_DECAY = Fraction(1)  # λ above 1 would outweigh the loss it regularises
RULE_VELOCITY = "the new velocity is not all zero"
RULE_NEAR_CANCELLED = "no ∂L/∂x, ∂L'/∂W or velocity entry that cancels to under a tenth of its terms (decimal modes)"
CANCELLED_SHARE = 0.1
VELOCITY_TRIES = 4  # velocities drawn again (the network kept) before the whole draw is redrawn


def _rate(name: str, top: Fraction, top_included: bool):
    """A parser for a number in [0, top] (or [0, top)); 0 means the extra is off."""
    def parse(text) -> Fraction:
        try:
            value = exact_number(text)
        except NumberRangeError as e:
            raise ValueError(f"number out of range: {e}") from None
        except ValueError:
            raise ValueError(f"expected a number such as 1/10 or 0.9 (0 = no {name}), got {text!r}") from None
        if value < 0 or value > top or (value == top and not top_included):
            bound = f"at most {top}" if top_included else f"below {top}"
            raise ValueError(f"expected a number from 0 (no {name}) {bound}, got {text!r}")
        return value
    return parse


EXTRA_OPTIONS = (
    Option("input_gradient", "also ask ∂L/∂x = W^[1]ᵀ δ^[1], the gradient of the input",
           {"easy": False, "medium": True, "hard": True}, parse_bool),
    Option("weight_decay", "λ of L2 weight decay: L' = L + λ/2 Σ‖W‖² (biases not decayed), asked: L', "
           "every ∂L'/∂W and the step with them; 0 = none", {d: Fraction(0) for d in ("easy", "medium", "hard")},
           _rate("weight decay", MAX_DECAY, True)),
    Option("momentum", "μ of one momentum step from given velocities: v ← μv + g, θ ← θ − ηv; 0 = none (plain SGD)",
           {d: Fraction(0) for d in ("easy", "medium", "hard")}, _rate("momentum", Fraction(1), False)),
)


def velocity_entry(rng: np.random.Generator, mode: str) -> Fraction:
    """One given velocity entry, nonzero, of a gradient's size: an integer in [-2, 2] (exact), tenths
    in [-1, 1] (given), two decimals in [-1, 1] (calculator)."""
    while True:
        if mode == "calculator":
            value = round_to(rng.uniform(-1, 1))
        elif mode == "given":
            value = Fraction(int(rng.integers(-10, 11)), 10)
        else:
            value = Fraction(int(rng.integers(-2, 3)))
        if value:
            return value


def draw_velocities(rng: np.random.Generator, options: dict, sizes, bias: bool) -> list | None:
    """Per layer (v of W as rows, v of b or None), drawn only when momentum is asked, so a draw
    without it uses the rng exactly as before."""
    if not options.get("momentum"):
        return None
    mode = options["mode"]
    return [([[velocity_entry(rng, mode) for _ in range(m)] for _ in range(n)],
             [velocity_entry(rng, mode) for _ in range(n)] if bias else None)
            for m, n in zip(sizes, sizes[1:])]


def solve_with_extras(rng: np.random.Generator, net: Network, options: dict, sizes, bias: bool, solve):
    """The network with its extras, solved by `solve` (the engine's solve_network): (network,
    solution, velocities). With momentum, the
    velocities are drawn again (up to VELOCITY_TRIES times, the network kept) while a new velocity
    entry nearly cancels, which is cheaper than redrawing the whole network; the last try is left
    to reject_extras."""
    for _ in range(VELOCITY_TRIES):
        velocities = draw_velocities(rng, options, sizes, bias)
        extended = with_extras(net, options, velocities)
        sol = solve(extended)
        if velocities is None or options["mode"] == "exact" or not _near_cancelled(_velocity_sums(extended, sol)):
            break
    return extended, sol, velocities


def with_extras(net: Network, options: dict, velocities: list | None) -> Network:
    """The network with the asked weight decay and momentum (exact numbers unless calculator mode)."""
    lam, mu = options.get("weight_decay"), options.get("momentum")
    if not lam and not mu:
        return net
    exact = options["mode"] != "calculator"
    dtype = object if exact else float
    velocity = None if not mu else tuple(
        LayerUpdate(np.array(vW, dtype=dtype), None if vb is None else np.array(vb, dtype=dtype))
        for vW, vb in velocities)
    return dataclasses.replace(net, weight_decay=lam or None, momentum=mu or None, velocity=velocity)


def extra_numbers(sol, options: dict) -> list:
    """The extras' answers, for the size and fraction rules of every answer."""
    arrays = []
    if options.get("input_gradient"):
        arrays.append(sol.dx)
    if sol.decayed is not None:
        arrays += [d.ravel() for d in sol.decayed] + [[sol.decayed_loss]]
    for v in sol.velocity or ():
        arrays += [v.W.ravel()] + ([] if v.b is None else [v.b])
    return [v for arr in arrays for v in arr]


def reject_extras(net: Network, sol, options: dict) -> None:
    """∂L/∂x with an entry 0 by a cancelled sum says nothing about that input; a velocity that
    comes out all zero for a parameter makes its step do nothing. With decimals, a sum of the
    extras (W¹ᵀδ¹, ∂L/∂W + λW, μv + g) whose entry keeps less than CANCELLED_SHARE of its terms'
    size is redrawn: a student who rounds every step to 4 decimals (each within its tolerance)
    could then miss that entry's tolerance (measured without the rule: 2 of 1,500 tanh variants at
    hard for ∂L/∂x, 1 of 1,080 for a velocity, every one below 5%)."""
    if options.get("input_gradient"):
        reject_cancelled([sol.dx])
    for v in sol.velocity or ():
        for arr in (v.W, v.b):
            if arr is not None and not np.any(np.abs(np.asarray(arr, dtype=float)) > 1e-12):
                raise Redraw(RULE_VELOCITY)
    if options["mode"] == "exact":
        return
    sums = []  # (the sum, the size of its terms), entry by entry
    if options.get("input_gradient"):
        W1, d1 = _floats(net.layers[0].linear.W), _floats(sol.gradients[0].dz)
        sums.append((_floats(sol.dx), np.abs(W1 * d1[:, None]).sum(axis=0)))
    if sol.decayed is not None:
        lam = float(net.weight_decay)
        sums += [(_floats(g.dW) + lam * _floats(layer.linear.W), np.abs(_floats(g.dW)) + np.abs(lam * _floats(layer.linear.W)))
                 for layer, g in zip(net.layers, sol.gradients)]
    if _near_cancelled(sums + _velocity_sums(net, sol)):
        raise Redraw(RULE_NEAR_CANCELLED)


def _velocity_sums(net: Network, sol: NetworkSolution) -> list:
    """μv + g and the size of its terms, for every parameter (none without momentum)."""
    if sol.velocity is None:
        return []
    mu, out = float(net.momentum), []
    for l, g in enumerate(sol.gradients):
        grads = [(net.velocity[l].W, _floats(g.dW if sol.decayed is None else sol.decayed[l]))]
        if g.db is not None:
            grads.append((net.velocity[l].b, _floats(g.db)))
        out += [(mu * _floats(v) + grad, np.abs(mu * _floats(v)) + np.abs(grad)) for v, grad in grads]
    return out


def _near_cancelled(sums: list) -> bool:
    return any(np.any(np.abs(total) < CANCELLED_SHARE * size) for total, size in sums)


def _floats(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def extra_params(options: dict, velocities: list | None, texts) -> dict:
    """answers.json parameters: λ, μ and the velocities as text (anyone can re-derive the answers)."""
    lam, mu = options.get("weight_decay"), options.get("momentum")
    out = {"input_gradient": bool(options.get("input_gradient"))}
    if lam:
        out["weight_decay"] = texts([lam])[0]
    if mu:
        out["momentum"] = texts([mu])[0]
        out["velocity_W"] = [[texts(row) for row in vW] for vW, _ in velocities]
        out["velocity_b"] = [None if vb is None else texts(vb) for _, vb in velocities]
    return out
