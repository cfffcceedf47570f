"""The hostile-input corpus (tests/hostile/cases.toml) through the real command line.

Every case must end with exit status 2 and exactly one line on stderr naming what is wrong: no
traceback, nothing on stdout, and no hang (the subprocess timeout turns a hang into a failure).
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "hostile"
CASES = [c for f in sorted(HOSTILE.glob("cases*.toml")) for c in tomllib.loads(f.read_text(encoding="utf-8"))["case"]]
TIMEOUT = 20  # s; each case takes well under a second of work, the rest is starting Python
QGEN = [sys.executable, "-c", "import sys; from qgen.cli import main; sys.exit(main(prog_name='qgen'))"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_input_gets_one_line_and_exit_2(case, tmp_path):
    corpus = tmp_path / "hostile"
    shutil.copytree(HOSTILE, corpus, symlinks=True)  # a run that wrongly writes cannot touch the repository
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    args = [a.format(dir=corpus, tmp=scratch) for a in case["args"]]
    result = subprocess.run([*QGEN, *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=scratch,
                            stdin=subprocess.DEVNULL)
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("qgen: ") and case["message"] in lines[0], lines[0]
    assert result.stdout == ""


def test_a_failed_init_wrote_nothing(tmp_path):
    corpus = tmp_path / "hostile"
    shutil.copytree(HOSTILE, corpus, symlinks=True)
    subprocess.run([*QGEN, "exam", "init", str(corpus / "init-dangling")], capture_output=True, timeout=TIMEOUT)
    assert sorted(p.name for p in (corpus / "init-dangling").iterdir()) == ["roster.csv"]
    assert not (corpus / "init-dangling" / "moved-away.csv").exists()
