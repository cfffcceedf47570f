"""Equal difficulty across a class (issue 14.6): per question every student's variant falls in the
class's window, fixed from the secret; a draw outside it is drawn again from the student's own seed
(the structure never changes); a class outside the bounds is refused with one line naming
exam.spread. The spread is recomputed here from the answers, independently of qgen.exam.fairness."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from qgen.errors import QgenError
from qgen.exam.config import load_config
from qgen.exam.draw import class_windows, draw_student
from qgen.exam.fairness import Window, class_spread
from qgen.exam.manifest import rows
from qgen.exam.roster import Student
from qgen.exam.run import shared_structures
from structure import structure

SECRET = bytes(range(32))
STUDENTS = tuple(Student(f"s{i:03d}", f"Student {i}", i + 2) for i in range(40))
EXAMPLE = Path(__file__).parent.parent / "examples" / "exam.toml"


def starter(spread: str = "normal"):
    config = replace(load_config(EXAMPLE), spread=spread)
    return class_windows(shared_structures(config, SECRET), SECRET)


def own_measures(variant) -> dict:
    """zeros, fractions, largest denominator and largest magnitude of one variant's answer entries,
    from the exact keys (Fractions) where the sheet asks exact answers, else the decimals."""
    entries = [e for a in variant.draw.answers for e in a.entries(variant.draw.number_style)]
    exact = [e.key for e in entries if e.exact and isinstance(e.key, Fraction)]
    whole_or_not = [v for v in exact if v.denominator != 1]
    return {"zeros": sum(float(e.key) == 0 for e in entries), "fractions": len(whole_or_not),
            "denominator": max([v.denominator for v in whole_or_not] + [1]),
            "magnitude": max(abs(float(e.key)) for e in entries)}


@pytest.fixture(scope="module")
def drawn():
    config = starter()
    return config, [draw_student(config, SECRET, s) for s in STUDENTS]


def test_every_student_is_inside_the_window_and_the_printed_spread_is_the_recomputed_one(drawn):
    config, exams = drawn
    lines = class_spread(config, [rows(config, [e]) for e in exams])
    for q in config.questions:
        measured = [own_measures(e.variants[q.number - 1]) for e in exams]
        for name in ("zeros", "fractions", "denominator", "magnitude"):
            values = [m[name] for m in measured]
            assert q.window.low[name] - 1e-9 <= min(values) and max(values) <= q.window.high[name] + 1e-9
            lo, hi = min(values), max(values)
            shown = f"{lo:.3g}..{hi:.3g}" if name == "magnitude" else f"{lo}..{hi}"
            assert f"{name} {shown}" in lines[q.number], (lines[q.number], name, shown)
        # the bounds' width: zeros and fractions differ by at most 2, magnitude by a factor of at most 4
        spread = {n: [m[n] for m in measured] for n in measured[0]}
        assert max(spread["zeros"]) - min(spread["zeros"]) <= 2
        assert max(spread["magnitude"]) <= 4 * min(spread["magnitude"]) + 1e-9


def test_same_active_units_no_equal_lines_no_repeated_x(drawn):
    config, exams = drawn
    mlp = [e.variants[0].draw for e in exams]
    active = {sum(float(v) > 0 for v in next(a.value for a in d.answers if a.name == "z1")) for d in mlp}
    assert len(active) == 1  # every student has as many active ReLU units
    for d in mlp:
        x = [Fraction(v) for v in d.params["x"]]
        assert len(set(x)) == len(x)
        for W in d.params["W"]:
            rows_ = [tuple(r) for r in W]
            assert len(set(rows_)) == len(rows_) and len(set(zip(*rows_))) == len(rows_[0])


def test_a_draw_outside_the_window_is_redrawn_from_the_students_seed_with_the_same_structure(drawn):
    config, exams = drawn
    redrawn = [e for e in exams if any(r.startswith("class") for v in e.variants for r in v.redraw_rules)]
    assert redrawn  # an uneven first draw happens in a class of 40
    for q in config.questions:
        assert len({str(structure(e.variants[q.number - 1].draw)) for e in exams}) == 1
    again = draw_student(starter(), SECRET, redrawn[0].student)  # windows and redraws are deterministic
    assert [v.draw.params for v in again.variants] == [v.draw.params for v in redrawn[0].variants]


def test_an_uneven_class_is_refused_naming_exam_spread():
    config = starter("off")  # no windows: the numbers fall as they may
    assert all(q.window is None for q in config.questions)
    exams = [draw_student(config, SECRET, s) for s in STUDENTS[:30]]
    class_spread(config, [rows(config, [e]) for e in exams])  # off: printed, never refused
    magnitudes = sorted(own_measures(e.variants[0])["magnitude"] for e in exams)
    assert magnitudes[0] < magnitudes[-1]  # this class's mlp answers are uneven
    narrow = Window({"inactive": 0, "zeros": 0, "fractions": 0, "denominator": 1, "magnitude": magnitudes[0]},
                    {"inactive": 9, "zeros": 99, "fractions": 99, "denominator": 99, "magnitude": magnitudes[0]})
    strict = replace(config, spread="tight",
                     questions=(replace(config.questions[0], window=narrow),) + config.questions[1:])
    with pytest.raises(QgenError, match=r"questions\[1\]: student s\d+ is outside the class's bounds "
                                        r"\(magnitude .*\); loosen exam.spread"):
        class_spread(strict, [rows(config, [e]) for e in exams])
    impossible = replace(narrow, low={**narrow.low, "magnitude": 1000.0}, high={**narrow.high, "magnitude": 1000.0})
    strict = replace(strict, questions=(replace(config.questions[0], window=impossible),) + config.questions[1:])
    with pytest.raises(QgenError, match=r"questions\[1\] \(student s000\): no variant within the class's bounds "
                                        r".*loosen exam.spread"):
        draw_student(strict, SECRET, STUDENTS[0])


def test_exam_spread_is_checked(tmp_path):
    text = EXAMPLE.read_text().replace('paper = "a4"', 'paper = "a4"\nspread = "wide"')
    path = tmp_path / "exam.toml"
    path.write_text(text)
    with pytest.raises(QgenError, match=r"exam.toml: exam.spread: expected one of tight, normal, loose, off, got 'wide'"):
        load_config(path)


def test_qgen_exam_prints_the_spread_per_question(tmp_path):
    from click.testing import CliRunner

    from qgen.cli import main

    (tmp_path / "exam.toml").write_text(EXAMPLE.read_text().replace('keys = "both"', 'keys = "grading"'))
    (tmp_path / "exam.secret").write_bytes(SECRET.hex().encode() + b"\n")
    (tmp_path / "roster.csv").write_text("id,name\na1,Ada\nb2,Bob\n")
    result = CliRunner().invoke(main, ["exam", str(tmp_path / "exam.toml"), "--roster", str(tmp_path / "roster.csv"),
                                       "--out", str(tmp_path / "build")])
    assert result.exit_code == 0, result.output
    assert "Spread over the class per question (exam.spread = normal):" in result.output
    assert "  question 1 (mlp): inactive " in result.output and "  question 3 (graph): " in result.output


def test_class_windows_do_not_depend_on_the_processes_that_draw_the_probes():
    """The probes are drawn in worker processes when there are several cores: the windows are the
    same as one process drawing them."""
    config = shared_structures(load_config(EXAMPLE), SECRET)
    one, two = class_windows(config, SECRET, workers=1), class_windows(config, SECRET, workers=2)
    assert [q.window for q in one.questions] == [q.window for q in two.questions]
    assert all(isinstance(q.window, Window) for q in two.questions)
    assert len({repr(q.window) for q in two.questions}) == len(two.questions)  # each question its own
