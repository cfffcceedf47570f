"""Every bad cell at once (issue 14 item 3, issue 23 items 4-5): all problems of a responses file in
one run (row, student, column, text, why) in FILLED.problems.csv and one summary line, exit 2;
--lenient marks unreadable cells wrong instead; semicolon CSVs, columns in any order and
--decimal-comma read; a duplicated column, a 200,000-character cell and 10^400 are one line each."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from gradebuild import key_responses, make_build, read_table
from qgen.cli import main
from qgen.grade.run import grade

CONFIG = """
[exam]
title = "Cells"
course = "CS 101"
date = "2026-03-14"
duration = 30

[[questions]]
kind = "softmax-ce"
points = 3
mode = "given"

[[questions]]
kind = "gates"
points = 3
"""


def run(*args):
    result = CliRunner().invoke(main, ["grade", *[str(a) for a in args]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cells")
    return make_build(folder, 4, CONFIG)


def write(path, table, delimiter=","):
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(table)
    path.write_text(out.getvalue(), encoding="utf-8")


def bad_table(build):
    table = read_table(key_responses(build))
    header = table[0]
    bad = [(2, "q1.L", "2 1/2"), (2, header[4], "0,5"), (3, header[5], "1 2"), (4, header[3], "\uff11\uff12"),
           (5, "q1.L", "1" + "0" * 400)]
    for row, column, text in bad:
        table[row - 1][header.index(column)] = text
    return table, bad


def test_every_bad_cell_is_listed_in_one_run(build, tmp_path):
    table, bad = bad_table(build)
    write(tmp_path / "filled.csv", table)
    before = (tmp_path / "filled.csv").read_bytes()
    result = run(build, "--responses", tmp_path / "filled.csv", "--out", tmp_path / "grades")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "5 problems in 4 rows" in lines[0] and "filled.problems.csv" in lines[0], lines
    assert "--lenient" in lines[0] and "a mixed number: write 5/2 or 2.5" in lines[0]
    listed = read_table((tmp_path / "filled.problems.csv").read_bytes())
    assert listed[0] == ["row", "student_id", "column", "text", "problem"]
    assert [(int(r[0]), r[2]) for r in listed[1:]] == [(row, column) for row, column, _ in bad]
    assert [r[1] for r in listed[1:]] == [table[row - 1][0] for row, _, _ in bad]
    whys = [r[4] for r in listed[1:]]
    assert "mixed number" in whys[0] and "decimal comma" in whys[1] and "2 numbers" in whys[2]
    assert "digit other than 0-9" in whys[3] and "characters" in whys[4]
    assert len(listed[5][3]) < 60  # the 401-digit cell is shortened
    assert (tmp_path / "filled.csv").read_bytes() == before and not (tmp_path / "grades").exists()
    # run again: the problems list qgen wrote is replaced; a file of the user's is never
    assert run(build, "--responses", tmp_path / "filled.csv", "--out", tmp_path / "grades").exit_code == 2
    (tmp_path / "filled.problems.csv").write_text("my notes\n")
    again = run(build, "--responses", tmp_path / "filled.csv", "--out", tmp_path / "grades")
    assert again.exit_code == 2 and "is not a problems list qgen wrote" in again.output
    assert (tmp_path / "filled.problems.csv").read_text() == "my notes\n"


def test_lenient_marks_unreadable_cells_wrong_and_lists_them(build, tmp_path):
    table, bad = bad_table(build)
    write(tmp_path / "filled.csv", table)
    out = grade(build, tmp_path / "filled.csv", tmp_path / "grades", pdfs=False, lenient=True)
    doc = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    verdicts = {(s["student_id"], e["entry"]): e for s in doc["students"] for q in s["questions"] for e in q["entries"]}
    for row, column, _ in bad:
        entry = verdicts[(table[row - 1][0], column)]
        assert entry["verdict"] == "unreadable" and entry["points"] == "0" and entry["note"]
    assert len(read_table((out / "problems.csv").read_bytes())) == len(bad) + 1


def test_a_semicolon_csv_with_shuffled_columns_and_decimal_commas_grades_the_same(build, tmp_path):
    plain = grade(build, _filled(build, tmp_path), tmp_path / "plain", pdfs=False)
    table = read_table(key_responses(build))
    order = [2, 0, 1] + list(range(len(table[0]) - 1, 2, -1))
    shuffled = [[table[0][i] for i in order]] + [[line[i].replace(".", ",") for i in order] for line in table[1:]]
    write(tmp_path / "semicolon.csv", shuffled, delimiter=";")
    assert any("," in cell for line in shuffled[1:] for cell in line[3:])
    comma = grade(build, tmp_path / "semicolon.csv", tmp_path / "comma", pdfs=False, decimal_comma=True)
    assert (plain / "grades.csv").read_bytes() == (comma / "grades.csv").read_bytes()
    result = run(build, "--responses", tmp_path / "semicolon.csv", "--out", tmp_path / "no-option")
    assert result.exit_code == 2 and "decimal comma" in result.output and "--decimal-comma" in result.output


def _filled(build, tmp_path):
    (tmp_path / "filled.csv").write_bytes(key_responses(build))
    return tmp_path / "filled.csv"


def test_a_duplicated_answer_column_is_refused_by_name(build, tmp_path):
    table = read_table(key_responses(build))
    column = table[0][4]
    for line in table:
        line.append(line[4])
    write(tmp_path / "filled.csv", table)
    result = run(build, "--responses", tmp_path / "filled.csv", "--out", tmp_path / "g")
    assert result.exit_code == 2 and f"column {column!r} appears twice" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_200000_character_cell_is_one_problem(build, tmp_path):
    table = read_table(key_responses(build))
    table[1][3] = "7" * 200_000
    write(tmp_path / "filled.csv", table)
    result = run(build, "--responses", tmp_path / "filled.csv", "--out", tmp_path / "g")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and "200,000 characters" in lines[0] and len(lines[0]) < 600


def test_lenient_reports_and_feedback_show_the_unreadable_cells(build, tmp_path):
    """Typeset: the report lists the cells, the feedback shows the text as its codes (the fonts
    need not have a full-width digit) and why it did not read."""
    from pdftext import page_texts, squeeze

    table, bad = bad_table(build)
    table[2][table[0].index("q1.L")] = "1e400"
    write(tmp_path / "filled.csv", table)
    result = run(build, "--responses", tmp_path / "filled.csv", "--out", tmp_path / "g", "--lenient")
    assert result.exit_code == 0, result.output
    report = squeeze("\n".join(page_texts(tmp_path / "g" / "report.pdf")))
    assert "Unreadablecells,markedwrong" in report and "amixednumber:write5/2or2.5" in report
    student = table[3][0]  # the full-width digits
    feedback = squeeze("\n".join(page_texts(tmp_path / "g" / "feedback" / f"{student}.pdf")))
    assert "\\uff11\\uff12" in feedback and "unreadable" in feedback and "adigitotherthan0-9" in feedback


def test_the_decimal_comma_option_on_the_command_line(build, tmp_path):
    table = read_table(key_responses(build))
    write(tmp_path / "filled.csv", [table[0]] + [[c.replace(".", ",") for c in line] for line in table[1:]], ";")
    result = run(build, "--responses", tmp_path / "filled.csv", "--out", tmp_path / "g", "--decimal-comma")
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "g" / "grades.json").read_text(encoding="utf-8"))
    assert all(s["percentage"] == 100 for s in doc["students"])
