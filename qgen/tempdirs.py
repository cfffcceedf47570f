"""Temporary folders that name the process that made them, so nothing of qgen's is left behind.

Every temporary folder qgen makes is named PREFIX<pid>-<random>:
* a run that ends normally, or by SIGINT / SIGTERM, removes its own (`remove`, `remove_all`);
* after a SIGKILL a later run removes those whose process is gone (`sweep`), and says so in
  one line on stderr. A folder of a live process, of another user, or of another name is kept.
  A later run finds them in the places it writes to, and anywhere else through a registry: each
  folder made is noted in $QGEN_CACHE/running (one small file holding its path) until it is
  removed or kept, so a rebuild in another folder still sweeps what a killed run left.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
from pathlib import Path

from qgen.cache_files import cache_root
from qgen.errors import QgenError

LATEX_PREFIX = "qgen-latex-"  # LaTeX's build folders in the system temp folder (qgen.build)

_live: dict[Path, Path | None] = {}  # folder -> its registry entry
_live_guard = threading.RLock()  # re-entrant: a signal handler may run while it is held
_on_stop: list = []  # callbacks run first when a signal stops the run (e.g. kill pdflatex)


def make(prefix: str, parent: Path | str | None = None) -> Path:
    """A new private folder PREFIX<pid>-<random> in `parent` (default: the system temp folder)."""
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)).absolute()
    with _live_guard:
        _live[path] = _register(path)
    return path


def forget(path: Path) -> None:
    """`path` is no longer temporary (it was renamed into place, or is kept on purpose)."""
    path = Path(path).absolute()
    with _live_guard:
        entry = _live.pop(path, None)
    if entry is not None:
        try:
            os.unlink(entry)
        except OSError:
            pass


def _registry() -> Path:
    """$QGEN_CACHE/running (the cache of qgen.build, default ~/.cache/qgen)."""
    return cache_root() / "running"


def _register(path: Path) -> Path | None:
    """Note `path` in the registry (best effort: without a writable cache, nothing is noted)."""
    try:
        _registry().mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, entry = tempfile.mkstemp(prefix=f"{os.getpid()}-", dir=_registry())
        with os.fdopen(fd, "wb") as f:
            f.write(os.fsencode(path))
        return Path(entry)
    except OSError:
        return None


def remove(path: Path | None) -> None:
    """Delete a folder and everything in it, read-only files and folders included."""
    if path is None:
        return
    forget(path)
    rmtree(Path(path))


def rmtree(path: Path) -> None:
    """shutil.rmtree, after making every folder inside writable (an entry of a read-only
    folder cannot be deleted, even when the entry itself could be)."""
    path = Path(path)
    if not os.path.lexists(path):
        return
    if path.is_dir() and not path.is_symlink():
        _make_folders_writable(path)
    shutil.rmtree(path, ignore_errors=True)


def _make_folders_writable(top: Path) -> None:
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            os.chmod(folder, stat.S_IMODE(os.lstat(folder).st_mode) | stat.S_IRWXU)
            pending += [Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
        except OSError:
            pass


def remove_all() -> None:
    """Remove every temporary folder this process still holds."""
    with _live_guard:
        paths = list(_live)
    for path in paths:
        remove(path)


atexit.register(remove_all)


def on_stop(callback) -> None:
    """Run `callback()` first when SIGINT or SIGTERM stops the run (before folders are removed)."""
    _on_stop.append(callback)


def _stop(signum, _frame):
    for callback in _on_stop:
        callback()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)  # unwinds: every `finally` removes its folder, then atexit


def install_signal_handlers() -> None:
    """SIGINT and SIGTERM unwind the run like an error, so every temporary folder is removed."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)


# --- after a SIGKILL ----------------------------------------------------------------------


def _process_is_gone(pid: int) -> bool:
    if pid <= 0:
        return False  # never one of ours
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def stale(folder: Path, prefix: str) -> list[Path]:
    """Folders PREFIX<pid>-<random> in `folder`, ours (same user), whose process is gone."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[A-Za-z0-9_]+$")
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and _process_is_gone(int(m.group(1))):
            found.append(Path(entry.path))
    return found


def registered_stale() -> list[Path]:
    """Folders the registry notes for processes that are gone (their entries are deleted)."""
    from qgen.reading import read_bytes

    found = []
    try:
        entries = list(os.scandir(_registry()))
    except OSError:
        return []
    for entry in entries:
        m = re.match(r"(\d+)-", entry.name)
        if not m or not _process_is_gone(int(m.group(1))):
            continue
        try:
            path = Path(os.fsdecode(read_bytes(Path(entry.path), "registry")))
            info = os.lstat(path)
            if (path.is_absolute() and stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
                    and re.search(rf"\D{m.group(1)}-[A-Za-z0-9_]+$", path.name)):
                found.append(path)
        except (OSError, ValueError, QgenError):  # a torn entry, or its folder gone already
            pass
        try:
            os.unlink(entry.path)
        except OSError:
            pass
    return found


def sweep(*places: tuple[Path, str]) -> list[Path]:
    """Remove the stale folders of each (folder, prefix), of qgen's LaTeX runs in the system
    temp folder, and those the registry notes; one line on stderr says what was removed."""
    found = []
    for folder, prefix in [(Path(tempfile.gettempdir()), LATEX_PREFIX), *places]:
        found += stale(Path(folder), prefix)
    found = list(dict.fromkeys([p.absolute() for p in found] + registered_stale()))
    for path in found:
        rmtree(path)
    if found:
        pids = sorted({int(re.search(r"(\d+)-[A-Za-z0-9_]+$", p.name).group(1)) for p in found})
        print(f"qgen: removed {len(found)} temporary folder{'s' if len(found) > 1 else ''} left by an "
              f"interrupted run (process {', '.join(map(str, pids))}, gone)", file=sys.stderr)
    return found
