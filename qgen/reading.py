"""Every file any command reads, read one bounded way: regular files only, a size limit per kind
of file, UTF-8 checked, JSON and TOML nesting bounded before they are parsed.

A FIFO, device or socket (also behind a symbolic link) is refused at once, never opened for a
blocking read: the path is stat()ed first, opened with O_NONBLOCK, and the opened descriptor is
fstat()ed again (the path may have changed in between). The limits are the README's "Limits".
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path

import numpy as np

from qgen.errors import QgenError

# kind -> (largest size in bytes, what the file should be). Far above any real file, far below memory.
LIMITS = {
    "config": (1_000_000, "an EXAM.toml file"),
    "roster": (5_000_000, "a roster CSV file"),
    "secret": (1_000, "a qgen secret"),
    "problem": (1_000_000, "a problem"),
    "manifest": (256_000_000, "a build's manifest.json"),
    "responses": (100_000_000, "a responses CSV file"),
    "marker": (4_000_000, "qgen's output marker"),
    "registry": (4_096, "an entry of qgen's registry of temporary folders"),
    "output": (50_000_000, "a file qgen wrote"),  # a single-file output qgen may replace, read to recognise it
}
MAX_DEPTH = {"json": 64, "toml": 32}  # nesting of [ and {: qgen's own files need fewer than 10

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
_CHUNK = 1 << 20


def file_type(mode: int) -> str:
    """What a non-regular file is, in words ("a FIFO (named pipe)")."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def _refuse_irregular(path: Path, mode: int, expected: str) -> None:
    if not stat.S_ISREG(mode):
        raise QgenError(f"{path}: is {file_type(mode)}, not a regular file; expected {expected}")


def read_bytes(path: Path, kind: str) -> bytes:
    """The whole file, at most LIMITS[kind] bytes. A missing file raises FileNotFoundError (the
    caller says what to do about it); every other failure is one QgenError line."""
    limit, expected = LIMITS[kind]
    path = Path(path)
    try:
        _refuse_irregular(path, os.stat(path).st_mode, expected)  # through links: what they point to
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise
    except NotADirectoryError:
        raise FileNotFoundError(path) from None
    except OSError as e:
        raise QgenError(f"{path}: cannot read it ({e.strerror})") from None
    try:
        _refuse_irregular(path, os.fstat(fd).st_mode, expected)  # what was opened, not what was named
        raw = _read_fd(fd, limit, path)
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise QgenError(f"{path}: larger than {limit:,} bytes, too large for {expected}")
    return raw


def _read_fd(fd: int, limit: int, path) -> bytes:
    parts, size = [], 0
    try:
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except BlockingIOError:
        raise QgenError(f"{path}: nothing to read yet (a pipe?); give a regular file") from None
    except OSError as e:
        raise QgenError(f"{path}: cannot read it ({e.strerror})") from None
    return b"".join(parts)


def read_stdin(kind: str) -> bytes:
    """Standard input (`qgen solve -`), at most LIMITS[kind] bytes."""
    limit, expected = LIMITS[kind]
    raw = sys.stdin.buffer.read(limit + 1)
    if len(raw) > limit:
        raise QgenError(f"standard input: larger than {limit:,} bytes, too large for {expected}")
    return raw


def decode(raw: bytes, where, hint: str = "save it as UTF-8") -> str:
    """UTF-8 with or without a byte-order mark; otherwise one line naming the line and byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise QgenError(f"{where}: line {line}: not UTF-8 text (byte 0x{raw[e.start]:02X}); {hint}") from None


def read_text(path: Path, kind: str, missing: str | None = None, hint: str = "save it as UTF-8") -> str:
    """The file's text (read_bytes, then decode). `missing`: the message after "PATH: " for a
    missing file (otherwise FileNotFoundError propagates)."""
    path = Path(path)
    try:
        raw = read_bytes(path, kind)
    except FileNotFoundError:
        if missing is None:
            raise
        raise QgenError(f"{path}: {missing}") from None
    return decode(raw, path.name, hint)


# --- nesting, checked on the text before a parser recurses into it ---------------------------------

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_TOML_SKIP = re.compile(rb'"""[\s\S]*?"""(?!")|\'\'\'[\s\S]*?\'\'\'(?!\')|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
                        rb"|'[^'\n]*'|#[^\n]*")
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def _depth(raw: bytes) -> int:
    steps = _STEP[np.frombuffer(raw, dtype=np.uint8)]
    steps = steps[steps != 0].astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def nesting(text: str | bytes, syntax: str) -> int:
    """The deepest nesting of [ and { outside strings (and TOML comments)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return _depth((_JSON_STRING if syntax == "json" else _TOML_SKIP).sub(b"", raw))


def check_nesting(text: str | bytes, syntax: str, where) -> None:
    """Refuse a text nested deeper than MAX_DEPTH. JSON is first counted with strings left in (a
    fast pass over a 50 MB manifest); only when that count is too deep, counted again outside strings. (A
    string's brackets can hide depth from the first count, never add any to the second: what the
    first lets through deeper than the limit is still refused, by the parser's own recursion limit
    or by the checks of what was read.)"""
    limit = MAX_DEPTH[syntax]
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if (syntax == "toml" or _depth(raw) > limit) and nesting(raw, syntax) > limit:  # TOML: at most 1 MB
        raise QgenError(f"{where}: nested more than {limit} levels deep; not a file qgen reads")


def parse_json(text: str | bytes, where, **hooks):
    """json.loads after the nesting check; a syntax error is one line with its place."""
    check_nesting(text, "json", where)
    try:
        return json.loads(text, **hooks)
    except json.JSONDecodeError as e:
        raise QgenError(f"{where}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        raise QgenError(f"{where}: nested too deeply; not a file qgen reads") from None
    except ValueError as e:  # int() of a number of more than 4,300 digits
        raise QgenError(f"{where}: not valid JSON: {str(e).split(';')[0]}") from None


def read_json(path: Path, kind: str, missing: str | None = None, **hooks):
    """The JSON document of a file: read_text, then parse_json."""
    return parse_json(read_text(path, kind, missing), Path(path).name, **hooks)


def read_head(path: Path, size: int) -> bytes | None:
    """The first `size` bytes of a regular file (None for anything else or an unreadable file):
    for recognising a file qgen wrote before replacing it."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return _read_fd(fd, size - 1, path)[:size]
    except QgenError:
        return None
    finally:
        os.close(fd)
