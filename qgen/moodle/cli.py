"""`qgen export moodle` and `qgen exam moodle`: a thin click layer over qgen.moodle.export.

    qgen export moodle --kind KIND … --count N --seed S [--difficulty D] [--mode M] [--set …] [--out quiz.xml]
    qgen exam moodle EXAM.toml --count N [--secret FILE] [--out quiz.xml]
"""

from __future__ import annotations

from pathlib import Path

import click

from qgen.cli_errors import OneLineErrors, echo
from qgen.cli_options import SEED, practice_request
from qgen.errors import QgenError


MAX_COUNT = 1000

_count_option = click.option("--count", type=int, default=20, show_default=True,
                             help="Variants of each question (one Moodle category each).")
_out_option = click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                           help="The Moodle XML file; its answers go beside it as <name>-answers.json.")


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_COUNT:
        raise QgenError(f"--count: expected a number of variants from 1 to {MAX_COUNT}, got {count}")


def _report(paths: list[Path], questions) -> None:
    variants = sum(len(q.variants) for q in questions)
    click.echo(f"Wrote {len(questions)} question categor{'y' if len(questions) == 1 else 'ies'} "
               f"with {variants} variants:")
    echo(f"  {paths[0]}  import in Moodle: the question bank's Import, Moodle XML format")
    echo(f"  {paths[1]}  every variant's seed and answers, by idnumber (keep it from students)")


@click.group(cls=OneLineErrors)
def export():
    """Export verified variants to other systems (Moodle XML)."""


@export.command("moodle")
@click.option("--kind", "kind", multiple=True, required=True,
              help="Question kind, one Moodle category each (repeat for several).")
@_count_option
@click.option("--seed", type=SEED, required=True, help="Master seed (0 to 2**64 - 1): the same seed gives the same file.")
@click.option("--difficulty", default="easy", show_default=True, help="easy, medium or hard.")
@click.option("--mode", default="exact", show_default=True, help="exact, given or calculator.")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="A kind option (see `qgen kinds`); repeatable.")
@_out_option
def export_moodle(kind, count, seed, difficulty, mode, sets, out):
    """N variants of each kind as Moodle cloze questions, graded by Moodle."""
    from qgen.moodle.export import practice_quiz, practice_title, quiz_targets, write_quiz

    _check_count(count)
    request = practice_request(kind, 1, seed, difficulty, mode, sets)
    out = out or Path("output") / f"moodle-{'-'.join(request.kinds)}-seed{seed}.xml"
    quiz_targets(out)  # before any work
    questions = practice_quiz(request, count)
    source = {"seed": seed, "kinds": list(request.kinds), "count": count, "difficulty": difficulty, "mode": mode}
    _report(write_quiz(practice_title(request), questions, out, source), questions)


@click.command("moodle")
@click.argument("config", metavar="EXAM.toml", type=click.Path(path_type=Path))
@_count_option
@click.option("--secret", type=click.Path(dir_okay=False, path_type=Path),
              help="The secret file [default: EXAM.secret beside EXAM.toml]. Never share it.")
@_out_option
def exam_moodle(config, count, secret, out):
    """N variants of each exam question as Moodle cloze questions (numbers drawn from the secret)."""
    from qgen.exam.config import load_config
    from qgen.exam.run import slug
    from qgen.exam.secrets import load_secret, secret_path_for
    from qgen.moodle.export import exam_quiz, quiz_targets, write_quiz

    _check_count(count)
    exam = load_config(config)
    secret = secret or secret_path_for(config)
    key = load_secret(secret, config)
    out = out or Path("output") / f"{slug(exam.title)}-moodle.xml"
    inputs = (config, secret)  # never replaced by the quiz
    quiz_targets(out, inputs)  # before any work
    questions = exam_quiz(exam, key, count)
    source = {"exam": {"title": exam.title, "course": exam.course}, "count": count}
    _report(write_quiz(exam.title, questions, out, source, inputs), questions)
