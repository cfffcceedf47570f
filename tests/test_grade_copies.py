"""Copy flags (issue 14 item 5): a script copied from a neighbour (their key, or their wrong
answers) is flagged with the pair, the count and the probability under independent work; honest
students are not; a flag never changes a mark."""

from __future__ import annotations

import json
import math
import numpy as np
import pytest

from gradebuild import key_responses, make_build
from qgen.grade.copies import binomial_tail
from qgen.grade.run import grade

STUDENTS = 30


def manifest_keys(build):
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    return {(r["student_id"], f"q{r['question']}.{e['name']}"): e["key"]
            for r in doc["rows"] for a in r["answers"] for e in a["entries"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copies")
    build = make_build(folder, STUDENTS)
    keys = manifest_keys(build)
    rng = np.random.default_rng(5)
    noise = {}

    def honest(student, column, key):
        """Every student slips in some entries (their own random wrong values); s012 makes 15."""
        if (student, column) not in noise:
            noise[(student, column)] = str(int(rng.integers(100, 10_000))) if rng.random() < 0.15 else None
        return noise[(student, column)] or key

    def change(student, column, key):
        if student == "s003":  # copies s007's script: s007's key everywhere
            return keys[("s007", column)]
        if student == "s013":  # copies s012's answers, wrong ones included
            return honest("s012", column, keys[("s012", column)])
        return honest(student, column, key)

    (folder / "filled.csv").write_bytes(key_responses(build, change))
    out = grade(build, folder / "filled.csv", folder / "grades", pdfs=False)
    return {**json.loads((out / "grades.json").read_text(encoding="utf-8")), "folder": folder}, keys


def test_a_copied_key_and_copied_wrong_answers_are_flagged_and_nobody_else(graded):
    doc, _ = graded
    pairs = {(f["student"], f["other"], f["matches"]) for f in doc["copy_flags"]["pairs"]}
    assert ("s003", "s007", "the other's key") in pairs
    assert ("s012", "s013", "the other's wrong answers") in pairs
    assert {frozenset(p[:2]) for p in pairs} <= {frozenset(("s003", "s007")), frozenset(("s012", "s013"))}
    for f in doc["copy_flags"]["pairs"]:
        assert f["count"] >= 4 and f["count"] <= f["of"] and f["probability"] < 1e-6
    assert "binomial" in doc["copy_flags"]["model"] and "never changes a mark" in doc["copy_flags"]["note"]


def test_a_flag_never_changes_a_mark(graded, tmp_path, monkeypatch):
    """The same class graded with copy detection switched off: the same marks, entry by entry."""
    doc, _ = graded
    folder = doc["folder"]
    monkeypatch.setattr("qgen.grade.run.class_flags", lambda results, responses: [])
    out = grade(folder / "build", folder / "filled.csv", tmp_path / "g", pdfs=False)
    without = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert without["copy_flags"]["pairs"] == [] and doc["copy_flags"]["pairs"]
    assert without["students"] == doc["students"]


@pytest.mark.parametrize("k,n,p", [(0, 10, 0.3), (3, 10, 0.3), (10, 10, 0.3), (40, 40, 0.05), (5, 200, 0.01), (11, 10, 0.5)])
def test_the_binomial_tail_is_the_exact_sum(k, n, p):
    exact = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
    assert binomial_tail(k, n, p) == pytest.approx(exact, rel=1e-9, abs=1e-300)
