"""How every command reports failure: one line on stderr, no traceback.

A QgenError (the user's input) exits with status 2; a VerificationError (an answer that failed
its oracle: an engine bug) with status 1. A click usage error (`--count 1.5`, a missing option)
is one line too, with the usage and where to find help, and exit status 2. Both the main group
and `qgen exam` use OneLineErrors.

Every message passes through `clean` here, the one place: user text in it (a path, a --set or
--format value, a cell) is shown escaped, repr-like (ESC as \\x1b, a newline as \\n), so a message
is always one line and never a terminal control sequence.
"""

from __future__ import annotations

import unicodedata

import click
from click.exceptions import NoArgsIsHelpError

from qgen.errors import QgenError, VerificationError


_UNSAFE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")  # controls, format (bidi), surrogates, unassigned, separators


def clean(text: str) -> str:
    """`text` with every character a terminal could act on, or that breaks the line, escaped
    repr-like: ESC -> \\x1b, newline -> \\n, U+202E -> \\u202e, an undecodable byte -> \\udcff."""
    text = str(text)
    if text.isprintable():  # the common case: nothing to do (isprintable is False for all of _UNSAFE but spaces)
        return text
    return "".join(ch if ch == " " or unicodedata.category(ch) not in _UNSAFE
                   else ch.encode("unicode_escape", "backslashreplace").decode("ascii") for ch in text)


def echo(text: str = "", err: bool = False) -> None:
    """click.echo of one clean line (for messages that show a user's path or text)."""
    click.echo(clean(text), err=err)


class UserError(click.ClickException):
    exit_code = 2

    def show(self, file=None):
        click.echo(f"qgen: {clean(self.message)}", err=True)


class InternalError(click.ClickException):
    exit_code = 1

    def show(self, file=None):
        click.echo(f"qgen: internal error, nothing was written: {clean(self.message)}", err=True)


class OneLineUsageError(click.UsageError):
    """click's usage error in one line: what is wrong, the usage, and the help command."""

    def __init__(self, error: click.UsageError):
        super().__init__(error.format_message(), error.ctx)

    def show(self, file=None):
        hint = ""
        if self.ctx is not None:
            usage = " ".join(self.ctx.command.collect_usage_pieces(self.ctx))
            hint = f" (usage: {self.ctx.command_path} {usage}; see {self.ctx.command_path} --help)"
        click.echo(f"qgen: {clean(self.message.rstrip('.') + hint)}", err=True)


def _one_line(error: click.ClickException) -> click.ClickException:
    if isinstance(error, (UserError, InternalError, OneLineUsageError, NoArgsIsHelpError)):
        return error  # (`qgen exam` alone asks for its help: click prints it whole)
    if isinstance(error, click.UsageError):
        return OneLineUsageError(error)
    return UserError(error.format_message())  # e.g. click.File cannot open the file


class OneLineErrors(click.Group):
    """A click group that turns the library's errors into one clear line each."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as e:
            raise _one_line(e) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QgenError as e:
            raise UserError(str(e)) from None
        except VerificationError as e:
            raise InternalError(f"an answer failed the oracle check ({e})") from None
        except click.ClickException as e:
            raise _one_line(e) from None
