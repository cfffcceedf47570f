"""Exams are fair: one structure per question for the whole class, numbers per student.

A 200-student class of every kind with mixed options is drawn (draws only: no LaTeX), and for
every question whose kind draws its structure once per class, every student's answers have the
same names and shapes while the numbers are each student's own."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qgen.exam.config import load_config
from qgen.exam.draw import draw_student
from qgen.exam.manifest import manifest_json
from qgen.exam.roster import Student
from qgen.exam.run import shared_structures
from qgen.exam.secrets import secret_fingerprint
from qgen.randomiser import KIND_MODULES, kind_module

SECRET = bytes(range(32))
STUDENTS = tuple(Student(f"s{i:03d}", f"Student {i}", i + 2) for i in range(200))
CONFIG = """
[exam]
title = "Fairness"
course = "CS 101"
date = 2026-03-14
duration = 90
difficulty = "medium"

[[questions]]
kind = "jacobian"
points = 4
[questions.options]
form = "mixed"

[[questions]]
kind = "gates"
points = 4
[questions.options]
gate = "mixed"

[[questions]]
kind = "graph"
points = 4
mode = "given"

[[questions]]
kind = "mlp"
points = 8
mode = "given"
[questions.options]
activation = "sigmoid"
loss = "softmax_ce"

[[questions]]
kind = "softmax-ce"
points = 2
mode = "calculator"

[[questions]]
kind = "shapes"
points = 2

[[questions]]
kind = "batch"
points = 4

[[questions]]
kind = "gradcheck"
points = 4

[[questions]]
kind = "concepts"
points = 2
"""
# Kinds whose structure is drawn once per class (every kind: see the test below).
WITH_CLASS_OPTIONS = [k for k in KIND_MODULES if hasattr(kind_module(k), "class_options")]


def config_file(tmp_path, text: str = CONFIG):
    path = tmp_path / "exam.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def class_draws(tmp_path_factory):
    config = shared_structures(config_file(tmp_path_factory.mktemp("fair")), SECRET)
    return config, [draw_student(config, SECRET, s) for s in STUDENTS]


def signature(variant) -> tuple:
    return tuple((a.name, np.shape(np.asarray(a.value, dtype=object))) for a in variant.draw.answers)


@pytest.mark.parametrize("kind", WITH_CLASS_OPTIONS)
def test_every_student_has_the_same_answers_with_numbers_of_their_own(class_draws, kind):
    config, exams = class_draws
    (k,) = [i for i, q in enumerate(config.questions) if q.kind == kind]
    assert len({signature(exam.variants[k]) for exam in exams}) == 1  # same names and shapes
    numbers = {json.dumps(exam.variants[k].draw.params, sort_keys=True, default=str) for exam in exams}
    # each student draws their own numbers; small integer inputs make some coincide (graph, given: ~70% distinct)
    assert len(numbers) > len(exams) / 2


def test_every_kind_has_a_class_structure():
    """So the fairness test above covers every kind."""
    assert WITH_CLASS_OPTIONS == ["graph", "jacobian", "gates", "softmax-ce", "mlp", "shapes", "batch", "gradcheck",
                                  "concepts"]


def test_class_options_are_drawn_from_the_secret_once_per_question(tmp_path):
    config = config_file(tmp_path)
    first, again = shared_structures(config, SECRET), shared_structures(config, SECRET)
    other = shared_structures(config, bytes(32))
    graph = [q.kind for q in config.questions].index("graph")
    assert first.questions[graph].options == again.questions[graph].options
    assert first.questions[graph].options["expression"] != "none"
    assert other.questions[graph].options["expression"] != first.questions[graph].options["expression"]


def test_same_structure_false_leaves_the_structure_to_each_student(tmp_path):
    config = config_file(tmp_path, CONFIG.replace("duration = 90", "duration = 90\nsame_structure = false"))
    assert shared_structures(config, SECRET) == config
    graph = [q.kind for q in config.questions].index("graph")
    expressions = {draw_student(config, SECRET, s).variants[graph].draw.params["expression"] for s in STUDENTS[:12]}
    assert len(expressions) > 1  # unequal: each student a graph of their own


def test_the_manifest_records_each_questions_class_structure(tmp_path):
    config = shared_structures(config_file(tmp_path), SECRET)
    questions = json.loads(manifest_json(config, [], secret_fingerprint(SECRET)))["exam"]["questions"]
    by_kind = {q["kind"]: q["structure"] for q in questions}
    graph = by_kind["graph"]
    assert graph["expression"] == config.questions[2].options["expression"] and graph["mode"] == "given"
    assert by_kind["mlp"]["sizes"] == "2-3-2" and by_kind["mlp"]["bias"] is True
    assert by_kind["mlp"]["learning_rate"] == "1/2" and by_kind["mlp"]["activation"] == "sigmoid"
    unequal = config_file(tmp_path, CONFIG.replace("duration = 90", "duration = 90\nsame_structure = false"))
    assert all(q["structure"] is None for q in json.loads(manifest_json(unequal, [], secret_fingerprint(SECRET)))["exam"]["questions"])
