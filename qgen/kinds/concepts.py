"""`concepts`: multiple-choice and true/false questions whose right option is computed by the
engine, not typed. The answer is the number of the right option, an exact integer entry (options
print as (1)-(4), or (1) true / (2) false), so every writer and `qgen grade` handle it as any answer.

A template (qgen.kinds.concept_gates, qgen.kinds.concept_layers) draws numbers or a structure,
gets the asked value from the engine, recomputes it without the engine, and lists the right option
with the named mistakes (transpose, sign, f for f', missing Diag f', ...). Here the options are
checked to differ, the option equal to the engine's value is found, the oracle's pick must be the
same option and the one the template meant, and the options are shuffled with the passed Generator.
The numbers are exact in every mode (the mode is accepted and changes nothing).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.errors import VerificationError
from qgen.kinds.base import Answer, Draw, Option
from qgen.kinds.concept_common import Concept, close, exact_equal, require_distinct, to_json
from qgen.kinds.concept_gates import TEMPLATES as GATE_TEMPLATES
from qgen.kinds.concept_layers import TEMPLATES as LAYER_TEMPLATES

NAME = "concepts"
SUMMARY = ("multiple choice and true/false on backprop's ideas (max routing, the multiply swap, sigmoid's 1/4, "
           "dead ReLUs, shapes, SGD's sign); the right option computed by the engine")
TEMPLATES = {**GATE_TEMPLATES, **LAYER_TEMPLATES}
MIXED = "mixed"

OPTIONS = (
    Option("template", "which question: " + ", ".join(TEMPLATES) + "; or mixed (drawn once per class in "
                       "`qgen exam`, per question otherwise)",
           {"easy": MIXED, "medium": MIXED, "hard": MIXED}, str, tuple(TEMPLATES) + (MIXED,)),
)


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """The structure for a whole class: the template, drawn once. Its numbers (and the order of
    its options) are each student's own; the answer is one option number for everyone."""
    if options["template"] != MIXED:
        return dict(options)
    return {**options, "template": str(rng.choice(list(TEMPLATES)))}


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)  # a practice question draws its own template
    concept = TEMPLATES[options["template"]](rng, options["difficulty"])
    return make_draw(rng, concept)


def right_option(concept: Concept) -> int:
    """The index (template order) of the option the engine's value picks, checked by the oracle."""
    choices = concept.choices
    require_distinct(choices)
    by_engine = [i for i, c in enumerate(choices) if exact_equal(c.value, concept.truth)]
    by_oracle = [i for i, c in enumerate(choices) if close(c.value, concept.oracle)]
    meant = [i for i, c in enumerate(choices) if c.mistake == "correct"]
    if len(by_engine) != 1:
        raise VerificationError(f"concepts {concept.template}: the engine's value {concept.truth!r} is "
                                f"{len(by_engine)} of the options")
    if by_oracle != by_engine or meant != by_engine:
        raise VerificationError(f"concepts {concept.template}: the engine picks option {by_engine}, the oracle "
                                f"{by_oracle}, the template meant {meant}")
    return by_engine[0]


def make_draw(rng: np.random.Generator, concept: Concept) -> Draw:
    right = right_option(concept)
    order = list(range(len(concept.choices))) if concept.truefalse else [int(i) for i in rng.permutation(len(concept.choices))]
    shown = [concept.choices[i] for i in order]
    number = order.index(right) + 1
    options = [{"number": k, "value": c.value, "show": c.show, "mistake": c.mistake}
               for k, c in enumerate(shown, start=1)]
    question = {"template": concept.template, "truefalse": concept.truefalse, "options": options, **concept.given}
    solution = {**question, **concept.worked, "right": number}
    params = {"template": concept.template, **{k: to_json(v) for k, v in concept.given.items()},
              "options": [to_json(c.value) for c in shown], "mistakes": [c.mistake for c in shown]}
    labels = ("1 (true)", "2 (false)") if concept.truefalse else tuple(str(k) for k in range(1, len(shown) + 1))
    answer = Answer("option", r"\text{option}", Fraction(number), display="choice", choices=labels)
    return Draw(params, (answer,), question, solution)
