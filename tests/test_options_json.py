"""answers.json's options are JSON values that draw the same question again (issue 8, §7)."""

import json

import pytest

from qgen.kinds.base import DIFFICULTIES, MODES
from qgen.randomiser import KIND_MODULES, child_seeds, draw_variant, resolve_options

CASES = [(k, d, m) for k in KIND_MODULES for d in DIFFICULTIES for m in MODES]


@pytest.mark.parametrize("kind, difficulty, mode", CASES, ids=["-".join(c) for c in CASES])
def test_options_from_answers_json_draw_the_same_question(kind, difficulty, mode):
    seed = child_seeds(8, 1)[0]
    first = draw_variant(kind, seed, resolve_options(kind, difficulty, mode)).to_json()
    stored = json.loads(json.dumps(first))  # what answers.json holds
    for name, value in stored["options"].items():
        assert isinstance(value, (bool, int, str)), (name, value)
    again = draw_variant(kind, stored["seed"], stored["options"]).to_json()
    assert again == first


def test_booleans_and_counts_are_json_values_not_text():
    options = draw_variant("softmax-ce", 5, resolve_options("softmax-ce", "hard")).to_json()["options"]
    assert options["shift"] is True and options["classes"] == 5
    options = draw_variant("mlp", 5, resolve_options("mlp", "medium")).to_json()["options"]
    assert options["bias"] is True and options["sizes"] == "2-3-2" and options["learning_rate"] == "1/2"


def test_false_stays_false_when_drawn_again():
    # "False" as text was truthy: jacobian easy (no bias) then drew a question with a bias.
    first = draw_variant("jacobian", 11, resolve_options("jacobian", "easy"))
    stored = json.loads(json.dumps(first.to_json()))
    assert stored["options"]["bias"] is False
    again = draw_variant("jacobian", 11, stored["options"])
    assert again.options["bias"] is False and again.draw.params == first.draw.params
