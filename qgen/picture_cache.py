"""Groups of TikZ pictures compiled once per machine, kept in cache_root()/pictures.

A group's PDF is keyed like a format (qgen.tex_formats.format_key: the engine, the date and the
whole document), so a second build of the same exam (a trial run with a short roster first, a
regenerated student, the worked keys later) skips the pdflatex run that loads TikZ (about 0.4 s
CPU). The bytes are the same either way: pdflatex makes the same PDF from the same document
(qgen.build fixes the date and the /ID). A missing, unreadable or damaged entry is compiled again;
a cache that cannot be written is skipped. At most MAX_GROUPS entries are kept, the least recently
used removed; only files named like an entry are ever removed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from qgen.cache_files import cache_root, keep_newest, write_whole
from qgen.tex_formats import format_key

MAX_GROUPS = 256
_ENTRY = re.compile(r"[0-9a-f]{32}\.pdf")


def picture_folder() -> Path:
    return cache_root() / "pictures"


def cached_group(tex: str, epoch: int, compile_group: Callable[[], bytes], valid: Callable[[bytes], bool]) -> bytes:
    """The PDF of the document `tex`: from the cache when an entry is there and valid(pdf), else
    compile_group(), stored for the next time."""
    path = picture_folder() / f"{format_key(tex, epoch)}.pdf"
    try:
        pdf = path.read_bytes()
    except OSError:
        pdf = None
    if pdf is not None and _is_valid(pdf, valid):
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
        return pdf
    pdf = compile_group()
    _store(path, pdf)
    return pdf


def _is_valid(pdf: bytes, valid: Callable[[bytes], bool]) -> bool:
    try:
        return valid(pdf)
    except Exception:  # a damaged file: whatever the PDF reader raises, compile again
        return False


def _store(path: Path, pdf: bytes) -> None:
    try:
        write_whole(path, pdf)
        keep_newest(path.parent, _ENTRY.fullmatch, MAX_GROUPS)
    except OSError:
        pass  # a read-only or full cache: the next build compiles again
