"""Which character codes of which fonts each page of a pdfTeX document shows (content streams read).

qgen.pdf_fonts gives each cut-out file the glyphs its pages show; this module finds them. A
class's documents repeat themselves piece by piece (the starter exam's 200 students: 36 MB of page
content, 6.2 MB in distinct lines, 0.6 MB in distinct pieces between TJ operators): a page's
content is cut after each "]TJ" (no token runs across one, but a string holding those bytes),
each distinct piece is read once per process into what it does (codes shown with the font it
selects or the one current before it, font selected, q/Q, forms drawn), and a page replays its
pieces. A page where a piece leaves a string or hex string open (a parenthesis or < outside any
token), or shows a string ending in a short octal escape, is read whole by the plain reading.
"""

from __future__ import annotations

import collections
import operator
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
  | ([()<])                                                       # 8: ( ) < in no token (read as before: skipped)
""" % (_BODY, _STRING), re.VERBOSE | re.DOTALL)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[\s\S])")
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\n": b"", b"\r": b""}
# what a piece of content does, in order (see _compile)
_CUR, _NAMED, _TF, _SAVE, _RESTORE, _DO, _BI = range(7)
_SHORT_OCTAL = re.compile(rb"(?<!\\)(?:\\\\)*\\[0-7]{1,2}\Z")  # a body ending in \5 or \05
_MAX_PIECES = 200_000  # distinct pieces remembered per process (the starter exam's 200 students: 14,000)


class Unreadable(Exception):
    """A page this module does not follow (e.g. an inline image, inherited resources)."""


def _unescape(raw: bytes) -> bytes:
    def one(m: re.Match) -> bytes:
        c = m.group(1)
        return bytes([int(c, 8) & 255]) if c[:1] in b"01234567" else _ESCAPED.get(c, c)
    return _ESCAPE.sub(one, raw) if b"\\" in raw else raw


def _string_codes(strings: bytes) -> frozenset[int] | None:
    """The codes of strings as the token regex captures them (less the first parenthesis; each
    distinct one read once: 147,000 in the starter exam's lines, 4,200 distinct); None where a
    string ends in an octal escape of fewer than 3 digits, which the plain reading (all of a
    font's strings on a page joined, then unescaped) would run on into the next string's digits."""
    found = _strings.get(strings)
    if found is None and strings not in _strings:
        bodies = _BODIES.findall(b"(" + strings)
        if any(_SHORT_OCTAL.search(body) for body in bodies if b"\\" in body):
            found = None
        else:
            found = frozenset(_unescape(b"".join(bodies)))  # a body never ends in a lone backslash
        if len(_strings) >= _MAX_PIECES:
            _strings.clear()
        _strings[strings] = found
    return found


def _union(sets: list[frozenset]) -> frozenset:
    return sets[0] if len(sets) == 1 else frozenset().union(*sets)


def _compile(text: bytes) -> tuple | None:
    """What a piece of content does, as ops: (_CUR, codes) shown with the font current before it,
    (_NAMED, ((name, codes), ...)) shown with fonts it selects itself, (_TF, name) the font it
    leaves current, (_SAVE,), (_RESTORE,), (_DO, name), (_BI,); None where a string or hex string
    is left open (its page is read whole)."""
    ops: list[tuple] = []
    named: dict[bytes, list[frozenset]] = {}
    pending: list[frozenset] = []  # shown with the font current before the piece's first Tf
    known = None  # the font this piece selected last (None: the one current before)
    flushed = True  # whether the op list says `known` is current
    for strings, name, tf, do, hexstring, op, op_cr, stray in _TOKENS.findall(text):
        if strings or hexstring:
            if not strings:
                digits = re.sub(rb"\s", b"", hexstring)
                raw = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
                strings = re.sub(rb"([()\\])", rb"\\\1", raw) + b")"
            codes = _strings.get(strings) or _string_codes(strings)  # (an empty set: read again, cheaply)
            if codes is None:
                return None
            if known is None:
                pending.append(codes)
            elif known in named:
                named[known].append(codes)
            else:
                named[known] = [codes]
        elif tf:
            known, flushed = name, False
        elif stray:
            return None  # a string or hex string not closed in the piece
        elif do or op or op_cr:
            if pending:
                ops.append((_CUR, _union(pending)))
                pending = []
            if not flushed:
                ops.append((_TF, known))
                flushed = True
            op = op or op_cr
            if do:
                ops.append((_DO, name))
            elif op == b"q":
                ops.append((_SAVE,))
            elif op == b"Q":
                ops.append((_RESTORE,))
                known = None  # the font restored is known when replayed only
            else:
                ops.append((_BI,))
    if pending:
        ops.append((_CUR, _union(pending)))
    if not flushed:
        ops.append((_TF, known))
    if named:
        ops.append((_NAMED, tuple((name, _union(sets)) for name, sets in named.items())))
    return tuple(ops)


_SAVE_ONLY, _RESTORE_ONLY = ((_SAVE,),), ((_RESTORE,),)


class _Piece:
    """A piece's ops: `named` (shown with fonts it selects) apart, for they do not depend on the
    state; `ops` the others: _SAVE_ONLY, _RESTORE_ONLY, a font name (bytes: the piece selects it
    and does nothing else that the state needs), or a tuple of ops."""

    __slots__ = ("ops", "named")

    def __init__(self, ops: tuple):
        self.named = tuple(pair for op in ops if op[0] == _NAMED for pair in op[1])
        kept: list[tuple] = []
        for op in ops:
            if op[0] == _RESTORE and kept and kept[-1][0] == _SAVE:
                kept.pop()  # q then Q: the font saved is the one restored
            elif op[0] != _NAMED:
                kept.append(op)
        rest = tuple(kept)
        if rest == _SAVE_ONLY:
            rest = _SAVE_ONLY
        elif rest == _RESTORE_ONLY:
            rest = _RESTORE_ONLY
        elif len(rest) == 1 and rest[0][0] == _TF:
            rest = rest[0][1]
        self.ops = rest


class _Pieces(dict):
    """A piece of content -> its _Piece (None: its page is read whole), read when first looked up;
    `suffix`: what followed the piece in the content ("]TJ", cut off by the split; nothing after
    the last piece)."""

    def __init__(self, suffix: bytes):
        super().__init__()
        self.suffix = suffix

    def __missing__(self, piece: bytes):
        if len(self) >= _MAX_PIECES:
            self.clear()
        ops = _compile(piece + self.suffix)
        found = self[piece] = None if ops is None else _Piece(ops)
        return found


_SPLIT = b"]TJ"
_middle, _last = _Pieces(_SPLIT), _Pieces(b"")
_strings: dict[bytes, frozenset[int] | None] = {}  # see _string_codes
_ops_of = operator.attrgetter("ops")


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
    pieces = (b"\n" + content).split(_SPLIT)  # the scan's start counts as a line's (q, Q)
    last = _last[pieces.pop()]
    units = list(map(_middle.__getitem__, pieces))
    units.append(last)
    distinct = set(units)
    if None in distinct:
        return _shown_whole(content, fonts, xobjects, forms_seen)
    shown: dict[bytes, list] = {}  # font name -> the code sets shown with it
    for unit in distinct:  # each distinct piece once: what it shows with the fonts it selects
        for name, codes in unit.named:
            if name in shown:
                shown[name].append(codes)
            else:
                shown[name] = [codes]
    # in order, the state: most pieces only select a font (bytes), the others are read one by one
    steps = list(map(_ops_of, units))
    current, saved, before = None, [], -1
    for at in [at for at, ops in enumerate(steps) if type(ops) is not bytes]:
        if at - 1 > before:  # pieces that only select a font came since the last one read
            current = steps[at - 1]
        before = at
        ops = steps[at]
        if ops is _SAVE_ONLY:
            saved.append(current)
        elif ops is _RESTORE_ONLY:
            if saved:
                current = saved.pop()
        else:
            for op in ops:
                kind = op[0]
                if kind == _TF:
                    current = op[1]
                elif kind == _CUR:
                    if current is not None:
                        if current in shown:
                            shown[current].append(op[1])
                        else:
                            shown[current] = [op[1]]
                elif kind == _SAVE:
                    saved.append(current)
                elif kind == _RESTORE:
                    if saved:
                        current = saved.pop()
                elif kind == _DO:
                    _add_form(op[1], xobjects, forms_seen, found)
                else:
                    raise Unreadable("an inline image")
    for name, sets in shown.items():
        font = fonts.get("/" + name.decode("latin-1")) if isinstance(fonts, pikepdf.Dictionary) else None
        if isinstance(font, pikepdf.Dictionary):
            found.setdefault(font.objgen, set()).update(*sets)
    return found


def _add_form(name: bytes, xobjects, forms_seen: dict, found: dict) -> None:
    """The codes a form XObject `name` (a Do) shows, read once per form, added to `found`."""
    form = xobjects.get("/" + name.decode("latin-1")) if isinstance(xobjects, pikepdf.Dictionary) else None
    if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
        if form.objgen not in forms_seen:
            forms_seen[form.objgen] = {}  # a form that shows itself: read as empty
            forms_seen[form.objgen] = shown_codes(form.read_bytes(), form, forms_seen)
        for key, codes in forms_seen[form.objgen].items():
            found.setdefault(key, set()).update(codes)


def _shown_whole(content: bytes, fonts, xobjects, forms_seen: dict) -> dict[tuple, set[int]]:
    """shown_codes by the plain reading: the tokens of all the content, in order."""
    found: dict[tuple, set[int]] = {}
    texts: dict[bytes, list[bytes]] = collections.defaultdict(list)
    current, saved = None, []
    for strings, name, tf, do, hexstring, op, op_cr, _stray in _TOKENS.findall(b"\n" + content):
        if strings:
            if current is not None:
                texts[current].append(strings)
        elif tf:
            current = name
        elif do:
            _add_form(name, xobjects, forms_seen, found)
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
