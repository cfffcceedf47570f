"""Runs one confined TeX process: no shell, reads and writes only in its folder, a fixed date.

Documents hold user text, so every run is confined (openin_any/openout_any = p, no shell
escape) and reproducible (SOURCE_DATE_EPOCH). The processes running are remembered, so that
SIGINT/SIGTERM (qgen.tempdirs.on_stop) ends them all and starts no new one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

from qgen import tempdirs
from qgen.errors import QgenError

ENGINE = "pdflatex"


class LatexError(QgenError):
    """pdflatex failed or timed out; the message has the LaTeX error and where the files are."""


def require_tex() -> None:
    """One clear line, not a traceback, when TeX Live is not installed."""
    if shutil.which(ENGINE) is None:
        raise QgenError(f"TeX Live is missing (no {ENGINE} on PATH): `make run` installs it (see the README's Set up)")


def _safe_env(build_dir: Path, epoch: int) -> dict[str, str]:
    return dict(
        os.environ,
        # Documents hold user text: read and write only in the build folder, no shell.
        openin_any="p",
        openout_any="p",
        shell_escape="f",
        TEXMFOUTPUT=str(build_dir),
        # Reproducible: fixed dates in the PDF (and \today), see also \pdftrailerid.
        SOURCE_DATE_EPOCH=str(epoch),
        FORCE_SOURCE_DATE="1",
        # Unwrapped log lines, so error messages can be read back whole.
        max_print_line="1000",
        error_line="254",
        half_error_line="238",
    )


_running: set[subprocess.Popen] = set()  # TeX processes of this run, stopped by SIGINT/SIGTERM
_running_guard = threading.RLock()  # re-entrant: the signal handler may run while it is held
_stopping = threading.Event()


def _stop_tex() -> None:
    """Called on SIGINT/SIGTERM: end every TeX process now and start no new one."""
    _stopping.set()
    with _running_guard:
        for process in _running:
            process.kill()


tempdirs.on_stop(_stop_tex)


def run_tex(args: list[str], build_dir: Path, timeout: float, epoch: int) -> int:
    """Run a TeX command in build_dir; returns its exit status (TimeoutExpired propagates)."""
    with _running_guard:
        if _stopping.is_set():
            raise LatexError("stopped (the run was interrupted)")
        process = subprocess.Popen(args, cwd=build_dir, env=_safe_env(build_dir, epoch), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _running.add(process)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    finally:
        with _running_guard:
            _running.discard(process)

