"""`mlp`: a small network with its numbers given (x, W, b, activations, loss, target, η); asked:
every forward value, the loss, every gradient by backprop, and one SGD step.

The network is built from drawn numbers, solved by the engine (qgen.engine.network) and checked
by the oracle (check_network) before the Draw is returned. The key is the engine's trace.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.gates import (
    ACTIVATIONS, Elementwise, GivenElementwise, GivenSoftmaxCrossEntropy, HalfSquaredError, Linear,
    SoftmaxCrossEntropy,
)
from qgen.engine.network import Layer, Network, NetworkSolution, solve_network
from qgen.engine.network_check import PRINTED_TOL, check_network
from qgen.errors import QgenError
from qgen.kinds.base import (
    RULE_ZERO_BIAS, Draw, Option, Redraw, Screened, bounded, parse_bool, parse_fraction, reject_zero_lines,
    reject_zero_vector, round_to, split_sizes,
)
from qgen.kinds.mlp_context import (  # the key; constants the draw shares
    LEAKY_ALPHA, MAX_PLACES, STYLES, _answers, _key, _places, _printed, _sizes_of, _text, _texts,
)
from qgen.kinds.mlp_extras import (
    EXTRA_OPTIONS, extra_numbers, extra_params, reject_extras, solve_with_extras,
)
from qgen.kinds.mlp_units import orient_units
from qgen.kinds.reject_rules import (
    INACTIVE_ANY, INACTIVE_OPTION, check_inactive, reject_cancelled, reject_equal_column, reject_inactive,
    resample_equal_columns, resolve_inactive,
)
from qgen.solve import solve_guarded

NAME = "mlp"
SUMMARY = "a small network with its numbers: forward values, loss, every gradient, one SGD step"

ACTIVATION_NAMES = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")
SMOOTH = ("sigmoid", "tanh")  # no exact values: printed in given mode
LOSSES = ("half_sse", "softmax_ce")
MAX_LAYERS, MAX_WIDTH = 3, 4  # matrices must fit a line and be done by hand
SATURATION = {"sigmoid": 3, "tanh": 2}  # |z| above this: f' nearly 0 (and printed f ≈ ±1)
KINK_GAP = 0.01  # calculator mode: |z| below this is too close to the ReLU kink to round safely
LIMIT = 30  # largest answer a person should handle
MAX_DENOMINATOR = 1000  # exact mode: "simple fractions"
SOFTMAX_MAX, SOFTMAX_MIN = 0.9, 0.02
RULE_OUTPUT_DELTA = "no zero in the output layer's δ"
ZERO_WEIGHT = 0.03  # exact and given weights: chance of a 0 (a missing connection); otherwise nonzero
class Sizes(tuple):
    """Layer sizes that print as the user writes them ("2-3-2"), e.g. in answers.json's options."""

    def __str__(self) -> str:
        return "-".join(str(n) for n in self)


def _sizes(text) -> Sizes:
    sizes = split_sizes(text)
    if len(sizes) > MAX_LAYERS + 1 or max(sizes) > MAX_WIDTH:
        raise ValueError(f"expected 1 to {MAX_LAYERS} layers of at most {MAX_WIDTH} units each "
                         f"(the matrices must fit the page and be done by hand), got {text!r}")
    return Sizes(sizes)


def _same(value) -> dict:
    return {"easy": value, "medium": value, "hard": value}


OPTIONS = (
    Option("sizes", "layer sizes from input to output, e.g. 2-3-2", {"easy": Sizes((2, 2, 1)),
           "medium": Sizes((2, 3, 2)), "hard": Sizes((3, 3, 2))}, _sizes),
    Option("activation", "activation of the hidden layers", _same("relu"), str, ACTIVATION_NAMES),
    Option("output_activation", "activation of the output layer", _same("identity"), str, ACTIVATION_NAMES),
    Option("loss", "half_sse (½Σ(ŷ−y)²) or softmax_ce (softmax + cross-entropy)", _same("half_sse"), str, LOSSES),
    Option("bias", "layers have a bias b", _same(True), parse_bool),
    Option("learning_rate", "η of the SGD step", {"easy": Fraction(1), "medium": Fraction(1, 2),
           "hard": Fraction(1, 10)}, parse_fraction),
    INACTIVE_OPTION,
) + EXTRA_OPTIONS  # input_gradient, weight_decay, momentum


def _activations(options: dict) -> tuple[str, ...]:
    layers = len(options["sizes"]) - 1
    return (options["activation"],) * (layers - 1) + (options["output_activation"],)


def check_options(options: dict) -> None:
    sizes, mode, loss = options["sizes"], options["mode"], options["loss"]
    if mode == "exact":
        if loss == "softmax_ce":
            raise QgenError("mlp option loss: softmax_ce has no exact answers; use --mode given "
                            "(ŷ printed on the sheet) or --mode calculator")
        for name, used in (("activation", len(sizes) > 2), ("output_activation", True)):
            if used and options[name] in SMOOTH:
                raise QgenError(f"mlp option {name}: {options[name]} has no exact values; use --mode given "
                                "(its values printed on the sheet) or --mode calculator")
    if loss == "softmax_ce" and options["output_activation"] != "identity":
        raise QgenError("mlp option output_activation: softmax_ce applies softmax to z of the last layer; "
                        "use output_activation=identity")
    if loss == "softmax_ce" and sizes[-1] < 2:
        raise QgenError("mlp option sizes: softmax_ce needs at least 2 outputs, e.g. sizes=2-3-2")
    check_inactive(options["inactive"], sizes, _activations(options))
    if mode == "given" and sum(a in SMOOTH for a in _activations(options)) > 1:
        name = "activation" if options["activation"] in SMOOTH else "output_activation"
        raise QgenError(f"mlp option {name}: in given mode at most one layer may use sigmoid or tanh "
                        "(the key's decimals would run past 8 places); use one hidden layer, "
                        "output_activation=identity, or --mode calculator")


# ---------------------------------------------------------------------------------------------
# Drawing the numbers: what a person can compute in each mode.


def _entry(rng, mode: str, role: str, difficulty: str, smooth: bool, big: bool, halves: bool) -> Fraction:
    """One drawn input number. role: x, W or b. smooth: the network has printed σ/tanh values.
    big: three layers or a layer of 4 units, where products grow fast, so weights stay smaller.
    halves: some weights may be halves (hard, exact, unless leaky ReLU already brings tenths)."""
    if mode == "calculator":
        return round_to(rng.uniform(-2, 2) if role == "x" else rng.uniform(-1.5, 1.5) / (1 + big))
    if mode == "given":
        # Printed σ/tanh values already bring 4 decimal places per derivative: x stays whole there.
        if role == "x":
            return _nonzero(lambda: Fraction(int(rng.integers(-2, 3) if smooth else rng.integers(-20, 21)),
                                             1 if smooth else 10))
        return _weight(rng, 2 - big) if role == "W" else Fraction(int(rng.integers(-1, 2)))
    if role == "x":
        return _nonzero(lambda: Fraction(int(rng.integers(-2, 3))))
    if role == "b":
        return Fraction(int(rng.integers(-2, 3)))
    # weights: [-2, 2] ([-3, 3] with some halves on hard); [-1, 1] when the network is big
    top = 1 if big else 3 if difficulty == "hard" else 2
    if halves and rng.random() < 0.25:
        return Fraction(int(rng.choice([k for k in range(-2 * top + 1, 2 * top, 2)])), 2)
    return _weight(rng, top)


def _weight(rng, top: int) -> Fraction:
    """An integer weight in [-top, top]: 0 only now and then (drawn uniformly, 0 would be a fifth of
    all weights, and most networks would have a missing connection or a whole dead row)."""
    if rng.random() < ZERO_WEIGHT:
        return Fraction(0)
    return _nonzero(lambda: Fraction(int(rng.integers(-top, top + 1))))


def _nonzero(draw_one) -> Fraction:
    while True:
        value = draw_one()
        if value:
            return value


def _target(rng, mode: str, n: int, loss: str, out_act: str) -> list[Fraction]:
    if loss == "softmax_ce":
        c = int(rng.integers(n))
        return [Fraction(int(k == c)) for k in range(n)]
    if out_act == "sigmoid":
        return [Fraction(int(rng.integers(0, 2))) for _ in range(n)]
    if out_act == "tanh":
        return [Fraction(int(rng.choice([-1, 1]))) for _ in range(n)]
    low = 0 if out_act == "relu" else -2
    if mode == "calculator":
        return [round_to(rng.uniform(low, 2)) for _ in range(n)]
    return [Fraction(int(rng.integers(low, 3))) for _ in range(n)]


def _array(values, exact: bool) -> np.ndarray:
    return np.array(values, dtype=object if exact else float)


# ---------------------------------------------------------------------------------------------
# Building the network; in given mode the printed values are made layer by layer.


def _largest_remainder(p: np.ndarray) -> np.ndarray:
    """Probabilities rounded to hundredths that sum to exactly 1."""
    hundredths = p * 100
    floors = np.floor(hundredths).astype(int)
    order = np.argsort(-(hundredths - floors), kind="stable")
    floors[order[:100 - floors.sum()]] += 1
    return np.array([Fraction(int(k), 100) for k in floors], dtype=object)


def _softmax_checks(p: np.ndarray) -> None:
    if p.max() > SOFTMAX_MAX:
        raise Redraw("no near-one-hot softmax")
    if p.min() < SOFTMAX_MIN:
        raise Redraw("no vanishing softmax probability")


def _build(x, Ws, bs, y, acts, loss: str, mode: str, eta: Fraction) -> Network:
    exact = mode != "calculator"
    alpha = LEAKY_ALPHA if exact else float(LEAKY_ALPHA)
    layers, a = [], x
    for W, b, act in zip(Ws, bs, acts):
        linear = Linear(W, b)
        z = linear.forward(a)
        if mode == "given" and act in SMOOTH:
            f = ACTIVATIONS[act][0]
            gate = GivenElementwise(act, np.array([round_to(f(v, None)) for v in z], dtype=object))
        else:
            gate = Elementwise(act, alpha)
        a = gate.forward(z)
        layers.append(Layer(linear, gate))
    if loss == "half_sse":
        loss_gate = HalfSquaredError(y)
    else:
        p = SoftmaxCrossEntropy(y).probabilities(a)
        _softmax_checks(p)
        loss_gate = GivenSoftmaxCrossEntropy(y, _largest_remainder(p)) if mode == "given" else SoftmaxCrossEntropy(y)
    return Network(x, tuple(layers), loss_gate, eta if exact else float(eta))


def _true_chain_agrees(net: Network) -> None:
    """Given mode: the sheet's printed values come from the chain of printed values before them;
    the oracle compares them with the exact chain. Redraw the rare case where they drift apart."""
    a = np.array(net.x, dtype=float)
    for layer in net.layers:
        z = np.array(layer.linear.W, dtype=float) @ a
        if layer.linear.b is not None:
            z = z + np.array(layer.linear.b, dtype=float)
        act = layer.activation
        a = np.array([ACTIVATIONS[act.name][0](v, LEAKY_ALPHA) for v in z], dtype=float)
        if isinstance(act, GivenElementwise) and np.abs(a - np.array(act.printed, dtype=float)).max() > 0.9 * PRINTED_TOL:
            raise Redraw("printed values within 0.01 of the exact chain")
    if isinstance(net.loss, GivenSoftmaxCrossEntropy):
        p = SoftmaxCrossEntropy(net.loss.y).probabilities(a)
        if np.abs(p - np.array(net.loss.printed, dtype=float)).max() > 0.9 * PRINTED_TOL:
            raise Redraw("printed values within 0.01 of the exact chain")


# ---------------------------------------------------------------------------------------------
# Reject rules on the drawn numbers, then on the solved network.


def _reject_idle_numbers(x, Ws, bs) -> None:
    """A zero row of W makes a unit constant (its output and δ say nothing), a zero column ignores
    an input, a zero x or bias is a term that does nothing on the sheet."""
    reject_zero_vector(x)
    for W in Ws:
        reject_zero_lines(W)
    for b in bs:
        reject_zero_vector(b, RULE_ZERO_BIAS)


def _rejects(net: Network, sol: NetworkSolution, acts, mode: str, extra: list = ()) -> None:
    for values, act in zip(sol.forward, acts):
        z = np.array(values.z, dtype=float)
        if act in ("relu", "leaky_relu") and np.any(np.abs(z) < (KINK_GAP if mode == "calculator" else 1e-12)):
            raise Redraw("no pre-activation at a ReLU kink")
        if act in SATURATION and np.any(np.abs(z) > SATURATION[act]):
            raise Redraw(f"no saturated {act}")
        # A key where most ReLUs are off teaches little and leaves rows of zeros.
        if act == "relu" and 2 * np.count_nonzero(z > 0) < len(z):
            raise Redraw("at least half of a ReLU layer active")
    for g in sol.gradients:
        if not np.any(np.array(g.dW, dtype=float)):
            raise Redraw("no all-zero gradient")
    # An output exactly at its target (or a dead output unit) leaves a zero row in ∂L/∂W of the
    # last layer and an SGD step that does nothing there: chance, not a lesson (unlike a ReLU mask).
    if not np.all(np.array(sol.gradients[-1].dz, dtype=float)):
        raise Redraw(RULE_OUTPUT_DELTA)
    numbers = _all_numbers(sol) + list(extra)
    bounded(numbers, LIMIT)
    exact_numbers = [v for v in numbers if isinstance(v, Fraction)]
    if mode == "exact" and any(v.denominator > MAX_DENOMINATOR for v in exact_numbers):
        raise Redraw("simple fractions")
    if mode == "given" and any(_places(v) > MAX_PLACES for v in exact_numbers):
        raise Redraw("short decimals")


def _all_numbers(sol: NetworkSolution) -> list:
    arrays = [v.z for v in sol.forward] + [v.a for v in sol.forward] + [sol.yhat, [sol.loss]]
    for g in sol.gradients:
        arrays += [g.dW.ravel(), g.dz, g.da] + ([] if g.db is None else [g.db])
    for u in sol.update:
        arrays += [u.W.ravel()] + ([] if u.b is None else [u.b])
    return [v for arr in arrays for v in arr]


# ---------------------------------------------------------------------------------------------


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """Options for a whole class (`qgen exam`): every structural choice of an mlp question is an
    option with one value (sizes, activations, loss, bias, η), and every part is always asked; the
    one thing drawn is how many ReLU units are inactive when the option inactive is auto, so the
    whole class has the same work. The numbers, the target and, with softmax_ce, the target class
    are each student's own; they change no answer's name or shape. Idempotent, and `draw` calls
    it, as every kind's draw does."""
    hidden_relu = len(options["sizes"]) > 2 and options["activation"] == "relu"
    return {**options, "inactive": resolve_inactive(rng, options.get("inactive", INACTIVE_ANY), hidden_relu)}


variant_options = class_options  # drawn once per variant, kept through its redraws (the inactive count)


def draw(rng: np.random.Generator, options: dict, screen=None) -> Draw:
    """screen(draw): raises Redraw for a draw the caller would refuse (qgen.randomiser.SCREENS),
    given the params, answers and number style before the oracle and the contexts are made: the
    draw has used all its random numbers by then, so screening changes no draw, it only spares a
    refused draw the oracle."""
    options = class_options(rng, options)
    sizes, mode, loss, bias = options["sizes"], options["mode"], options["loss"], options["bias"]
    acts, eta = _activations(options), options["learning_rate"]
    exact = mode != "calculator"

    smooth, big = any(a in SMOOTH for a in acts), len(sizes) > 3 or max(sizes) > 3
    halves = options["difficulty"] == "hard" and "leaky_relu" not in acts

    def entry(role):
        return _entry(rng, mode, role, options["difficulty"], smooth, big, halves)

    x = [entry("x") for _ in range(sizes[0])]
    Ws = [[[entry("W") for _ in range(m)] for _ in range(n)] for m, n in zip(sizes, sizes[1:])]
    bs = [[entry("b") for _ in range(n)] if bias else None for n in sizes[1:]]
    orient_units(rng, x, Ws, bs, acts, options["inactive"])
    if loss == "softmax_ce":
        resample_equal_columns(Ws[-1], lambda: entry("W"))
    _reject_idle_numbers(x, Ws, bs)
    if loss == "softmax_ce":
        reject_equal_column(Ws[-1])
    y = _target(rng, mode, sizes[-1], loss, acts[-1])

    net = _build(_array(x, exact), [_array(W, exact) for W in Ws],
                 [None if b is None else _array(b, exact) for b in bs], _array(y, exact), acts, loss, mode, eta)
    if mode == "given":
        _true_chain_agrees(net)
    net, sol, velocities = solve_with_extras(rng, net, options, sizes, bias, solve_network)
    _rejects(net, sol, acts, mode, extra_numbers(sol, options))
    reject_extras(net, sol, options)
    reject_inactive([v.z for v in sol.forward], acts, options["inactive"])
    reject_cancelled([g.da for g in sol.gradients[:-1]])

    printed = _printed(net)
    params = {
        "sizes": list(sizes), "activations": list(acts), "loss": loss, "bias": bias,
        "learning_rate": _text(eta), "alpha": _text(LEAKY_ALPHA) if "leaky_relu" in acts else None,
        "x": _texts(x), "W": [[_texts(row) for row in W] for W in Ws],
        "b": [None if b is None else _texts(b) for b in bs], "y": _texts(y),
        "printed": {name: _texts(v) for name, v in printed.items()},
        **extra_params(options, velocities, _texts),
    }
    answers = _answers(net, sol, loss, options["input_gradient"])
    if screen is not None:
        screen(Screened(params, answers, STYLES[mode]))
    check_network(net, sol)  # the oracle: a VerificationError here is an engine bug, never a redraw
    return _key(net, sol, mode, params, options["input_gradient"], answers)


def draw_for_network(net: Network, mode: str) -> Draw:
    """The worked key of a given network (a user's own problem, `qgen solve --pdf`): solved by the
    engine, checked by the oracle, and the same question and solution contexts as a drawn one.

    mode: "exact" for a rational network (fractions), "float" for one the float engine computes
    (sigmoid, tanh, softmax_ce: printed rounded to 4 decimals, with a note saying so). No reject
    rule applies: a ReLU at 0 is solved with the stated convention, not refused. Numerical overflow
    is a QgenError; an oracle disagreement a VerificationError.
    """
    sol = solve_guarded(net)
    check_network(net, sol)
    params = {"sizes": list(_sizes_of(net)), "activations": [layer.activation.name for layer in net.layers],
              "loss": net.loss.name, "learning_rate": None if net.learning_rate is None else str(net.learning_rate)}
    return _key(net, sol, mode, params)


