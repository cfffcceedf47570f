"""`qgen exam` end to end: a real class exam, every PDF read back with pdftotext."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pdftext import page_texts, printed_forms, squeeze
from qgen.exam import prepare, sheets
from qgen.exam.cli import exam

NAMES = ["Ada Lovelace", "Zoë O'Brien-Łukasiewicz", "José & María", "50% \\ _x_ #1 {a} ~^$"]
IDS = ["s001", "s002", "s003", "s004"]
CONFIG = """
[exam]
title = "Midterm: Backprop & \\"friends\\" 100%"
course = "CS 101 {x}"
date = 2026-03-14
duration = 90
instructions = ["No phones.", "Show your work."]
calculator = "No calculators."

[[questions]]
kind = "mlp"
points = 10

[[questions]]
kind = "softmax-ce"
points = 2.5
mode = "given"

[[questions]]
kind = "graph"
points = 4
"""
CODE = re.compile(r"Version ([2-9A-Z]{4}-[2-9A-Z]{4})")


def run(*args):
    result = CliRunner().invoke(exam, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def write_class(folder: Path, names=NAMES, ids=IDS, config=CONFIG) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exam.toml").write_text(config, encoding="utf-8")
    with open(folder / "roster.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "email"])
        writer.writerows([i, n, f"{i}@example.edu"] for i, n in zip(ids, names))
    if not (folder / "exam.secret").exists():
        assert run("init", folder).exit_code == 0  # keeps exam.toml and roster.csv, writes the secret
    return folder / "exam.toml", folder / "roster.csv"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The class built twice (for reproducibility) and one student regenerated. Three students per
    document, so the four students make two documents of each kind: cutting and joining are tested.
    The first build draws and cuts in this process (a class this small), the second in worker
    processes (qgen.exam.prepare.class_pool), as a large class is: the files must not differ."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sheets, "CHUNK", 3)
        folder = tmp_path_factory.mktemp("class")
        config, roster = write_class(folder)
        assert len(IDS) < prepare.POOL_MIN_STUDENTS
        first = run(config, "--roster", roster, "--out", folder / "out")  # the spelling
        assert first.exit_code == 0, first.output
        mp.setattr(prepare, "POOL_MIN_STUDENTS", 1)
        second = run("build", config, "--roster", roster, "--out", folder / "again")
        assert second.exit_code == 0, second.output
        mp.undo()
        mp.setattr(sheets, "CHUNK", 3)
        regen = run("regen", config, "--roster", roster, "--student", "s004", "--out", folder / "regen")
        assert regen.exit_code == 0, regen.output
    return folder, first.output, regen.output


def manifest(out: Path) -> list[dict]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]


def test_every_output_file_is_there_and_nothing_else(built):
    folder, output, _ = built
    out = folder / "out"
    expected = {"questions-print.pdf", "keys.pdf", "grading-keys.pdf", "manifest.csv", "manifest.json", "students",
                "responses.csv", ".qgen-output"}
    expected |= {f"students/{i}-{side}.pdf" for i in IDS for side in ("questions", "key", "grading")}
    assert {str(p.relative_to(out)) for p in out.rglob("*")} == expected
    assert "Wrote the exam of 4 students" in output
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no staging folders left


def test_each_sheet_page_has_the_name_id_and_version_code(built):
    out = built[0] / "out"
    codes = {row["student_id"]: row["version_code"] for row in manifest(out)}
    assert len(set(codes.values())) == len(IDS)
    for student_id, name in zip(IDS, NAMES):
        for side in ("questions", "key", "grading"):
            pages = page_texts(out / "students" / f"{student_id}-{side}.pdf")
            assert len(pages) >= 2 if side != "grading" else len(pages) == 1
            for number, page in enumerate(pages, start=1):
                assert CODE.findall(page)[:1] == [codes[student_id]], (student_id, side, number)
                assert f"{name} · ID {student_id}" in page, (student_id, side, number)
                assert f"Page {number}" in page
            first = squeeze(pages[0])
            assert squeeze(f"Name: {name}") in first or squeeze(name) in first
            if side == "grading":
                continue
            assert "CS101{x}" in first and 'Midterm:Backprop&"friends"100%' in first
            assert "2026-03-14" in first and "90minutes" in first and "16.5pointsintotal" in first
        sheet = squeeze("".join(page_texts(out / "students" / f"{student_id}-questions.pdf")))
        assert "Conventions" in sheet and "Nophones." in sheet and "Calculator:Nocalculators." in sheet
        for number, points in ((1, "(10points)"), (2, "(2.5points)"), (3, "(4points)")):
            assert f"Question{number}" in sheet and points in sheet


def test_the_key_holds_every_answer_of_the_manifest(built):
    out = built[0] / "out"
    rows = manifest(out)
    assert len(rows) == len(IDS) * 3
    for row in rows:
        key = squeeze("".join(page_texts(out / "students" / f"{row['student_id']}-key.pdf")))
        assert f"Question{row['question']}:workedsolution" in key
        for answer in row["answers"]:
            assert any(form in key for form in printed_forms(answer)), (row["student_id"], row["kind"], answer)


def test_no_question_sheet_holds_an_answer(built):
    out = built[0] / "out"
    for row in manifest(out):
        sheet = squeeze("".join(page_texts(out / "students" / f"{row['student_id']}-questions.pdf")))
        assert "Answers." not in sheet and "workedsolution" not in sheet
        for answer in row["answers"]:
            # A vector or matrix, as the key writes it out; a 1-vector "(0)" is no clue (it is
            # in the conventions block, ReLU'(0) = 0).
            if isinstance(answer["decimal"], list) and len(answer["decimal"]) > 1:
                for form in printed_forms(answer):
                    assert form not in sheet, (row["student_id"], row["kind"], answer["name"], form)


def test_the_print_file_starts_every_student_on_an_odd_page_in_roster_order(built):
    out = built[0] / "out"
    pages = page_texts(out / "questions-print.pdf")
    position = 0
    for student_id in IDS:
        own = page_texts(out / "students" / f"{student_id}-questions.pdf")
        assert position % 2 == 0, f"{student_id} starts on page {position + 1}"
        assert pages[position:position + len(own)] == own
        position += len(own)
        if len(own) % 2:
            assert "This page is left blank." in pages[position]
            position += 1
    assert position == len(pages)


def test_keys_pdf_is_every_key_in_roster_order(built):
    out = built[0] / "out"
    together = [p for i in IDS for p in page_texts(out / "students" / f"{i}-key.pdf")]
    assert page_texts(out / "keys.pdf") == together


def test_the_manifest_csv_and_json_agree_and_hold_every_column(built):
    out = built[0] / "out"
    rows = manifest(out)
    with open(out / "manifest.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == ["student_id", "name", "version_code", "question", "kind", "points", "part_points",
                              "seed", "options", "parameters", "answers"]
    assert [(r["student_id"], r["question"]) for r in table] == [(i, str(q)) for i in IDS for q in (1, 2, 3)]
    assert [r["name"] for r in table[::3]] == NAMES
    for r, j in zip(table, rows):
        assert (r["kind"], r["points"], int(r["seed"])) == (j["kind"], str(j["points"]), j["seed"])
        assert json.loads(r["answers"]) == j["answers"] and json.loads(r["parameters"]) == j["parameters"]
        assert json.loads(r["part_points"]) == j["part_points"] and len(j["part_points"]) == len(j["answers"])
        assert sum(j["part_points"]) == j["points"]
        for answer in j["answers"]:
            assert set(answer) - {"display"} == {"name", "shape", "exact", "decimal", "entries"}
            assert all(set(e) == {"name", "key", "exact", "decimal", "asked", "places", "atol", "rtol"} for e in answer["entries"])
    assert [j["points"] for j in rows[:3]] == [10, 2.5, 4]


def test_the_secret_is_in_no_output_file(built):
    folder = built[0]
    secret = (folder / "exam.secret").read_text().strip()
    needles = [secret.encode(), secret.upper().encode(), bytes.fromhex(secret)]
    for path in [p for p in folder.rglob("*") if p.is_file() and p.name != "exam.secret"]:
        data = path.read_bytes()
        assert not any(n in data for n in needles), path
        if path.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
            assert secret.encode() not in text.lower(), path


def test_same_secret_config_and_roster_give_byte_identical_files(built):
    folder = built[0]
    first = {p.relative_to(folder / "out"): p.read_bytes() for p in (folder / "out").rglob("*") if p.is_file()}
    second = {p.relative_to(folder / "again"): p.read_bytes() for p in (folder / "again").rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_regen_reproduces_one_students_files_byte_for_byte(built):
    folder, _, output = built
    regen = folder / "regen"
    assert sorted(p.name for p in regen.iterdir()) == [".qgen-output", "s004-grading.pdf", "s004-key.pdf",
                                                       "s004-manifest.json", "s004-questions.pdf"]
    for side in ("questions", "key", "grading"):
        assert (regen / f"s004-{side}.pdf").read_bytes() == (folder / "out" / "students" / f"s004-{side}.pdf").read_bytes()
    rows = json.loads((regen / "s004-manifest.json").read_text(encoding="utf-8"))["rows"]
    assert rows == [r for r in manifest(folder / "out") if r["student_id"] == "s004"]
    assert rows[0]["version_code"] in output


# --- bad input, --force, no half-written output -----------------------------------------

SMALL = """
[exam]
title = "Quiz"
course = "CS 101"
date = "today"
duration = "20 minutes"

[[questions]]
kind = "shapes"
points = 1
"""


@pytest.fixture
def small(tmp_path):
    config, roster = write_class(tmp_path / "in", NAMES[:2], IDS[:2], SMALL)
    return tmp_path, config, roster


def one_line_error(result, message):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qgen: "), result.output
    assert message in lines[0], lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("edit, message", [
    (lambda c, r: c.write_text(SMALL.replace("shapes", "trees")), "exam.toml: questions[1].kind: unknown kind 'trees' (allowed: graph"),
    (lambda c, r: c.write_text(SMALL + "[questions.options]\ncolour = 1\n"), "shapes option colour: unknown option (allowed: layers, bias, sizes)"),
    (lambda c, r: c.write_text(SMALL.replace("points = 1", "points = -1")), "exam.toml: questions[1].points: expected a positive number, got -1"),
    (lambda c, r: c.write_text(SMALL.replace('course = "CS 101"\n', "")), "exam.toml: exam.course: missing"),
    (lambda c, r: c.write_bytes(SMALL.replace("Quiz", "Qu\xefz").encode("latin-1")), "exam.toml: line 3: not UTF-8 text"),
    (lambda c, r: r.write_text("id,name\ns1,Ada\ns1,Bob\n"), "roster.csv: line 3: duplicate id 's1'"),
    (lambda c, r: r.write_text("id,name\n,Ada\n"), "roster.csv: line 2: empty id"),
    (lambda c, r: r.write_text("id,name\ns1,Ada\ns2,Bob,Smith\n"), "roster.csv: line 3: expected 2 fields (id,name), got 3"),
    (lambda c, r: r.write_text("id,name\n"), "roster.csv: no students"),
    (lambda c, r: r.write_bytes(b"id,name\ns1,Jos\xe9\n"), "roster.csv: line 2: not UTF-8 text"),
    (lambda c, r: r.write_text("id,name\ns1,Ada\ns2,Σωκράτης\n", encoding="utf-8"),
     "roster.csv: line 3: name of student s2: character 'Σ' (U+03A3 GREEK CAPITAL LETTER SIGMA) cannot be printed"),
    (lambda c, r: (c.parent / "exam.secret").unlink(), "exam.secret: no secret file beside exam.toml; run `qgen exam init"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(small, edit, message):
    tmp_path, config, roster = small
    edit(config, roster)
    one_line_error(run(config, "--roster", roster, "--out", tmp_path / "out"), message)
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_an_unwritable_output_folder_is_one_line(small):
    tmp_path, config, roster = small
    (tmp_path / "file").write_text("not a folder")
    one_line_error(run(config, "--roster", roster, "--out", tmp_path / "file" / "out"), "cannot write there")


def test_an_existing_output_folder_is_refused_unless_force(small):
    tmp_path, config, roster = small
    out = tmp_path / "out"
    assert run(config, "--roster", roster, "--out", out).exit_code == 0  # a folder qgen wrote
    (out / "old.txt").write_text("old")
    one_line_error(run(config, "--roster", roster, "--out", out), "exists already; use --force to replace it")
    assert (out / "old.txt").exists()
    # a file the build did not write is never deleted: --force names it and changes nothing
    one_line_error(run(config, "--roster", roster, "--out", out, "--force"),
                   "holds old.txt, which `qgen exam build` did not write; qgen never deletes a file it did not write")
    assert (out / "old.txt").read_text() == "old"
    (out / "old.txt").unlink()
    (out / "students" / "s002-key.pdf").write_bytes(b"changed")
    result = run(config, "--roster", roster, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert (out / "students" / "s002-key.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]  # the old folder is gone


def test_a_failed_run_leaves_the_old_folder_as_it_was(small, monkeypatch):
    tmp_path, config, roster = small
    out = tmp_path / "out"
    assert run(config, "--roster", roster, "--out", out).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    from qgen.build import LatexError
    import qgen.exam.run

    def broken(*args, **kwargs):
        raise LatexError("LaTeX failed on doc.tex: ! Undefined control sequence. l.3")

    monkeypatch.setattr(qgen.exam.run, "typeset", broken)
    one_line_error(run(config, "--roster", roster, "--out", out, "--force"), "Undefined control sequence")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_regen_refuses_an_unknown_student_and_existing_files(small):
    tmp_path, config, roster = small
    one_line_error(run("regen", config, "--roster", roster, "--student", "S001", "--out", tmp_path / "r"),
                   "--student S001: not in the roster (did you mean s001?)")
    assert run("regen", config, "--roster", roster, "--student", "s001", "--out", tmp_path / "r").exit_code == 0
    one_line_error(run("regen", config, "--roster", roster, "--student", "s001", "--out", tmp_path / "r"),
                   "s001-questions.pdf: exists already; use --force")
    assert run("regen", config, "--roster", roster, "--student", "s001", "--out", tmp_path / "r", "--force").exit_code == 0


def test_the_group_is_registered_in_qgen(small):
    from qgen.cli import main

    tmp_path, config, roster = small
    result = CliRunner().invoke(main, ["exam", str(config), "--roster", str(roster), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["exam", str(config), "--roster", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "no such file" in result.output


def test_page_per_question_starts_each_later_question_on_a_new_page(tmp_path):
    config = SMALL.replace('duration = "20 minutes"', 'duration = "20 minutes"\npage_per_question = true\n'
                           'answer_space = "none"')
    config += '\n[[questions]]\nkind = "shapes"\npoints = 2\n'
    config_path, roster = write_class(tmp_path / "in", NAMES[:1], IDS[:1], config)
    assert run(config_path, "--roster", roster, "--out", tmp_path / "out").exit_code == 0
    pages = [squeeze(p) for p in page_texts(tmp_path / "out" / "students" / "s001-questions.pdf")]
    first = next(i for i, p in enumerate(pages) if "Question1" in p)
    assert "Question2" not in "".join(pages[:first + 1]) and pages[first + 1].startswith("CS101·Quiz") \
        and "Question2" in pages[first + 1] and len(pages) == first + 2


def test_a_latex_error_in_one_document_is_one_line_and_writes_nothing(small, monkeypatch):
    tmp_path, config, roster = small
    real = sheets.documents

    def broken(*args):
        docs = real(*args)
        docs["key"] = [tex.replace(r"\end{document}", r"\undefinedmacro\end{document}") for tex in docs["key"]]
        return docs

    monkeypatch.setattr(sheets, "documents", broken)
    result = run(config, "--roster", roster, "--out", tmp_path / "out")
    one_line_error(result, "Undefined control sequence")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_every_student_works_the_same_graph_with_their_own_numbers(built):
    folder, _, _ = built
    graph_rows = [r for r in manifest(folder / "out") if r["kind"] == "graph"]
    assert len(graph_rows) == len(IDS)
    assert len({r["parameters"]["expression"] for r in graph_rows}) == 1  # one structure, one picture
    assert len({json.dumps(r["parameters"]["values"], sort_keys=True) for r in graph_rows}) > 1


def test_same_structure_false_draws_a_graph_per_student(tmp_path):
    config = CONFIG.replace("duration = 90", "duration = 90\nsame_structure = false")
    config_path, _ = write_class(tmp_path, config=config)
    from qgen.exam.run import read_inputs

    inputs = read_inputs(config_path, tmp_path / "roster.csv")
    assert inputs.config.questions[2].options["expression"] == "none"
    from qgen.exam.draw import draw_student

    expressions = {draw_student(inputs.config, inputs.secret, s).variants[2].draw.params["expression"]
                   for s in inputs.students}
    assert len(expressions) > 1


# --- the secret's fingerprint (issue 8, §5) ---------------------------------------------


def test_the_build_records_a_fingerprint_of_its_secret_and_regen_refuses_another(built, tmp_path):
    from qgen.exam.manifest import check_build_secret
    from qgen.exam.secrets import load_secret, secret_fingerprint

    folder, _, _ = built
    secret = load_secret(folder / "exam.secret")
    recorded = json.loads((folder / "out" / "manifest.json").read_text(encoding="utf-8"))["secret_fingerprint"]
    assert recorded == secret_fingerprint(secret) and secret.hex() not in recorded
    assert check_build_secret(folder / "out", secret) is True
    other = tmp_path / "other.secret"
    other.write_text("ab" * 32 + "\n")
    result = run("regen", folder / "exam.toml", "--roster", folder / "roster.csv", "--student", "s001",
                 "--secret", other, "--build", folder / "out", "--out", tmp_path / "regen")
    one_line_error(result, "manifest.json: this build was made with another secret than the one given")
    assert not (tmp_path / "regen").exists()


def test_the_sheet_says_how_qgen_grade_marks(built):
    """Issue 14.7: the instructions state the marking qgen grade does (per number, follow-through at
    the config's share, working not marked), and no promise it does not keep."""
    sheet = squeeze(page_texts(built[0] / "out" / "students" / "s001-questions.pdf")[0])
    assert ("Onlytheanswersaremarked:eachnumberonitsownagainstyourkey,bytherulestatedwitheachquestion."
            "Yourworking,andrequestsmarked“notmarked”,earnnopoints;arightanswerneedsnoworking.") in sheet
    assert "Anumberthatiswrongonlybecauseitusesyourownwrongearlieranswerearnsfullcredit." in sheet
    assert "partialcredit" not in sheet


def test_plan_prints_the_parts_and_points_the_build_uses(built):
    """`qgen exam plan` (nothing built) lists each question's parts with the points the manifest records."""
    folder = built[0]
    result = run("plan", folder / "exam.toml")
    assert result.exit_code == 0, result.output
    blocks = re.split(r"^Question \d+: ", result.output, flags=re.M)[1:]
    rows = [r for r in manifest(folder / "out") if r["student_id"] == IDS[0]]
    assert len(blocks) == len(rows) == 3
    for block, row in zip(blocks, rows):
        assert block.startswith(f"{row['kind']}, {row['points']} points, {len(row['answers'])} parts")
        names = re.findall(r"^  \(\s*\d+\) (\S+(?: W\d| b\d)?)\s+\d+ numbers?", block, flags=re.M)
        assert names == [a["name"] for a in row["answers"]]
        listed = re.search(r"points = \[(.*)\]", block).group(1)
        assert [float(p) for p in listed.split(", ")] == row["part_points"]


def test_plan_says_when_a_points_list_does_not_fit_the_parts(tmp_path):
    config, _ = write_class(tmp_path, config=CONFIG.replace("points = 2.5", "points = [1, 2]"))
    result = run("plan", config)
    assert result.exit_code == 0, result.output
    assert re.search(r"^Question 2: softmax-ce, 3 points, 2 parts \(as your list gives them\)$", result.output, re.M)
    assert "  points = [1, 2]" in result.output
    bad = write_class(tmp_path / "bad", config=CONFIG.replace("points = 2.5", "points = [1, 2, 3]"))[0]
    result = run("plan", bad)
    assert re.search(r"^Question 2: softmax-ce, 6 points, 2 parts \(your list has 3 numbers: give 2\)$", result.output, re.M)
