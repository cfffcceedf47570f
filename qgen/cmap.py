"""A ToUnicode CMap cut down to the character codes a file shows (text extraction unchanged).

pdfTeX writes each font's ToUnicode map for all 256 codes of its encoding (about 800 bytes
compressed, per font and file); a student's file shows a few dozen. The map's header is kept,
its bfrange and bfchar entries are read (PDF 1.7, section 9.10.3; single-byte codes, as pdfTeX
writes them) and the codes shown are written back as bfchar entries.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(rb"\d+\s+begin(bfchar|bfrange)(.*?)end\1", re.DOTALL)
_HEX = rb"<([0-9A-Fa-f]*)>"
_CHAR = re.compile(_HEX + rb"\s*" + _HEX)
_RANGE = re.compile(_HEX + rb"\s*" + _HEX + rb"\s*(?:" + _HEX + rb"|\[((?:\s*<[0-9A-Fa-f]*>)*)\s*\])")
_COMMENT = re.compile(rb"^%[^\r\n]*[\r\n]+", re.MULTILINE)
_MAX_ENTRIES = 100  # per bfchar block (PDF 1.7, 9.10.3)


class CMapError(ValueError):
    """A CMap this module does not read (e.g. multi-byte codes)."""


def read(cmap: bytes) -> dict[int, bytes]:
    """code -> UTF-16BE hex digits (as written), from every bfchar and bfrange block."""
    found: dict[int, bytes] = {}
    for kind, body in _BLOCK.findall(cmap):
        if kind == b"bfchar":
            for code, target in _CHAR.findall(body):
                found[_code(code)] = target.upper()
            continue
        for low, high, start, array in _RANGE.findall(body):
            low, high = _code(low), _code(high)
            if array:
                for i, target in enumerate(re.findall(_HEX, array)):
                    found[low + i] = target.upper()
            else:
                first = int(start, 16)
                for i in range(high - low + 1):
                    found[low + i] = f"{first + i:0{len(start)}X}".encode()
    return found


def _code(digits: bytes) -> int:
    if len(digits) != 2:
        raise CMapError("codes of more than one byte")
    return int(digits, 16)


def trimmed(cmap: bytes, codes: set[int]) -> bytes:
    """The CMap with entries for `codes` only (those it maps)."""
    return CMap(cmap).trimmed(codes)


class CMap:
    """A CMap read once, to be trimmed to many code sets."""

    def __init__(self, cmap: bytes):
        self.mapping = read(cmap)
        blocks = [m.span() for m in _BLOCK.finditer(cmap)]
        if not blocks:
            raise CMapError("no bfchar or bfrange")
        self.head = _COMMENT.sub(b"", cmap[:blocks[0][0]])
        self.tail = _COMMENT.sub(b"", cmap[blocks[-1][1]:].lstrip(b"\r\n"))

    def trimmed(self, codes: set[int]) -> bytes:
        """The CMap with entries for `codes` only (those it maps); comments left out."""
        mapping = self.mapping
        kept = [(c, mapping[c]) for c in sorted(codes) if c in mapping]
        entries = []
        for i in range(0, len(kept), _MAX_ENTRIES):
            chunk = kept[i:i + _MAX_ENTRIES]
            lines = b"".join(b"<%02X> <%s>\n" % (c, target) for c, target in chunk)
            entries.append(b"%d beginbfchar\n%sendbfchar\n" % (len(chunk), lines))
        # %%BeginResource and the like are comments, read by no PDF reader
        return self.head + b"".join(entries) + self.tail
