"""qgen exam's inputs without LaTeX: EXAM.toml, the roster, the secret and what HMAC derives from it."""

from __future__ import annotations

import json
import os
import re
import stat
from decimal import Decimal

import pytest

from qgen.errors import QgenError
from qgen.exam.config import load_config
from qgen.exam.init import STARTER_ROSTER, STARTER_TOML, init_exam
from qgen.exam.roster import load_roster, parse_roster
from qgen.exam.secrets import create_secret, load_secret, question_seed, secret_path_for, version_code

GOOD = """
[exam]
title = "Midterm 1"
course = "CS 101"
date = 2026-03-14
duration = 90
instructions = "First paragraph,\\nstill first.\\n\\nSecond paragraph."
calculator = "None."
difficulty = "medium"

[[questions]]
kind = "shapes"
points = 2.5
[questions.options]
layers = 3
bias = false

[[questions]]
kind = "softmax-ce"
points = 4
mode = "given"
"""


def config(tmp_path, text: str, name: str = "exam.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def error(fn, *args) -> str:
    with pytest.raises(QgenError) as e:
        fn(*args)
    message = str(e.value)
    assert "\n" not in message
    return message


# --- EXAM.toml -----------------------------------------------------------------------


def test_a_good_config_is_read_with_defaults_and_options(tmp_path):
    c = config(tmp_path, GOOD)
    assert (c.title, c.course, c.date, c.duration) == ("Midterm 1", "CS 101", "2026-03-14", "90 minutes")
    assert c.instructions == ("First paragraph,\nstill first.", "Second paragraph.")
    assert not c.instructions_are_list
    assert [q.kind for q in c.questions] == ["shapes", "softmax-ce"]
    assert c.questions[0].points == Decimal("2.5") and c.total_points == Decimal("6.5")
    assert c.questions[0].options["layers"] == 3 and c.questions[0].options["bias"] is False
    assert c.questions[0].difficulty == "medium" and c.questions[0].mode == "exact"  # exam defaults
    assert c.questions[1].mode == "given"


def test_the_starter_and_the_example_configs_are_valid_and_the_same(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples"
    assert (example / "exam.toml").read_text(encoding="utf-8") == STARTER_TOML
    assert (example / "roster.csv").read_text(encoding="utf-8") == STARTER_ROSTER
    c = load_config(example / "exam.toml")
    assert [q.kind for q in c.questions] == ["mlp", "softmax-ce", "graph"]
    assert len(load_roster(example / "roster.csv")) == 4


BAD_CONFIGS = [
    (GOOD.replace('kind = "shapes"', 'kind = "trees"'),
     "exam.toml: questions[1].kind: unknown kind 'trees' (allowed: graph, jacobian, gates, softmax-ce, mlp, shapes, batch, gradcheck, concepts)"),
    (GOOD.replace("layers = 3", "depth = 3"), "exam.toml: questions[1].options: shapes option depth: unknown option (allowed: layers, bias, sizes)"),
    (GOOD.replace("layers = 3", "layers = 9"), "exam.toml: questions[1].options: shapes option layers: expected 1 to 5 layers"),
    (GOOD.replace("points = 2.5", "points = -1"), "exam.toml: questions[1].points: expected a positive number, got -1"),
    (GOOD.replace("points = 4", "points = 0"), "exam.toml: questions[2].points: expected a positive number, got 0"),
    (GOOD.replace("points = 2.5", 'points = "ten"'), "exam.toml: questions[1].points: expected a positive number, got 'ten'"),
    (GOOD.replace("points = 2.5", "points = true"), "exam.toml: questions[1].points: expected a positive number, got True"),
    (GOOD.replace("points = 2.5", "points = nan"), "exam.toml: questions[1].points: expected a positive number, got nan"),
    (GOOD.replace("points = 2.5\n", ""), "exam.toml: questions[1].points: missing; expected a positive number"),
    (GOOD.replace('title = "Midterm 1"', 'title = "Midterm 1"\nsame_structure = "yes"'),
     "exam.toml: exam.same_structure: expected true or false, got 'yes'"),
    (GOOD.replace('kind = "shapes"\n', ""), "exam.toml: questions[1].kind: missing"),
    (GOOD.replace('title = "Midterm 1"\n', ""), "exam.toml: exam.title: missing (required: title, course, date, duration)"),
    (GOOD.replace('title = "Midterm 1"', 'title = "  "'), "exam.toml: exam.title: empty"),
    (GOOD.replace('course = "CS 101"', "course = 101"), "exam.toml: exam.course: expected a string, got a whole number"),
    (GOOD.replace("duration = 90", "duration = -5"), "exam.toml: exam.duration: expected a number of minutes from 1 to 1440"),
    (GOOD.replace('difficulty = "medium"', 'difficulty = "brutal"'), "exam.toml: exam.difficulty: expected one of easy, medium, hard, got 'brutal'"),
    (GOOD.replace('mode = "given"', 'mode = "vibes"'), "exam.toml: questions[2].mode: expected one of exact, given, calculator, got 'vibes'"),
    (GOOD.replace('calculator = "None."', 'calculater = "None."'), "exam.toml: exam.calculater: unknown field (allowed: title, course"),
    (GOOD.replace("points = 4", "points = 4\nweight = 2"), "exam.toml: questions[2].weight: unknown field (allowed: kind, points"),
    (GOOD.replace('title = "Midterm 1"', 'title = "Μέση εξέταση"'), "exam.toml: exam.title: character 'Μ' (U+039C GREEK CAPITAL LETTER MU) cannot be printed"),
    (GOOD.split("[[questions]]")[0], "exam.toml: questions: missing; add at least one [[questions]] block"),
    ("questions = []\n" + GOOD.split("[[questions]]")[0], "exam.toml: questions: no questions"),
    (GOOD.split("[[questions]]")[0].replace("[exam]", "[exams]"), "exam.toml: exams: unknown field (allowed: exam, questions)"),
    ('[exam]\ntitle = "x', "exam.toml: not valid TOML: "),
    (GOOD.replace('title = "Midterm 1"', 'title = "Midterm 1"\nfollow_through = 2'),
     "exam.toml: exam.follow_through: expected a number from 0 to 1, got 2"),
    (GOOD.replace('title = "Midterm 1"', 'title = "Midterm 1"\nfollow_through = "1e99999999"'),
     "exam.toml: exam.follow_through: expected a number from 0 to 1 such as 1, 0.5 or 1/2"),
]


def test_follow_through_is_read_and_recorded_for_qgen_grade(tmp_path):
    c = config(tmp_path, GOOD.replace('title = "Midterm 1"', 'title = "Midterm 1"\nfollow_through = "1/2"'))
    assert c.follow_through == "1/2"
    assert config(tmp_path, GOOD).follow_through == "1"
    from qgen.exam.manifest import manifest_json

    assert json.loads(manifest_json(c, [], "fingerprint"))["exam"]["follow_through"] == "1/2"


@pytest.mark.parametrize("text, message", BAD_CONFIGS)
def test_each_bad_config_gets_one_line_naming_the_field(tmp_path, text, message):
    assert message in error(config, tmp_path, text)


def test_config_that_is_not_utf8_or_missing(tmp_path):
    path = tmp_path / "exam.toml"
    path.write_bytes(GOOD.replace("Midterm 1", "Pr\xfcfung").encode("latin-1"))
    assert "exam.toml: line 3: not UTF-8 text (byte 0xFC); save it as UTF-8" in error(load_config, path)
    assert "no such file" in error(load_config, tmp_path / "nope.toml")


# --- the roster ------------------------------------------------------------------------


def test_roster_reads_utf8_with_bom_crlf_quotes_and_extra_columns():
    text = "\ufeffEmail,ID,Name\r\nz@x,s1,\"Zoë O'Brien-Łukasiewicz\"\r\n\r\n,s2,\"José & María\"\r\n,s3,50% \\ _x_ #1 {a} ~^$\r\n"
    students = parse_roster(text)
    assert [(s.id, s.name, s.line) for s in students] == [
        ("s1", "Zoë O'Brien-Łukasiewicz", 2), ("s2", "José & María", 4), ("s3", "50% \\ _x_ #1 {a} ~^$", 5)]


def test_line_numbers_count_lines_of_the_file_even_after_a_quoted_newline():
    text = 'id,name\ns1,"Ada\nLovelace"\ns2,Bob,extra\n'
    assert error(parse_roster, text) == "roster.csv: line 4: expected 2 fields (id,name), got 3 (a name with a comma needs double quotes)"


BAD_ROSTERS = [
    ("id,name\ns1,Ada\ns2\n", "roster.csv: line 3: expected 2 fields (id,name), got 1"),
    ("id,name\ns1,Ada\ns1,Bob\n", "roster.csv: line 3: duplicate id 's1' (first on line 2)"),
    ("id,name\nS1,Ada\ns1,Bob\n", "roster.csv: line 3: duplicate id 's1' (first on line 2, ids must differ ignoring case)"),
    ("id,name\n ,Ada\n", "roster.csv: line 2: empty id"),
    ("id,name\ns1,\n", "roster.csv: line 2: student s1 has an empty name"),
    ("id,name\nab/c,Ada\n", "roster.csv: line 2: id 'ab/c' cannot name a file (the character '/'); ids may hold only letters"),
    ("id,name\n.hidden,Ada\n", "roster.csv: line 2: id '.hidden' cannot name a file (its first character or length)"),
    ("id,name\nsé,Ada\n", "roster.csv: line 2: id 'sé' cannot name a file (the character 'é')"),
    ("id,name\ns1,Ἀριστοτέλης\n", "roster.csv: line 2: name of student s1: character 'Ἀ' (U+1F08 GREEK CAPITAL LETTER ALPHA WITH PSILI) cannot be printed"),
    ("id,name\ns1,Ada\ns2,李小龍\n", "roster.csv: line 3: name of student s2: character '李' (U+674E CJK UNIFIED IDEOGRAPH-674E)"),
    ("", "roster.csv: empty; expected a header row with id and name"),
    ("\n\n", "roster.csv: empty"),
    ("id,name\n", "roster.csv: no students (only the header row)"),
    ("student,name\ns1,Ada\n", "roster.csv: line 1: the header has no 'id' column (found: 'student', 'name')"),
    ("id,name,id\ns1,Ada,x\n", "roster.csv: line 1: the header has two 'id' columns"),
    ('id,name\ns1,"Ada\n', "roster.csv: line 2: not valid CSV"),
]


@pytest.mark.parametrize("text, message", BAD_ROSTERS)
def test_each_bad_roster_gets_one_line_with_its_line_number(text, message):
    assert message in error(parse_roster, text)


def test_roster_that_is_not_utf8(tmp_path):
    path = tmp_path / "class.csv"
    path.write_bytes("id,name\ns1,Ada\ns2,Jos\xe9\n".encode("latin-1"))
    assert error(load_roster, path).startswith("class.csv: line 3: not UTF-8 text (byte 0xE9); save the roster as UTF-8")


# --- the secret ------------------------------------------------------------------------


def test_secret_file_is_private_random_hex_and_never_overwritten(tmp_path):
    path = secret_path_for(tmp_path / "midterm.toml")
    assert path == tmp_path / "midterm.secret"
    create_secret(path)
    text = path.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", text)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "never overwritten" in error(create_secret, path)
    assert path.read_text() == text
    assert load_secret(path) == bytes.fromhex(text.strip())


def test_missing_or_malformed_secret_says_what_to_do(tmp_path):
    message = error(load_secret, tmp_path / "exam.secret", tmp_path / "exam.toml")
    assert "no secret file beside exam.toml; run `qgen exam init" in message
    (tmp_path / "exam.secret").write_text("hunter2\n")
    assert "not a qgen secret (expected 64 hex digits" in error(load_secret, tmp_path / "exam.secret")


def test_seeds_and_codes_depend_on_secret_title_student_and_question():
    a, b = bytes(32), bytes([1]) + bytes(31)
    seed = question_seed(a, "Midterm", "s1", 1)
    assert 0 <= seed < 2**63
    assert seed == question_seed(a, "Midterm", "s1", 1)
    others = {question_seed(b, "Midterm", "s1", 1), question_seed(a, "Final", "s1", 1),
              question_seed(a, "Midterm", "s2", 1), question_seed(a, "Midterm", "s1", 2)}
    assert seed not in others and len(others) == 4
    code = version_code(a, "Midterm", "s1")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)
    assert code != version_code(b, "Midterm", "s1") and code != version_code(a, "Midterm", "s2")
    # The code is not made of the seed's bits: it is a separate HMAC message.
    assert str(seed) not in code and code.replace("-", "") not in format(seed, "x").upper()


# --- init ----------------------------------------------------------------------------


def test_init_writes_what_is_missing_and_keeps_the_rest(tmp_path):
    lines = init_exam(tmp_path / "course")
    assert [line.split()[0] for line in lines] == ["wrote", "wrote", "wrote", "Plan:", "Next:"]
    folder = tmp_path / "course"
    assert sorted(p.name for p in folder.iterdir()) == ["exam.secret", "exam.toml", "roster.csv"]
    secret = (folder / "exam.secret").read_text()
    (folder / "exam.toml").write_text("# mine\n")
    lines = init_exam(folder)
    assert [line.split()[0] for line in lines] == ["kept", "kept", "kept", "Plan:", "Next:"]
    assert (folder / "exam.toml").read_text() == "# mine\n" and (folder / "exam.secret").read_text() == secret


def test_init_with_a_config_name_puts_the_secret_beside_it(tmp_path):
    init_exam(tmp_path / "final.toml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final.secret", "final.toml", "roster.csv"]
