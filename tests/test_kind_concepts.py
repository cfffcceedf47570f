"""The `concepts` kind: the right option, recomputed here by hand rules for every template, and
hand-worked cases (the drawn numbers pinned, the reasoning written out)."""

from fractions import Fraction as F

import numpy as np
import pytest

from qgen.errors import QgenError, VerificationError
from qgen.kinds import concept_gates, concepts
from qgen.kinds.concept_common import Choice, Concept
from qgen.randomiser import draw_variant, resolve_options
from structure import class_structures


def drawn(template, seed, difficulty="easy"):
    v = draw_variant("concepts", seed, resolve_options("concepts", difficulty, overrides={"template": template}))
    return v.draw.params, int(v.draw.answers[0].value)


def fr(v):
    """A params value ("-3/4", lists of them) as Fractions."""
    return [fr(x) for x in v] if isinstance(v, list) else F(v)


# ---------------------------------------------------------------------------------------------
# Hand-worked cases: the numbers the seed draws, pinned, and the reasoning.


def test_max_route_hand_worked():
    # seed 0: f = z·max(x, y) at x = 5, y = 2, z = −3. max(5, 2) = 5 is x, so x gets z = −3,
    # z gets max = 5 and y, the loser, gets 0: the option showing "y".
    p, k = drawn("max_route", 0)
    assert (p["x"], p["y"], p["z"]) == ("5", "2", "-3")
    assert p["options"][k - 1] == "y"
    # seed 1: x = 3, y = 6, z = −6: y wins, x gets 0.
    p, k = drawn("max_route", 1)
    assert (p["x"], p["y"], p["z"]) == ("3", "6", "-6")
    assert p["options"][k - 1] == "x"


def test_mul_swap_hand_worked():
    # seed 0: x = 5, y = 2, g = −2: ∂L/∂x = g·y = −4 (not g·x = −10, not g = −2, not g·xy = −20).
    p, k = drawn("mul_swap", 0)
    assert (p["x"], p["y"], p["g"]) == ("5", "2", "-2")
    assert p["options"][k - 1] == "-4"
    # seed 1: x = 3, y = 6, g = −4: g·y = −24.
    p, k = drawn("mul_swap", 1)
    assert p["options"][k - 1] == "-24"


def test_linear_dx_hand_worked():
    # seed 0: W = [2 1; −2 −1], δ = (−3, −2): Wᵀδ = (2·−3 + −2·−2, 1·−3 + −1·−2) = (−2, −1);
    # the transpose mistake Wδ = (−8, 8).
    p, k = drawn("linear_dx", 0)
    assert p["W"] == [["2", "1"], ["-2", "-1"]] and p["delta"] == ["-3", "-2"]
    assert p["options"][k - 1] == ["-2", "-1"]
    # seed 1: W = [2 3; −3 −2], δ = (−2, −1): Wᵀδ = (−4 + 3, −6 + 2) = (−1, −4).
    p, k = drawn("linear_dx", 1)
    assert p["W"] == [["2", "3"], ["-3", "-2"]] and p["options"][k - 1] == ["-1", "-4"]


def test_activation_dx_hand_worked():
    # seed 0: x = (−2, 3), g = (1, −3), α = 1/10: f'(x) = (1/10, 1), so ∂L/∂x = (1/10, −3);
    # f(x)·g = (−1/5, −9) is the f-for-f' mistake.
    p, k = drawn("activation_dx", 0)
    assert p["x"] == ["-2", "3"] and p["g"] == ["1", "-3"]
    assert p["options"][k - 1] == ["1/10", "-3"]
    # seed 1: x = (3, −1), g = (−2, 2): f' = (1, 1/10), ∂L/∂x = (−2, 1/5).
    p, k = drawn("activation_dx", 1)
    assert p["options"][k - 1] == ["-2", "1/5"]


def test_softmax_ce_hand_worked():
    # seed 0: ŷ = (3/5, 2/5), class 2: ŷ − y = (3/5, −3/5).  seed 1: ŷ = (1/2, 1/2): (1/2, −1/2).
    p, k = drawn("softmax_ce", 0)
    assert p["yhat"] == ["3/5", "2/5"] and p["c"] == 2 and p["options"][k - 1] == ["3/5", "-3/5"]
    p, k = drawn("softmax_ce", 1)
    assert p["options"][k - 1] == ["1/2", "-1/2"]


def test_sigmoid_bound_hand_worked():
    # σ' = σ(1 − σ) ≤ 1/2·1/2 = 1/4. seed 0: k = 6 layers, |w| ≤ 2: (2/4)^6 = 1/64.
    p, k = drawn("sigmoid_bound", 0)
    assert (p["k"], p["m"]) == (6, "2") and p["options"][k - 1] == "1/64"
    # seed 1: k = 4, |w| ≤ 2: (1/2)^4 = 1/16 (not (2·1/2)^4 = 1, σ(0) for σ'(0)).
    p, k = drawn("sigmoid_bound", 1)
    assert (p["k"], p["m"]) == (4, "2") and p["options"][k - 1] == "1/16"


def test_dead_relu_hand_worked():
    # seed 0: z = Wx + b = (−9 + 1 + 3, 3 + 3 − 2, 3 − 2 − 3) = (−5, 4, −2): units 1 and 3 are dead.
    p, k = drawn("dead_relu", 0)
    assert p["W"] == [["-3", "-1"], ["1", "-3"], ["1", "2"]] and p["x"] == ["3", "-1"] and p["b"] == ["3", "-2", "-3"]
    assert p["options"][k - 1] == [1, 3]
    # seed 1: z = (6 − 4 + 2, −3 + 2 + 2, −9 − 6 − 1) = (4, 1, −16): unit 3 only.
    p, k = drawn("dead_relu", 1)
    assert p["options"][k - 1] == [3]


def test_shapes_hand_worked():
    # seed 0: sizes 5 → 6 → 4: ∂L/∂W2 has the shape of W2, 4×6; the claim "6×4" is the transpose.
    p, k = drawn("wrong_shape", 0)
    assert p["sizes"] == [5, 6, 4] and p["options"][k - 1] == ["dL/dW2", 6, 4]
    # seed 1: sizes 4 → 3 → 5: ∂L/∂W2 is 5×3, the claim 3×5 is wrong; W2 5×3, b1 3×1, ∂z1/∂x 3×4 hold.
    p, k = drawn("wrong_shape", 1)
    assert p["sizes"] == [4, 3, 5] and p["options"][k - 1] == ["dL/dW2", 3, 5]


def test_sgd_hand_worked():
    # seed 0: w = (−3, −2), x = (2, 1), y = 4, η = 1/4: ŷ = −8, ∂L/∂w = (ŷ − y)x = −12·(2, 1)
    # = (−24, −12), w − η∂L/∂w = (−3 + 6, −2 + 3) = (3, 1).
    p, k = drawn("sgd_step", 0)
    assert (p["w"], p["x"], p["y"], p["eta"]) == (["-3", "-2"], ["2", "1"], "4", "1/4")
    assert p["options"][k - 1] == ["3", "1"]
    # sgd_direction seed 1: w = (2, 3), x = (−2, −2), y = 3, η = 1/10: ŷ = −10, ∂L/∂w1 = −13·−2 = 26 > 0,
    # so w1 decreases: "false" is option (2).
    p, k = drawn("sgd_direction", 1)
    assert (p["w"], p["x"], p["y"], p["j"]) == (["2", "3"], ["-2", "-2"], "3", 1) and k == 2


# ---------------------------------------------------------------------------------------------
# Every template, many seeds: the right option by the rules, recomputed here.


def expected(p):
    t = p["template"]
    if t == "max_route":
        x, y = F(p["x"]), F(p["y"])
        return "y" if x > y else "x"
    if t == "mul_swap":
        return str(F(p["g"]) * F(p["y"]))
    if t == "identify_gate":
        x, y, g, dx, dy = (F(p[k]) for k in ("x", "y", "g", "dx", "dy"))
        rules = {"add": (g, g), "multiply": (g * y, g * x), "max": (g, 0) if x > y else (0, g),
                 "min": (g, 0) if x < y else (0, g)}
        return [gate for gate, pair in rules.items() if pair == (dx, dy)][0]
    if t in ("linear_dx", "linear_dw"):
        W, x, d = np.array(fr(p["W"]), dtype=object), fr(p["x"]), fr(p["delta"])
        if t == "linear_dx":
            return [str(sum(W[i][j] * d[i] for i in range(len(d)))) for j in range(len(x))]
        return str(d[p["i"] - 1] * x[p["j"] - 1])
    if t == "activation_dx":
        return [str(g * (1 if x > 0 else F(1, 10))) for x, g in zip(fr(p["x"]), fr(p["g"]))]
    if t == "softmax_ce":
        return [str(q - (k + 1 == p["c"])) for k, q in enumerate(fr(p["yhat"]))]
    if t == "sigmoid_bound":
        return str((F(p["m"]) / 4) ** p["k"])
    if t == "dead_relu":
        W, x, b = fr(p["W"]), fr(p["x"]), fr(p["b"])
        return [i + 1 for i in range(len(b)) if sum(w * v for w, v in zip(W[i], x)) + b[i] <= 0]
    n0, n1, n2 = p.get("sizes", (0, 0, 0))
    right = {"W1": [n1, n0], "W2": [n2, n1], "b1": [n1, 1], "dz1/dx": [n1, n0], "da1/dz1": [n1, n1],
             "dz2/da1": [n2, n1], "dL/dW1": [n1, n0], "dL/dW2": [n2, n1], "dL/dz1": [n1, 1], "dL/dz2": [n2, 1]}
    if t == "wrong_shape":
        return [c for c in p["options"] if right[c[0]] != c[1:]][0]
    if t == "shape_tf":
        return right[p["claim"][0]] == p["claim"][1:]
    w, x, y, eta = fr(p["w"]), fr(p["x"]), F(p["y"]), F(p["eta"])
    r = sum(a * b for a, b in zip(w, x)) - y
    new = [a - eta * r * b for a, b in zip(w, x)]
    if t == "sgd_step":
        return [str(v) for v in new]
    return new[p["j"] - 1] > w[p["j"] - 1]


@pytest.mark.parametrize("template", list(concepts.TEMPLATES))
def test_every_template_right_option_by_hand_rules(template):
    seen = set()
    for seed in range(40):
        for difficulty in ("easy", "hard"):
            p, k = drawn(template, seed, difficulty)
            assert p["options"][k - 1] == expected(p), (seed, p)
            assert p["mistakes"][k - 1] == "correct"
            seen.add(k)
    assert seen == ({1, 2} if template in ("shape_tf", "sgd_direction") else {1, 2, 3, 4})  # shuffled


def test_at_least_ten_templates_and_one_integer_answer():
    assert len(concepts.TEMPLATES) >= 10
    p, k = drawn("mul_swap", 3)
    v = draw_variant("concepts", 3, resolve_options("concepts", overrides={"template": "mul_swap"}))
    (entry,) = v.draw.answers[0].entries(v.draw.number_style)
    assert entry.exact and entry.key == F(k) and entry.name == "option"


def test_a_wrong_engine_value_is_caught(monkeypatch):
    monkeypatch.setattr(concept_gates.Linear, "vjp", lambda self, x, d: self.W @ d)  # the transpose mistake
    with pytest.raises(VerificationError, match="linear_dx"):
        for seed in range(5):
            concepts.draw(np.random.default_rng(seed), resolve_options("concepts", overrides={"template": "linear_dx"}))


def test_an_oracle_disagreement_is_caught():
    choices = (Choice(F(1), "math", "correct"), Choice(F(2), "math", "sign"))
    with pytest.raises(VerificationError):
        concepts.right_option(Concept("t", {}, choices, F(1), 2.0))
    with pytest.raises(VerificationError):  # the template meant another option
        concepts.right_option(Concept("t", {}, choices[::-1], F(2), 2.0))


def test_bad_template_names_the_option():
    with pytest.raises(QgenError, match="concepts option template: expected one of"):
        resolve_options("concepts", "easy", "exact", {"template": "nope"})


@pytest.mark.parametrize("class_seed", range(4))
def test_one_structure_per_class(class_seed):
    structures, shared = class_structures("concepts", resolve_options("concepts", "medium"), class_seed, students=20)
    assert len(structures) == 1 and shared["template"] in concepts.TEMPLATES


def test_moodle_asks_the_option_from_a_menu():
    """The answer is a choice: Moodle gets a MULTICHOICE menu of the option numbers with the key's
    option right ("1 (true)" / "2 (false)" for true or false), not a NUMERICAL box."""
    from qgen.moodle.cloze import sub_questions

    v = draw_variant("concepts", 0, resolve_options("concepts", overrides={"template": "mul_swap"}))
    ((sub,),) = sub_questions(v.draw.answers, v.draw.number_style)
    assert sub.marker(12) == "{1:MULTICHOICE:1~2~3~=4}"  # seed 0: option (4), g·y = −4 (see above)
    v = draw_variant("concepts", 1, resolve_options("concepts", overrides={"template": "sgd_direction"}))
    ((sub,),) = sub_questions(v.draw.answers, v.draw.number_style)
    assert sub.marker(12) == "{1:MULTICHOICE:1 (true)~=2 (false)}"  # seed 1: w1 decreases
    assert v.draw.answers[0].to_json("fraction")["display"] == "choice"


@pytest.mark.parametrize("template", ["mul_swap", "sgd_direction", "wrong_shape"])
def test_qgen_grade_marks_the_option(template):
    """The manifest row of a concepts question marks the right option's number full, another
    option's number with the named mistake it stands for (never points), a blank as blank, and
    "3.00" as 3."""
    import json

    from qgen.grade.choices import mistake_name
    from qgen.grade.manifest import question_row
    from qgen.grade.mark import BLANK, CORRECT, WRONG, mark_question
    from qgen.grade.values import parse_value

    v = draw_variant("concepts", 2, resolve_options("concepts", overrides={"template": template}))
    data = json.loads(json.dumps(v.to_json(), default=str))
    row = question_row({"student_id": "s1", "question": 1, "kind": "concepts", "points": 2,
                        "options": data["options"], "parameters": data["parameters"], "answers": data["answers"]})
    right = int(v.draw.answers[0].value)

    def verdict(typed: str):
        values = {"q1.option": parse_value(typed)} if typed else {}
        (mark,) = mark_question(row, values, {"q1.option": typed}, F(1))
        return mark.verdict, mark.points

    assert verdict(str(right)) == (CORRECT, 2)
    assert verdict(f"{right}.00") == (CORRECT, 2)
    other = right % 2 + 1
    mistake = data["parameters"]["mistakes"][other - 1]
    assert mistake != "correct"
    name, points = verdict(str(other))
    assert points == 0 and name not in (CORRECT, WRONG, BLANK) and name == mistake_name(template, mistake)
    assert verdict("")[0] == BLANK
    assert verdict("7") == (WRONG, 0)  # no option's number (the responses reader refuses it first)


def test_an_option_number_is_not_given_a_tolerance_on_the_key():
    """The key says which option is right; it never says a decimal near the option's number counts."""
    from qgen.answer_summary import answer_summary
    from qgen.practice import PracticeRequest, draw_practice

    for v in draw_practice(PracticeRequest(("concepts",), 6, 3)):
        summary = answer_summary(v.draw)
        assert summary["rules"] == [] and summary["asked"] == [], summary
        assert summary["answers"], summary  # the option is still listed among the answers
