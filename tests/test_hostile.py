"""The hostile-input corpus (every tests/hostile/cases*.toml) through the real command line.

Every case must end with exit status 2 and exactly one line on stderr naming what is wrong: no
traceback, no control character, nothing on stdout, no hang (the subprocess timeout turns a hang
into a failure), and every file of the corpus and the scratch folder as it was (their hashes
before and after: the secret and EXAM.toml above all).

A case may first run `setup` steps (below, SETUP), so that other branches can add case files of
their own (cases-<topic>.toml) with FIFOs, links, builds and forged manifests.
"""

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gradebuild import key_responses, make_build
from qgen.grade.manifest import seal
from qgen.output import marker_bytes

HOSTILE = Path(__file__).parent / "hostile"
CASES = [case for path in sorted(HOSTILE.glob("cases*.toml"))
         for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]]
TIMEOUT = 20  # s; each case takes well under a second of work, the rest is starting Python
QGEN = [sys.executable, "-c", "import sys; from qgen.cli import main; sys.exit(main(prog_name='qgen'))"]


@pytest.fixture(scope="session")
def class_build(tmp_path_factory) -> Path:
    """A 2-student class (manifest.json, responses.csv, filled.csv with the keys), typeset nothing."""
    folder = tmp_path_factory.mktemp("class")
    build = make_build(folder, 2)
    (folder / "filled.csv").write_bytes(key_responses(build))
    return folder


def _edit_json(path: str, dotted: str, value: str, reseal: str = "") -> None:
    """Set doc[a][b]… (list indices as numbers) to the JSON `value`; `reseal`: recompute the content
    hash, as a forger would (only the manifest's checks can then catch the change)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    *parents, last = [int(k) if k.lstrip("-").isdigit() else k for k in dotted.split(".")]
    node = doc
    for key in parents:
        node = node[key]
    if isinstance(node, list) and last == len(node):
        node.append(json.loads(value))
    else:
        node[last] = json.loads(value)
    text = json.dumps(doc, indent=2) + "\n"
    if reseal:
        text = text.replace(f'"content_sha256": "{doc["content_sha256"]}"', f'"content_sha256": "{"0" * 64}"', 1)
        Path(path).write_bytes(seal(text.encode()))
    else:
        Path(path).write_text(text, encoding="utf-8")


def _replace(path: str, old: str, new: str, reseal: str = "") -> None:
    """Replace text in the file (once); `reseal`: recompute a manifest's content hash."""
    raw = Path(path).read_bytes()
    assert old.encode() in raw, old
    raw = raw.replace(old.encode(), new.encode(), 1)
    if reseal:
        start = raw.index(b'"content_sha256": "') + len(b'"content_sha256": "')
        raw = seal(raw[:start] + b"0" * 64 + raw[start + 64:])
    Path(path).write_bytes(raw)


def _deep_manifest(path: str, depth: str) -> None:
    head = f'{{"qgen": "0.1.0", "content_sha256": "{"0" * 64}", "rows": '
    Path(path).write_bytes(seal((head + "[" * int(depth) + "]" * int(depth) + "}\n").encode()))


def _sparse(path: str, size: str) -> None:
    with open(path, "ab") as f:
        f.truncate(int(size))


SETUP = {
    "mkfifo": lambda path: os.mkfifo(path),
    "symlink": lambda target, path: os.symlink(target, path),
    "mkdir": lambda path: os.makedirs(path, exist_ok=True),
    "write": lambda path, text: Path(path).write_text(text, encoding="utf-8"),
    "sparse": _sparse,  # a file of SIZE bytes that takes no room
    "deep-toml": lambda path, depth: Path(path).write_text("a = " + "[" * int(depth) + "]" * int(depth) + "\n"),
    "deep-manifest": _deep_manifest,  # a sealed manifest nested DEPTH deep
    "marker": lambda folder, command, *files: (Path(folder) / ".qgen-output").write_bytes(marker_bytes(command, files)),
    "edit-json": _edit_json,
    "replace": _replace,
    "rm": lambda path: os.unlink(path),
}


def snapshot(*folders: Path) -> dict:
    """Every entry under the folders: a hash for a regular file, its type for anything else."""
    seen = {}
    for folder in folders:
        for top, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = Path(top) / name
                mode = os.lstat(path).st_mode
                seen[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(mode)
                                   else os.readlink(path) if stat.S_ISLNK(mode) else stat.S_IFMT(mode))
    return seen


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_input_gets_one_line_and_exit_2(case, tmp_path, request):
    corpus = tmp_path / "hostile"
    shutil.copytree(HOSTILE, corpus, symlinks=True)  # a run that wrongly writes cannot touch the repository
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    names = {"dir": corpus, "tmp": scratch}
    if any("{class}" in str(a) for step in case.get("setup", []) for a in step) or \
            any("{class}" in a for a in case["args"]):
        shutil.copytree(request.getfixturevalue("class_build"), scratch / "class")
        names["class"] = scratch / "class"
    def fill(text: str) -> str:  # only these three: JSON values in a step keep their braces
        for key, value in names.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    for action, *args in case.get("setup", []):
        SETUP[action](*map(fill, args))
    args = list(map(fill, case["args"]))
    before = snapshot(corpus, scratch)
    result = subprocess.run([*QGEN, *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=scratch,
                            stdin=subprocess.DEVNULL)
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1 and result.stderr.endswith("\n"), result.stderr[-2000:]
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in lines[0]), repr(lines[0])
    assert lines[0].startswith("qgen: ") and case["message"] in lines[0], lines[0]
    assert result.stdout == ""
    after = snapshot(corpus, scratch)
    for written in map(fill, case.get("writes", [])):  # a file the case's command is meant to write
        assert written not in before and written in after, (written, sorted(after))
        del after[written]
    assert after == before  # nothing else written, nothing deleted


def test_a_failed_init_wrote_nothing(tmp_path):
    corpus = tmp_path / "hostile"
    shutil.copytree(HOSTILE, corpus, symlinks=True)
    subprocess.run([*QGEN, "exam", "init", str(corpus / "init-dangling")], capture_output=True, timeout=TIMEOUT)
    assert sorted(p.name for p in (corpus / "init-dangling").iterdir()) == ["roster.csv"]
    assert not (corpus / "init-dangling" / "moved-away.csv").exists()
