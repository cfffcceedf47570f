"""Follow-through never marks right work wrong (issue 14 item 1): a slip that a correct ReLU mask
passes unchanged, n2 = n1² at n1 = 1 and a product with a factor 1 earn follow-through; the guard
refuses only a step the student's own values make trivial (and the key's are not), and says why."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from test_grade_marking import key_texts, mark, row_for, row_of, with_answer

from qgen.engine.expression import parse_expression
from qgen.grade.mark import CORRECT, FOLLOW_THROUGH, WRONG
from qgen.kinds.graph import draw_for_expression


def _relu_slip_row():
    """An exact mlp draw whose first ReLU layer has an inactive unit with a nonzero ∂L/∂a¹ there."""
    for seed in range(60):
        row = row_for("mlp", seed, "exact", sizes="2-3-2")
        answers = {a.name: a for a in row.answers}
        z1 = [e.key for e in answers["z1"].entries]
        da1 = [e.key for e in answers["dL/da1"].entries]
        if row.parameters["activations"][0] == "relu" and any(z < 0 and d != 0 for z, d in zip(z1, da1)) \
                and any(z > 0 for z in z1):
            return row, answers, z1
    pytest.fail("no draw with an inactive unit carrying a gradient")


def test_a_slip_that_a_correct_relu_mask_passes_unchanged_earns_follow_through():
    """Issue 14's case: their ∂L/∂a¹ is wrong and zero on the inactive units; their δ¹ = mask ⊙ it
    equals it. δ¹ and everything after it is their correct work: follow-through, no refusal."""
    row, answers, z1 = _relu_slip_row()
    mask = np.array([Fraction(int(z > 0)) for z in z1], dtype=object)
    key_delta = np.array([e.key for e in answers["delta1"].entries], dtype=object)
    g = np.array([d + 1 if m else Fraction(0) for d, m in zip(key_delta, mask)], dtype=object)
    delta = mask * g
    assert list(delta) == list(g)  # the step's output equals its input: the old guard refused it
    x = np.array([Fraction(str(v)) for v in row.parameters["x"]], dtype=object)
    W1 = np.array([[Fraction(str(v)) for v in r] for r in row.parameters["W"][0]], dtype=object)
    b1 = np.array([Fraction(str(v)) for v in row.parameters["b"][0]], dtype=object)
    eta = Fraction(str(row.parameters["learning_rate"]))
    texts = with_answer(key_texts(row), "dL/da1", g)
    texts = with_answer(texts, "delta1", delta)
    texts = with_answer(texts, "dL/dW1", np.outer(delta, x))
    texts = with_answer(texts, "dL/db1", delta)
    texts = with_answer(texts, "updated W1", W1 - eta * np.outer(delta, x))
    texts = with_answer(texts, "updated b1", b1 - eta * delta)
    marks = mark(row, texts)
    for name, v in marks.items():
        base = name.split("[")[0]
        if base == "dL/da1":
            assert v.verdict == WRONG, name
        elif base in ("delta1", "dL/dW1", "dL/db1", "updated W1", "updated b1") and v.verdict != CORRECT:
            assert v.verdict == FOLLOW_THROUGH and not v.note, (name, v.verdict, v.note)
        else:
            assert v.verdict == CORRECT, (name, v.verdict)
    assert sum(v.verdict == FOLLOW_THROUGH for k, v in marks.items() if k.startswith("delta1[")) == int(sum(mask))


def _graph_row(expression, values):
    graph = parse_expression(expression)
    draw = draw_for_expression(graph, values, "exact")
    return row_of("graph", {"options": {"mode": "exact"}, "parameters": draw.params,
                            "answers": [a.to_json(draw.number_style) for a in draw.answers]})


def test_a_square_of_one_and_a_product_with_one_earn_follow_through():
    """n1 = x − y slipped to 1: n2 = n1² = 1 equals its input, n3 = n2·z = z equals an input; both
    are correct work from their n1 (the issue's n3 = n2² with n2 = 1 and n6 = n3·n5 with n3 = 1)."""
    row = _graph_row("(x - y)**2 * z + x", {"x": Fraction(3), "y": Fraction(1), "z": Fraction(5)})
    mine = {"n1": 1, "n2": 1, "n3": 5, "n4": 8, "df/dn3": 1, "df/dn2": 5, "df/dn1": 10, "df/dz": 1,
            "df/dx": 11, "df/dy": -10}
    texts = key_texts(row)
    texts.update({k: str(v) for k, v in mine.items() if k in texts})
    marks = mark(row, texts)
    assert marks["n1"].verdict == WRONG
    for name in ("n2", "n3", "n4", "df/dn1", "df/dz", "df/dx", "df/dy"):
        assert marks[name].verdict == FOLLOW_THROUGH and not marks[name].note, (name, marks[name])
    for name in ("df/dn3", "df/dn2"):
        assert marks[name].verdict == CORRECT


def test_the_guard_says_why_when_a_relu_gate_is_made_the_identity():
    """z¹ made all positive: their a¹ = z¹ is refused, and the feedback note says why."""
    for seed in range(40):
        row = row_for("mlp", seed, "exact", sizes="2-3-1")
        z1 = next(a for a in row.answers if a.name == "z1").key
        if all(v > 0 for v in z1) or "a1" not in {a.name for a in row.answers}:
            continue
        mine = np.array([abs(v) + 1 for v in z1], dtype=object)
        marks = mark(row, with_answer(with_answer(key_texts(row), "z1", mine), "a1", mine))
        refused = [v for k, v in marks.items() if k.startswith("a1[") and v.verdict != CORRECT]
        assert refused and all(v.verdict == WRONG and "pass z1 through unchanged" in v.note for v in refused)
        return
    pytest.fail("no draw with a negative z1 and a1 asked")

