"""`qgen grade` on a choice question (a concepts option number): a wrong option is marked with the
named mistake it stands for, a number that is no option's is refused (or, with --lenient, marked
unreadable), and the report counts the options chosen. Every mark equals a re-marking written here:
the right option recomputed by hand (∂L/∂x = Wᵀδ for the linear gate), each distractor's value
checked against the mistake it claims (Wδ, −Wᵀδ, δ), never read from qgen's marking."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction

import pytest

from gradebuild import make_build, read_table
from qgen.errors import QgenError
from qgen.grade.run import grade

STUDENTS = 12
CONFIG = """
[exam]
title = "Choice grading"
course = "CS 101"
date = "2026-03-14"
duration = 30

[[questions]]
kind = "concepts"
points = 2
[questions.options]
template = "linear_dx"

[[questions]]
kind = "gates"
points = 3
"""
# the names the feedback, the report and grades.json give these mistakes (README, Marking)
NAMES = {"transpose": "transpose left out (W δ for Wᵀ δ)", "sign": "wrong sign",
         "missing_jacobian": "local Jacobian Wᵀ left out"}


def by_hand(p: dict) -> dict[str, list[Fraction]]:
    """Wᵀδ and the three mistaken values, in plain Fractions from the printed W and δ."""
    W = [[Fraction(t) for t in row] for row in p["W"]]
    d = [Fraction(t) for t in p["delta"]]
    n = len(d)
    WTd = [sum(W[i][j] * d[i] for i in range(n)) for j in range(n)]
    Wd = [sum(W[i][j] * d[j] for j in range(n)) for i in range(n)]
    return {"correct": WTd, "transpose": Wd, "sign": [-t for t in WTd], "missing_jacobian": d}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = make_build(tmp_path_factory.mktemp("choice"), STUDENTS, CONFIG)
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    rows = {r["student_id"]: r for r in doc["rows"] if r["question"] == 1}
    return folder, rows


def fill(folder, rows, chosen: dict[str, str]):
    """responses.csv with q1.option as `chosen` says (student -> text) and q2 left blank."""
    table = read_table((folder / "responses.csv").read_bytes())
    column = table[0].index("q1.option")
    for line in table[1:]:
        line[column] = chosen.get(line[0], "")
    path = folder.parent / "filled.csv"
    path.write_text("\n".join(",".join(f'"{c}"' for c in line) for line in table) + "\n", encoding="utf-8")
    return path


def test_every_option_is_marked_as_the_mistake_it_stands_for(build, tmp_path):
    folder, rows = build
    chosen, expected, counts = {}, {}, {}
    for k, (sid, row) in enumerate(sorted(rows.items())):
        p = row["parameters"]
        values = by_hand(p)
        shown = [[Fraction(t) for t in o] for o in p["options"]]
        # the options are the hand values, each once, in the order their mistakes list says
        assert sorted(map(tuple, shown)) == sorted(map(tuple, values.values()))
        assert all(shown[i] == values[m] for i, m in enumerate(p["mistakes"]))
        right = shown.index(values["correct"]) + 1
        assert row["answers"][0]["entries"][0]["exact"] == str(right)
        pick = k % 4 + 1
        chosen[sid] = str(pick) if k != 5 else f"{pick}.00"  # 3.00 is option 3
        meaning = p["mistakes"][pick - 1]
        expected[sid] = ("correct", Fraction(2)) if pick == right else (NAMES[meaning], Fraction(0))
        label = "the right option" if pick == right else NAMES[meaning]
        counts[label] = counts.get(label, 0) + 1
    out = grade(folder, fill(folder, rows, chosen), tmp_path / "grades", pdfs=True)
    doc = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    for student in doc["students"]:
        (entry,) = student["questions"][0]["entries"]
        assert (entry["verdict"], Fraction(entry["points"])) == expected[student["student_id"]]
    (chosen_q,) = doc["item_analysis"]["options_chosen"]
    assert chosen_q["question"] == 1 and chosen_q["template"] == "linear_dx"
    assert {k: v for k, v in chosen_q["options"].items() if v} == counts
    assert list(chosen_q["options"])[0] == "the right option"
    named = {k: v for k, v in doc["item_analysis"]["mistakes_in_students"].items() if k in NAMES.values()}
    assert named == {k: v for k, v in counts.items() if k != "the right option"}
    report = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True,
                            text=True, check=True).stdout
    assert "Choice questions: the options chosen, in students" in report
    assert "transpose left out" in report and "local Jacobian" in report
    wrong_one = next(s for s in sorted(rows) if expected[s][0] != "correct")
    feedback = subprocess.run(["pdftotext", "-layout", str(out / "feedback" / f"{wrong_one}.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    words = {"transpose": "transpose left out", "sign": "wrong sign", "missing_jacobian": "local Jacobian"}
    meaning = next(m for m, n in NAMES.items() if n == expected[wrong_one][0])
    assert words[meaning] in feedback


@pytest.mark.parametrize("text", ["7", "0", "2.5", "3/2", "-1"])
def test_a_number_that_is_no_option_is_refused_by_name(build, tmp_path, text):
    folder, rows = build
    first = sorted(rows)[0]
    filled = fill(folder, rows, {first: text})
    with pytest.raises(QgenError, match=r"column q1\.option: .*not one of the options 1 to 4"):
        grade(folder, filled, tmp_path / "grades", pdfs=False)
    problems = (filled.parent / "filled.problems.csv").read_text(encoding="utf-8")
    assert "not one of the options 1 to 4" in problems
    out = grade(folder, filled, tmp_path / "lenient", pdfs=False, lenient=True)
    doc = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    student = next(s for s in doc["students"] if s["student_id"] == first)
    (entry,) = student["questions"][0]["entries"]
    assert (entry["verdict"], entry["points"]) == ("unreadable", "0")
    assert "not one of the options" in entry["note"]
    assert doc["item_analysis"]["options_chosen"][0]["options"]["unreadable"] == 1


@pytest.mark.parametrize("change, field", [
    (lambda a: a.update(display="menu"), "answers[0].display: expected 'shape' or 'choice'"),
    (lambda a: a.update(choices=["1"]), "answers[0].choices: expected 2 to 10 option labels"),
    (lambda a: a.pop("choices"), "answers[0].choices: expected a list"),
    (lambda a: a["entries"][0].update(exact="5", key="5", decimal=5.0), "answers[0].entries: expected one entry whose key"),
])
def test_a_manifest_with_a_broken_choice_answer_is_refused_by_field(build, change, field):
    from qgen.grade.manifest import build_from_doc

    folder, _ = build
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    row = next(r for r in doc["rows"] if r["question"] == 1)
    change(row["answers"][0])
    with pytest.raises(QgenError, match=field.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        build_from_doc(doc)
