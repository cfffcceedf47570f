"""The answer model: entries, the one acceptance rule, and the precision it is derived from.

The rule's promise (design.md): a correctly rounded answer is accepted, and so is a student who
follows the key's method rounding every intermediate result to the asked places; a value off in
sign, by a factor or in its second significant digit is not; 0 only when the key is 0.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from rounding import accepted_entries

from qgen.answers import DECIMAL, EXACT, MIN_DECIMAL, accepts, decimal_text, entries
from qgen.kinds.base import DIFFICULTIES, MODES
from qgen.numbers import Ln
from qgen.randomiser import KIND_MODULES, draw_variant, resolve_options

F = Fraction


def one(value, style="fraction"):
    return entries("a", value, style)[0]


def test_entry_names_are_one_based_and_row_by_row():
    names = [e.name for e in entries("dL/dW1", np.array([[F(1), F(2), F(3)], [F(4), F(5), F(6)]], dtype=object), "fraction")]
    assert names == ["dL/dW1[1,1]", "dL/dW1[1,2]", "dL/dW1[1,3]", "dL/dW1[2,1]", "dL/dW1[2,2]", "dL/dW1[2,3]"]
    assert [e.name for e in entries("z1", np.array([F(1), F(2)], dtype=object), "fraction")] == ["z1[1]", "z1[2]"]
    assert [e.name for e in entries("L", F(3), "fraction")] == ["L"]


def test_exact_keys_accept_the_fraction_and_its_two_place_decimals():
    e = one(F(1, 8))
    assert e.precision == EXACT and e.key_text() == "1/8"
    assert accepts(e, F(1, 8)) and accepts(e, "0.125" and F(125, 1000))
    assert accepts(e, 0.13) and accepts(e, 0.12)  # both roundings of 0.125 lie on the boundary: accepted
    assert not accepts(e, 0.1301) and not accepts(e, 0.1199)
    third = one(F(-1, 3))
    assert accepts(third, -0.33) and not accepts(third, -0.34) and not accepts(third, 0.33)


def test_zero_is_accepted_only_for_a_zero_key():
    assert accepts(one(F(0)), 0) and accepts(one(F(0)), 0.004)
    assert not accepts(one(F(1, 100)), 0)
    assert not accepts(one(0.0123, "rounded"), 0)
    assert accepts(one(0.0, "rounded"), 0)


@pytest.mark.parametrize("key", [0.0180, -1.3, 0.0123, 0.0999, 12.3456, -0.5, 3.0, 97.5])
def test_decimal_keys_accept_the_correct_rounding_and_reject_sign_factor_and_second_digit(key):
    e = one(key, "rounded")
    assert e.precision == DECIMAL
    assert accepts(e, float(decimal_text(key, 4)))
    assert not accepts(e, -key)
    assert not accepts(e, 2 * key) and not accepts(e, key / 2)
    second_digit = 10 ** (math.floor(math.log10(abs(key))) - 1)  # one unit in the 2nd significant digit
    assert not accepts(e, key + second_digit) and not accepts(e, key - second_digit)


def test_keys_print_at_the_asked_precision_with_trailing_zeros():
    assert one(0.018, "rounded").key_text() == "0.0180"
    assert one(-1.3, "rounded").key_text() == "-1.3000"
    assert one(-0.00001, "rounded").key_text() == "0.0000"
    assert one(F(-3, 4)).key_text() == "-3/4"
    assert one(3.0, "rounded").key_text() == "3" and one(F(-2), "decimal").key_text() == "-2"  # integers stay integers
    assert one(F(7, 40), "decimal").key_text() == "0.1750"  # given mode asks 4 decimals


def test_an_exact_logarithm_is_keyed_exactly_and_its_decimal_accepted():
    e = one(Ln(F(12, 5)))
    assert e.key_text() == "ln(12/5)" and e.to_json()["exact"] == "ln(12/5)"
    assert accepts(e, math.log(12 / 5)) and accepts(e, 0.8755) and accepts(e, 0.8754) and not accepts(e, -0.8755)
    assert not accepts(e, math.log(5 / 12)) and not accepts(e, 0.78)


def test_entry_json_states_key_precision_and_rule():
    data = one(0.0180, "rounded").to_json()
    assert data == {"name": "a", "key": "0.0180", "exact": None, "decimal": 0.018, "asked": "decimal",
                    "places": 4, "atol": 0.0002, "rtol": 0.005}


@pytest.mark.parametrize("kind", list(KIND_MODULES))
@pytest.mark.parametrize("mode", MODES)
def test_no_drawn_decimal_key_is_too_small_to_tell_from_zero(kind, mode):
    for difficulty in DIFFICULTIES:
        try:
            options = resolve_options(kind, difficulty, mode)
        except Exception:  # a kind/mode pair that is refused (e.g. sigmoid in exact mode) draws nothing
            continue
        for seed in range(15):
            variant = draw_variant(kind, seed, options)
            for answer in variant.draw.answers:
                for e in answer.entries(variant.draw.number_style):
                    key = float(e.key)
                    if key != 0 and not e.exact:
                        assert abs(key) >= MIN_DECIMAL, (kind, mode, difficulty, seed, e.name, key)
                        assert not accepts(e, 0), (kind, mode, e.name)
                    assert accepts(e, key)


# ---------------------------------------------------------------------------------------------
# A student who rounds every intermediate result to 4 decimals (mlp, the longest chain of steps),
# computed here independently of the engine in plain float64 from the sheet's parameters.

def _r(a):
    return np.round(np.asarray(a, dtype=float), 4)


def _rounding_student(params: dict) -> dict:
    x = np.array([float(F(v)) for v in params["x"]])
    Ws = [np.array([[float(F(v)) for v in row] for row in W]) for W in params["W"]]
    bs = [np.array([float(F(v)) for v in b]) for b in params["b"]] if params["bias"] else [0.0] * len(Ws)
    y = np.array([float(F(v)) for v in params["y"]])
    eta = float(F(params["learning_rate"]))
    alpha = float(F(params["alpha"])) if params["alpha"] else 0.0
    printed = {k: np.array([float(F(v)) for v in vals]) for k, vals in params["printed"].items()}
    out, acts, pres = {}, [x], []
    for l, (W, b, act) in enumerate(zip(Ws, bs, params["activations"]), start=1):
        z = _r(W @ acts[-1] + b)
        if f"a{l}" in printed:
            a = printed[f"a{l}"]
        elif act == "relu":
            a = np.where(z > 0, z, 0.0)
        elif act == "leaky_relu":
            a = np.where(z > 0, z, _r(alpha * z))
        elif act == "sigmoid":
            a = _r(1 / (1 + np.exp(-z)))
        elif act == "tanh":
            a = _r(np.tanh(z))
        else:
            a = z
        out[f"z{l}"], out[f"a{l}"] = z, a
        pres.append(z)
        acts.append(a)
    L = len(Ws)
    if params["loss"] == "softmax_ce":
        yhat = printed["yhat"] if "yhat" in printed else _r(np.exp(acts[-1]) / np.exp(acts[-1]).sum())
        out["yhat"], out["L"] = yhat, _r(-math.log(yhat[int(np.argmax(y))]))
        upstream = None
        delta = _r(yhat - y)
    else:
        yhat = acts[-1]
        out["yhat"], out["L"] = yhat, _r(0.5 * ((yhat - y) ** 2).sum())
        upstream = _r(yhat - y)
        out["dL/dyhat"] = upstream
    for l in range(L, 0, -1):
        act, z, a = params["activations"][l - 1], pres[l - 1], acts[l]
        if not (l == L and params["loss"] == "softmax_ce"):
            deriv = {"relu": (z > 0) * 1.0, "leaky_relu": np.where(z > 0, 1.0, alpha), "identity": np.ones_like(z),
                     "sigmoid": _r(a * (1 - a)), "tanh": _r(1 - a * a)}[act]
            delta = _r(deriv * upstream)
        out[f"delta{l}"] = delta
        out[f"dL/dW{l}"] = _r(np.outer(delta, acts[l - 1]))
        out[f"dL/db{l}"] = delta
        upstream = _r(Ws[l - 1].T @ delta)
        out[f"dL/da{l - 1}" if l > 1 else "dL/dx"] = upstream
        out[f"updated W{l}"] = _r(Ws[l - 1] - eta * out[f"dL/dW{l}"])
        if params["bias"]:
            out[f"updated b{l}"] = _r(bs[l - 1] - eta * delta)
    return out


@pytest.mark.parametrize("mode,overrides", [
    ("calculator", {}),
    ("calculator", {"activation": "sigmoid", "loss": "softmax_ce", "sizes": "2-3-2"}),
    ("calculator", {"activation": "tanh"}),
    ("given", {"activation": "sigmoid", "loss": "softmax_ce", "sizes": "2-3-2"}),
    ("given", {"activation": "tanh"}),
])
def test_a_student_rounding_every_step_to_four_decimals_is_accepted(mode, overrides):
    checked = 0
    for difficulty in ("easy", "medium", "hard"):
        options = resolve_options("mlp", difficulty, mode, overrides)
        for seed in range(40):
            variant = draw_variant("mlp", seed, options)
            student = _rounding_student(variant.to_json()["parameters"])
            checked += accepted_entries(variant, student, (difficulty, seed))
    assert checked > 1000
