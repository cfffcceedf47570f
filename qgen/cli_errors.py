"""How every command reports failure: one line on stderr, no traceback.

A QgenError (the user's input) exits with status 2; a VerificationError (an answer that failed
its oracle: an engine bug) with status 1. Both the main group and `qgen exam` use OneLineErrors.
"""

from __future__ import annotations

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


class OneLineErrors(click.Group):
    """A click group that turns the library's errors into one clear line each."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QgenError as e:
            raise UserError(str(e)) from None
        except VerificationError as e:
            raise InternalError(f"an answer failed the oracle check ({e})") from None
