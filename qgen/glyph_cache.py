"""Type 2 charstrings converted from Type 1 glyphs, kept on disk from one run to the next.

qgen.pdf_fonts converts each glyph of pdfTeX's Type 1 programs to a Type 2 charstring (fontTools
draws it): 0.4 ms a glyph, about 440 glyphs for the starter exam, in every worker process of
every run. The result depends only on the font (its name, Private dictionary and Subrs) and on
the glyph's name and stored charstring, so it is kept in cache_root()/glyphs ($QGEN_CACHE, else
~/.cache/qgen, as the LaTeX formats), one file per font: the same bytes whether a glyph comes
from the file or is converted again.

A file is written whole under a temporary name and renamed into place, so a reader sees an old
file or a new one, never half of one; it ends with the SHA-256 of what precedes it, and a file
that does not read back (cut short, damaged, of another version) counts as empty and is written
anew. Processes that add to one file at once may each lose the other's additions: those glyphs
are converted again by a later run. A cache that cannot be read or written changes nothing but
the time.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from qgen.cache_files import cache_root, write_whole

_MAGIC = b"qgen-glyphs 1\n"
_KEY = 16  # bytes of a glyph's key (BLAKE2b of its name and stored charstring)


def font_key(base: str, private: bytes, subrs: dict[int, bytes]) -> str:
    """The file name of a font: its name, Private dictionary and Subrs (as stored)."""
    digest = hashlib.sha256(base.encode("latin-1") + b"\0" + private)
    for k in sorted(subrs):
        digest.update(struct.pack(">IH", k, len(subrs[k])) + subrs[k])
    return digest.hexdigest()[:40]


def glyph_key(name: str, stored: bytes) -> bytes:
    """A glyph's key in its font's file: its name and stored (encrypted) charstring."""
    return hashlib.blake2b(name.encode("latin-1") + b"\0" + stored, digest_size=_KEY).digest()


def _folder() -> Path:
    return cache_root() / "glyphs"


def _parse(data: bytes) -> dict[bytes, bytes]:
    if len(data) < len(_MAGIC) + 32 or not data.startswith(_MAGIC):
        return {}
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        return {}
    found: dict[bytes, bytes] = {}
    at, end = len(_MAGIC), len(body)
    while at < end:
        if at + _KEY + 2 > end:
            return {}
        key = body[at:at + _KEY]
        (size,) = struct.unpack_from(">H", body, at + _KEY)
        at += _KEY + 2
        if at + size > end:
            return {}
        found[key] = body[at:at + size]
        at += size
    return found


def load(font: str) -> dict[bytes, bytes]:
    """glyph key -> Type 2 charstring, as the font's file holds them ({} without a readable one)."""
    try:
        with open(_folder() / font, "rb") as f:
            return _parse(f.read())
    except (OSError, ValueError):
        return {}


def store(font: str, glyphs: dict[bytes, bytes]) -> None:
    """Add `glyphs` to the font's file (those already there kept), atomically; errors ignored."""
    glyphs = {k: v for k, v in glyphs.items() if len(k) == _KEY and len(v) < 1 << 16}
    if not glyphs:
        return
    try:
        merged = {**load(font), **glyphs}
        body = _MAGIC + b"".join(k + struct.pack(">H", len(v)) + v for k, v in sorted(merged.items()))
        write_whole(_folder() / font, body + hashlib.sha256(body).digest())
    except OSError:
        pass
