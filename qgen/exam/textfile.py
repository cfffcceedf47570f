"""Reading an instructor's text file (EXAM.toml, the roster): one clear line for every way it fails."""

from __future__ import annotations

from pathlib import Path

from qgen.errors import QgenError


def read_text(path: Path, expected: str, starter: str, save_hint: str = "save it as UTF-8") -> str:
    """The file's text, UTF-8 with or without a byte-order mark.

    expected: what the file should be ("an EXAM.toml file"); starter: the file `qgen exam init`
    writes ("exam.toml"), named when the file is missing.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise QgenError(f"{path}: no such file (`qgen exam init` writes a starter {starter})") from None
    except IsADirectoryError:
        raise QgenError(f"{path}: is a folder, expected {expected}") from None
    except OSError as e:
        raise QgenError(f"{path}: cannot read it ({e.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise QgenError(f"{path.name}: line {line}: not UTF-8 text (byte 0x{raw[e.start]:02X}); {save_hint}") from None
