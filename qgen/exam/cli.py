"""`qgen exam`: the click group (registered in qgen.cli with main.add_command(exam)).

    qgen exam EXAM.toml --roster ROSTER.csv [--out DIR] [--force]     (= qgen exam build ...)
    qgen exam init [DIR | EXAM.toml]
    qgen exam plan EXAM.toml [--secret FILE]    (parts and points per part, nothing built)
    qgen exam regen EXAM.toml --roster ROSTER.csv --student ID [--out DIR] [--force] [--build DIR]
    qgen exam keys EXAM.toml --roster ROSTER.csv [--out DIR] [--force]   (the worked keys, later)

Errors in the input are one line on stderr and exit status 2, as everywhere in qgen.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from qgen.cli_errors import OneLineErrors, echo


class ExamGroup(OneLineErrors):
    """Subcommands build, init, plan, regen; `qgen exam EXAM.toml ...` means `qgen exam build EXAM.toml ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["build", *args]
        return super().parse_args(ctx, args)


@click.group(cls=ExamGroup)
def exam():
    """Personal exams for a class: a sheet and a key per student, a print file and a manifest.

    \b
      qgen exam init [DIR]                      starter exam.toml, roster.csv and exam.secret
      qgen exam plan EXAM.toml                  each question's parts and points per part
      qgen exam EXAM.toml --roster ROSTER.csv   build the whole exam (same as `qgen exam build`)
      qgen exam regen EXAM.toml --roster ROSTER.csv --student ID
      qgen exam keys EXAM.toml --roster ROSTER.csv     the worked keys, later
    """


_secret_option = click.option(
    "--secret", type=click.Path(dir_okay=False, path_type=Path),
    help="The secret file [default: EXAM.secret beside EXAM.toml]. Never share it.")


class _Bar:
    """A click progress bar on stderr whose label follows the phase. It appears with the first
    phase (so errors found while reading the input stay one line) and only on a terminal."""

    def __init__(self, students: int):
        self.length = 2 * students
        self.bar = None

    def __enter__(self):
        from qgen.exam.run import Progress

        return Progress(update=self._update, label=self._label)

    def _start(self):
        if self.bar is None and sys.stderr.isatty():
            self.bar = click.progressbar(length=self.length, label="", file=sys.stderr, show_eta=False, width=30)
            self.bar.__enter__()

    def _label(self, text: str):
        self._start()
        if self.bar is not None:
            self.bar.label = text.ljust(20)
            self.bar.render_progress()

    def _update(self, n: int):
        if self.bar is not None:
            self.bar.update(n)

    def __exit__(self, *exc):
        if self.bar is not None:
            return self.bar.__exit__(*exc)
        return False


@exam.command()
@click.argument("config", metavar="EXAM.toml", type=click.Path(path_type=Path))
@click.option("--roster", required=True, type=click.Path(path_type=Path), help="CSV with id and name columns (UTF-8).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: output/<exam title>].")
@click.option("--force", is_flag=True,
              help="Replace an existing output folder that qgen wrote (or an empty one), atomically.")
@_secret_option
def build(config, roster, out, force, secret):
    """Write every student's sheet and key, the print file, keys.pdf and the manifest."""
    from qgen.exam.run import build_exam, default_out_dir, read_inputs
    from qgen.exam.sheets import sides_for

    started = time.perf_counter()
    inputs = read_inputs(config, roster, secret)
    out_dir = out or default_out_dir(inputs.config)
    with _Bar(len(inputs.students)) as progress:
        build_exam(inputs, out_dir, force=force, progress=progress)
    n = len(inputs.students)
    keys = inputs.config.keys
    size = _size_of(out_dir)
    echo(f"Wrote the exam of {n} student{'s' if n != 1 else ''} to {out_dir}/ ({_human(size)}) "
               f"in {time.perf_counter() - started:.1f} s:")
    click.echo(f"  questions-print.pdf  {_human(_size_of(out_dir / 'questions-print.pdf')):>8}  "
               "every question sheet, each student from an odd page (print duplex)")
    if keys in ("worked", "both"):
        click.echo(f"  keys.pdf             {_human(_size_of(out_dir / 'keys.pdf')):>8}  every worked answer key")
    if keys in ("grading", "both"):
        click.echo(f"  grading-keys.pdf     {_human(_size_of(out_dir / 'grading-keys.pdf')):>8}  "
                   "every grading key, one page per student")
    manifests = sum(_size_of(out_dir / name) for name in ("manifest.csv", "manifest.json", "responses.csv"))
    click.echo(f"  manifest.csv, manifest.json, responses.csv  {_human(manifests)}  "
               "a row per student and question: seeds, parameters, answers")
    files = ", ".join(f"<id>-{side}.pdf" for side in sides_for(inputs.config))
    students = _size_of(out_dir / "students")
    click.echo(f"  students/            {_human(students):>8}  {files} for each student "
               f"({_human(students // max(n, 1))} a student)")

    for line in progress.spread:
        click.echo(line)

def _size_of(path: Path) -> int:
    """Bytes of a file, or of the files in a folder (and its subfolders)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _human(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


@exam.command()
@click.argument("config", metavar="EXAM.toml", type=click.Path(path_type=Path))
@click.option("--roster", required=True, type=click.Path(path_type=Path), help="The roster the exam was built with.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: output/<exam title>-keys].")
@click.option("--force", is_flag=True, help="Replace an existing output folder (atomically).")
@_secret_option
def keys(config, roster, out, force, secret):
    """Write the worked keys later: students/<id>-key.pdf and keys.pdf, byte-identical to a build's."""
    from qgen.exam.run import build_worked_keys, default_out_dir, read_inputs

    inputs = read_inputs(config, roster, secret)
    out_dir = out or default_out_dir(inputs.config).with_name(default_out_dir(inputs.config).name + "-keys")
    with _Bar(len(inputs.students)) as progress:
        build_worked_keys(inputs, out_dir, force=force, progress=progress)
    n = len(inputs.students)
    students = _size_of(out_dir / "students")
    echo(f"Wrote the worked keys of {n} student{'s' if n != 1 else ''} to {out_dir}/ ({_human(_size_of(out_dir))}):")
    click.echo(f"  keys.pdf             {_human(_size_of(out_dir / 'keys.pdf')):>8}  every worked answer key")
    click.echo(f"  students/            {_human(students):>8}  <id>-key.pdf for each student "
               f"({_human(students // max(n, 1))} a student)")


@exam.command()
@click.argument("config", metavar="EXAM.toml", type=click.Path(path_type=Path))
@click.option("--roster", required=True, type=click.Path(path_type=Path), help="The roster the exam was built with.")
@click.option("--student", "student_id", required=True, help="The student's id in the roster.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: output/<exam title>-regen].")
@click.option("--force", is_flag=True, help="Replace this student's files in the output folder.")
@click.option("--build", "build_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The class build, whose secret must be the one given [default: output/<exam title>].")
@_secret_option
def regen(config, roster, student_id, out, force, build_dir, secret):
    """Regenerate one student's sheet and key, byte-identical to the class run's (needs the secret)."""
    from qgen.exam.manifest import check_build_secret
    from qgen.exam.run import default_out_dir, find_student, read_inputs, regen_student

    inputs = read_inputs(config, roster, secret)
    check_build_secret(build_dir or default_out_dir(inputs.config), inputs.secret, required=build_dir is not None)
    from qgen.exam import sheets

    index = find_student(inputs, student_id)
    out_dir = out or default_out_dir(inputs.config).with_name(default_out_dir(inputs.config).name + "-regen")
    with _Bar(len(inputs.students[index - index % sheets.CHUNK:][:sheets.CHUNK])) as progress:
        exam_, paths = regen_student(inputs, student_id, out_dir, force=force, progress=progress)
    echo(f"{exam_.student.name} ({student_id}), version {exam_.code}: wrote to {out_dir}/")
    for path in paths:
        echo(f"  {path.name}")


@exam.command()
@click.argument("config", metavar="EXAM.toml", type=click.Path(path_type=Path))
@_secret_option
def plan(config, secret):
    """Print each question's parts and points per part (from the secret; nothing is built)."""
    from qgen.exam.plan import plan_lines

    for line in plan_lines(config, secret):
        click.echo(line)


@exam.command()
@click.argument("where", metavar="[DIR | EXAM.toml]", required=False, type=click.Path(path_type=Path))
def init(where):
    """Write a starter exam.toml and roster.csv (where missing) and a new secret (never overwritten)."""
    from qgen.exam.init import init_exam

    for line in init_exam(where or Path(".")):
        click.echo(line)


from qgen.moodle.cli import exam_moodle  # noqa: E402

exam.add_command(exam_moodle)
