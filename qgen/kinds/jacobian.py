"""`jacobian`: the Jacobian of z = Wx + b, of z = f(x) elementwise, or of the note's composition
g∘f with f: R → R², g: R² → R², where the chain rule is a product of Jacobians,
∂g/∂x = (∂g/∂f)(∂f/∂x).

f and g are chains of the engine's gates (Linear, Elementwise, GivenElementwise) and every Jacobian
comes from chain_jacobians. The oracle recomputes each one by central differences of its own
float64 forward pass (plain numpy, none of the gates' code). The helpers in the second half (numbers
per mode, activation gates, the oracle's pieces) are shared with the `gates` kind.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen import shown
from qgen.engine.gates import Elementwise, GivenElementwise, Linear, chain_jacobians
from qgen.engine.network_check import VerificationError
from qgen.errors import QgenError
from qgen.kinds import jacobian_general, jacobian_softmax
from qgen.kinds.base import (
    RULE_ZERO_BIAS,
    Answer,
    Draw,
    Option,
    Redraw,
    bounded,
    parse_bool,
    reject_diagonal,
    reject_zero_lines,
    reject_zero_vector,
    round_to,
    small_int,
)
from qgen.kinds.fd_oracle import (  # noqa: F401 (also offered to gates, batch, concepts)
    GRAD_RTOL,
    STEP,
    VALUE_RTOL,
    fd_gradient,
    fd_jacobian,
    same_gradient,
    same_values,
)
from qgen.kinds.reject_rules import reject_identity_derivative
from qgen.numbers import fraction_text
from qgen.render import render

NAME = "jacobian"
SUMMARY = "Jacobian of z = Wx + b, of z = f(x), of g∘f as a product of Jacobians, of f: R^n -> R^m, of softmax"
FORMS = ("linear", "elementwise", "composition")
EXTRA_FORMS = {form: module for module in (jacobian_general, jacobian_softmax) for form in module.FORMS}  # opt-in
EXACT_ACTIVATIONS = ("relu", "leaky_relu", "identity")
PRINTED_ACTIVATIONS = ("sigmoid", "tanh")
ACTIVATION_CHOICES = ("auto",) + EXACT_ACTIVATIONS + PRINTED_ACTIVATIONS
LEAKY_ALPHA = Fraction(1, 10)  # stated on the sheet; 1/10 keeps the products readable
SIZES = {"easy": (2, 2), "medium": (2, 3), "hard": (3, 4)}  # vector lengths drawn in this range
AUTO = "auto"  # a length drawn once per class (class_options) from SIZES
MAX_LENGTH = 5  # a vector length the user may set: matrices must fit the page and be done by hand
RULE_ZERO_INNER = "no composition with f(x) = 0 or V f(x) + c = 0"  # φ' there is a constant: Diag = I or I/4
LIMIT = 40  # bounded answer size
NUMBER_STYLE = {"exact": "fraction", "given": "decimal", "calculator": "rounded"}
CALCULATOR_NOTE = ("Inputs are printed with 2 decimals and the answers are computed from those printed "
                   "values, shown to 4 decimals.")

def length(text):
    """A vector length option: "auto" (drawn once per class for the difficulty) or 2 to MAX_LENGTH."""
    if str(text) == AUTO:
        return AUTO
    try:
        n = int(str(text))
    except ValueError:
        raise ValueError(f"expected auto or a whole number from 2 to {MAX_LENGTH}, got {text!r}") from None
    if not 2 <= n <= MAX_LENGTH:
        raise ValueError(f"expected auto or a whole number from 2 to {MAX_LENGTH}, got {text!r}")
    return n


# Work grows with the difficulty: easy is an elementwise gate (a diagonal Jacobian, 2 entries),
# medium a linear gate with a bias (a full Jacobian, z = Wx + b to evaluate), hard the composition.
OPTIONS = (
    Option("form", "linear (z = Wx + b), elementwise (z = f(x)), composition (g∘f), mixed (one of these three), "
                   "general (f: R^n -> R^m of expressions), general_chain (the note's chain with general f, g), "
                   "softmax (its Jacobian and an upstream gradient) or softmax_ce (through the cross-entropy)",
           {"easy": "elementwise", "medium": "linear", "hard": "composition"}, str,
           FORMS + ("mixed",) + tuple(EXTRA_FORMS)),
    Option("activation", "f of the elementwise gates; auto: relu/leaky_relu (exact), sigmoid/tanh (given, calculator)",
           {"easy": "auto", "medium": "auto", "hard": "auto"}, str, ACTIVATION_CHOICES),
    Option("bias", "the linear gates have a bias", {"easy": False, "medium": True, "hard": True}, parse_bool),
    Option("n", "length of z (linear, elementwise; softmax: the classes); auto: drawn for the difficulty",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, length),
    Option("m", "length of x of z = Wx + b; auto: drawn for the difficulty",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, length),
)


def check_options(options: dict) -> None:
    if options["form"] in EXTRA_FORMS:  # general f: R^n -> R^m and its chain; the softmax gate
        return EXTRA_FORMS[options["form"]].check_options(options)
    if options["form"] != "linear":
        check_activation(NAME, options["activation"], options["mode"])
    if options["form"] == "composition" and (options["n"] != AUTO or options["m"] != AUTO):
        raise QgenError(f"{NAME} option n, m: the composition's sizes are fixed (f: R -> R^2, g: R^2 -> R^2); "
                        f"leave n and m at auto")
    if options["form"] == "elementwise" and options["m"] != AUTO:
        raise QgenError(f"{NAME} option m: an elementwise gate has as many inputs as outputs; set n only")


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """Every structural choice, drawn once (for a whole class in `qgen exam`): the form, the
    activation, the vector lengths. With the returned options `draw` draws numbers only, so every
    student gets the same answers (names and shapes) and the same sheet. Options already resolved
    come back unchanged, with nothing drawn."""
    mode, difficulty = options["mode"], options["difficulty"]
    form = options["form"] if options["form"] != "mixed" else str(rng.choice(FORMS))
    if form in EXTRA_FORMS:
        return EXTRA_FORMS[form].class_options(rng, options)
    shared = {**options, "form": form}
    if form != "linear":
        shared["activation"] = pick_activation(rng, options["activation"], mode)
    if form != "composition" and options["n"] == AUTO:  # easy elementwise: 2 or 3 (2-vectors alone: 36 variants)
        shared["n"] = int(rng.integers(2, 4)) if (form, difficulty) == ("elementwise", "easy") else size(rng, difficulty)
    if form == "linear" and options["m"] == AUTO:
        shared["m"] = size(rng, difficulty)
    return shared


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)  # a practice question draws its own structure
    if options["form"] in EXTRA_FORMS:
        return EXTRA_FORMS[options["form"]].draw(rng, options)
    mode, bias, form, activation = options["mode"], options["bias"], options["form"], options["activation"]
    if form == "linear":
        n, m = options["n"], options["m"]
        W, b = number_matrix(rng, mode, n, m), number_vector(rng, mode, n) if bias else None
        given, worked, answers = solve_linear(W, b, number_vector(rng, mode, m, nonzero=True), mode)
    elif form == "elementwise":
        x = pre_activation_vector(rng, mode, activation, options["n"])
        given, worked, answers = solve_elementwise(x, activation, mode)
    else:
        small = activation in PRINTED_ACTIVATIONS  # smaller numbers keep φ's inputs out of saturation
        x = pre_activation_vector(rng, mode, activation, 1, top=1 if small else 3)
        w = number_matrix(rng, mode, 2, 1, nonzero=True, top=2 if small else 3)
        b = number_vector(rng, mode, 2, top=1 if small else 3) if bias else None
        V = number_matrix(rng, mode, 2, 2, nonzero=True, top=2 if small else 3)
        c = number_vector(rng, mode, 2, top=1 if small else 3) if bias else None
        given, worked, answers = solve_composition(x, w, b, V, c, activation, mode)
    if options["difficulty"] == "hard":
        reject_identity_derivative([worked.get(k) for k in ("derivative", "f_derivative", "g_derivative")], activation)
    given = {"form": form, "mode": mode, "bias": bias, "alpha": LEAKY_ALPHA,
             "activation": activation if form != "linear" else None, **given}
    diagram = render("diagrams/chain.tex") if form == "composition" else None
    return make_draw(given, worked, answers, mode, diagram)


def make_draw(given: dict, worked: dict, answers: list, mode: str, diagram: str | None = None) -> Draw:
    """The Draw of a solved and checked case (shared with `gates`): bounded answers, params as JSON."""
    bounded([v for _, _, value in answers for v in np.asarray(value, dtype=object).flat], LIMIT)
    return Draw({k: to_json(v) for k, v in given.items()},
                tuple(Answer(name, label, value) for name, label, value in answers),
                given, {**given, **worked}, diagram, NUMBER_STYLE[mode],
                (CALCULATOR_NOTE, shown.NOTE) if mode == "calculator" else ())


# ---------------------------------------------------------------------------------------------
# The three forms, solved by the engine and checked by the oracle. Inputs are the numbers as
# printed (Fractions); each returns (givens for the sheet, worked values for the key, answers)
# or raises Redraw.


def solve_linear(W, b, x, mode: str):
    reject_zero_lines(W)  # a constant output, or an input that does nothing
    reject_diagonal(W)  # z = Wx would be an elementwise scaling
    reject_zero_vector(x)
    reject_zero_vector(b, RULE_ZERO_BIAS)  # a printed "+ b" that does nothing
    gate = Linear(engine(W, mode), None if b is None else engine(b, mode))
    values, _, dz_dx = chain_jacobians([gate], engine(x, mode))
    z = values[-1]

    # Oracle: z = Wx + b in plain float64, its Jacobian by central differences.
    Wf, bf = np.array(W, float), np.zeros(len(W)) if b is None else np.array(b, float)
    forward = lambda v: Wf @ v + bf  # noqa: E731
    same_values("z", z, forward(np.array(x, float)))
    same_gradient("dz/dx", dz_dx, fd_jacobian(forward, np.array(x, float)))

    given = {"W": W, "b": b, "x": x, "n": W.shape[0], "m": W.shape[1]}
    answers = [("dz/dx", r"\partial z/\partial x", dz_dx), ("z", "z", z)]
    return given, {"z": z, "dz_dx": dz_dx}, answers


def solve_elementwise(x, activation: str, mode: str):
    gate = activation_gate(activation, engine(x, mode), mode)
    values, _, dz_dx = chain_jacobians([gate], engine(x, mode))
    z, derivative = values[-1], gate.derivative(engine(x, mode))
    reject_flat(derivative, "no all-zero Jacobian")

    # Oracle: f in plain float64 (tangent at the printed values in given mode), differenced.
    forward = plain_activation(activation, x, printed_values(gate))
    same_values("z", z, forward(np.array(x, float)))
    same_gradient("dz/dx", dz_dx, fd_jacobian(forward, np.array(x, float)))

    given = {"x": x, "n": len(x), "printed": printed_values(gate)}
    answers = [("dz/dx", r"\partial z/\partial x", dz_dx)]
    if given["printed"] is None:
        answers.append(("z", "z", z))
    return given, {"z": z, "derivative": derivative, "dz_dx": dz_dx}, answers


def solve_composition(x, w, b, V, c, activation: str, mode: str):
    """f(x) = φ(w x + b): R → R²; g(y) = φ(V y + c): R² → R² (the note's example). In given mode
    f is just w x + b: two printed activations in a row would make 8-decimal products."""
    reject_zero_vector(b, RULE_ZERO_BIAS)
    reject_zero_vector(c, RULE_ZERO_BIAS)
    f_linear = mode == "given"
    lin_f = Linear(engine(w, mode), None if b is None else engine(b, mode))
    s = lin_f.forward(engine(x, mode))
    gates_f = [lin_f] if f_linear else [lin_f, activation_gate(activation, s, mode)]
    values_f, jacs_f, df_dx = chain_jacobians(gates_f, engine(x, mode))
    f = values_f[-1]
    lin_g = Linear(engine(V, mode), None if c is None else engine(c, mode))
    t = lin_g.forward(f)
    reject_zero_vector(f, RULE_ZERO_INNER)
    reject_zero_vector(t, RULE_ZERO_INNER)
    gates_g = [lin_g, activation_gate(activation, t, mode)]
    values_g, jacs_g, dg_df = chain_jacobians(gates_g, f)
    g = values_g[-1]
    _, _, dg_dx = chain_jacobians(gates_f + gates_g, engine(x, mode))
    for what, jac in (("df/dx", df_dx), ("dg/df", dg_df), ("dg/dx", dg_dx)):
        reject_flat(jac, f"no all-zero Jacobian ({what})")

    # Oracle: f and g in plain float64, every Jacobian by central differences; and the chain
    # rule itself: the engine's whole-chain product equals (∂g/∂f)(∂f/∂x) recomputed here.
    plain_f = _plain_layer(w, b, "identity" if f_linear else activation, s, printed_values(gates_f[-1]))
    plain_g = _plain_layer(V, c, activation, t, printed_values(gates_g[-1]))
    x0, f0 = np.array(x, float), np.array(f, float)
    same_values("f", f, plain_f(x0))
    same_values("g", g, plain_g(plain_f(x0)))
    same_gradient("df/dx", df_dx, fd_jacobian(plain_f, x0))
    same_gradient("dg/df", dg_df, fd_jacobian(plain_g, f0))
    same_gradient("dg/dx", dg_dx, fd_jacobian(lambda v: plain_g(plain_f(v)), x0))
    same_gradient("dg/dx = (dg/df)(df/dx)", dg_dx, np.array(dg_df, float) @ np.array(df_dx, float))

    given = {"x": x, "w": w, "b": b, "V": V, "c": c, "f_linear": f_linear, "printed_g": printed_values(gates_g[-1])}
    worked = {"s": s, "f": f, "t": t, "g": g, "g_derivative": gates_g[1].derivative(t), "g_act_jac": jacs_g[1],
              "f_derivative": None if f_linear else gates_f[1].derivative(s),
              "f_act_jac": None if f_linear else jacs_f[1], "df_dx": df_dx, "dg_df": dg_df, "dg_dx": dg_dx}
    answers = [("df/dx", r"\partial f/\partial x", df_dx), ("dg/df", r"\partial g/\partial f", dg_df), ("dg/dx", r"\partial g/\partial x", dg_dx)]
    answers = [("f", "f(x)", f)] + ([("g", "g(f(x))", g)] if given["printed_g"] is None else []) + answers
    return given, worked, answers


def _plain_layer(W, b, activation, pre0, printed):
    Wf = np.array(W, float)
    bf = np.zeros(len(Wf)) if b is None else np.array(b, float)
    act = plain_activation(activation, pre0, printed)
    return lambda v: act(Wf @ v + bf)


# ---------------------------------------------------------------------------------------------
# Shared with the `gates` kind: options, numbers per mode, activation gates, reject rules.


def size(rng: np.random.Generator, difficulty: str) -> int:
    """A vector length for the difficulty."""
    return int(rng.integers(SIZES[difficulty][0], SIZES[difficulty][1] + 1))


def check_activation(kind: str, activation: str, mode: str) -> None:
    if mode == "exact" and activation in PRINTED_ACTIVATIONS:
        raise QgenError(f"{kind} option activation: {activation} needs its values printed or a calculator; "
                        f"use mode given or calculator, or activation relu, leaky_relu or identity")
    if mode == "given" and activation in EXACT_ACTIVATIONS:
        raise QgenError(f"{kind} option activation: {activation} has no values to print in mode given; "
                        f"use mode exact, or activation sigmoid or tanh")


def pick_activation(rng: np.random.Generator, activation: str, mode: str) -> str:
    if activation != "auto":
        return activation
    return str(rng.choice(("relu", "leaky_relu") if mode == "exact" else PRINTED_ACTIVATIONS))


def number(rng, mode: str, low: int = -3, high: int = 3, nonzero: bool = False) -> Fraction:
    """An input as the student reads it: a small integer, or in calculator mode a 2-decimal number."""
    if mode != "calculator":
        return small_int(rng, low, high, nonzero)
    while True:
        value = round_to(rng.uniform(low, high))
        if value or not nonzero:
            return value


def number_vector(rng, mode: str, n: int, nonzero: bool = False, top: int = 3) -> np.ndarray:
    return np.array([number(rng, mode, -top, top, nonzero) for _ in range(n)], dtype=object)


def number_matrix(rng, mode: str, rows: int, cols: int, nonzero: bool = False, top: int = 3) -> np.ndarray:
    return number_vector(rng, mode, rows * cols, nonzero, top).reshape(rows, cols)


def pre_activation_vector(rng, mode: str, activation: str, n: int, top: int = 3) -> np.ndarray:
    """Inputs of an elementwise gate, nonzero, in [-top, top]: integers, halves for the printed
    sigmoid/tanh (more distinct printed values), 2-decimal numbers with a calculator. A ReLU's
    inputs get both signs (one sign flipped if needed), so the key shows both branches."""
    if mode == "given" and activation in PRINTED_ACTIVATIONS:
        top = min(top, 3 if activation == "sigmoid" else 2)
        x = np.array([small_int(rng, -2 * top, 2 * top, nonzero=True) / 2 for _ in range(n)], dtype=object)
    else:
        x = number_vector(rng, mode, n, nonzero=True, top=top)
    if activation in ("relu", "leaky_relu") and n > 1 and len({v > 0 for v in x}) == 1:
        i = int(rng.integers(n))
        x[i] = -x[i]
    return x


def engine(a, mode: str) -> np.ndarray:
    """The engine's numbers: Fractions (exact, given), floats of the printed inputs (calculator)."""
    return np.array(a, dtype=float) if mode == "calculator" else np.array(a, dtype=object)


def activation_gate(name: str, pre: np.ndarray, mode: str):
    """The engine gate of `name` at the pre-activation `pre`. In given mode sigmoid/tanh become
    GivenElementwise with the values the sheet prints (rounded to 2 decimals)."""
    reject_pre_activation(name, pre)
    if mode == "given" and name in PRINTED_ACTIVATIONS:
        true = Elementwise(name).forward(np.array(pre, dtype=float))
        gate = GivenElementwise(name, np.array([round_to(v) for v in true], dtype=object))
        if any(v == 0 for v in gate.derivative(pre)):
            raise Redraw("no saturated sigmoid or tanh")
        return gate
    return Elementwise(name, LEAKY_ALPHA if mode != "calculator" else float(LEAKY_ALPHA))


def printed_values(gate) -> np.ndarray | None:
    return getattr(gate, "printed", None)


def reject_pre_activation(name: str, pre) -> None:
    values = [float(v) for v in np.asarray(pre, dtype=object).flat]
    if name in ("relu", "leaky_relu") and any(v == 0 for v in values):
        raise Redraw("no pre-activation at a ReLU kink")
    if (name == "sigmoid" and any(abs(v) > 4 for v in values)) or (name == "tanh" and any(abs(v) > 2.5 for v in values)):
        raise Redraw("no saturated sigmoid or tanh")


def reject_flat(values, rule: str = "no all-zero gradient") -> None:
    if not any(float(v) != 0 for v in np.asarray(values, dtype=object).flat):
        raise Redraw(rule)


def to_json(value):
    """A drawn value for Draw.params: Fractions as "3/2", floats as numbers, arrays as lists."""
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value]
    if isinstance(value, Fraction):
        return fraction_text(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 12)
    return value


# ---------------------------------------------------------------------------------------------
# The oracle's pieces (shared with `gates`): float64 only, no engine code (more in fd_oracle).

ROUNDING = 0.005 + 1e-9  # a value printed with 2 decimals is within half a hundredth


def plain_activation(name: str, pre0, printed=None):
    """The activation as the oracle differentiates it near the base point `pre0`: ReLU branches
    fixed there (no kinks are drawn); in given mode the tangent at the printed value, with the
    slope the student computes from it; otherwise the true function, sigmoid written via tanh."""
    pre0 = np.array(pre0, dtype=float)
    positive = pre0 > 0
    true = {"identity": lambda z: z,
            "relu": lambda z: np.where(positive, z, 0.0),
            "leaky_relu": lambda z: np.where(positive, z, float(LEAKY_ALPHA) * z),
            "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
            "tanh": np.tanh}[name]
    if printed is None:
        return true
    p = np.array(printed, dtype=float)
    if np.max(np.abs(p - true(pre0))) > ROUNDING:
        raise VerificationError(f"printed {name} values {p.tolist()} are not {true(pre0).tolist()} rounded")
    slope = p * (1 - p) if name == "sigmoid" else 1 - p * p
    return lambda z: p + slope * (z - pre0)
