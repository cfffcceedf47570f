"""`jacobian`, forms `softmax` and `softmax_ce`: the softmax gate's Jacobian ∂ŷ/∂z = Diag[ŷ] − ŷŷᵀ.

- softmax (a gate-table question): ŷ and an upstream gradient ∂L/∂ŷ given; asked ∂ŷ/∂z and
  ∂L/∂z = (∂ŷ/∂z)ᵀ ∂L/∂ŷ.
- softmax_ce (the chain through the cross-entropy, target class c): asked ∂ŷ/∂z,
  ∂L/∂ŷ = −y/ŷ and their product ∂L/∂z, which is the table's ŷ − y.

exact: ŷ given as simple fractions; given: logits z and ŷ printed to 2 decimals (they sum to 1),
the key works from the printed ŷ; calculator: logits z to 2 decimals, ŷ asked too. The engine's
gates (qgen.engine.softmax) compute every answer; the oracle differences the plain float64
softmax (and the loss) at z (at z = ln ŷ when only ŷ is given).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from qgen.answers import accepts
from qgen.engine.gates import GivenSoftmaxCrossEntropy
from qgen.engine.network_check import VerificationError
from qgen.engine.softmax import CrossEntropy, GivenSoftmax, Softmax
from qgen.errors import QgenError
from qgen.kinds.base import Answer, Draw, Redraw, bounded, round_to, small_int
from qgen.kinds.softmax_ce import largest_remainder

FORMS = ("softmax", "softmax_ce")
CLASSES = {"easy": 3, "medium": 3, "hard": 4}
NUMBER_STYLE = {"exact": "fraction", "given": "decimal", "calculator": "rounded"}
RULE_ROUNDING = "a student rounding to 4 decimals is accepted"


def check_options(options: dict) -> None:
    if options["m"] != "auto":
        raise QgenError("jacobian option m: the softmax has as many outputs as inputs; set n only")


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """The number of classes for the whole class; the numbers and the target are each student's."""
    return {**options, "n": CLASSES[options["difficulty"]] if options["n"] == "auto" else options["n"]}


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)
    mode, n = options["mode"], options["n"]
    z = None
    if mode == "exact":
        yhat = simple_distribution(rng, n)
    else:
        z = np.array([small_int(rng, -4, 4) / 2 if mode == "given" else round_to(rng.uniform(-2, 2))
                      for _ in range(n)], dtype=object)
        yhat = None
    if options["form"] == "softmax":
        upstream = np.array([small_int(rng, -3, 3) for _ in range(n)], dtype=object)
        return solve(z, yhat, upstream, None, mode)
    return solve(z, yhat, None, int(rng.integers(n)), mode)


def simple_distribution(rng, n: int) -> np.ndarray:
    """n positive fractions with a small common denominator (4 to 10) that sum to 1."""
    D = int(rng.choice([d for d in (4, 5, 6, 8, 10) if d > n]))
    cuts = np.sort(rng.choice(np.arange(1, D), size=n - 1, replace=False))
    return np.array([Fraction(int(k), D) for k in np.diff(np.concatenate(([0], cuts, [D])))], dtype=object)


def solve(z, yhat, upstream, target: int | None, mode: str) -> Draw:
    """z: logits (given, calculator) or None (exact: ŷ given); upstream: ∂L/∂ŷ (form softmax) or
    None with the target class (form softmax_ce)."""
    if mode == "calculator":
        gate = Softmax()
        zin = np.array(z, dtype=float)
    else:
        printed = yhat if mode == "exact" else largest_remainder(Softmax().probabilities(np.array(z, float)), 2)
        gate, zin = GivenSoftmax(np.array(printed, dtype=object)), None
    p = gate.probabilities(zin)
    if max(float(v) for v in p) > 0.9 or min(float(v) for v in p) < 0.05:
        raise Redraw("no near-one-hot softmax")
    jac = gate.jacobian(zin)
    if target is None:
        g = upstream if mode != "calculator" else np.array(upstream, dtype=float)
        if len(set(upstream.tolist())) == 1:
            raise Redraw("no constant upstream gradient (softmax passes back 0)")
    else:
        y = np.array([Fraction(int(k == target)) for k in range(len(p))], dtype=object)
        y = y if mode != "calculator" else y.astype(float)
        g = CrossEntropy(y).vjp(p, p[0] * 0 + 1)
    dz = gate.vjp(zin, g)
    if not any(float(v) for v in dz):
        raise Redraw("no all-zero gradient")
    bounded(list(g) + list(dz.flat), 40)
    _oracle(z, p, jac, g, dz, upstream, target, mode)
    if mode != "exact":
        _rounding_student(p, g, dz, upstream, mode)

    answers = ([Answer("yhat", r"\hat y", p)] if mode == "calculator" else []) + [
        Answer("dyhat/dz", r"\partial\hat y/\partial z", jac)]
    if target is not None:
        answers.append(Answer("dL/dyhat", r"\partial L/\partial\hat y", g))
    answers.append(Answer("dL/dz", r"\partial L/\partial z", dz))
    n = len(p)
    question = {"form": "softmax" if target is None else "softmax_ce", "mode": mode, "n": n, "z": z,
                "yhat": p if mode != "calculator" else None, "upstream": upstream,
                "target": None if target is None else target + 1}
    solution = {**question, "p": p, "jac": jac, "g": g, "dz": dz, "outer": np.outer(p, p)}
    params = {"form": question["form"], "mode": mode, "n": n, "z": _text(z), "yhat": _text(question["yhat"]),
              "upstream": _text(upstream), "target": question["target"]}
    notes = {"calculator": ("Inputs are printed with 2 decimals; the answers are computed from them and shown to "
                            "4 decimals.",),
             "given": ("ŷ is printed to 2 decimals (it sums to 1); the key works from exactly these values.",)}
    return Draw(params, tuple(answers), question, solution, None, NUMBER_STYLE[mode], notes.get(mode, ()))


def _text(values):
    return None if values is None else [str(v) if isinstance(v, Fraction) else round(float(v), 12) for v in values]


def _plain_softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def _fd(f, z0: np.ndarray) -> np.ndarray:
    cols = []
    for j in range(len(z0)):
        step = np.zeros(len(z0))
        step[j] = 1e-6
        cols.append((np.atleast_1d(f(z0 + step)) - np.atleast_1d(f(z0 - step))) / 2e-6)
    return np.column_stack(cols)


def _oracle(z, p, jac, g, dz, upstream, target, mode: str) -> None:
    """Plain float64: the Jacobian and ∂L/∂z by central differences of softmax (and of L) at z,
    or at z = ln ŷ when only ŷ is given; with printed ŷ, the key's numbers from those values."""
    pf = np.array(p, dtype=float)
    z0 = np.log(pf) if mode == "exact" else np.array(z, dtype=float)
    true_p = _plain_softmax(z0)
    if target is None:
        loss = lambda v: float(np.array(upstream, float) @ _plain_softmax(v))  # noqa: E731
    else:
        loss = lambda v: -math.log(_plain_softmax(v)[target])  # noqa: E731
    fd_jac, fd_dz = _fd(_plain_softmax, z0), _fd(loss, z0)[0]
    # given: each printed ŷ_i is within 0.01 of the truth (largest remainder), so an entry of
    # Diag[ŷ] − ŷŷᵀ is within 0.03 of the true Jacobian's, and ∂L/∂z within 0.03·Σ|g|.
    gf = np.array(g, dtype=float)
    tol = 0.03 * (1 + float(np.abs(gf).sum())) if mode == "given" else 1e-6
    checks = [("yhat", p, true_p), ("dyhat/dz", jac, fd_jac), ("dL/dz", dz, fd_dz)]
    if mode == "given":
        printed_jac = np.diag(pf) - np.outer(pf, pf)
        checks += [("dyhat/dz from the printed yhat", jac, printed_jac), ("dL/dz = the printed J^T g", dz, printed_jac.T @ gf)]
    if target is not None:  # the chain through the cross-entropy is the table's ŷ − y
        y = np.array([float(k == target) for k in range(len(pf))])
        rule = GivenSoftmaxCrossEntropy(np.array(y), np.array(p)).vjp(None, 1)
        checks += [("dL/dz = yhat - y", dz, pf - y), ("dL/dz = the gate table's", dz, np.array(rule, float))]
    for what, got, expected in checks:
        got, expected = np.array(got, dtype=float), np.array(expected, dtype=float)
        exact_check = what.startswith(("dyhat/dz from", "dL/dz = "))  # the key's own arithmetic, recomputed
        bound = 1e-9 if exact_check else tol
        if got.shape != expected.shape or np.any(np.abs(got - expected) > bound * (1 + np.abs(expected))):
            raise VerificationError(f"jacobian softmax: {what}: engine {got.tolist()} != oracle {expected.tolist()}")


def _rounding_student(p, g, dz, upstream, mode: str) -> None:
    """Given and calculator: a student who rounds ŷ, the Jacobian and ∂L/∂ŷ to 4 decimals and
    multiplies must be accepted on ∂L/∂z."""
    r = lambda v: round_to(v, 4)  # noqa: E731
    pr = np.array([r(v) for v in p], dtype=object)
    J = np.array([[r(v) for v in row] for row in (np.diag(pr) - np.outer(pr, pr))], dtype=object)
    gr = np.array([r(v) for v in (g if upstream is not None else [(-1 / v if t else 0) for v, t in zip(pr, g)])],
                  dtype=object)
    student = J.T @ gr
    for e, v in zip(Answer("dL/dz", "", dz).entries(NUMBER_STYLE[mode]), student):
        if not accepts(e, v):
            raise Redraw(RULE_ROUNDING)
