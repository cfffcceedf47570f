"""qgen's cache folder and the file work its caches share.

The folder is $QGEN_CACHE, else ~/.cache/qgen; each cache has a folder of its own in it (formats,
pictures, glyphs, templates, running). An entry is written whole or not at all (a temporary file
beside it, renamed into place), so a reader sees the old entry or the new one, never half of one;
the temporary files of writers killed meanwhile are removed an hour later; a cache kept to a
number of entries loses the least recently used first, and only files it names as its own. A
cache never fails a run: callers treat an OSError as a cache they cannot use.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

STALE = 3600  # seconds after which a temporary file left by a killed writer is removed


def cache_root() -> Path:
    """$QGEN_CACHE, else ~/.cache/qgen (read at each call: tests change it)."""
    return Path(os.environ.get("QGEN_CACHE") or Path.home() / ".cache" / "qgen")


def write_whole(path: Path, data: bytes) -> None:
    """`path` holds `data` afterwards, or, when this raises, what it held before."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sweep(path.parent)


def _sweep(folder: Path) -> None:
    """The temporary files of write_whole's writers killed more than STALE seconds ago."""
    now = time.time()
    for path in folder.glob(".*.tmp"):
        try:
            if now - path.stat().st_mtime > STALE:
                path.unlink()
        except OSError:
            pass


def keep_newest(folder: Path, is_entry: Callable[[str], bool], most: int) -> None:
    """Remove the least recently used of the files whose name is_entry() beyond `most`."""
    entries = []
    for entry in os.scandir(folder):
        if is_entry(entry.name):
            try:
                entries.append((entry.stat().st_mtime_ns, entry.path))
            except OSError:
                pass  # removed meanwhile by another run
    for _, old in sorted(entries)[: max(0, len(entries) - most)]:
        try:
            os.unlink(old)
        except OSError:
            pass
