"""The command line: a thin click layer over the library.

Every QgenError becomes one line on stderr and exit status 2; an oracle disagreement (an engine
bug, never the user's fault) becomes one line and exit status 1. No traceback reaches the user.
"""

from __future__ import annotations

import json
import sys

import click

from qgen.cli_errors import OneLineErrors
from qgen.errors import QgenError

MAX_PROBLEM_BYTES = 1_000_000  # a `qgen solve` problem (README, "Limits")
MAX_SET_QUESTIONS = 200  # questions in one practice set (count × kinds): a sheet, not a book
MAX_SEED = 2**64 - 1
SEED = click.IntRange(0, MAX_SEED)  # numpy's SeedSequence takes non-negative integers only


@click.group(cls=OneLineErrors)
@click.version_option(package_name="qgen")
def main():
    """qgen: backpropagation questions with answer keys checked by an oracle."""
    from qgen.tempdirs import install_signal_handlers

    install_signal_handlers()  # SIGINT/SIGTERM remove every temporary folder, as an error does


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option("--exact", is_flag=True, help="Print every value as a reduced fraction; refuse problems that are not rational.")
@click.option("--pdf", type=click.Path(dir_okay=False), metavar="OUT.pdf",
              help="Also write the worked solution, typeset like an answer key. On any error neither the "
                   "JSON nor the PDF is produced.")
def solve(file, exact, pdf):
    """Solve the problem in FILE (JSON, or - for stdin) and print the solution as JSON."""
    from qgen.solve import solve_text

    name = getattr(file, "name", "<stdin>")
    raw = file.read(MAX_PROBLEM_BYTES + 1)  # bounded: `qgen solve /dev/zero` must not fill the memory
    if len(raw) > MAX_PROBLEM_BYTES:
        raise QgenError(f"{name}: larger than {MAX_PROBLEM_BYTES:,} bytes, too large for a problem")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QgenError(f"{name}: not UTF-8 text") from None
    answer = solve_text(text, exact=exact)
    if pdf:  # before the JSON: all or nothing
        from pathlib import Path

        from qgen.worked import write_worked_pdf

        write_worked_pdf(text, name, Path(pdf))
    click.echo(json.dumps(answer, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])


def _parse_sets(pairs: tuple[str, ...]) -> dict:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QgenError(f"--set {pair}: expected NAME=VALUE, for example --set sizes=2-3-2")
        overrides[name.strip()] = value.strip()
    return overrides


KIND_HELP = "Question kind (repeat for several): graph, jacobian, gates, softmax-ce, mlp, shapes, batch, gradcheck."


@main.command()
def kinds():
    """List the question kinds with their options and defaults."""
    from qgen.kinds.base import DIFFICULTIES, MODES
    from qgen.randomiser import KIND_MODULES, kind_module

    click.echo(f"Every kind takes --difficulty ({', '.join(DIFFICULTIES)}; default easy) and --mode ({', '.join(MODES)}; default exact).")
    click.echo("Options are set with --set NAME=VALUE; defaults are given per difficulty (easy / medium / hard).\n")
    for name in KIND_MODULES:
        module = kind_module(name)
        click.echo(f"{name}: {module.SUMMARY}")
        for opt in module.OPTIONS:
            defaults = " / ".join(_shown(opt.defaults[d]) for d in DIFFICULTIES)
            choices = f" [{' | '.join(opt.choices)}]" if opt.choices else ""
            click.echo(f"  {opt.name:<18} {opt.help}{choices}; default {defaults}")
        click.echo("")


def _shown(value) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _request(kind, count, seed, difficulty, mode, sets):
    from qgen.practice import PracticeRequest

    if count < 1:
        raise QgenError("--count: expected a positive number of questions")
    return PracticeRequest(tuple(kind), count, seed, difficulty, mode, _parse_sets(sets))


@main.command()
@click.option("--kind", "kind", multiple=True, required=True, help=KIND_HELP)
@click.option("--count", type=int, default=1, show_default=True, help="Questions of each kind.")
@click.option("--seed", type=SEED, required=True, help="Master seed: the same seed gives the same files.")
@click.option("--difficulty", default="easy", show_default=True, help="easy, medium or hard.")
@click.option("--mode", default="exact", show_default=True, help="exact, given or calculator.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="A kind option (see `qgen kinds`); repeatable.")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder [default: output/practice-KINDS-seedS].")
@click.option("--format", "format_", default="pdf", show_default=True, metavar="pdf|html|pdf,html",
              help="pdf: the sheet and key; html: practice.html, a self-checking page; or both.")
@click.option("--paper", default="a4", show_default=True, help="Paper size: a4 or letter.")
@click.option("--conventions", default="full", show_default=True,
              help="The conventions box: notation, gate-table (notation and the note's gate table) or full.")
def generate(kind, count, seed, difficulty, mode, sets, out, format_, paper, conventions):
    """Write questions.pdf, answers.pdf, their .tex sources and answers.json (and practice.html)."""
    from dataclasses import replace
    from pathlib import Path

    from qgen.practice import default_out_dir, read_formats, write_practice

    formats = read_formats(format_)
    for name, value, allowed in (("--paper", paper, ("a4", "letter")),
                                 ("--conventions", conventions, ("notation", "gate-table", "full"))):
        if value not in allowed:
            raise QgenError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
    if count * len(kind) > MAX_SET_QUESTIONS:
        raise QgenError(f"--count: at most {MAX_SET_QUESTIONS} questions in one set, got {count} × {len(kind)} "
                        f"kind{'s' if len(kind) > 1 else ''} = {count * len(kind)}; write several sets")
    request = replace(_request(kind, count, seed, difficulty, mode, sets), paper=paper, conventions=conventions)
    out_dir = Path(out) if out else default_out_dir(request)
    total = count * len(kind)
    with click.progressbar(length=total, label="Drawing and checking", file=sys.stderr,
                           show_pos=True) if total >= 20 else _NoBar() as bar:
        paths = write_practice(request, out_dir, progress=bar.update, formats=formats)
    click.echo(f"Wrote {total} question{'s' if total > 1 else ''} to {out_dir}/:")
    for path in paths:
        click.echo(f"  {path.name}")


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass


@main.command()
@click.option("--kind", "kind", multiple=True, help="Kinds to check [default: all]. " + KIND_HELP)
@click.option("--count", type=int, default=1000, show_default=True, help="Variants per kind.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Master seed.")
@click.option("--difficulty", default="easy", show_default=True, help="easy, medium or hard.")
@click.option("--mode", default="exact", show_default=True, help="exact, given or calculator.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="A kind option; repeatable.")
def check(kind, count, seed, difficulty, mode, sets):
    """Stress-test kinds: draw and verify COUNT variants each, compile nothing; exit 1 on any failure."""
    from qgen.check import check_kind
    from qgen.randomiser import KIND_MODULES

    request = _request(kind or tuple(KIND_MODULES), count, seed, difficulty, mode, sets)
    options = request.options_by_kind()
    failed = False
    for name in request.kinds:
        with click.progressbar(length=count, label=f"Checking {name}", file=sys.stderr) as bar:
            report = check_kind(name, count, seed, options[name], progress=bar.update)
        click.echo(report.line())
        for failure in report.failures[:10]:
            click.echo(f"  FAILED {failure}")
        failed = failed or bool(report.failures)
    if failed:
        raise click.exceptions.Exit(1)

from qgen.exam.cli import exam  # noqa: E402

main.add_command(exam)

from qgen.moodle.cli import export  # noqa: E402

main.add_command(export)

from qgen.grade.cli import grade  # noqa: E402

main.add_command(grade)
