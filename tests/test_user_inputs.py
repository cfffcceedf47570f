"""Small things users meet (issue 8, §4-§6): numbers in range, stable softmax, names, secrets,
dates, points, the manifest in a spreadsheet. Hostile inputs through the CLI: test_hostile.py."""

from __future__ import annotations

import json
import time
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from qgen.cli import main
from qgen.engine.gates import SoftmaxCrossEntropy
from qgen.errors import QgenError
from qgen.exam.config import load_config
from qgen.exam.manifest import manifest_csv
from qgen.exam.roster import parse_roster
from qgen.exam.secrets import load_secret
from qgen.numbers import MAX_DIGITS, parse_number
from qgen.problem import load_problem
from qgen.solve import solve_text

# --- numbers: the documented range, refused as text before any arithmetic ------------------


@pytest.mark.parametrize("text, value", [
    ("3/4", Fraction(3, 4)), ("-0.25", Fraction(-1, 4)), ("1e-3", Fraction(1, 1000)), ("2.5E+2", Fraction(250)),
    ("9" * MAX_DIGITS, Fraction(int("9" * MAX_DIGITS))), ("1e29", Fraction(10**29)), (10**29, Fraction(10**29)),
])
def test_numbers_inside_the_range_are_read_exactly(text, value):
    assert parse_number(text, "x") == value


@pytest.mark.parametrize("text", [
    "1e30", "9" * (MAX_DIGITS + 1), "1e-30", "1/" + "7" * (MAX_DIGITS + 1), 10**30, "1e5000", "1e99999999",
    "1e99_999_999", "-1E-999999999", "1" * 5000, 10**5000,
], ids=lambda t: repr(t)[:20] if isinstance(t, str) else f"int of {len(str(t)) if t < 10**100 else 'thousands of'} digits")
def test_numbers_outside_the_range_are_refused_at_once(text):
    started = time.perf_counter()
    with pytest.raises(QgenError, match="x: number out of range"):
        parse_number(text, "x")
    assert time.perf_counter() - started < 0.1


def test_json_numbers_are_checked_before_python_converts_them():
    for raw in ("1" + "0" * 5000, "1e999999999", "1" * 100 + ".5"):
        problem = '{"x": [%s], "layers": [{"W": [[1]], "activation": "identity"}], "loss": "half_sse", "y": [1]}' % raw
        with pytest.raises(QgenError, match="problem: number out of range"):
            load_problem(problem)


def test_duplicate_keys_are_refused_at_any_depth():
    with pytest.raises(QgenError, match='the key "W" appears twice'):
        load_problem('{"x": [1], "layers": [{"W": [[1]], "W": [[2]], "activation": "identity"}], '
                     '"loss": "half_sse", "y": [1]}')


# --- softmax + cross-entropy with large logits ---------------------------------------------

LARGE_LOGITS = {"x": [1, 2], "layers": [{"W": [[1000, 2], [3, -1000]], "activation": "identity"}],
                "loss": "softmax_ce", "y": 1}


def test_large_logits_are_answered_by_engine_and_oracle():
    # z = (1004, -1997): ŷ = (1, e^-3001) in float64, L = 3001 + log(1 + e^-3001) = 3001.
    out = solve_text(json.dumps(LARGE_LOGITS))
    assert out["forward"]["loss"] == 3001.0
    assert out["forward"]["yhat"] == [1.0, 0.0]
    assert out["gradients"]["layers"][0]["dz"] == [1.0, -1.0]  # ŷ − y
    assert out["gradients"]["dx"] == [997.0, 1002.0]  # Wᵀδ


def test_the_engine_loss_is_log_sum_exp_for_any_logit_size():
    gate = SoftmaxCrossEntropy(np.array([0.0, 1.0, 0.0]))
    assert gate.forward(np.array([800.0, 0.0, -800.0])) == pytest.approx(800.0)
    assert gate.forward(np.array([1.0, 2.0, 3.0])) == pytest.approx(np.log(np.exp([1, 2, 3]).sum()) - 2)


def test_large_logits_through_the_cli_exit_0():
    result = CliRunner().invoke(main, ["solve", "-"], input=json.dumps(LARGE_LOGITS))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["forward"]["loss"] == 3001.0


# --- names, secrets, dates, durations, points ----------------------------------------------


def test_a_decomposed_name_is_read_as_its_composed_form():
    # macOS keyboards send "e" + U+0301 COMBINING ACUTE ACCENT; the fonts print the composed "é".
    students = parse_roster("id,name\ns1,Jose\u0301 Nun\u0303ez\n")
    assert students[0].name == "Jos\u00e9 Nu\u00f1ez"


def test_an_upper_case_hex_secret_is_the_same_secret(tmp_path):
    lower, upper = tmp_path / "a.secret", tmp_path / "b.secret"
    lower.write_text("ab12" * 16 + "\n")
    upper.write_text("AB12" * 16 + "\n")
    assert load_secret(upper) == load_secret(lower) == bytes.fromhex("ab12" * 16)


EXAM = """[exam]
title = "T"
course = "C"
date = {date}
duration = {duration}

[[questions]]
kind = "shapes"
points = {points}
"""


def exam_config(tmp_path, date='"2026-03-14"', duration="90", points="2"):
    path = tmp_path / "exam.toml"
    path.write_text(EXAM.format(date=date, duration=duration, points=points), encoding="utf-8")
    return load_config(path)


def test_a_time_zone_offset_in_the_date_is_printed(tmp_path):
    assert exam_config(tmp_path, date="2026-03-14T09:00:00-08:00").date == "2026-03-14 09:00 UTC-08:00"
    assert exam_config(tmp_path, date="2026-03-14T09:00:00Z").date == "2026-03-14 09:00 UTC+00:00"
    assert exam_config(tmp_path, date="2026-03-14T09:00:00").date == "2026-03-14 09:00"


@pytest.mark.parametrize("duration, shown", [("1", "1 minutes"), ("90.5", "90.5 minutes"), ("1440", "1440 minutes")])
def test_durations_in_range_are_printed_as_written(tmp_path, duration, shown):
    assert exam_config(tmp_path, duration=duration).duration == shown


@pytest.mark.parametrize("duration", ["0.5", "1441", "99999999999999999", "1e300"])
def test_durations_out_of_range_are_refused(tmp_path, duration):
    with pytest.raises(QgenError, match=r"exam.duration: expected a number of minutes from 1 to 1440"):
        exam_config(tmp_path, duration=duration)


@pytest.mark.parametrize("points", ["1e-300", "2.125", "0.001", "1001"])
def test_points_out_of_range_are_refused(tmp_path, points):
    with pytest.raises(QgenError, match=r"questions\[1\].points: expected a positive number up to 1000 with at most 2"):
        exam_config(tmp_path, points=points)


@pytest.mark.parametrize("points", ["0.25", "2.5", "1000"])
def test_points_in_range_are_kept(tmp_path, points):
    assert str(exam_config(tmp_path, points=points).questions[0].points) == points


# --- the manifest opened in a spreadsheet ---------------------------------------------------


def test_manifest_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    row = {"student_id": "s1", "name": '=HYPERLINK("http://x","y")', "version_code": "ABCD-EFGH",
           "question": 1, "kind": "shapes", "points": 2, "part_points": [], "seed": 5, "options": {"bias": True},
           "parameters": {"sizes": [2, 3]}, "answers": []}
    names = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "Ada"]
    text = manifest_csv([{**row, "name": n} for n in [row["name"], *names]]).decode("utf-8")
    cells = [line.split(",")[1] for line in text.splitlines()[1:]]
    assert cells[0].startswith("\"'=HYPERLINK(")
    assert cells[1:] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "Ada"]


# --- solve --pdf: long variable names never run off the page --------------------------------

WIDE = "A*B*C*D + A*C - B*D + max(A,B)*min(C,D) + A*D - sigmoid(B*C)"


def wide_problem(length: int) -> str:
    names = {letter: letter.lower() * length for letter in "ABCD"}
    expression = "".join(names.get(ch, ch) for ch in WIDE)
    return json.dumps({"expression": expression, "values": {n: i + 2 for i, n in enumerate(names.values())}})


def test_solve_pdf_refuses_formulas_that_would_run_into_the_margin(tmp_path):
    # Five-letter names fit the length limit, but this expression's formulas are then too wide.
    result = CliRunner().invoke(main, ["solve", "-", "--pdf", str(tmp_path / "w.pdf")], input=wide_problem(5))
    assert result.exit_code == 2, result.output
    assert "--pdf: a line of the worked solution would run" in result.output and "into the margin" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "w.pdf").exists()


def test_solve_pdf_with_short_names_of_the_same_expression_is_written(tmp_path):
    result = CliRunner().invoke(main, ["solve", "-", "--pdf", str(tmp_path / "w.pdf")], input=wide_problem(1))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w.pdf").read_bytes().startswith(b"%PDF")


def test_a_group_without_a_command_still_shows_its_whole_help():
    # Usage errors are one line; asking for a group's help (no command) is not an error to shorten.
    result = CliRunner().invoke(main, ["exam"], prog_name="qgen")
    assert result.output.startswith("Usage: qgen exam [OPTIONS] COMMAND") and "regen" in result.output
