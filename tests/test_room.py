"""Fewer empty questions (issue 16.7): at most one inactive ReLU unit per mlp and in at most a third
of the variants (unless the option inactive says otherwise); room for 200 distinct variants in one
set for every kind and difficulty, or an error that says the largest count possible. No LaTeX:
the sets are drawn by the library function `qgen generate` draws with."""

from fractions import Fraction as F
from itertools import product

import numpy as np
import pytest

from qgen.check import check_kind
from qgen.errors import QgenError
from qgen.kinds.base import DIFFICULTIES, Redraw
from qgen.kinds.reject_rules import RULE_CANCELLED, RULE_INACTIVE
from qgen.practice import PracticeRequest, draw_practice
from qgen.randomiser import KIND_MODULES, child_seeds, draw_sheet, draw_variant, resolve_options


def inactive_units(params) -> int:
    """The forward pass recomputed from the drawn numbers: ReLU units with z ≤ 0."""
    a = [F(v) for v in params["x"]]
    count = 0
    for W, b, act in zip(params["W"], params["b"], params["activations"]):
        z = [sum(F(w) * v for w, v in zip(row, a)) + (F(b[i]) if b else 0) for i, row in enumerate(W)]
        if act == "relu":
            count += sum(v <= 0 for v in z)
            a = [max(v, F(0)) for v in z]
        else:
            a = z  # identity output (the default); no later layer reads it
    return count


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_mlp_has_at_most_one_inactive_unit_in_at_most_a_third_of_variants(difficulty):
    options = resolve_options("mlp", difficulty)
    counts = [inactive_units(draw_variant("mlp", s, options).draw.params) for s in child_seeds(16, 150)]
    assert max(counts) <= 1
    assert 0.1 < sum(counts) / len(counts) <= 1 / 3


def test_check_reports_a_delta_zero_share_of_at_most_35_percent():
    report = check_kind("mlp", 300, 5, resolve_options("mlp"))
    assert report.failures == [] and report.zero_share("δ") <= 0.35


def test_the_option_inactive_sets_the_count_or_allows_any():
    exactly_one = resolve_options("mlp", "medium", "exact", {"inactive": "1"})
    assert {inactive_units(draw_variant("mlp", s, exactly_one).draw.params) for s in range(30)} == {1}
    none = resolve_options("mlp", "medium", "exact", {"inactive": "0"})
    assert {inactive_units(draw_variant("mlp", s, none).draw.params) for s in range(30)} == {0}
    anything = resolve_options("mlp", "easy", "exact", {"inactive": "any"})
    counts = [inactive_units(draw_variant("mlp", s, anything).draw.params) for s in range(60)]
    assert sum(counts) / len(counts) > 1 / 3  # the old draws: an inactive unit in most questions
    with pytest.raises(QgenError, match="inactive: at most 1 inactive ReLU units fit"):
        resolve_options("mlp", "medium", "exact", {"inactive": "2"})
    with pytest.raises(QgenError, match="inactive"):
        resolve_options("mlp", "medium", "exact", {"inactive": "some"})


def test_the_inactive_count_rule_fires(monkeypatch):
    import qgen.kinds.mlp as mlp

    def forced(x, Ws, bs, y, inactive):
        queue = iter([F(v) for v in x] + [F(v) for W in Ws for row in W for v in row] + [F(v) for b in bs for v in b])
        monkeypatch.setattr(mlp, "_entry", lambda *args: next(queue))
        monkeypatch.setattr(mlp, "_target", lambda *args: [F(v) for v in y])
        monkeypatch.setattr(mlp, "orient_units", lambda *args: None)  # keep the numbers as given
        options = resolve_options("mlp", "easy", "exact", {"inactive": inactive})
        with pytest.raises(Redraw) as caught:
            mlp.draw(np.random.default_rng(0), options)
        return caught.value.rule

    # z1 = [1 − 2 + 0, 2 + 2 + 1] = [−1, 5]: one inactive unit where none is asked
    assert forced([1, 2], [[[1, -1], [2, 1]], [[1, 2]]], [[0, 1], [1]], [5], "0") == RULE_INACTIVE


def test_the_cancel_rule_on_a_network_with_biases(monkeypatch):
    import qgen.kinds.mlp as mlp

    # x = [1, 2]; W1 = [[1, 1], [1, 2]], b1 = [1, 1]: z1 = [4, 6] (both active)
    # W2 = [[1, 1], [1, 2]], b2 = [1, -1]: ŷ = [4 + 6 + 1, 4 + 12 − 1] = [11, 15]; y = [12, 14]: δ2 = [−1, 1]
    # ∂L/∂a1 = W2ᵀ δ2 = [1·(−1) + 1·1, 1·(−1) + 2·1] = [0, 1]: the first active unit gets no gradient
    queue = iter([F(v) for v in (1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, -1)])
    monkeypatch.setattr(mlp, "_entry", lambda *args: next(queue))
    monkeypatch.setattr(mlp, "_target", lambda *args: [F(12), F(14)])
    options = resolve_options("mlp", "easy", "exact", {"inactive": "0", "sizes": "2-2-2"})
    with pytest.raises(Redraw) as caught:
        mlp.draw(np.random.default_rng(0), options)
    assert caught.value.rule == RULE_CANCELLED


ROOM = [(k, d) for k in KIND_MODULES for d in DIFFICULTIES]


@pytest.mark.parametrize("kind, difficulty", ROOM, ids=["-".join(c) for c in ROOM])
def test_every_kind_and_difficulty_has_room_for_200_distinct_variants(kind, difficulty):
    variants = draw_sheet([kind], 200, 1, {kind: resolve_options(kind, difficulty)})
    assert len({str(v.draw.params) for v in variants}) == 200


def test_the_issues_jacobian_set_of_45_draws():
    variants = draw_practice(PracticeRequest(("jacobian",), 45, 3, "easy"))
    assert len({str(v.draw.params) for v in variants}) == 45


def test_a_set_larger_than_the_room_names_the_largest_count():
    # jacobian easy with n = 2: x has both signs (the ReLU's two branches), entries ±1..±3, and relu or
    # leaky_relu: 2 activations × 2 sign orders × 3 × 3 magnitudes = 36 distinct questions
    room = 2 * len([(a, b) for a, b in product(range(-3, 4), repeat=2) if a * b < 0])
    assert room == 36
    options = {"jacobian": resolve_options("jacobian", "easy", "exact", {"n": "2"})}
    with pytest.raises(QgenError, match=f"--count: .*at most {room} can be drawn: ask for --count {room} or fewer"):
        draw_sheet(["jacobian"], 60, 3, options)
    assert len(draw_sheet(["jacobian"], room, 3, options)) == room
