"""Output never costs the user a file: folders qgen may replace, single files, where files are
staged, interrupted runs, the same bytes whatever the format cache, clear lines for missing TeX.

Commands run as real processes (python -m qgen), so signals, PATH and TMPDIR are the real thing.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from pdftext import page_texts
from qgen import tex_formats as B
from qgen.build import compile_pdf

MARKER = ".qgen-output"  # what every output folder holds (the README names it)

EXAM = """
[exam]
title = "Safety"
course = "C"
date = "2026-01-01"
duration = 60
{extra}

[[questions]]
kind = "gates"
points = 2
"""
ROSTER = "id,name\ns001,Ada\ns002,Bob\n"
PROBLEM = {"expression": "x * y", "values": {"x": 2, "y": 3}}


def qgen(*args, env: dict | None = None, cwd: Path | None = None, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qgen", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300, **popen)


def one_line(result: subprocess.CompletedProcess, *expected: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr holding every `expected` text."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


@pytest.fixture
def env(tmp_path) -> dict:
    """The environment of a run: its own TMPDIR, so LaTeX's build folders can be watched."""
    (tmp_path / "tmp").mkdir()
    return {**os.environ, "TMPDIR": str(tmp_path / "tmp")}


@pytest.fixture
def exam_folder(tmp_path) -> Path:
    folder = tmp_path / "exam"
    folder.mkdir()
    (folder / "exam.toml").write_text(EXAM.format(extra=""), encoding="utf-8")
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert qgen("exam", "init", folder).returncode == 0  # the secret
    return folder


def exam_args(folder: Path, *more) -> list:
    return ["exam", folder / "exam.toml", "--roster", folder / "roster.csv", *more]


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(*folders: Path) -> list[str]:
    """qgen's temporary folders (and kept failures) in these folders."""
    prefixes = ("qgen-latex-", "qgen-failed-", ".qgen-new-", ".qgen-old-")
    return sorted(p.name for f in folders if f.exists() for p in f.iterdir()
                  if p.name.startswith(prefixes) or ".new-" in p.name or ".old-" in p.name)


@contextmanager
def read_only(folder: Path):
    """No entry can be added to or removed from `folder`, even by root (then: chattr +i)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


# --- 1. no data loss ------------------------------------------------------------------------


def test_force_never_replaces_a_folder_holding_the_config_roster_or_secret(exam_folder, tmp_path):
    before = snapshot(exam_folder)
    one_line(qgen(*exam_args(exam_folder, "--out", exam_folder, "--force")), "exam.toml", "an input of this run")
    one_line(qgen(*exam_args(exam_folder, "--out", tmp_path, "--force")), "an input of this run")  # an ancestor
    assert snapshot(exam_folder) == before
    # a folder qgen wrote, once the secret is kept in it, is not replaced either
    out = tmp_path / "out"
    assert qgen(*exam_args(exam_folder, "--out", out)).returncode == 0
    (out / "kept.secret").write_bytes((exam_folder / "exam.secret").read_bytes())
    one_line(qgen(*exam_args(exam_folder, "--out", out, "--force", "--secret", out / "kept.secret")),
             "kept.secret, an input of this run")
    assert (out / "kept.secret").read_bytes() == (exam_folder / "exam.secret").read_bytes()


def test_force_replaces_only_a_folder_qgen_wrote_or_an_empty_one(exam_folder, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    one_line(qgen(*exam_args(exam_folder, "--out", home, "--force")), "not written by qgen", MARKER)
    assert snapshot(home) == {"thesis.tex": b"years of work"}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert qgen(*exam_args(exam_folder, "--out", empty, "--force")).returncode == 0
    assert (empty / "students" / "s002-key.pdf").exists()


def test_every_output_folder_says_what_wrote_it(exam_folder, tmp_path):
    assert qgen(*exam_args(exam_folder, "--out", tmp_path / "build")).returncode == 0
    assert qgen("exam", "regen", exam_folder / "exam.toml", "--roster", exam_folder / "roster.csv",
                "--student", "s001", "--out", tmp_path / "regen").returncode == 0
    assert qgen("generate", "--kind", "shapes", "--seed", "1", "--out", tmp_path / "set").returncode == 0
    for folder, command in (("build", "exam build"), ("regen", "exam regen"), ("set", "generate")):
        marker = json.loads((tmp_path / folder / MARKER).read_text())
        assert marker["tool"] == "qgen" and marker["command"] == command and marker["version"]


def test_generate_and_regen_write_only_into_their_own_or_an_empty_folder(exam_folder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "answers.json").write_text("my own answers")
    one_line(qgen("generate", "--kind", "shapes", "--seed", "1", "--out", docs), "not written by qgen")
    before = snapshot(exam_folder)
    one_line(qgen("exam", "regen", exam_folder / "exam.toml", "--roster", exam_folder / "roster.csv",
                  "--student", "s001", "--out", exam_folder), "an input of this run")
    assert snapshot(docs) == {"answers.json": b"my own answers"} and snapshot(exam_folder) == before
    # its own folder: generate replaces its files, as before
    assert qgen("generate", "--kind", "shapes", "--seed", "1", "--out", tmp_path / "set").returncode == 0
    assert qgen("generate", "--kind", "shapes", "--seed", "2", "--out", tmp_path / "set").returncode == 0
    assert json.loads((tmp_path / "set" / "answers.json").read_text())["seed"] == 2


def test_generate_keeps_a_users_file_and_never_replaces_one_of_the_same_name(tmp_path):
    out = tmp_path / "set"
    assert qgen("generate", "--kind", "shapes", "--seed", "1", "--format", "html", "--out", out).returncode == 0
    assert json.loads((out / MARKER).read_text())["files"] == ["answers.json", "practice.html"]
    (out / "notes.txt").write_text("mine")
    (out / "questions.pdf").write_text("my own questions")  # a name the pdf format writes
    before = snapshot(out)
    one_line(qgen("generate", "--kind", "shapes", "--seed", "2", "--out", out),
             "holds questions.pdf, which qgen did not write")
    assert snapshot(out) == before
    (out / "questions.pdf").unlink()
    assert qgen("generate", "--kind", "shapes", "--seed", "2", "--out", out).returncode == 0
    assert (out / "notes.txt").read_text() == "mine"  # kept
    assert "questions.pdf" in json.loads((out / MARKER).read_text())["files"]


def test_solve_pdf_replaces_only_regular_files(tmp_path):
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(PROBLEM))
    fifo, folder, link, target = tmp_path / "fifo", tmp_path / "folder", tmp_path / "link.pdf", tmp_path / "real.pdf"
    os.mkfifo(fifo)
    folder.mkdir()
    target.write_bytes(b"mine")
    link.symlink_to(target)
    cases = [(fifo, "a FIFO"), (link, "symbolic link")]
    if os.geteuid() == 0:  # a device like /dev/null (only root can make one)
        device = tmp_path / "null"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        cases.append((device, "a character device"))
    for path, kind in cases:
        one_line(qgen("solve", problem, "--pdf", path), f"--pdf {path}: ", kind)
    refused = qgen("solve", problem, "--pdf", folder)  # (click refuses a folder, as a usage error)
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and folder.is_dir() and not any(folder.iterdir())
    assert link.is_symlink() and target.read_bytes() == b"mine"
    if os.geteuid() == 0:
        assert stat.S_ISCHR(os.lstat(tmp_path / "null").st_mode)


# --- 2. output that works where the user can write ------------------------------------------------


def test_output_works_in_a_folder_whose_parent_is_read_only(exam_folder, tmp_path):
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(PROBLEM))
    home = tmp_path / "home"  # like a root-owned /home holding the user's own folder
    for user in ("u1", "u2", "u3"):
        (home / user).mkdir(parents=True)
    with read_only(home):
        assert qgen("solve", problem, "--pdf", home / "u1" / "sol.pdf").returncode == 0
        assert qgen("generate", "--kind", "shapes", "--seed", "1", "--out", home / "u2").returncode == 0
        done = qgen(*exam_args(exam_folder, "--out", home / "u3", "--force"))
        assert done.returncode == 0, done.stderr
        again = qgen(*exam_args(exam_folder, "--out", home / "u3", "--force"))  # replaces its own, in place
        assert again.returncode == 0, again.stderr
    assert page_texts(home / "u1" / "sol.pdf")
    assert (home / "u2" / "questions.pdf").exists() and (home / "u2" / MARKER).exists()
    assert sorted(p.name for p in (home / "u3").iterdir()) == sorted(
        [MARKER, "grading-keys.pdf", "keys.pdf", "manifest.csv", "manifest.json", "questions-print.pdf", "responses.csv",
         "students"])
    assert leftovers(home, home / "u1", home / "u2", home / "u3") == []


def test_output_to_the_top_of_a_mounted_disk(exam_folder, tmp_path):
    """A tmpfs mounted on the output folder, in a private mount namespace (`unshare`): a rename
    from outside it fails with EXDEV, so files must be staged on the disk itself."""
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(PROBLEM))
    disks = [tmp_path / d for d in ("d1", "d2", "d3")]
    copies = [tmp_path / f"copy-{d.name}" for d in disks]
    for d in disks + copies:
        d.mkdir()
    q = f"{sys.executable} -m qgen"
    config, roster = exam_folder / "exam.toml", exam_folder / "roster.csv"
    script = "\n".join([
        *(f"mount -t tmpfs none {d}" for d in disks),
        f"{q} generate --kind shapes --seed 1 --out {disks[0]} > /dev/null; echo generate $?",
        f"{q} solve {problem} --pdf {disks[0]}/sol.pdf > /dev/null; echo solve $?",
        f"{q} exam regen {config} --roster {roster} --student s001 --out {disks[1]} > /dev/null; echo regen $?",
        f"{q} exam {config} --roster {roster} --out {disks[2]} --force > /dev/null; echo build $?",
        *(f"cp -a {d}/. {c}/" for d, c in zip(disks, copies)),
    ])
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    done = subprocess.run([*unshare, "sh", "-c", script], capture_output=True, text=True, timeout=300)
    assert done.stdout.split("\n")[:4] == ["generate 0", "solve 0", "regen 0", "build 0"], done.stderr
    assert {"questions.pdf", "answers.json", "sol.pdf", MARKER} <= {p.name for p in copies[0].iterdir()}
    assert (copies[1] / "s001-key.pdf").exists() and (copies[2] / "students" / "s002-key.pdf").exists()
    assert leftovers(*copies) == []


def test_a_rename_across_devices_becomes_a_copy(tmp_path, monkeypatch):
    import errno

    import qgen.output

    target = tmp_path / "sol.pdf"
    target.write_bytes(b"%PDF-1.5 old, /Creator (qgen solve --pdf)")
    real, calls = os.replace, []

    def across_devices_once(source, dest):
        calls.append(dest)
        if len(calls) == 1:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real(source, dest)

    monkeypatch.setattr(qgen.output.os, "replace", across_devices_once)
    assert qgen.output.publish_file(b"new", target, "--pdf", "solve-pdf") == target
    assert target.read_bytes() == b"new" and len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sol.pdf"]  # no staging or copy left


def test_practice_is_all_or_nothing_when_an_entry_cannot_be_replaced(tmp_path):
    out = tmp_path / "set"
    assert qgen("generate", "--kind", "shapes", "--seed", "1", "--out", out).returncode == 0
    (out / "answers.json").unlink()
    (out / "answers.json").mkdir()
    (out / "answers.json" / "notes.txt").write_text("mine")
    before = snapshot(out)
    one_line(qgen("generate", "--kind", "shapes", "--seed", "2", "--out", out), "answers.json: is a folder")
    assert snapshot(out) == before and leftovers(out, tmp_path) == []


def _start_exam_and_wait_for_latex(exam_folder: Path, out: Path, env: dict, **popen) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "qgen", *map(str, exam_args(exam_folder, "--out", out))],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **popen)
    tmp = Path(env["TMPDIR"])
    deadline = time.monotonic() + 60
    while not (list(tmp.glob("qgen-latex-*")) and list(out.parent.glob(f".{out.name}.new-*"))):
        assert process.poll() is None and time.monotonic() < deadline, "LaTeX never started"
        time.sleep(0.005)
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_remove_every_temporary_folder(exam_folder, tmp_path, env, signum):
    env["QGEN_CACHE"] = str(tmp_path / "cache")  # cold: a format is dumped while we stop the run
    out = tmp_path / "out"
    process = _start_exam_and_wait_for_latex(exam_folder, out, env)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0 and "Traceback" not in err, err
    assert not out.exists()
    assert leftovers(tmp_path, tmp_path / "tmp") == []
    assert not list((tmp_path / "cache" / "formats").glob(".building-*"))


def test_after_sigkill_the_next_run_removes_what_it_left_and_says_so(exam_folder, tmp_path, env):
    out = tmp_path / "out"
    alive = tmp_path / "tmp" / f"qgen-latex-{os.getpid()}-keepme"  # a live process's folder
    alive.mkdir()
    process = _start_exam_and_wait_for_latex(exam_folder, out, env, start_new_session=True)
    os.killpg(process.pid, signal.SIGKILL)  # qgen and its pdflatex
    process.wait()
    left = leftovers(tmp_path, tmp_path / "tmp")
    assert any(n.startswith(".out.new-") for n in left) and any(n.startswith("qgen-latex-") for n in left)
    elsewhere = tmp_path / "elsewhere"  # a rebuild in another folder still finds them (the registry)
    again = qgen(*exam_args(exam_folder, "--out", elsewhere / "out"), env=env)
    assert again.returncode == 0, again.stderr
    lines = again.stderr.splitlines()
    assert len(lines) == 1 and "removed" in lines[0] and f"process {process.pid}" in lines[0], again.stderr
    assert leftovers(tmp_path, tmp_path / "tmp") == [alive.name]


def test_force_leaves_no_old_folder_even_when_old_files_are_read_only(exam_folder, tmp_path):
    out = tmp_path / "out"
    assert qgen(*exam_args(exam_folder, "--out", out)).returncode == 0
    for path in out.rglob("*"):
        path.chmod(0o444 if path.is_file() else 0o555)
    out.chmod(0o555)
    done = qgen(*exam_args(exam_folder, "--out", out, "--force"))
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path, out) == [] and (out / "keys.pdf").exists()


# --- 3. the same bytes, whatever the cache ------------------------------------------------------

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath}
"""


def test_the_same_bytes_with_a_cache_without_one_and_after_a_failed_dump(tmp_path, monkeypatch):
    tex = f"{PREAMBLE}% {uuid.uuid4().hex}\n\\begin{{document}}\nSome \\textbf{{text}} and $x^2$.\n\\end{{document}}\n"
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path / "cache"))
    cached = compile_pdf(tex)  # dumps the format into the cache
    assert list((tmp_path / "cache" / "formats").glob("*.fmt"))
    assert compile_pdf(tex) == cached  # loads it

    (tmp_path / "file").write_text("")
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path / "file"))  # no cache can be made
    assert compile_pdf(tex) == cached

    failing = tmp_path / "full-disk"
    monkeypatch.setenv("QGEN_CACHE", str(failing))
    real = B._dump_format
    monkeypatch.setattr(B, "_dump_format",
                        lambda preamble, target, *a: False if failing in target.parents else real(preamble, target, *a))
    assert compile_pdf(tex) == cached
    assert not [p for p in failing.rglob("*") if p.is_file()]  # nothing remembered of the failure
    monkeypatch.setattr(B, "_dump_format", real)
    assert compile_pdf(tex) == cached and list((failing / "formats").glob("*.fmt"))


def test_an_exam_has_the_same_bytes_without_a_format_cache(exam_folder, tmp_path, env):
    assert qgen(*exam_args(exam_folder, "--out", tmp_path / "a"), env=env).returncode == 0
    (tmp_path / "file").write_text("")
    assert qgen(*exam_args(exam_folder, "--out", tmp_path / "b"), env={**env, "QGEN_CACHE": str(tmp_path / "file")}
                ).returncode == 0
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


# --- 4. one line: no TeX Live, an empty instruction list ------------------------------------------


def test_without_pdflatex_on_path_every_command_says_tex_live_is_missing(exam_folder, tmp_path, env):
    env = {**env, "PATH": str(tmp_path / "nothing")}
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(PROBLEM))
    for args in (exam_args(exam_folder, "--out", tmp_path / "out"),
                 ["generate", "--kind", "shapes", "--seed", "1", "--out", tmp_path / "set"],
                 ["solve", problem, "--pdf", tmp_path / "sol.pdf"]):
        one_line(qgen(*args, env=env), "TeX Live is missing", "make run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exam", "p.json", "tmp"]  # nothing written
    assert leftovers(tmp_path / "tmp") == []


@pytest.mark.parametrize("instructions", ["instructions = []", 'instructions = ["", "  "]'])
def test_an_empty_instruction_list_with_a_calculator_policy_prints_the_policy(exam_folder, tmp_path, env, instructions):
    (exam_folder / "exam.toml").write_text(
        EXAM.format(extra=f'{instructions}\ncalculator = "Any calculator."'), encoding="utf-8")
    done = qgen(*exam_args(exam_folder, "--out", tmp_path / "out"), env=env)
    assert done.returncode == 0, done.stderr
    first_page = page_texts(tmp_path / "out" / "students" / "s001-questions.pdf")[0]
    assert "Calculator: Any calculator." in first_page
    assert leftovers(tmp_path / "tmp", tmp_path) == []
