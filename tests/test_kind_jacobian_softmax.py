"""`jacobian` forms softmax (the softmax gate with an upstream gradient) and softmax_ce (through the
cross-entropy): worked by hand, every difficulty × mode recomputed with plain numpy, 200 distinct
variants, one structure per class, the oracle, and grading follow-through."""

import json
from fractions import Fraction as F

import numpy as np
import pytest

from exact import vec
from structure import class_choices
from qgen.engine import softmax as engine_softmax
from qgen.engine.network_check import VerificationError
from qgen.grade.manifest import question_row
from qgen.grade.mark import CORRECT, FOLLOW_THROUGH, mark_question
from qgen.grade.values import parse_value
from qgen.kinds import jacobian_softmax as S
from qgen.kinds.base import DIFFICULTIES, MODES
from qgen.randomiser import draw_sheet, draw_variant, resolve_options
from qgen.render import render


def answers(draw):
    return {a.name: np.asarray(a.value, dtype=object).tolist() for a in draw.answers}


J_QUARTERS = [[F(3, 16), F(-1, 8), F(-1, 16)], [F(-1, 8), F(1, 4), F(-1, 8)], [F(-1, 16), F(-1, 8), F(3, 16)]]


def test_softmax_gate_with_an_upstream_gradient_by_hand():
    """ŷ = (1/4, 1/2, 1/4): Diag[ŷ] − ŷŷᵀ has ŷ_i(1 − ŷ_i) = 3/16, 1/4, 3/16 on the diagonal and
    −ŷ_iŷ_j = −1/8, −1/16, −1/8 off it. With ∂L/∂ŷ = (1, 0, −1): (∂ŷ/∂z)ᵀg = (3/16 + 1/16,
    −1/8 + 1/8, −1/16 − 3/16) = (1/4, 0, −1/4)."""
    draw = S.solve(None, vec(F(1, 4), F(1, 2), F(1, 4)), vec(1, 0, -1), None, "exact")
    assert answers(draw) == {"dyhat/dz": J_QUARTERS, "dL/dz": [F(1, 4), 0, F(-1, 4)]}


def test_through_the_cross_entropy_by_hand():
    """Target class 2: ∂L/∂ŷ = −y/ŷ = (0, −2, 0); (∂ŷ/∂z)ᵀ(0, −2, 0) = −2 × column 2 =
    (1/4, −1/2, 1/4) = ŷ − y."""
    draw = S.solve(None, vec(F(1, 4), F(1, 2), F(1, 4)), None, 1, "exact")
    assert answers(draw) == {"dyhat/dz": J_QUARTERS, "dL/dyhat": [0, -2, 0], "dL/dz": [F(1, 4), F(-1, 2), F(1, 4)]}


def test_given_mode_from_the_printed_softmax_by_hand():
    """z = (1, 0, −1/2): softmax = (0.6285, 0.2312, 0.1402), printed (0.63, 0.23, 0.14).
    ∂ŷ/∂z: 0.63 · 0.37 = 0.2331, −0.63 · 0.23 = −0.1449, −0.63 · 0.14 = −0.0882, 0.23 · 0.77 = 0.1771,
    −0.23 · 0.14 = −0.0322, 0.14 · 0.86 = 0.1204. Target 1: ∂L/∂z = ŷ − y = (−0.37, 0.23, 0.14)."""
    draw = S.solve(vec(1, 0, F(-1, 2)), None, None, 0, "given")
    a = answers(draw)
    assert a["dyhat/dz"] == [[F(2331, 10000), F(-1449, 10000), F(-882, 10000)],
                             [F(-1449, 10000), F(1771, 10000), F(-322, 10000)],
                             [F(-882, 10000), F(-322, 10000), F(1204, 10000)]]
    assert a["dL/dz"] == [F(-37, 100), F(23, 100), F(14, 100)]


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_difficulty_and_mode_recomputes(difficulty, mode):
    for form in S.FORMS:
        options = resolve_options("jacobian", difficulty, mode, {"form": form})
        for seed in range(10):
            draw = draw_variant("jacobian", seed, options).draw
            p, a = draw.params, answers(draw)
            yhat = (np.array([float(F(v)) for v in p["yhat"]]) if p["yhat"] is not None
                    else _softmax(np.array([float(F(v)) for v in p["z"]])))
            J = np.diag(yhat) - np.outer(yhat, yhat)
            assert np.allclose(np.array(a["dyhat/dz"], float), J, atol=1e-12)
            if form == "softmax":
                g = np.array([float(F(v)) for v in p["upstream"]])
            else:
                g = np.zeros(len(yhat))
                g[p["target"] - 1] = -1 / yhat[p["target"] - 1]
                assert np.allclose(np.array(a["dL/dyhat"], float), g)
                assert np.allclose(np.array(a["dL/dz"], float), yhat - np.eye(len(yhat))[p["target"] - 1])
            assert np.allclose(np.array(a["dL/dz"], float), J.T @ g, atol=1e-12)
            assert len(yhat) == S.CLASSES[difficulty]


@pytest.mark.parametrize("form", S.FORMS)
def test_two_hundred_distinct_variants(form):
    options = resolve_options("jacobian", "easy", "exact", {"form": form})
    variants = draw_sheet(["jacobian"], 200, 11, {"jacobian": options})
    assert len({json.dumps(v.draw.params, sort_keys=True) for v in variants}) == 200


def test_one_structure_per_class():
    for form in S.FORMS:
        for mode in ("exact", "calculator"):
            assert class_choices("jacobian", resolve_options("jacobian", "hard", mode, {"form": form}), "n") == {4}


def test_the_oracle_catches_a_wrong_jacobian(monkeypatch):
    monkeypatch.setattr(engine_softmax._SoftmaxRule, "jacobian",
                        lambda self, z: np.diag(self.probabilities(z)) - 0 * self.probabilities(z))  # ŷŷᵀ forgotten
    with pytest.raises(VerificationError):
        S.solve(None, vec(F(1, 4), F(1, 2), F(1, 4)), vec(1, 0, -1), None, "exact")


def test_the_templates_name_the_rule_and_the_table_row():
    draw = S.solve(None, vec(F(1, 4), F(1, 2), F(1, 4)), None, 1, "exact")
    sheet = render("kinds/jacobian_question.tex", d=draw.question, number_style="fraction")
    assert "target class 2" in sheet and r"\partial\hat y/\partial z" in sheet
    key = render("kinds/jacobian_solution.tex", d=draw.solution, number_style="fraction")
    assert r"\operatorname{Diag}[\hat y] - \hat y\hat y\T" in key and r"gate table's $\hat y - y$" in key


def test_grading_follows_through_from_a_wrong_jacobian_entry():
    variant = draw_variant("jacobian", 5, resolve_options("jacobian", "medium", "exact", {"form": "softmax"}))
    data = json.loads(json.dumps(variant.to_json(), default=str))
    row = question_row({"student_id": "s1", "question": 1, "kind": "jacobian", "points": 6,
                        "options": data["options"], "parameters": data["parameters"], "answers": data["answers"]})
    keys = {e.name: e.key_text() for a in row.answers for e in a.entries}
    J = np.asarray(variant.draw.answers[0].value, dtype=object).copy()
    J[0, 0] += 1
    g = np.array([F(v) for v in variant.draw.params["upstream"]], dtype=object)
    dz = J.T @ g
    texts = {**keys, "dyhat/dz[1,1]": str(J[0, 0]), **{f"dL/dz[{i + 1}]": str(v) for i, v in enumerate(dz)}}
    parsed = {f"q1.{k}": parse_value(v) for k, v in texts.items()}
    verdicts = {v.entry.name: v.verdict for v in mark_question(row, parsed, {f"q1.{k}": t for k, t in texts.items()}, F(1))}
    assert verdicts["dyhat/dz[1,1]"] not in (CORRECT, FOLLOW_THROUGH)
    assert {verdicts[f"dL/dz[{i + 1}]"] for i in range(len(dz))} <= {CORRECT, FOLLOW_THROUGH}
    assert FOLLOW_THROUGH in {verdicts[f"dL/dz[{i + 1}]"] for i in range(len(dz))} or g[0] == 0
