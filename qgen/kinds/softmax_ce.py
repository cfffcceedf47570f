"""`softmax-ce`: logits z and a target class c are given; asked ŷ = softmax(z), L = −ln ŷ_c and
∂L/∂z = ŷ − y (the last row of the note's gate table).

Modes.
- exact: z_k = ln c_k (+ s) with small positive integers c_k, so e^{z_k} = c_k (· e^s),
  ŷ_k = c_k / Σc exactly and L = ln(Σc / c_c), asked and keyed exactly as that logarithm (an Ln
  key: no calculator needed); ŷ and ∂L/∂z are exact fractions.
- given: z to 1 decimal; the sheet prints ŷ to 2 decimals (largest remainder, so it sums to 1),
  so ŷ_k = m_k/100 with whole m_k, and the logarithms the student needs to 4 decimals: ln 100 and
  ln m_k for every class. L = −ln ŷ_c = ln 100 − ln m_c is then one subtraction, and neither L
  nor −L is a printed number (the sheet printed ln ŷ_k before: L was a printed value negated).
  Asked L and ∂L/∂z, computed from the printed ŷ (GivenSoftmaxCrossEntropy).
- calculator: z to 2 decimals, everything in float, answers to 4 decimals.

The engine solves a one-layer network x = z → Linear(I) → identity → softmax-CE; check_network
(the shared oracle) checks it, and `_oracle` below checks it again in plain float64: finite
differences of the loss in z, the exact fractions against the float engine, the printed ŷ
against the true softmax.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from qgen.engine.gates import Elementwise, GivenSoftmaxCrossEntropy, Linear, SoftmaxCrossEntropy
from qgen.engine.network import Layer, Network, solve_network
from qgen.engine.network_check import check_network
from qgen import shown
from qgen.errors import VerificationError
from qgen.kinds.base import Answer, Draw, Option, Redraw, Screened, parse_bool
from qgen.numbers import Ln

NAME = "softmax-ce"
SUMMARY = "logits and a target class given; softmax output, cross-entropy loss and dL/dz = yhat - y"

NEAR_ONE_HOT = 0.9  # reject max ŷ above this: the question would be trivial
COUNT_MAX = 5  # exact mode: z_k = ln c_k with c_k in 1..COUNT_MAX
SHIFT_MAX = 3  # a shift s is a nonzero integer in ±1..SHIFT_MAX
GIVEN_RANGE = 20  # given mode: logits k/10 with |k| ≤ 20
CALCULATOR_RANGE = 250  # calculator mode: logits k/100 with |k| ≤ 250
PRINTED_DIGITS = 2  # given mode: ŷ printed to 2 decimals
MIN_TARGET = 0.05  # given/calculator: ŷ_c at least this, see _small_target
LOG_DIGITS = 4  # given mode: ln 100 and ln m_k printed to 4 decimals (L off by at most 1e-4: inside qgen.answers' rule)
RULE_LOSS_PRINTED = "the loss is not a printed number"  # given: ln 100 − ln m_c = ln m_k when m_c·m_k = 100


def _classes(text) -> int:
    try:
        n = int(str(text))
    except ValueError:
        raise ValueError(f"expected a whole number of classes from 2 to 6, got {text!r}") from None
    if not 2 <= n <= 6:
        raise ValueError(f"expected 2 to 6 classes, got {text!r}")
    return n


OPTIONS = (
    Option("classes", "number of classes (logits)", {"easy": 3, "medium": 4, "hard": 5}, _classes),
    Option("shift", "add a common integer offset to the logits (softmax is shift-invariant)",
           {"easy": False, "medium": False, "hard": True}, parse_bool),
)


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """The structure for a whole class (`qgen exam`): the number of classes, whether the logits
    carry a shift and the parts asked (set by the mode) are options already, and the target class
    does not change the work, so nothing is left to draw: every student gets the same answers
    (names and shapes) and the same sheet whatever their numbers."""
    return dict(options)


def draw(rng: np.random.Generator, options: dict, screen=None) -> Draw:
    """screen(draw): raises Redraw for a draw the caller would refuse (qgen.randomiser.SCREENS);
    in given mode it runs before the engine's oracle (every number drawn by then, every reject
    rule passed), so a refused draw does not pay for it."""
    n, mode = options["classes"], options["mode"]
    target = int(rng.integers(n))  # 0-based; printed 1-based
    shift = _shift(rng) if options["shift"] else 0
    if mode == "exact":
        counts = [int(rng.integers(1, COUNT_MAX + 1)) for _ in range(n)]
        drawn = build_exact(counts, shift, target, options["difficulty"])
    else:
        scale, span = (10, GIVEN_RANGE) if mode == "given" else (100, CALCULATOR_RANGE)
        logits = [Fraction(int(rng.integers(-span, span + 1)), scale) + shift for _ in range(n)]
        if mode == "given":
            return build_given(logits, shift, target, options["difficulty"], screen)
        drawn = build_calculator(logits, shift, target, options["difficulty"])
    if screen is not None:
        screen(drawn)
    return drawn


def _shift(rng: np.random.Generator) -> int:
    s = int(rng.integers(1, SHIFT_MAX + 1))
    return s if rng.integers(2) else -s


# ---------------------------------------------------------------------------------------------
# The three modes: numbers → engine → oracle → answers and the two template contexts.


def build_exact(counts: list[int], shift: int, target: int, difficulty: str) -> Draw:
    """z_k = ln c_k + shift; ŷ, δ exact fractions computed here and checked against the engine."""
    if len(set(counts)) == 1:
        raise Redraw("no all-equal logits")
    n = len(counts)
    total = sum(counts)
    y = _one_hot(n, target, Fraction)
    yhat = np.array([Fraction(c, total) for c in counts], dtype=object)
    delta = yhat - y
    z = np.array([math.log(c) + shift for c in counts])
    sol = _solve(z, SoftmaxCrossEntropy(_one_hot(n, target, float)))
    _reject(sol.yhat, delta)
    _same("yhat", sol.yhat, yhat)
    _same("dL/dz", sol.dx, delta)
    ratio = Fraction(total, counts[target])  # L = −ln(c_c / Σc) = ln(Σc / c_c)
    _same("loss", sol.loss, math.log(ratio))
    _oracle(z, target, yhat, sol.loss, delta)

    question = {"mode": "exact", "n": n, "target": target + 1, "counts": counts, "shift": shift, "y": y}
    solution = {**question, "difficulty": difficulty, "total": total, "yhat": yhat, "delta": delta,
                "loss": sol.loss, "ratio": ratio, "yhat_c": yhat[target]}
    answers = (
        Answer("yhat", "\\hat y", yhat),
        Answer("L", "L", Ln(ratio)),  # keyed exactly: L = ln(Σc / c_c)
        Answer("dL/dz", "\\pd{L}{z}", delta),
    )
    params = {"mode": "exact", "classes": n, "target": target + 1, "counts": counts, "shift": shift}
    return Draw(params, answers, question, solution, number_style="fraction")


def build_given(logits: list[Fraction], shift: int, target: int, difficulty: str, screen=None) -> Draw:
    """ŷ printed to 2 decimals summing to 1; L and δ computed from the printed values.
    screen: see draw (called before check_network, the shared oracle)."""
    n = len(logits)
    z = np.array(logits, dtype=object)
    true = _softmax(np.array(logits, dtype=float))
    _reject(true)
    printed = largest_remainder(true, PRINTED_DIGITS)
    if any(p == 0 for p in printed):
        raise Redraw("no printed probability of 0")
    _small_target(printed[target])
    y = _one_hot(n, target, Fraction)
    net, sol = _engine(z, GivenSoftmaxCrossEntropy(y, printed))
    delta = sol.dx
    _reject(true, delta)
    _same("yhat", sol.yhat, printed)
    if any(d != p - t for d, p, t in zip(delta, printed, y)):
        raise VerificationError(f"softmax-ce: dL/dz {delta.tolist()} is not printed yhat - y")
    _oracle(np.array(logits, dtype=float), target, printed, sol.loss, delta, printed=True)

    # The logarithms the sheet prints (to LOG_DIGITS): ln 100 and ln m_k of ŷ_k = m_k / 100.
    hundredths = [int(p * 100) for p in printed]
    if any(hundredths[target] * m == 100 for m in hundredths):
        raise Redraw(RULE_LOSS_PRINTED)
    log_100, logs = _printed_log(100), [_printed_log(m) for m in hundredths]
    if abs(float(log_100 - logs[target]) - sol.loss) > 2 * 10**-LOG_DIGITS:
        raise VerificationError(f"softmax-ce: ln 100 - ln {hundredths[target]} is not the loss {sol.loss}")
    ref = _reference(np.array(logits, dtype=float), shift)
    _same("e^z / sum", ref["exps"] / ref["total"], true)
    question = {"mode": "given", "n": n, "target": target + 1, "z": z, "y": y, "yhat": printed,
                "hundredths": hundredths, "log_100": log_100, "logs": logs, "shift": shift}
    solution = {**question, "difficulty": difficulty, **ref, "true": true, "delta": delta, "loss": sol.loss,
                "yhat_c": printed[target], "m_c": hundredths[target], "log_c": logs[target]}
    answers = (
        Answer("L", "L", sol.loss),
        Answer("dL/dz", "\\pd{L}{z}", delta),
    )
    params = {"mode": "given", "classes": n, "target": target + 1, "logits": [_dec(v, 1) for v in logits],
              "printed_yhat": [_dec(p, PRINTED_DIGITS) for p in printed], "shift": shift,
              "ln_100": _dec(log_100, LOG_DIGITS), "ln_100_yhat": [_dec(v, LOG_DIGITS) for v in logs]}
    notes = ("The softmax output is printed to 2 decimals (largest-remainder rounding, so it sums to 1); "
             "the key works from exactly these printed values.", shown.NOTE)
    if screen is not None:
        screen(Screened(params, answers, "decimal"))
    check_network(net, sol)
    return Draw(params, answers, question, solution, number_style="decimal", notes=notes)


def build_calculator(logits: list[Fraction], shift: int, target: int, difficulty: str) -> Draw:
    """Logits printed to 2 decimals; everything in float from the printed logits."""
    n = len(logits)
    z = np.array(logits, dtype=float)
    sol = _solve(z, SoftmaxCrossEntropy(_one_hot(n, target, float)))
    delta = sol.dx
    _reject(sol.yhat, delta)
    _small_target(sol.yhat[target])
    _oracle(z, target, sol.yhat, sol.loss, delta)

    ref = _reference(z, shift)
    _same("e^z / sum", ref["exps"] / ref["total"], sol.yhat)  # the exponentials the key shows give its ŷ
    question = {"mode": "calculator", "n": n, "target": target + 1, "z": np.array(logits, dtype=object),
                "y": _one_hot(n, target, Fraction), "shift": shift}
    solution = {**question, "difficulty": difficulty, **ref, "yhat": sol.yhat, "delta": delta, "loss": sol.loss,
                "yhat_c": sol.yhat[target]}
    answers = (
        Answer("yhat", "\\hat y", sol.yhat),
        Answer("L", "L", sol.loss),
        Answer("dL/dz", "\\pd{L}{z}", delta),
    )
    params = {"mode": "calculator", "classes": n, "target": target + 1, "logits": [_dec(v, 2) for v in logits],
              "shift": shift}
    notes = ("Calculator mode: the logits are given to 2 decimals; the answers are computed from them and "
             "printed to 4 decimals.", shown.NOTE)
    return Draw(params, answers, question, solution, number_style="rounded", notes=notes)


# ---------------------------------------------------------------------------------------------
# Engine, reject rules, oracle.


def _solve(z: np.ndarray, loss):
    """The engine on a one-layer network whose input is z itself (_engine), checked by the oracle."""
    net, sol = _engine(z, loss)
    check_network(net, sol)
    return sol


def _engine(z: np.ndarray, loss):
    """The engine on a one-layer network whose input is z itself: x = z, W = I, no bias, identity
    activation, then the softmax-CE gate. ∂L/∂x is then ∂L/∂z (sol.dx). Not checked yet."""
    n = len(z)
    one, zero = (Fraction(1), Fraction(0)) if isinstance(z[0], Fraction) else (1.0, 0.0)
    eye = np.array([[one if i == j else zero for j in range(n)] for i in range(n)], dtype=z.dtype)
    net = Network(z, (Layer(Linear(eye), Elementwise("identity")),), loss)
    return net, solve_network(net)


def _reject(yhat, delta=None) -> None:
    """The reject rules: `yhat` is the true softmax (float or exact), `delta` the key's ∂L/∂z."""
    if max(float(p) for p in yhat) > NEAR_ONE_HOT:
        raise Redraw("no near-one-hot softmax")
    if delta is not None and all(float(d) == 0 for d in delta):
        raise Redraw("no all-zero gradient")


def _small_target(p) -> None:
    """A tiny ŷ_c makes −ln ŷ_c hang on the last printed digit (given: 2 decimals, calculator: the
    student's 4): keep ŷ_c ≥ 0.05, so that rounding moves L by at most 0.1 (given) or 0.001."""
    if p < MIN_TARGET:
        raise Redraw("no target probability below 0.05")


def _oracle(z: np.ndarray, target: int, yhat, loss: float, delta, printed: bool = False) -> None:
    """Independent float64 check: its own softmax and loss formula, central differences for ∂L/∂z.
    With `printed`, yhat is the printed ŷ: it must sum to exactly 1 and be the truth rounded to
    PRINTED_DIGITS (down or up), and δ then differs from the true gradient by less than 10^-digits."""
    z = np.asarray(z, dtype=float)

    def plain_loss(v):
        e = np.exp(v)
        return -math.log(e[target] / e.sum())

    true = np.exp(z) / np.exp(z).sum()
    fd = np.zeros(len(z))
    for k in range(len(z)):
        h = 1e-6 * max(1.0, abs(z[k]))
        plus, minus = z.copy(), z.copy()
        plus[k] += h
        minus[k] -= h
        fd[k] = (plain_loss(plus) - plain_loss(minus)) / (2 * h)
    got = np.asarray(delta, dtype=float)
    if abs(float(sum(delta))) > 1e-12:
        raise VerificationError(f"softmax-ce: dL/dz {got.tolist()} does not sum to 0")
    if not all((g < 0) == (k == target) for k, g in enumerate(got)):  # the key says so
        raise VerificationError(f"softmax-ce: dL/dz {got.tolist()} is not negative exactly at the target")
    if printed:
        unit = 10**PRINTED_DIGITS
        if sum(yhat) != 1:
            raise VerificationError(f"softmax-ce: printed yhat {yhat.tolist()} does not sum to 1")
        for p, t in zip(yhat, true):
            units = Fraction(p) * unit  # the printed value counts whole units of 10^-digits ...
            if units.denominator != 1 or not math.floor(t * unit) <= units <= math.ceil(t * unit):
                raise VerificationError(f"softmax-ce: printed {p} is not softmax {t} rounded")  # ... next to the truth
        if np.max(np.abs(got - fd)) >= 1 / unit + 1e-6:
            raise VerificationError(f"softmax-ce: dL/dz {got.tolist()} is far from the true gradient {fd.tolist()}")
        if not math.isclose(loss, -math.log(float(yhat[target])), rel_tol=1e-12):
            raise VerificationError(f"softmax-ce: loss {loss} is not -ln of the printed yhat_c")
        return
    if not np.allclose(np.asarray(yhat, dtype=float), true, rtol=1e-12, atol=1e-14):
        raise VerificationError(f"softmax-ce: yhat {list(yhat)} != oracle softmax {true.tolist()}")
    if not math.isclose(loss, plain_loss(z), rel_tol=1e-12, abs_tol=1e-14):
        raise VerificationError(f"softmax-ce: loss {loss} != oracle {plain_loss(z)}")
    if np.any(np.abs(got - fd) > 1e-6 * (1 + np.abs(got))):
        raise VerificationError(f"softmax-ce: dL/dz {got.tolist()} != finite differences {fd.tolist()}")


def _same(what: str, engine, exact) -> None:
    """The float engine must agree with the exact value computed here."""
    engine, exact = np.asarray(engine, dtype=float), np.asarray(exact, dtype=float)
    if engine.shape != exact.shape or not np.allclose(engine, exact, rtol=1e-12, atol=1e-12):
        raise VerificationError(f"softmax-ce: {what} engine {engine.tolist()} != exact {exact.tolist()}")


# ---------------------------------------------------------------------------------------------
# Small helpers.


def largest_remainder(p: np.ndarray, digits: int) -> np.ndarray:
    """Round probabilities to `digits` decimals so that they still sum to exactly 1: round every
    value down, then give the missing units to the largest remainders (ties: lower index)."""
    unit = 10**digits
    scaled = [float(v) * unit for v in p]
    floors = [math.floor(v) for v in scaled]
    missing = unit - sum(floors)
    order = sorted(range(len(p)), key=lambda k: (-(scaled[k] - floors[k]), k))
    for k in order[:missing]:
        floors[k] += 1
    return np.array([Fraction(f, unit) for f in floors], dtype=object)


def _reference(z: np.ndarray, shift: int) -> dict:
    """The exponentials the key shows. With a shift, it subtracts m = max z first (the same softmax)."""
    m = float(z.max()) if shift else 0.0
    exps = np.exp(z - m)
    return {"m": m, "shifted": z - m, "exps": exps, "total": float(exps.sum())}


def _softmax(z: np.ndarray) -> np.ndarray:
    return SoftmaxCrossEntropy(np.zeros(len(z))).probabilities(z)


def _one_hot(n: int, target: int, kind) -> np.ndarray:
    return np.array([kind(1) if k == target else kind(0) for k in range(n)], dtype=object if kind is Fraction else float)


def _printed_log(m: int) -> Fraction:
    """ln m as the sheet prints it: rounded to LOG_DIGITS decimals, as the exact decimal read."""
    return Fraction(round(Fraction(math.log(m)), LOG_DIGITS))


def _dec(x: Fraction, digits: int) -> str:
    return f"{float(x):.{digits}f}"
