"""The softmax-ce kind: hand-checked cases in every mode, every difficulty × mode over many seeds
with an independent recomputation, determinism, the reject rules, option errors, and the
question sheet never showing an asked answer."""

import math
from fractions import Fraction as F

import numpy as np
import pytest

from qgen.answers import DECIMAL, accepts
from qgen.errors import QgenError, VerificationError
from qgen.kinds import softmax_ce
from qgen.kinds.base import DIFFICULTIES, MODES, Redraw
from qgen.numbers import Ln
from qgen.randomiser import draw_variant, resolve_options
from structure import class_structures
from qgen.render import ENV, render

from gradcheck import numeric_jacobian

SEEDS = range(200)


def _answers(draw):
    return {a.name: a for a in draw.answers}


def _ce(z, target):
    """Plain cross-entropy of softmax(z), written out once more for the tests."""
    z = np.asarray(z, dtype=float)
    return float(np.log(np.sum(np.exp(z))) - z[target])


# --- hand-checked cases ------------------------------------------------------------------------


def test_exact_case_by_hand():
    # z = (0, ln 2, ln 4), target 2: e^z = (1, 2, 4), sum 7.
    draw = softmax_ce.build_exact([1, 2, 4], 0, 1, "easy")
    a = _answers(draw)
    assert list(a["yhat"].value) == [F(1, 7), F(2, 7), F(4, 7)]
    assert list(a["dL/dz"].value) == [F(1, 7), F(-5, 7), F(4, 7)]
    assert a["L"].value == Ln(F(7, 2)) and float(a["L"].value) == pytest.approx(math.log(7 / 2), abs=1e-12)
    entry = a["L"].entries(draw.number_style)[0]
    assert entry.key_text() == "ln(7/2)" and accepts(entry, 1.2528) and not accepts(entry, -1.2528)
    assert draw.solution["ratio"] == F(7, 2) and draw.number_style == "fraction"
    assert "loss_exact" not in draw.params  # parameters hold no answer


def test_exact_shift_changes_nothing_but_the_logits():
    plain = _answers(softmax_ce.build_exact([3, 1, 2], 0, 0, "hard"))
    shifted = _answers(softmax_ce.build_exact([3, 1, 2], -2, 0, "hard"))
    assert list(plain["yhat"].value) == list(shifted["yhat"].value) == [F(1, 2), F(1, 6), F(1, 3)]
    assert shifted["L"].value == Ln(2)


def test_given_case_by_hand():
    # softmax(1, 0, -1) = (0.6652, 0.2447, 0.0900): floors 66 + 24 + 9 = 99, the missing hundredth
    # goes to the largest remainder (0.52 of 66.52) -> (0.67, 0.24, 0.09).
    draw = softmax_ce.build_given([F(1), F(0), F(-1)], 0, 1, "medium")
    a = _answers(draw)
    assert list(draw.question["yhat"]) == [F(67, 100), F(24, 100), F(9, 100)]
    assert list(a["dL/dz"].value) == [F(67, 100), F(-76, 100), F(9, 100)]
    assert a["L"].value == pytest.approx(-math.log(0.24), abs=1e-12)  # 1.4271
    assert "yhat" not in a  # printed, not asked
    # The printed logarithms: ln 100 = 4.6052 and ln 67, ln 24, ln 9; L = ln 100 − ln 24 = 1.4271.
    assert draw.params["ln_100"] == "4.6052" and draw.params["ln_100_yhat"] == ["4.2047", "3.1781", "2.1972"]
    assert float(draw.question["log_100"] - draw.question["logs"][1]) == pytest.approx(a["L"].value, abs=1e-4)
    assert draw.number_style == "decimal"


def test_calculator_case_by_hand():
    z = [F(1, 2), F(-1, 4), F(1)]
    draw = softmax_ce.build_calculator(z, 0, 2, "easy")
    a = _answers(draw)
    e = np.exp([0.5, -0.25, 1.0])
    p = e / e.sum()  # (0.3447, 0.1628, 0.4925)
    np.testing.assert_allclose(a["yhat"].value, p, rtol=1e-12)
    np.testing.assert_allclose(a["dL/dz"].value, p - [0, 0, 1], rtol=1e-12, atol=1e-15)
    assert a["L"].value == pytest.approx(-math.log(p[2]), rel=1e-12)
    assert all(e.precision == DECIMAL for ans in draw.answers for e in ans.entries(draw.number_style))
    assert draw.number_style == "rounded" and draw.notes


def test_largest_remainder_sums_to_one_and_stays_next_to_the_truth():
    rng = np.random.default_rng(0)
    for _ in range(500):
        p = rng.dirichlet(np.ones(int(rng.integers(2, 7))))
        r = softmax_ce.largest_remainder(p, 2)
        assert sum(r) == 1
        assert all(abs(float(v) - t) < 0.01 for v, t in zip(r, p))


# --- every difficulty × mode, checked again from the params alone ------------------------------


def _logits(params):
    if params["mode"] == "exact":
        return np.log(np.array(params["counts"], dtype=float)) + params["shift"]
    return np.array([float(v) for v in params["logits"]])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_draws_and_checks(mode, difficulty):
    options = resolve_options("softmax-ce", difficulty, mode)
    n = {"easy": 3, "medium": 4, "hard": 5}[difficulty]
    for seed in SEEDS:
        draw = draw_variant("softmax-ce", seed, options).draw
        params, a = draw.params, _answers(draw)
        target = params["target"] - 1
        z = _logits(params)
        assert len(z) == n and (params["shift"] != 0) == (difficulty == "hard")
        true = np.exp(z) / np.exp(z).sum()
        assert true.max() <= softmax_ce.NEAR_ONE_HOT
        grad = numeric_jacobian(lambda v: _ce(v, target), z)
        if mode == "given":
            printed = np.array([float(v) for v in params["printed_yhat"]])
            assert sum(F(v) for v in params["printed_yhat"]) == 1
            assert np.all(np.abs(printed - true) < 0.01) and printed.min() > 0
            assert a["L"].value == pytest.approx(-math.log(printed[target]), rel=1e-12)
            assert [F(v) for v in a["dL/dz"].value] == [F(v) - (k == target) for k, v in enumerate(params["printed_yhat"])]
            assert np.all(np.abs(np.asarray(a["dL/dz"].value, dtype=float) - grad) < 0.01 + 1e-6)
            # the printed logarithms give L with one subtraction, accepted by the one rule
            from_logs = float(params["ln_100"]) - float(params["ln_100_yhat"][target])
            assert accepts(a["L"].entries(draw.number_style)[0], from_logs)
        else:
            np.testing.assert_allclose(np.asarray(a["yhat"].value, dtype=float), true, rtol=1e-10)
            assert float(a["L"].value) == pytest.approx(_ce(z, target), rel=1e-10)
            np.testing.assert_allclose(np.asarray(a["dL/dz"].value, dtype=float), grad, rtol=1e-5, atol=1e-6)
        if mode == "exact":
            assert all(isinstance(v, F) for v in a["yhat"].value) and sum(a["yhat"].value) == 1
            counts = params["counts"]
            assert a["L"].value == Ln(F(sum(counts), counts[target]))


def test_same_seed_same_question():
    for mode in MODES:
        options = resolve_options("softmax-ce", "hard", mode)
        one, two = (draw_variant("softmax-ce", 42, options).to_json() for _ in range(2))
        assert one == two


def test_different_seeds_give_different_questions():
    options = resolve_options("softmax-ce", "medium", "exact")
    params = {str(draw_variant("softmax-ce", s, options).draw.params) for s in range(30)}
    assert len(params) > 20


# --- reject rules --------------------------------------------------------------------------------


def test_near_one_hot_softmax_is_rejected():
    with pytest.raises(Redraw, match="near-one-hot"):
        softmax_ce.build_calculator([F(5), F(0), F(0)], 0, 0, "easy")
    with pytest.raises(Redraw, match="near-one-hot"):
        softmax_ce.build_given([F(3), F(0)], 0, 0, "easy")


def test_all_zero_gradient_is_rejected():
    with pytest.raises(Redraw, match="all-zero gradient"):
        softmax_ce._reject(np.array([0.5, 0.5]), np.array([F(0), F(0)]))


def test_small_target_probability_and_equal_logits_are_rejected():
    with pytest.raises(Redraw, match="target probability below 0.05"):
        softmax_ce.build_calculator([F(2), F(2), F(-1)], 0, 2, "easy")  # yhat_3 = 0.024
    with pytest.raises(Redraw, match="all-equal"):
        softmax_ce.build_exact([2, 2, 2], 0, 0, "easy")


def test_a_loss_that_is_a_printed_logarithm_is_rejected():
    # softmax(0, 0, 2.1) prints (0.10, 0.10, 0.80): with target 1, L = ln 100 − ln 10 = ln 10, printed.
    with pytest.raises(Redraw) as e:
        softmax_ce.build_given([F(0), F(0), F(21, 10)], 0, 0, "easy")
    assert e.value.rule == softmax_ce.RULE_LOSS_PRINTED


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_no_printed_number_gives_the_loss_away(difficulty):
    """Before, the given-mode sheet printed ln ŷ_k, so L was a printed number negated."""
    options = resolve_options("softmax-ce", difficulty, "given")
    for seed in range(300):
        draw = draw_variant("softmax-ce", seed, options).draw
        p = draw.params
        printed = {F(v) for key in ("logits", "printed_yhat", "ln_100_yhat") for v in p[key]} | {F(p["ln_100"])}
        loss = round(F(_answers(draw)["L"].value), 4)
        assert loss not in printed and -loss not in printed, f"seed {seed}"
        assert all(a.name != "L" or a.name not in p for a in draw.answers)


def test_rejects_fire_in_ordinary_draws():
    """Two classes with wide calculator logits: the near-one-hot rule must fire now and then."""
    options = resolve_options("softmax-ce", "easy", "calculator", {"classes": "2"})
    rules = set()
    rng = np.random.default_rng(3)
    for _ in range(300):
        try:
            softmax_ce.draw(rng, options)
        except Redraw as r:
            rules.add(r.rule)
    assert "no near-one-hot softmax" in rules


def test_oracle_refuses_a_wrong_gradient():
    z = np.log([1.0, 2.0, 4.0])
    yhat = np.array([F(1, 7), F(2, 7), F(4, 7)], dtype=object)
    wrong = np.array([F(1, 7), F(2, 7), F(-3, 7)], dtype=object)  # the target taken as class 3
    with pytest.raises(VerificationError):
        softmax_ce._oracle(z, 1, yhat, math.log(7 / 2), wrong)


# --- options -------------------------------------------------------------------------------------


def test_option_defaults_per_difficulty():
    assert [resolve_options("softmax-ce", d)["classes"] for d in DIFFICULTIES] == [3, 4, 5]
    assert [resolve_options("softmax-ce", d)["shift"] for d in DIFFICULTIES] == [False, False, True]
    assert resolve_options("softmax-ce", "easy", "exact", {"classes": "6", "shift": "yes"})["classes"] == 6


@pytest.mark.parametrize("name, text", [("classes", "9"), ("classes", "three"), ("classes", "1"), ("shift", "maybe")])
def test_bad_options_name_the_option(name, text):
    with pytest.raises(QgenError, match=f"softmax-ce option {name}"):
        resolve_options("softmax-ce", "easy", "exact", {name: text})


# --- templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_question_sheet_shows_no_answer_and_the_key_boxes_them(mode):
    options = resolve_options("softmax-ce", "hard", mode)
    for seed in range(20):
        draw = draw_variant("softmax-ce", seed, options).draw
        question = render("kinds/softmax_ce_question.tex", d=draw.question, number_style=draw.number_style)
        key = render("kinds/softmax_ce_solution.tex", d=draw.solution, number_style=draw.number_style)
        assert "\\boxed" not in question
        assert key.count("\\boxed") == len(draw.answers)
        # the key boxes each answer as the answer summary prints it (answer=true: 4 places in the decimal modes)
        delta = ENV.from_string("<< v|bmatrix(answer=true) >>").render(v=draw.solution["delta"], number_style=draw.number_style)
        assert delta not in question and delta in key
        if mode != "given":  # ŷ is asked: neither it nor the loss may appear
            yhat = ENV.from_string("<< v|bmatrix(answer=true) >>").render(v=draw.solution["yhat"], number_style=draw.number_style)
            assert yhat not in question and yhat in key
        loss = ENV.from_string("<< v|num(answer=true) >>").render(v=draw.solution["loss"], number_style=draw.number_style)
        assert loss in key
        assert loss not in question  # neither L nor −L (given mode printed ln ŷ_k before)


# --- one structure for a class -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_class_options_give_every_student_the_same_structure(difficulty, mode):
    options = resolve_options("softmax-ce", difficulty, mode)
    structures, shared = class_structures("softmax-ce", options, 7)
    assert len(structures) == 1 and shared == options  # nothing structural was left to draw
