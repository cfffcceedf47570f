"""The cache of precompiled LaTeX formats: a preamble loaded once, then ~0.1 s saved per run.

A format is keyed by the engine, the date (SOURCE_DATE_EPOCH) and the preamble; it lives in
cache_root()/formats (at most MAX_FORMATS, the least recently used removed), or, when the cache
cannot be written, in this process's temporary folder, so that the PDF has the same bytes either
way. bench/latex_costs.py measures what a format saves.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

from qgen import tempdirs
from qgen.cache_files import cache_root, keep_newest  # cache_root: formats live in its `formats` folder
from qgen.tempdirs import LATEX_PREFIX  # build folders: qgen-latex-<pid>-<random>
from qgen.tex_run import ENGINE, run_tex

MAX_FORMATS = 16  # formats are ~7 MB each; the least recently used beyond this are removed


@lru_cache(maxsize=1)
def _engine_id() -> str:
    """Formats only load into the exact engine and base format that dumped them."""
    version = subprocess.run(
        [ENGINE, "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[:1]
    base = subprocess.run(
        ["kpsewhich", "-engine=pdftex", "pdflatex.fmt"], capture_output=True, text=True, check=False
    ).stdout.strip()
    stamp = os.stat(base).st_mtime_ns if base and os.path.exists(base) else 0
    return f"{version}|{base}|{stamp}"


_format_locks: dict[str, threading.Lock] = {}
_format_locks_guard = threading.Lock()


def format_key(preamble: str, epoch: int) -> str:
    # epoch too: a preamble may read the date (\year) while the format is dumped.
    return hashlib.sha256(f"{_engine_id()}\0{epoch}\0{preamble}".encode()).hexdigest()[:32]


def format_lock(key: str) -> threading.Lock:
    with _format_locks_guard:
        return _format_locks.setdefault(key, threading.Lock())


def format_for(preamble: str, timeout: float, epoch: int) -> Path | None:
    """The format for this preamble: the cached one (built if missing), else (no writable cache,
    a full disk) one dumped for this process alone; None only if the preamble cannot be dumped."""
    key = format_key(preamble, epoch)
    with format_lock(key):  # threads of one process build a format once; processes rely on the rename
        return _cached_format(key, preamble, timeout, epoch) or private_format(preamble, timeout, epoch)


def _cached_format(key: str, preamble: str, timeout: float, epoch: int) -> Path | None:
    folder = cache_root() / "formats"
    fmt = folder / f"{key}.fmt"
    try:
        if fmt.exists():
            os.utime(fmt)  # mark as recently used, for pruning
            return fmt
        folder.mkdir(parents=True, exist_ok=True)
        tempdirs.sweep((folder, ".building-"))
        if _dump_format(preamble, fmt, timeout, epoch):
            _prune_formats(folder)
            return fmt
    except OSError:  # an unwritable cache
        pass
    return None  # nothing is remembered: a failure must not change later output


_private_formats: dict[str, Path | None] = {}  # key -> this process's own format (None: cannot be built)
_private_folder: list[Path] = []


def private_format(preamble: str, timeout: float, epoch: int, fresh: bool = False) -> Path | None:
    """A format dumped into this process's temporary folder (removed at exit): the same format
    as a cached one, so the PDF has the same bytes. Dumped once per process and preamble (and
    again with `fresh`). Call with the preamble's _lock held."""
    key = format_key(preamble, epoch)
    if key not in _private_formats or fresh:
        try:
            with _format_locks_guard:
                if not _private_folder:
                    _private_folder.append(tempdirs.make(LATEX_PREFIX))
            fmt = _private_folder[0] / f"{key}.fmt"
            _private_formats[key] = fmt if _dump_format(preamble, fmt, timeout, epoch) else None
        except OSError:
            _private_formats[key] = None
    return _private_formats[key]


def _dump_format(preamble: str, target: Path, timeout: float, epoch: int) -> bool | None:
    """pdftex -ini with mylatexformat (bench/latex_costs.py measures what it saves); the result is renamed into place
    atomically, so concurrent builders never see a half-written format.
    True: built; False: LaTeX failed (or the disk is full); None: timed out."""
    work = tempdirs.make(".building-", target.parent)
    try:
        (work / "doc.tex").write_text(preamble + "\\begin{document}\n\\end{document}\n", "utf-8")
        args = ["pdftex", "-ini", "-no-shell-escape", "-interaction=batchmode", "-halt-on-error",
                "-jobname=fmt", "&pdflatex", "mylatexformat.ltx", "doc.tex"]
        try:
            status = run_tex(args, work, timeout, epoch)
        except subprocess.TimeoutExpired:
            return None
        if status != 0 or not (work / "fmt.fmt").exists():
            return False
        os.replace(work / "fmt.fmt", target)
        return True
    finally:
        tempdirs.remove(work)


def is_private(fmt: Path) -> bool:
    return fmt in _private_formats.values()


def forget_format(fmt: Path) -> None:
    """A format that fails where a plain run works is damaged or wrong: delete it (a cached
    one is dumped again by the next run that needs it)."""
    for key, path in list(_private_formats.items()):
        if path == fmt:
            _private_formats[key] = None
    try:
        fmt.unlink(missing_ok=True)
    except OSError:
        pass


def _prune_formats(folder: Path) -> None:
    keep_newest(folder, lambda name: name.endswith(".fmt"), MAX_FORMATS)

