"""Every message is one clean line (user text escaped in qgen/cli_errors.py), and a name a spreadsheet
would run as a formula is neutralised in grades.csv and responses.csv."""

import errno
import pathlib

import pytest
from click.testing import CliRunner

from gradebuild import SECRET, read_table
from qgen.cli import main
from qgen.cli_errors import clean


def test_clean_escapes_what_a_terminal_acts_on_and_keeps_the_rest():
    assert clean("exam.toml: ok é 中 – “x”") == "exam.toml: ok é 中 – “x”"
    assert clean("a\x1b]0;owned\x07b\x1b[2Jc\nd\re\u202ef\udcff") == \
        "a\\x1b]0;owned\\x07b\\x1b[2Jc\\nd\\re\\u202ef\\udcff"


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize("args", [
    ["generate", "--kind", "mlp", "--seed", "1", "--set", "sizes=2-2\n\x1b]0;owned\x07"],
    ["generate", "--kind", "mlp", "--seed", "1", "--set", "colour\x1b[2J=1"],
    ["generate", "--kind", "mlp", "--seed", "1", "--format", "pdf\x1b[2J"],
    ["generate", "--kind", "mlp\nshapes", "--seed", "1"],
    ["solve", "no\x1b[2Jsuch\n.json"],
    ["exam", "x\x07.toml", "--roster", "r\n.csv"],
    ["generate", "--kind", "mlp", "--seed", "1", "--bogus\x1b[2J"],  # a click usage error
    ["export", "moodle", "--kind", "mlp", "--seed", "-1"],
])  # fmt: skip
def test_user_text_in_a_message_is_escaped_on_one_line(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = invoke(*args)
    assert code == 2, output
    assert output.count("\n") == 1 and output.startswith("qgen: "), output
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in output.rstrip("\n")), repr(output)
    assert "Traceback" not in output


def test_formula_names_are_neutralised_in_grades_and_responses(tmp_path):
    from qgen.exam.config import load_config
    from qgen.exam.manifest import manifest_json
    from qgen.exam.prepare import prepare_class
    from qgen.exam.responses import responses_csv
    from qgen.exam.roster import load_roster
    from qgen.exam.run import shared_structures
    from qgen.exam.secrets import secret_fingerprint
    from qgen.grade.run import grade

    (tmp_path / "exam.toml").write_text('[exam]\ntitle = "T"\ncourse = "C"\ndate = "2026-01-01"\nduration = 60\n'
                                        '[[questions]]\nkind = "shapes"\npoints = 2\n', encoding="utf-8")
    names = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Ada"]
    (tmp_path / "roster.csv").write_text("id,name\n" + "".join(f's{i},"{n.replace(chr(34), 2 * chr(34))}"\n'
                                                               for i, n in enumerate(names)), encoding="utf-8")
    config = shared_structures(load_config(tmp_path / "exam.toml"), SECRET)
    prepared = prepare_class(config, SECRET, load_roster(tmp_path / "roster.csv"), workers=1)
    build = tmp_path / "build"
    build.mkdir()
    manifest = manifest_json(config, [row for p in prepared for row in p.rows], secret_fingerprint(SECRET))
    (build / "manifest.json").write_bytes(manifest)
    (build / "responses.csv").write_bytes(responses_csv(manifest))
    expected = ["'" + n for n in names[:4]] + ["Ada"]
    assert [line[1] for line in read_table((build / "responses.csv").read_bytes())[1:]] == expected
    grade(build, build / "responses.csv", pdfs=False)
    assert [line[1] for line in read_table((build / "grades" / "grades.csv").read_bytes())[1:]] == expected


def test_export_moodle_on_a_full_disk_is_one_line(tmp_path, monkeypatch):
    real = pathlib.Path.write_bytes

    def full(self, data):
        if self.name == "quiz.xml":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    code, output = invoke("export", "moodle", "--kind", "shapes", "--count", "1", "--seed", "1",
                          "--out", tmp_path / "quiz.xml")
    assert code == 2 and output.count("\n") == 1, output
    assert "quiz.xml: cannot write there (No space left on device)" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing half-written, nothing left
