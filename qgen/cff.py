"""Writes a bare CFF font program (FontFile3 /Type1C) from Type 2 charstrings, for any glyph subset.

The layout is Adobe Technical Note 5176 (The Compact Font Format Specification): header, Name
INDEX, Top DICT INDEX, String INDEX, an empty Global Subr INDEX, Encoding (only for a font
whose own encoding is used), charset, CharStrings INDEX, Private DICT. The charstrings are made
once by fontTools (qgen.pdf_fonts); writing a subset only joins bytes, so a program per student
file costs microseconds. Glyphs go in the order of their string ids, so that the charset is a few
runs (format 1); each glyph's width is written against the Private DICT's defaultWidthX and
nominalWidthX, chosen once per font. The number and operator codings are fontTools'."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from fontTools.cffLib import cffStandardStrings
from fontTools.misc.psCharStrings import encodeFloat, encodeIntCFF, encodeIntT2

_STANDARD = {name: sid for sid, name in enumerate(cffStandardStrings)}
_DEFAULT_MATRIX = [0.001, 0, 0, 0.001, 0, 0]
# Private DICT operators (TN 5176, table 23); the first six take delta-coded arrays
_PRIVATE = {"BlueValues": b"\x06", "OtherBlues": b"\x07", "FamilyBlues": b"\x08", "FamilyOtherBlues": b"\x09",
            "StemSnapH": b"\x0c\x0c", "StemSnapV": b"\x0c\x0d", "StdHW": b"\x0a", "StdVW": b"\x0b",
            "BlueScale": b"\x0c\x09", "BlueShift": b"\x0c\x0a", "BlueFuzz": b"\x0c\x0b", "ForceBold": b"\x0c\x0e",
            "LanguageGroup": b"\x0c\x11", "ExpansionFactor": b"\x0c\x12"}
_DELTAS = ("BlueValues", "OtherBlues", "FamilyBlues", "FamilyOtherBlues", "StemSnapH", "StemSnapV")


def _number(value) -> bytes:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**31:
        value = int(value)
    return encodeIntCFF(value) if isinstance(value, int) else encodeFloat(value)


def _offset(value: int) -> bytes:
    """An integer in its 5-byte form, so a DICT's size does not depend on the offsets in it."""
    return b"\x1d" + struct.pack(">l", value)


def _index(items: list[bytes]) -> bytes:
    if not items:
        return b"\x00\x00"
    offsets = [1]
    for item in items:
        offsets.append(offsets[-1] + len(item))
    size = 1 if offsets[-1] < 1 << 8 else 2 if offsets[-1] < 1 << 16 else 3 if offsets[-1] < 1 << 24 else 4
    packed = b"".join(o.to_bytes(size, "big") for o in offsets)
    return struct.pack(">HB", len(items), size) + packed + b"".join(items)


def _private(values: dict) -> bytes:
    out = []
    for key, op in _PRIVATE.items():
        if key not in values:
            continue
        value = values[key]
        if key in _DELTAS:
            deltas, last = [], 0
            for v in value:
                deltas.append(v - last)
                last = v
            value = deltas
        elif key in ("StdHW", "StdVW"):
            value = value[0] if isinstance(value, list) else value
        out.append(b"".join(_number(v) for v in (value if isinstance(value, list) else [value])) + op)
    return b"".join(out)


def _split_width(charstring: bytes) -> tuple[int | None, bytes]:
    """A Type 2 charstring's first number (the width fontTools writes first) and the rest."""
    b0 = charstring[0] if charstring else 0
    if 32 <= b0 <= 246:
        return b0 - 139, charstring[1:]
    if 247 <= b0 <= 250:
        return (b0 - 247) * 256 + charstring[1] + 108, charstring[2:]
    if 251 <= b0 <= 254:
        return -(b0 - 251) * 256 - charstring[1] - 108, charstring[2:]
    if b0 == 28:
        return struct.unpack(">h", charstring[1:3])[0], charstring[3:]
    return None, charstring


def _charset(sids: list[int]) -> bytes:
    """The charset of glyphs 1..n: format 1 (runs of string ids) where shorter than format 0."""
    runs: list[list[int]] = []
    for s in sids:
        if runs and s == runs[-1][0] + runs[-1][1] + 1 and runs[-1][1] < 255:
            runs[-1][1] += 1
        else:
            runs.append([s, 0])
    if 3 * len(runs) < 2 * len(sids):
        return b"\x01" + b"".join(struct.pack(">HB", s, n) for s, n in runs)
    return b"\x00" + b"".join(struct.pack(">H", s) for s in sids)


@dataclass
class Font:
    """A font's glyphs (name -> Type 2 charstring, .notdef included) and settings."""

    glyphs: dict[str, bytes]
    private: dict = field(default_factory=dict)
    bbox: list = field(default_factory=lambda: [0, 0, 0, 0])
    matrix: list = field(default_factory=lambda: list(_DEFAULT_MATRIX))
    encoding: dict[int, str] = field(default_factory=dict)  # code -> name; empty: not used
    _written: tuple | None = field(default=None, repr=False)  # see _widths

    def program(self, name: str, glyphs=None) -> bytes:
        """The CFF program named `name` with `glyphs` (all when None; .notdef always)."""
        wanted = set(self.glyphs) if glyphs is None else {g for g in glyphs if g in self.glyphs}
        # glyphs in the order of their string ids, so that the charset is a few runs
        order = [".notdef"] + sorted(wanted - {".notdef"}, key=self._rank)
        codes = self._codes(order)
        if codes:  # format 0 lists the codes of glyphs 1..n in order: encoded glyphs first
            order = [".notdef"] + [g for g in order[1:] if g in codes] + [g for g in order[1:] if g not in codes]
        strings: list[bytes] = []

        def sid(text: str) -> int:
            if text in _STANDARD:
                return _STANDARD[text]
            strings.append(text.encode("latin-1"))
            return len(cffStandardStrings) + len(strings) - 1

        charset = _charset([sid(g) for g in order[1:]])
        encoding = bytes([0, len(codes)]) + bytes(codes[g] for g in order[1:len(codes) + 1]) if codes else b""
        widths, charstrings = self._widths(order)
        charstrings = _index(charstrings)
        private, top_fixed = self._fixed()
        private = widths + private
        top_size = len(top_fixed) + 3 * 6 + (6 if encoding else 0) + 5  # charset, CharStrings, Private(2), Encoding
        header = b"\x01\x00\x04\x04"
        names = _index([name.encode("latin-1")])
        top_index_size = len(_index([b"\x00" * top_size]))
        string_index = _index(strings)
        start = len(header) + len(names) + top_index_size + len(string_index) + 2  # + empty Global Subrs
        at_encoding = start
        at_charset = at_encoding + len(encoding)
        at_charstrings = at_charset + len(charset)
        at_private = at_charstrings + len(charstrings)
        top = top_fixed + _offset(at_charset) + b"\x0f"
        if encoding:
            top += _offset(at_encoding) + b"\x10"
        top += _offset(at_charstrings) + b"\x11" + _offset(len(private)) + _offset(at_private) + b"\x12"
        assert len(top) == top_size
        return b"".join([header, names, _index([top]), string_index, b"\x00\x00", encoding, charset, charstrings,
                         private])

    def _fixed(self) -> tuple[bytes, bytes]:
        """The Private DICT, and the Top DICT's entries other than offsets (made once)."""
        if not hasattr(self, "_fixed_parts"):
            top = b"".join(_number(v) for v in self.bbox) + b"\x05"
            if [float(v) for v in self.matrix] != _DEFAULT_MATRIX:
                top += b"".join(_number(v) for v in self.matrix) + b"\x0c\x07"
            self._fixed_parts = (_private(self.private), top)
        return self._fixed_parts

    def _widths(self, order: list[str]) -> tuple[bytes, list[bytes]]:
        """The Private DICT's defaultWidthX and nominalWidthX, and the charstrings of `order`
        with each width written against them: left out where it is the font's most common width,
        else as its difference from the font's middle one (one byte within 107 units). Chosen
        once per font, over all its glyphs, so that a subset only picks charstrings."""
        if self._written is None:
            split = {g: _split_width(cs) for g, cs in self.glyphs.items()}
            widths = [w for w, _ in split.values()]
            if any(w is None for w in widths):
                self._written = (b"", dict(self.glyphs))
            else:
                counts: dict[int, int] = {}
                for w in widths:
                    counts[w] = counts.get(w, 0) + 1
                default = min(counts, key=lambda w: (-counts[w], w))
                others = sorted(w for w in widths if w != default)
                nominal = others[len(others) // 2] if others else 0
                self._written = (_number(default) + b"\x14" + _number(nominal) + b"\x15",
                                 {g: rest if w == default else encodeIntT2(w - nominal) + rest
                                  for g, (w, rest) in split.items()})
        private, charstrings = self._written
        return private, [charstrings[g] for g in order]

    def _rank(self, glyph: str) -> tuple:
        return (_STANDARD.get(glyph, len(_STANDARD)), glyph)

    def _codes(self, order: list[str]) -> dict[str, int]:
        """glyph -> its code in the font's own encoding (format 0: one code per glyph)."""
        codes: dict[str, int] = {}
        for code, g in sorted(self.encoding.items()):
            if g in order and g != ".notdef":
                if g in codes:
                    raise ValueError(f"glyph {g} has two codes")
                codes[g] = code
        return codes
