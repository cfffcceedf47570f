"""Which character codes of which fonts each page of a pdfTeX document shows (content streams read).

qgen.pdf_fonts gives each cut-out file the glyphs its pages show; this module finds them.
"""

from __future__ import annotations

import collections
import re

import pikepdf

# In a content stream, what decides the glyphs shown: strings, font selections (/F1 9.96 Tf),
# XObjects drawn (/Im1 Do), q/Q (which restore the font) and inline images (not followed).
# Every branch starts with a fixed character (the string's first parenthesis is outside the group),
# so that the regex engine jumps from one of ( / < CR LF to the next instead of trying every branch
# at every byte (measured on a 100-student worked key, 9 MB of content: 0.35 s before, 0.19 s);
# q and Q are read where pdfTeX writes them, at the start of a line (and pdfTeX starts each text
# object with its font anyway).
_INNER = rb"[^()\\]*+(?:\\.[^()\\]*+)*+"  # a string's text without parentheses (escapes allowed)
_BODY = _INNER + rb"(?:\(" + _INNER + rb"\)" + _INNER + rb")*+"  # ... with parentheses nested once
_STRING = rb"\(" + _BODY + rb"\)"  # a literal string
_BODIES = re.compile(rb"\((" + _BODY + rb")\)")  # the same, its body captured
_TOKENS = re.compile(rb"""
    \(((?:%s)\)[-+\d.\s]*+(?:%s[-+\d.\s]*+)*+)                  # 1: strings (a TJ array's, with its kerns), less the first (
  | /([^\s/\[\]()<>{}%%]+)\s+(?:[-+\d.]+\s+(Tf)|(Do))(?![^\s\[(/<])  # 2: a name, 3: Tf, 4: Do
  | <([0-9A-Fa-f\s]*)>                                            # 5: a hex string
  | \n(q|Q|BI)(?=[\s\[(/<]|$)                                   # 6: save, restore, inline image
  | \r(q|Q|BI)(?=[\s\[(/<]|$)                                   # 7: the same after a lone CR
""" % (_BODY, _STRING), re.VERBOSE | re.DOTALL)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[\s\S])")
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\n": b"", b"\r": b""}


class Unreadable(Exception):
    """A page this module does not follow (e.g. an inline image, inherited resources)."""


def _unescape(raw: bytes) -> bytes:
    def one(m: re.Match) -> bytes:
        c = m.group(1)
        return bytes([int(c, 8) & 255]) if c[:1] in b"01234567" else _ESCAPED.get(c, c)
    return _ESCAPE.sub(one, raw) if b"\\" in raw else raw


def _resources(stream_dict) -> tuple:
    resources = stream_dict.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        raise Unreadable("resources not on the page")
    return resources.get("/Font"), resources.get("/XObject")


def shown_codes(content: bytes, owner, forms_seen: dict) -> dict[tuple, set[int]]:
    """font objgen -> codes shown by `content` (of a page or form with resources in `owner`),
    the forms it draws included (each read once, kept in forms_seen)."""
    fonts, xobjects = _resources(owner)
    found: dict[tuple, set[int]] = {}
    texts: dict[bytes, list[bytes]] = collections.defaultdict(list)
    current, saved = None, []
    for strings, name, tf, do, hexstring, op, op_cr in _TOKENS.findall(b"\n" + content):
        if strings:
            if current is not None:
                texts[current].append(strings)
        elif tf:
            current = name
        elif do:
            form = xobjects.get("/" + name.decode("latin-1")) if isinstance(xobjects, pikepdf.Dictionary) else None
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
                if form.objgen not in forms_seen:
                    forms_seen[form.objgen] = {}
                    forms_seen[form.objgen] = shown_codes(form.read_bytes(), form, forms_seen)
                for key, codes in forms_seen[form.objgen].items():
                    found.setdefault(key, set()).update(codes)
        elif hexstring and current is not None:
            digits = re.sub(rb"\s", b"", hexstring)
            raw = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
            texts[current].append(re.sub(rb"([()\\])", rb"\\\1", raw) + b")")
        else:
            op = op or op_cr
            if op == b"q":
                saved.append(current)
            elif op == b"Q":
                current = saved.pop() if saved else current
            elif op == b"BI":
                raise Unreadable("an inline image")
    for name, pieces in texts.items():
        font = fonts.get("/" + name.decode("latin-1")) if isinstance(fonts, pikepdf.Dictionary) else None
        if isinstance(font, pikepdf.Dictionary):
            # each string's body without its parentheses (the pieces lack their first one); a body
            # never ends in a lone backslash, so the bodies can be joined and unescaped at once
            bodies = b"".join(_BODIES.findall(b"(" + b" (".join(pieces)))
            found.setdefault(font.objgen, set()).update(_unescape(bodies))
    return found
