"""A draw's structure: what must be the same for every student of a class (`qgen exam` with
same_structure), while the numbers differ. Used by the per-kind tests of class_options."""

import json
from fractions import Fraction

import numpy as np

from qgen.randomiser import draw_variant, kind_module

STUDENTS = 50


def structure(draw) -> dict:
    """Answer names and shapes, the question context's keys with the shape of each array (and
    the value of each word or flag), the diagram and the number style."""
    return {
        "answers": [(a.name, np.shape(np.asarray(a.value, dtype=object))) for a in draw.answers],
        "question": {key: _shape(value) for key, value in draw.question.items()},
        "diagram": draw.diagram,
        "number_style": draw.number_style,
    }


def _shape(value):
    if isinstance(value, (np.ndarray, list, tuple)):
        return ("array", np.shape(np.asarray(value, dtype=object)))
    if isinstance(value, (Fraction, float, np.floating)) or (isinstance(value, int) and not isinstance(value, bool)):
        return "number"
    return value  # words (form, gate, activation, mode), flags and None are structure


def class_structures(kind: str, options: dict, class_seed: int, students: int = STUDENTS):
    """The class options drawn once from class_seed, then every student's draw from their own rng
    (with draw_variant's retry loop, as an exam draws them): the distinct structures, and the options."""
    module = kind_module(kind)
    shared = module.class_options(np.random.default_rng(class_seed), options)
    assert module.class_options(np.random.default_rng(class_seed + 1), shared) == shared  # idempotent
    seen = []
    for student in range(students):
        draw = draw_variant(kind, 1000 * class_seed + student, shared).draw
        s = structure(draw)
        if s not in seen:
            seen.append(s)
    return seen, shared


def class_choices(kind: str, options: dict, key: str, classes: int = 6) -> set:
    """Draw `classes` classes: each must give every student one structure, with JSON-friendly
    options (for the manifest). Returns the values the option `key` took across the classes."""
    seen = set()
    for class_seed in range(classes):
        structures, shared = class_structures(kind, options, class_seed)
        assert len(structures) == 1, f"class {class_seed}: {len(structures)} structures"
        assert json.loads(json.dumps(shared)) == shared
        seen.add(shared[key])
    return seen
