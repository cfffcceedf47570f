"""Named mistakes only where they happened (issue 14 item 4): a mistake explains every entry of
the answer, the wrong ones and the right ones, and its safeguards look at the key, never at the
typed value; the added mistakes (y − ŷ with the squared error, a dropped bias, the pre-activation
used for the activation) are named."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from test_grade_marking import answer, assert_named, key_texts, mark, row_for, with_answer

from qgen.grade import mistakes as M
from qgen.grade.mark import CORRECT, WRONG


def _params(row, key, layer):
    return np.array([[Fraction(str(v)) for v in r] for r in row.parameters[key][layer]], dtype=object) \
        if key == "W" else np.array([Fraction(str(v)) for v in row.parameters[key][layer]], dtype=object)


def test_two_entries_near_zero_with_four_right_are_not_a_transposed_gradient():
    """Issue 14's case: x δᵀ is 0 exactly where the student typed 0.001 and −0; the other four
    entries are right and x δᵀ disagrees with two of them: no mistake is named."""
    for seed in range(100):
        row = row_for("mlp", seed, "exact", sizes="4-3-2")
        key = answer(row, "dL/dW2")
        transposed = np.outer(answer(row, "a1"), answer(row, "delta2")).reshape(key.shape)
        spots = [i for i in range(key.size) if transposed.flat[i] == 0 and key.flat[i] != 0]
        if len(spots) >= 2:
            break
    else:
        raise AssertionError("no draw with two zeros of x δᵀ where the key is not 0")
    texts = key_texts(row)
    names = [e.name for e in next(a for a in row.answers if a.name == "dL/dW2").entries]
    texts[names[spots[0]]], texts[names[spots[1]]] = "0.001", "-0"
    marks = mark(row, texts)
    assert marks[names[spots[0]]].verdict == marks[names[spots[1]]].verdict == WRONG
    assert all(marks[n].verdict == CORRECT for i, n in enumerate(names) if i not in spots[:2])


def test_a_mistake_must_agree_with_the_right_entries():
    """δ¹ without ReLU′ differs from the key at two inactive units; a student with one of them as
    that rule gives and the other right is not named; with both, the mistake is named."""
    for seed in range(100):
        row = row_for("mlp", seed, "exact", sizes="2-4-2", inactive="any")  # the old draws: often 2 inactive
        upstream, key = answer(row, "dL/da1"), answer(row, "delta1")
        differ = [i for i in range(len(key)) if upstream[i] != key[i]]
        if len(differ) >= 2:
            mine = key.copy()
            mine[differ[0]] = upstream[differ[0]]
            marks = mark(row, with_answer(key_texts(row), "delta1", mine))
            assert marks[f"delta1[{differ[0] + 1}]"].verdict == WRONG  # the rule disagrees with a right entry
            mine[differ[1:]] = upstream[differ[1:]]
            marks = mark(row, with_answer(key_texts(row), "delta1", mine))
            assert marks[f"delta1[{differ[0] + 1}]"].verdict == M.NO_DERIVATIVE
            return
    raise AssertionError("no draw with two inactive units carrying gradient")


def test_squared_error_gradient_with_the_wrong_sign_is_named():
    for seed in range(6):
        row = row_for("mlp", seed)
        assert row.parameters["loss"] == "half_sse"
        assert_named(row, with_answer(key_texts(row), "dL/dyhat", -answer(row, "dL/dyhat")), M.SQUARED_SIGN)


def test_a_dropped_bias_is_named():
    named = 0
    for seed in range(12):
        row = row_for("mlp", seed, "exact", sizes="2-3-2")
        W, x = _params(row, "W", 0), np.array([Fraction(str(v)) for v in row.parameters["x"]], dtype=object)
        if row.parameters["b"][0] is None or not any(_params(row, "b", 0)):
            continue
        assert_named(row, with_answer(key_texts(row), "z1", W.dot(x)), M.NO_BIAS)
        named += 1
    assert named


def test_the_pre_activation_used_for_the_activation_is_named():
    named = 0
    for seed in range(20):
        row = row_for("mlp", seed, "exact", sizes="2-3-2")
        z1 = answer(row, "z1")
        if row.parameters["activations"][0] != "relu" or all(v > 0 for v in z1):
            continue
        assert_named(row, with_answer(key_texts(row), "a1", z1), M.PRE_ACTIVATION)
        z2 = _params(row, "W", 1).dot(z1) + _params(row, "b", 1)  # z² from z¹ with a¹ right
        if list(z2) != list(answer(row, "z2")):
            assert_named(row, with_answer(key_texts(row), "z2", z2), M.PRE_ACTIVATION)
        named += 1
    assert named
