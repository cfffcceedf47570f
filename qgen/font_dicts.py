"""Simple-font dictionaries cut to the codes a file shows, and copies of one font merged into one.

Measured on the starter exam (README, "Exam output sizes"): after the compact font programs, the
ToUnicode maps were 13 % of a student's files and each picture's copy of a font brought its own
dictionary, descriptor, encoding, widths and map. So, for a font dictionary and the codes a file
shows with it (qgen.pdf_fonts reads them):
* its /Differences and /Widths name and size just those codes (the others are never drawn; in a
  typeset document, the codes of all its pages: new arrays in every cut file took more time than
  their bytes were worth, except for a font merged in that file);
* its ToUnicode map keeps only the codes whose glyph name does not give the same text by the
  Adobe Glyph List (the fi ligature, read as "fi"; prime): a reader takes the others from the
  glyph names, code by code (PDF 1.7, 9.10.2; poppler, pdf.js and MuPDF do; pdftotext reads the
  same text), and is left out when no code needs it;
* copies of one font (the text's and each picture's, pointing to one program) that agree on each
  code they show (glyph name, width, text) become one dictionary, in the document and in each
  file (where the document's other copies disagree).
A dictionary whose encoding is not a plain /Differences array, or whose widths miss a code shown,
keeps its encoding and widths; one whose map cannot be read keeps its map and is not merged.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pikepdf
from fontTools import agl

from qgen import cmap


@dataclass
class Codes:
    """What a font dictionary says about the codes it shows: glyph name, width, text."""

    names: dict[int, str] | None  # from /Differences; None: an encoding this module leaves alone
    widths: dict[int, object]  # code -> its /Widths entry (as written)
    unicode: cmap.CMap | None  # the ToUnicode map read; None: no map
    map_unread: bool = False  # a map this module cannot read (kept as it is)
    shown: set[int] = field(default_factory=set)
    written: tuple | None = field(default=None, repr=False)  # see _written
    needing_map: set[int] | None = field(default=None, repr=False)  # see map_codes

    def compatible(self, other: "Codes") -> bool:
        """Whether one dictionary can show both's codes as each does now."""
        if self.names is None or other.names is None or self.map_unread or other.map_unread:
            return False
        if (self.unicode is None) != (other.unicode is None):
            return False
        for codes in (self, other):  # the merged dictionary names and sizes every code shown
            if not (codes.shown <= codes.names.keys() and codes.shown <= codes.widths.keys()):
                return False
        for c in other.shown & self.shown:
            if (self.names.get(c) != other.names.get(c) or self.widths.get(c) != other.widths.get(c)
                    or (self.unicode and self.unicode.mapping.get(c) != other.unicode.mapping.get(c))):
                return False
        return True

    def restricted(self, shown: set[int]) -> "Codes":
        """A copy that shows `shown` (to be merged without changing this one)."""
        unicode = copy.copy(self.unicode)
        if unicode is not None:
            unicode.mapping = dict(unicode.mapping)
        return Codes(dict(self.names) if self.names is not None else None, dict(self.widths), unicode,
                     self.map_unread, set(shown))

    def absorb(self, other: "Codes") -> None:
        """Take in the codes `other` shows (compatible() first)."""
        for c in other.shown - self.shown:
            if c in other.names:
                self.names[c] = other.names[c]
            if c in other.widths:
                self.widths[c] = other.widths[c]
            if self.unicode is not None and c in other.unicode.mapping:
                self.unicode.mapping[c] = other.unicode.mapping[c]
        self.shown |= other.shown
        self.written = self.needing_map = None


def read(font: pikepdf.Dictionary, names: dict[int, str] | None, unicode: bytes | None,
         shown: set[int]) -> Codes:
    """The Codes of `font` (`names` from its /Differences or None, `unicode` its map's bytes,
    `shown` the codes it shows)."""
    widths: dict[int, object] = {}
    array = font.get("/Widths")
    if isinstance(array, pikepdf.Array) and isinstance(font.get("/FirstChar", 0), int):
        first = int(font.get("/FirstChar", 0))
        widths = {first + i: w for i, w in enumerate(array)}
        if not all(isinstance(w, (int, Decimal)) and not isinstance(w, bool) for w in widths.values()):
            widths = {}  # a width this module does not write back (an indirect number): left alone
    parsed, unread = None, "/ToUnicode" in font and unicode is None
    if unicode is not None:
        try:
            parsed = cmap.CMap(unicode)
        except cmap.CMapError:
            unread = True
    return Codes(dict(names) if names is not None else None, widths, parsed, unread, set(shown))


def merge(keys: list[tuple], codes: dict[tuple, Codes]) -> dict[tuple, tuple]:
    """Among dictionaries of one font (`keys`, in order), each that agrees with an earlier one
    on the codes both show is merged into it (its Codes absorbed, its entry in `codes` removed):
    merged key -> the key it went into."""
    moved: dict[tuple, tuple] = {}
    keepers: list[tuple] = []
    for key in keys:
        if key not in codes or not codes[key].shown:
            continue
        for k in keepers:
            if codes[k].compatible(codes[key]):
                codes[k].absorb(codes.pop(key))
                moved[key] = k
                break
        else:
            keepers.append(key)
    return moved


def repoint(pdf: pikepdf.Pdf, into: dict[tuple, pikepdf.Object]) -> None:
    """Every font resource that names a dictionary in `into` (by objgen) names its target."""
    for obj in pdf.objects:
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            resources = obj.get("/Resources")
            fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
            if isinstance(fonts, pikepdf.Dictionary):
                for name in list(fonts.keys()):
                    target = fonts[name]
                    if target.is_indirect and target.objgen in into:
                        fonts[name] = into[target.objgen]


def map_codes(codes: Codes, shown: frozenset[int]) -> set[int]:
    """The codes among `shown` whose ToUnicode entry says more than their glyph name by the AGL
    (those a reader reads from the map; for the others it reads the glyph name, as without one)."""
    if codes.unicode is None:
        return set()
    if codes.needing_map is None:
        codes.needing_map = {c for c, target in codes.unicode.mapping.items()
                             if codes.names is None or _text(target) != _agl(codes.names.get(c))}
    return codes.needing_map & shown


def _text(target: bytes) -> str | None:
    try:
        return bytes.fromhex(target.decode("ascii")).decode("utf-16-be")
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _agl(name: str | None) -> str | None:
    return None if name is None else agl.toUnicode(name)


_PLAIN_NAME = re.compile(r"[A-Za-z0-9._-]+")


def _written(codes: Codes) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """Each code's glyph name (as /name) and width as PDF writes them (made once per Codes):
    the dictionaries of each file are parsed from them, faster than built object by object."""
    if codes.written is None:
        names = {c: b"/" + n.encode("ascii") for c, n in (codes.names or {}).items() if _PLAIN_NAME.fullmatch(n)}
        widths = {c: (format(w, "f") if isinstance(w, Decimal) else str(w)).encode("ascii")
                  for c, w in codes.widths.items()}
        codes.written = (names, widths)
    return codes.written


def cut(font: pikepdf.Dictionary, codes: Codes, shown: frozenset[int]) -> None:
    """Give `font` the encoding and widths of the codes `shown` only (where it can)."""
    if not shown:
        return
    names, widths = _written(codes)
    order = sorted(shown)
    if codes.names is not None and all(c in names for c in order):
        differences: list[bytes] = []
        last = None
        for c in order:
            if c != last:
                differences.append(b"%d" % c)
            differences.append(names[c])
            last = c + 1
        font.Encoding = pikepdf.Object.parse(b"<</Type/Encoding/Differences[" + b" ".join(differences) + b"]>>")
    if all(c in widths for c in order):
        low, high = order[0], order[-1]
        font.FirstChar, font.LastChar = low, high
        font.Widths = pikepdf.Object.parse(
            b"[" + b" ".join(widths[c] if c in shown else b"0" for c in range(low, high + 1)) + b"]")
