"""Reading an instructor's file (EXAM.toml, the roster, the secret): one clear line for every way
it fails, and never more than a bounded number of bytes (a device such as /dev/zero given by
mistake is refused, not read until memory runs out)."""

from __future__ import annotations

from pathlib import Path

from qgen.errors import QgenError

# Largest files qgen reads (README, "Limits"): far above any real exam, far below a machine's memory.
MAX_CONFIG_BYTES = 1_000_000
MAX_ROSTER_BYTES = 5_000_000
MAX_SECRET_BYTES = 1_000


def read_bounded(path: Path, limit: int, expected: str) -> bytes:
    """At most `limit` bytes of the file; more is refused, naming the file. OSErrors are one line."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except IsADirectoryError:
        raise QgenError(f"{path}: is a folder, expected {expected}") from None
    except FileNotFoundError:
        raise
    except OSError as e:
        raise QgenError(f"{path}: cannot read it ({e.strerror})") from None
    if len(raw) > limit:
        raise QgenError(f"{path}: larger than {limit:,} bytes, too large for {expected}")
    return raw


def read_text(path: Path, expected: str, starter: str, save_hint: str = "save it as UTF-8",
              limit: int = MAX_CONFIG_BYTES) -> str:
    """The file's text, UTF-8 with or without a byte-order mark.

    expected: what the file should be ("an EXAM.toml file"); starter: the file `qgen exam init`
    writes ("exam.toml"), named when the file is missing.
    """
    path = Path(path)
    try:
        raw = read_bounded(path, limit, expected)
    except FileNotFoundError:
        raise QgenError(f"{path}: no such file (`qgen exam init` writes a starter {starter})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise QgenError(f"{path.name}: line {line}: not UTF-8 text (byte 0x{raw[e.start]:02X}); {save_hint}") from None
