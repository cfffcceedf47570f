"""The command line: a thin click layer over the library.

Every QgenError becomes one line on stderr and exit status 2; an oracle disagreement (an engine
bug, never the user's fault) becomes one line and exit status 1. No traceback reaches the user.
"""

from __future__ import annotations

import json
import sys

import click

from qgen.errors import QgenError, VerificationError


class UserError(click.ClickException):
    exit_code = 2

    def show(self, file=None):
        click.echo(f"qgen: {self.message}", err=True)


class InternalError(click.ClickException):
    exit_code = 1

    def show(self, file=None):
        click.echo(f"qgen: internal error, nothing was written: {self.message}", err=True)


class QgenGroup(click.Group):
    """Turns the library's errors into one clear line each."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QgenError as e:
            raise UserError(str(e)) from None
        except VerificationError as e:
            raise InternalError(f"the answer failed the oracle check ({e})") from None


@click.group(cls=QgenGroup)
@click.version_option(package_name="qgen")
def main():
    """qgen: backpropagation questions with answer keys checked by an oracle."""


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--exact", is_flag=True, help="Print every value as a reduced fraction; refuse problems that are not rational.")
def solve(file, exact):
    """Solve the problem in FILE (JSON, or - for stdin) and print the solution as JSON."""
    from qgen.solve import solve_text

    try:
        text = file.read()
    except UnicodeDecodeError:
        raise QgenError(f"{file.name}: not UTF-8 text") from None
    click.echo(json.dumps(solve_text(text, exact=exact), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
