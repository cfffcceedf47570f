"""The one error type users see: bad input or an impossible request."""


class QgenError(Exception):
    """A problem with the user's input, told in one line that names the field.

    The CLI prints it on stderr and exits with status 2; nothing else about it is shown.
    """


class VerificationError(Exception):
    """The engine and its oracle disagree: an engine bug, never the user's fault.

    Nothing that failed the check may be printed; the CLI reports it as an internal error.
    """
