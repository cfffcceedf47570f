"""mlp's training extras (issue 16 item 4): ∂L/∂x, L2 weight decay and one momentum step. Hand-worked
cases (the arithmetic written out here), the oracle failing on a wrong engine value, the options
and their errors, one structure per class, and every mode drawing and re-derived independently."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
from rounding import accepted_entries
from test_kind_mlp import answers, recompute, values

from qgen.engine.gates import Elementwise, HalfSquaredError, Linear
from qgen.engine.network import Layer, LayerUpdate, Network, solve_network
from qgen.engine.network_check import check_network
from qgen.errors import QgenError, VerificationError
from qgen.grade.names import entry_latex
from qgen.kinds import mlp, mlp_extras
from qgen.kinds.base import DIFFICULTIES, Redraw
from qgen.randomiser import draw_variant, resolve_options

F = Fraction


def extras_draw(monkeypatch, x, Ws, bs, y, velocities=(), **overrides):
    """Draw with preset numbers (x, W row by row, b; the target; then the velocities layer by layer:
    v of W row by row, then v of b)."""
    queue = iter([F(v) for v in x] + [F(v) for W in Ws for row in W for v in row] + [F(v) for b in bs for v in b])
    monkeypatch.setattr(mlp, "_entry", lambda *args: next(queue))
    monkeypatch.setattr(mlp, "_target", lambda *args: [F(v) for v in y])
    vs = iter([F(v) for v in velocities])
    monkeypatch.setattr(mlp_extras, "velocity_entry", lambda *args: next(vs))
    options = resolve_options("mlp", "easy", "exact", {"inactive": "any", **overrides})
    draw = mlp.draw(np.random.default_rng(0), options)
    return {name: values(a) for name, a in answers(draw).items()}, draw


# Network A (2-2-1, ReLU hidden, identity output, squared error), used by three cases:
#   x = [1, 2], W1 = [[2, 1], [-1, 1]], b1 = [0, 1], W2 = [[1, -2]], b2 = [1], y = [3]
#   z1 = [2·1 + 1·2 + 0, −1·1 + 1·2 + 1] = [4, 2]; a1 = [4, 2] (both active)
#   z2 = 1·4 − 2·2 + 1 = 1 = ŷ; L = ½(1 − 3)² = 2; δ2 = ŷ − y = −2
#   ∂L/∂W2 = δ2 a1ᵀ = [−8, −4]; ∂L/∂b2 = −2; ∂L/∂a1 = W2ᵀ δ2 = [1·(−2), −2·(−2)] = [−2, 4]
#   δ1 = [−2, 4] (mask 1, 1); ∂L/∂W1 = δ1 xᵀ = [[−2, −4], [4, 8]]; ∂L/∂b1 = [−2, 4]
A = dict(x=[1, 2], Ws=[[[2, 1], [-1, 1]], [[1, -2]]], bs=[[0, 1], [1]], y=[3], sizes="2-2-1")
# Network B (1-1-1, leaky ReLU α = 1/10, no bias): x = [2], W1 = [[−1]], W2 = [[3]], y = [1]
#   z1 = −2; a1 = α·(−2) = −1/5; ŷ = 3·(−1/5) = −3/5; L = ½(−3/5 − 1)² = 32/25; δ2 = −8/5
#   ∂L/∂W2 = δ2 a1 = 8/25; ∂L/∂a1 = 3·(−8/5) = −24/5; δ1 = α·(−24/5) = −12/25; ∂L/∂W1 = δ1·2 = −24/25
B = dict(x=[2], Ws=[[[-1]], [[3]]], bs=[], y=[1], sizes="1-1-1", activation="leaky_relu", bias="no")


def test_input_gradient_by_hand_relu(monkeypatch):
    # ∂L/∂x = W1ᵀ δ1 = [2·(−2) + (−1)·4, 1·(−2) + 1·4] = [−8, 2]
    got, draw = extras_draw(monkeypatch, **A, input_gradient="yes")
    assert got["delta1"] == [-2, 4] and got["dL/dW1"] == [-2, -4, 4, 8]
    assert got["dL/dx"] == [-8, 2]
    assert [a.name for a in draw.answers].index("dL/dx") == [a.name for a in draw.answers].index("dL/db1") + 1
    assert draw.params["input_gradient"] is True


def test_input_gradient_by_hand_leaky_fractions(monkeypatch):
    # ∂L/∂x = W1ᵀ δ1 = (−1)·(−12/25) = 12/25
    got, _ = extras_draw(monkeypatch, **B, input_gradient="yes", learning_rate="1/10")
    assert got["delta1"] == [F(-12, 25)] and got["dL/dx"] == [F(12, 25)]


def test_input_gradient_is_not_asked_at_easy_by_default(monkeypatch):
    got, draw = extras_draw(monkeypatch, **A)
    assert "dL/dx" not in got and draw.params["input_gradient"] is False
    assert not {"L'", "dL'/dW1", "velocity W1"} & set(got)


def test_weight_decay_by_hand_relu(monkeypatch):
    # λ = 1/10, η = 1/2. ‖W1‖² = 4 + 1 + 1 + 1 = 7, ‖W2‖² = 1 + 4 = 5
    # L' = L + λ/2 (7 + 5) = 2 + (1/20)·12 = 13/5
    # ∂L'/∂W1 = ∂L/∂W1 + λW1 = [[−2 + 2/10, −4 + 1/10], [4 − 1/10, 8 + 1/10]] = [[−9/5, −39/10], [39/10, 81/10]]
    # ∂L'/∂W2 = [−8 + 1/10, −4 − 2/10] = [−79/10, −21/5]
    # W1 ← W1 − η ∂L'/∂W1 = [[2 + 9/10, 1 + 39/20], [−1 − 39/20, 1 − 81/20]] = [[29/10, 59/20], [−59/20, −61/20]]
    # biases are not decayed: b1 ← [0, 1] − ½[−2, 4] = [1, −1]; b2 ← 1 − ½(−2) = 2
    # W2 ← [1 + 79/20, −2 + 21/10] = [99/20, 1/10]
    got, draw = extras_draw(monkeypatch, **A, weight_decay="1/10", learning_rate="1/2")
    assert got["L"] == [2] and got["L'"] == [F(13, 5)]
    assert got["dL'/dW1"] == [F(-9, 5), F(-39, 10), F(39, 10), F(81, 10)]
    assert got["dL'/dW2"] == [F(-79, 10), F(-21, 5)]
    assert got["updated W1"] == [F(29, 10), F(59, 20), F(-59, 20), F(-61, 20)]
    assert got["updated b1"] == [1, -1] and got["updated b2"] == [2]
    assert got["updated W2"] == [F(99, 20), F(1, 10)]
    assert "dL'/db1" not in got and draw.params["weight_decay"] == "0.1"


def test_weight_decay_by_hand_leaky_fractions(monkeypatch):
    # λ = 1/2, η = 1/10. ‖W1‖² = 1, ‖W2‖² = 9: L' = 32/25 + (1/4)·10 = 64/50 + 125/50 = 189/50
    # ∂L'/∂W1 = −24/25 + ½·(−1) = −48/50 − 25/50 = −73/50; ∂L'/∂W2 = 8/25 + ½·3 = 16/50 + 75/50 = 91/50
    # W1 ← −1 − (1/10)(−73/50) = −1 + 73/500 = −427/500; W2 ← 3 − 91/500 = 1409/500
    got, _ = extras_draw(monkeypatch, **B, weight_decay="1/2", learning_rate="1/10")
    assert got["L'"] == [F(189, 50)]
    assert got["dL'/dW1"] == [F(-73, 50)] and got["dL'/dW2"] == [F(91, 50)]
    assert got["updated W1"] == [F(-427, 500)] and got["updated W2"] == [F(1409, 500)]


def test_momentum_by_hand_relu(monkeypatch):
    # μ = 1/2, η = 1/2; given v: vW1 = [[1, −1], [2, 1]], vb1 = [1, −2], vW2 = [[−1, 2]], vb2 = [1]
    # vW1 ← μ vW1 + ∂L/∂W1 = [[½ − 2, −½ − 4], [1 + 4, ½ + 8]] = [[−3/2, −9/2], [5, 17/2]]
    # vb1 ← ½[1, −2] + [−2, 4] = [−3/2, 3]; vW2 ← ½[−1, 2] + [−8, −4] = [−17/2, −3]; vb2 ← ½ − 2 = −3/2
    # W1 ← W1 − η vW1 = [[2 + 3/4, 1 + 9/4], [−1 − 5/2, 1 − 17/4]] = [[11/4, 13/4], [−7/2, −13/4]]
    # b1 ← [0 + 3/4, 1 − 3/2] = [3/4, −1/2]; W2 ← [1 + 17/4, −2 + 3/2] = [21/4, −1/2]; b2 ← 1 + 3/4 = 7/4
    got, draw = extras_draw(monkeypatch, **A, velocities=[1, -1, 2, 1, 1, -2, -1, 2, 1],
                            momentum="1/2", learning_rate="1/2")
    assert got["velocity W1"] == [F(-3, 2), F(-9, 2), 5, F(17, 2)] and got["velocity b1"] == [F(-3, 2), 3]
    assert got["velocity W2"] == [F(-17, 2), -3] and got["velocity b2"] == [F(-3, 2)]
    assert got["updated W1"] == [F(11, 4), F(13, 4), F(-7, 2), F(-13, 4)] and got["updated b1"] == [F(3, 4), F(-1, 2)]
    assert got["updated W2"] == [F(21, 4), F(-1, 2)] and got["updated b2"] == [F(7, 4)]
    names = [a.name for a in draw.answers]
    assert names[-8:] == ["velocity W1", "velocity b1", "updated W1", "updated b1",
                          "velocity W2", "velocity b2", "updated W2", "updated b2"]
    assert draw.params["momentum"] == "0.5" and draw.params["velocity_W"] == [[["1", "-1"], ["2", "1"]], [["-1", "2"]]]
    assert draw.params["velocity_b"] == [["1", "-2"], ["1"]]


def test_momentum_with_weight_decay_by_hand(monkeypatch):
    # λ = 1/2, μ = 9/10, η = 1/10; given vW1 = [[1]], vW2 = [[−2]]; g = ∂L'/∂W from the decay case:
    # vW1 ← (9/10)·1 + (−73/50) = 45/50 − 73/50 = −14/25; W1 ← −1 − (1/10)(−14/25) = −1 + 7/125 = −118/125
    # vW2 ← (9/10)(−2) + 91/50 = −90/50 + 91/50 = 1/50; W2 ← 3 − (1/10)(1/50) = 1499/500
    got, _ = extras_draw(monkeypatch, **B, velocities=[1, -2], weight_decay="1/2", momentum="9/10",
                         learning_rate="1/10")
    assert got["velocity W1"] == [F(-14, 25)] and got["updated W1"] == [F(-118, 125)]
    assert got["velocity W2"] == [F(1, 50)] and got["updated W2"] == [F(1499, 500)]
    assert "velocity b1" not in got


# ---------------------------------------------------------------------------------------------
# The oracle fails on a wrong engine value.


def _network(exact=True, decay=F(1, 10), mu=F(1, 2)):
    """Network A with weight decay and momentum, built on the engine directly."""
    def arr(v):
        a = np.vectorize(F, otypes=[object])(np.array(v))
        return a if exact else a.astype(float)
    layers = (Layer(Linear(arr([[2, 1], [-1, 1]]), arr([0, 1])), Elementwise("relu")),
              Layer(Linear(arr([[1, -2]]), arr([1])), Elementwise("identity")))
    velocity = (LayerUpdate(arr([[1, -1], [2, 1]]), arr([1, -2])), LayerUpdate(arr([[-1, 2]]), arr([1])))
    return Network(arr([1, 2]), layers, HalfSquaredError(arr([3])), F(1, 2), decay, mu, velocity)


def _nudged(arrays, index=0):
    out = list(arrays)
    out[index] = out[index] + F(1, 100)
    return tuple(out)


@pytest.mark.parametrize("exact", [True, False])
def test_the_oracle_passes_the_engine_and_refuses_each_wrong_extra(exact):
    net = _network(exact)
    sol = solve_network(net)
    check_network(net, sol)
    wrong = {
        "dx": dataclasses.replace(sol, dx=sol.dx + F(1, 100)),
        "decayed loss": dataclasses.replace(sol, decayed_loss=sol.decayed_loss + F(1, 100)),
        "squares": dataclasses.replace(sol, weight_squares=_nudged(sol.weight_squares, 1)),
        "decayed gradient": dataclasses.replace(sol, decayed=_nudged(sol.decayed, 1)),
        "decay left out": dataclasses.replace(sol, decayed=tuple(g.dW for g in sol.gradients)),
        "velocity": dataclasses.replace(sol, velocity=(LayerUpdate(sol.velocity[0].W, sol.velocity[0].b + F(1, 100)),
                                                       sol.velocity[1])),
        "update": dataclasses.replace(sol, update=(LayerUpdate(sol.update[0].W + F(1, 100), sol.update[0].b),
                                                   sol.update[1])),
        "no velocity": dataclasses.replace(sol, velocity=None),
    }
    for what, bad in wrong.items():
        with pytest.raises(VerificationError):
            check_network(net, bad)


def test_the_oracle_refuses_a_step_that_ignores_the_momentum():
    """The plain SGD step (what an engine forgetting the velocity would report) is refused."""
    net = _network(decay=None)
    sol = solve_network(net)
    plain = solve_network(dataclasses.replace(net, momentum=None, velocity=None))
    with pytest.raises(VerificationError, match="velocity|updated"):
        check_network(net, dataclasses.replace(sol, update=plain.update))


# ---------------------------------------------------------------------------------------------
# Options, structure, every mode.


def test_defaults_and_kinds_listing():
    easy, medium, hard = (resolve_options("mlp", d) for d in DIFFICULTIES)
    assert (easy["input_gradient"], medium["input_gradient"], hard["input_gradient"]) == (False, True, True)
    assert all(o["weight_decay"] == 0 and o["momentum"] == 0 for o in (easy, medium, hard))
    names = [o.name for o in mlp.OPTIONS]
    assert {"input_gradient", "weight_decay", "momentum"} <= set(names)


@pytest.mark.parametrize("option,text", [
    ("weight_decay", "-1/10"), ("weight_decay", "2"), ("weight_decay", "lots"),
    ("momentum", "1"), ("momentum", "-0.5"), ("momentum", "fast"), ("input_gradient", "maybe"),
])
def test_bad_option_values_name_the_option(option, text):
    with pytest.raises(QgenError, match=f"^mlp option {option}: "):
        resolve_options("mlp", "medium", "exact", {option: text})


EXTRAS = {"input_gradient": "yes", "weight_decay": "1/10", "momentum": "1/2"}


def recompute_extras(p: dict, exact: bool) -> dict:
    """L', ∂L'/∂W, velocities and the step, from the parameters with plain loops (no engine code)."""
    n = (lambda t: F(t)) if exact else (lambda t: float(F(t)))  # noqa: E731
    base = recompute(p, exact)
    Ws = [[[n(t) for t in row] for row in W] for W in p["W"]]
    bs = [None if b is None else [n(t) for t in b] for b in p["b"]]
    lam, mu, eta = n(p["weight_decay"]), n(p["momentum"]), n(p["learning_rate"])
    out = {"L'": base["L"] + lam / 2 * sum(w * w for W in Ws for row in W for w in row)}
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        g = [[d + lam * w for d, w in zip(drow, row)] for drow, row in zip(base[f"dL/dW{l}"], W)]
        v = [[mu * n(t) + gij for t, gij in zip(vrow, grow)] for vrow, grow in zip(p["velocity_W"][l - 1], g)]
        out[f"dL'/dW{l}"], out[f"velocity W{l}"] = g, v
        out[f"updated W{l}"] = [[w - eta * vij for w, vij in zip(row, vrow)] for row, vrow in zip(W, v)]
        if b is not None:
            vb = [mu * n(t) + d for t, d in zip(p["velocity_b"][l - 1], base[f"dL/db{l}"])]
            out[f"velocity b{l}"], out[f"updated b{l}"] = vb, [bi - eta * v for bi, v in zip(b, vb)]
    return {**base, **out}


CASES = [("exact", {}), ("given", {}), ("calculator", {}),
         ("given", {"activation": "sigmoid", "loss": "softmax_ce", "sizes": "2-3-2"}),
         ("calculator", {"activation": "tanh"}), ("exact", {"activation": "leaky_relu", "bias": "no"})]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("mode,overrides", CASES)
def test_every_mode_with_the_extras_draws_and_matches_a_recomputation(difficulty, mode, overrides):
    options = resolve_options("mlp", difficulty, mode, {**EXTRAS, **overrides})
    exact = mode != "calculator"
    for seed in range(25):
        draw = draw_variant("mlp", seed, options).draw
        expected = recompute_extras(draw.params, exact)
        for name, answer in answers(draw).items():
            want = list(np.ravel(np.asarray(expected[name], dtype=object)))
            got = values(answer)
            assert len(got) == len(want), name
            for g, w in zip(got, want):
                if exact and isinstance(g, Fraction):
                    assert g == w, (name, seed)
                else:
                    assert float(g) == pytest.approx(float(w), abs=1e-9), (name, seed)
            assert all(abs(float(v)) <= mlp.LIMIT for v in got), name
        if mode == "exact":
            assert all(v.denominator <= mlp.MAX_DENOMINATOR for a in draw.answers for v in values(a))


def test_one_structure_per_class_and_velocities_per_student():
    options = resolve_options("mlp", "medium", "exact", EXTRAS)
    shared = mlp.class_options(np.random.default_rng(1), options)
    assert {k: shared[k] for k in EXTRAS} == {k: options[k] for k in EXTRAS}
    draws = [draw_variant("mlp", seed, shared).draw for seed in range(20)]
    assert len({tuple((a.name, np.shape(a.value)) for a in d.answers) for d in draws}) == 1
    assert len({str(d.params["velocity_W"]) for d in draws}) == 20


def test_without_momentum_no_velocity_is_drawn(monkeypatch):
    """A draw without momentum draws no velocity, so the rng (and every seed's numbers) is as before."""
    monkeypatch.setattr(mlp_extras, "velocity_entry", lambda *a: pytest.fail("velocity drawn without momentum"))
    for decay in (F(0), F(1, 10)):
        options = resolve_options("mlp", "medium", "exact", {"weight_decay": decay})
        assert "velocity_W" not in draw_variant("mlp", 5, options).draw.params


def test_a_velocity_that_comes_out_all_zero_is_redrawn(monkeypatch):
    # network B, μ = 1/2, λ = 0: vW1 ← ½·v + ∂L/∂W1 = ½·(48/25) − 24/25 = 0 → the rule fires
    with pytest.raises(Redraw) as e:
        extras_draw(monkeypatch, **B, velocities=[F(48, 25), 1], momentum="1/2", learning_rate="1/10")
    assert e.value.rule == mlp_extras.RULE_VELOCITY


@pytest.mark.parametrize("column,latex", [
    ("q1.dL/dx[2]", r"$\partial L/\partial x${[}2{]}"),
    ("q1.L'", "$L'$"),
    ("q1.dL'/dW2[1,2]", r"$\partial L'/\partial W^{[2]}${[}1{,}2{]}"),
    ("q1.velocity W1[2,1]", r"$v_{W^{[1]},\mathrm{new}}${[}2{,}1{]}"),
    ("q1.velocity b2[1]", r"$v_{b^{[2]},\mathrm{new}}${[}1{]}"),
])
def test_grade_reports_name_the_new_entries_by_their_symbols(column, latex):
    assert entry_latex(column, "mlp") == latex


# ---------------------------------------------------------------------------------------------
# The acceptance principle: a student who rounds every step to 4 decimals is accepted (README).


def _rounding_extras_student(p: dict) -> dict:
    """test_answers' rounding student, then L', ∂L'/∂W, the velocities and the step, each rounded."""
    from test_answers import _r, _rounding_student
    out = _rounding_student(p)
    Ws = [np.array([[float(F(t)) for t in row] for row in W]) for W in p["W"]]
    lam, mu, eta = (float(F(p[k])) for k in ("weight_decay", "momentum", "learning_rate"))
    out["L'"] = _r(out["L"] + lam / 2 * sum((W * W).sum() for W in Ws))
    for l, W in enumerate(Ws, start=1):
        g = out[f"dL'/dW{l}"] = _r(out[f"dL/dW{l}"] + lam * W)  # ∂L/∂W + λW
        v = out[f"velocity W{l}"] = _r(mu * np.array([[float(F(t)) for t in r] for r in p["velocity_W"][l - 1]]) + g)
        out[f"updated W{l}"] = _r(W - eta * v)  # W − ηv
        if p["bias"]:
            vb = out[f"velocity b{l}"] = _r(mu * np.array([float(F(t)) for t in p["velocity_b"][l - 1]]) + out[f"dL/db{l}"])
            out[f"updated b{l}"] = _r(np.array([float(F(t)) for t in p["b"][l - 1]]) - eta * vb)
    return out


@pytest.mark.parametrize("mode,overrides", [("calculator", {}), ("calculator", {"activation": "tanh"}),
                                            ("given", {"activation": "sigmoid", "loss": "softmax_ce", "sizes": "2-3-2"})])
def test_a_student_rounding_every_step_is_accepted_on_the_extras(mode, overrides):
    checked = 0
    for difficulty in DIFFICULTIES:
        options = resolve_options("mlp", difficulty, mode, {**EXTRAS, "momentum": "9/10", **overrides})
        for seed in range(30):
            variant = draw_variant("mlp", seed, options)
            student = _rounding_extras_student(variant.to_json()["parameters"])
            checked += accepted_entries(variant, student, (difficulty, seed))
    assert checked > 3000
