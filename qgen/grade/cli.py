"""`qgen grade BUILD_DIR --responses FILLED.csv`: a thin layer over qgen.grade.run."""

from __future__ import annotations

from pathlib import Path

import click

from qgen.cli_errors import echo


@click.command()
@click.argument("build_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--responses", "responses", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILLED.csv", help="The build's responses.csv with the students' answers filled in.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Where to write the grades (default BUILD_DIR/grades/; replaced as a whole).")
@click.option("--follow-through", "fraction", metavar="FRACTION",
              help="Share of an entry's points for follow-through credit, 0 to 1 (default 1).")
@click.option("--decimal-comma", is_flag=True,
              help="Read 0,5 as a half (the comma is the decimal mark; a point is refused).")
@click.option("--lenient", is_flag=True,
              help="Mark cells that do not read as a number wrong (listed in the report) instead of stopping.")
def grade(build_dir, responses, out, fraction, decimal_comma, lenient):
    """Mark every student's answers against their own key, with follow-through and named mistakes."""
    from qgen.grade.run import grade as run

    folder = run(build_dir, responses, out, fraction, decimal_comma=decimal_comma, lenient=lenient)
    echo(f"Grades written to {folder}/")
