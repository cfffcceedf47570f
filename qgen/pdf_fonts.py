"""The fonts of a pdfTeX document as compact CFF programs, and per cut-out file only its glyphs.

Measured on the starter exam (bench/exam_speed.py; README, "Exam output sizes"): 85 % of a
student's files were font programs. pdfTeX embeds Type 1 programs whose Subrs array stays whole
(842 encrypted entries in LMRoman10 even for 12 glyphs), subset for the whole document, so every
file cut from it carried the glyphs of 100 students; and each picture included as a PDF brings
its own copy of the fonts it uses. So, for a document, DocumentFonts:
* turns each Type 1 program into CFF (FontFile3 /Type1C; fontTools draws each Type 1 glyph and
  writes it as a Type 2 charstring), with ONE program per font for the text and every picture;
* reads, page by page, which codes each font shows (content streams and the forms they draw);
and subset() gives a file cut from pages [first, end) programs with just the glyphs those pages
show, and font dictionaries cut to the codes shown (qgen.cff; qgen.font_dicts: encodings, widths,
ToUnicode maps, copies of a font merged).
The outlines are the same curves, so pages render the same (tests/test_pdf_size.py compares
renderings); the Type 1 hints (stem hints and the Private values that steer them, used only by
hinting rasterisers at small sizes on screen) are not carried over; pdftotext reads the same
text. A font or page this module does not read is left as pdfTeX wrote it.
"""

from __future__ import annotations

import hashlib
import threading
import zlib

import pikepdf
from fontTools.misc.psCharStrings import T1CharString
from fontTools.pens.recordingPen import RecordingPen
from fontTools.pens.t2CharStringPen import T2CharStringPen

from qgen import cff, font_dicts, glyph_cache, pdf_tidy, type1
from qgen.pdf_copies import FontPaths
from qgen.pdf_shown import Unreadable, shown_codes

_TAG = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RETURN = bytes([11])
_FLATE, _TYPE1C = pikepdf.Name.FlateDecode, pikepdf.Name.Type1C
_charstrings: dict[tuple, bytes] = {}  # (font, glyph, stored Type 1 charstring) -> Type 2 one, for the process
_disk: dict[str, dict[bytes, bytes]] = {}  # glyph cache file -> its glyphs, read once per process
_made: dict[tuple, tuple[bytes, str]] = {}  # (font digest, glyphs) -> compressed program, name
_MAX_MADE = 20_000  # programs kept per process (the starter exam's 200 students: 801)
_charstrings_lock = threading.Lock()

def _code_names(font, program: type1.Program, shown: set[int] | None) -> tuple[dict[int, str], bool]:
    """code -> glyph name in this font; and whether it shows codes outside its /Differences, so
    that the program's own encoding is read (`shown` None: the codes of FirstChar..LastChar)."""
    encoding = font.get("/Encoding")
    names: dict[int, str] = {}
    if isinstance(encoding, pikepdf.Dictionary) and "/BaseEncoding" not in encoding:
        code = 0
        for item in encoding.get("/Differences", []):
            if isinstance(item, pikepdf.Name):
                names[code] = str(item)[1:]
                code += 1
            else:
                code = int(item)
    own = program.encoding()
    if shown is None:
        shown = set(range(int(font.get("/FirstChar", 0)), int(font.get("/LastChar", 255)) + 1))
    uses_own = not names or any(c not in names and c in own for c in shown)
    return ({**own, **names} if uses_own else names), uses_own


def _type1_fonts(pdf: pikepdf.Pdf):
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and obj.get("/Subtype") == "/Type1":
            descriptor = obj.get("/FontDescriptor")
            stream = descriptor.get("/FontFile") if isinstance(descriptor, pikepdf.Dictionary) else None
            if isinstance(stream, pikepdf.Stream) and "/Length2" in stream:
                yield obj, descriptor, stream


def _glyph(program: type1.Program, glyph: str, subrs: list, glyphs: dict) -> tuple[bytes, bool]:
    """A glyph's Type 2 charstring: its outline as the Type 1 program draws it (no hints); and
    whether it draws other glyphs (an accented, seac, glyph: then it depends on them too)."""
    t1 = T1CharString(program.charstring(program.glyphs[glyph]), subrs=subrs)
    recording = RecordingPen()
    t1.draw(recording)
    pen = T2CharStringPen(t1.width, glyphs)  # glyphs: the parts of an accented (seac) glyph
    recording.replay(pen)
    t2 = pen.getCharString()
    t2.compile()
    return t2.bytecode, any(op == "addComponent" for op, _ in recording.value)


def _on_disk(font: str) -> dict[bytes, bytes]:
    """The glyphs of `font` in the glyph cache (qgen.glyph_cache), read once per process."""
    with _charstrings_lock:
        found = _disk.get(font)
    if found is None:
        found = glyph_cache.load(font)
        with _charstrings_lock:
            found = _disk.setdefault(font, found)
    return found


def _cff_font(base: str, programs: list[type1.Program], own_encoding: bool) -> cff.Font:
    """One CFF font with every glyph of `programs` (Type 1 subsets of the same font)."""
    glyphs: dict[str, tuple[type1.Program, bytes]] = {}
    for p in programs:
        for g, cs in p.glyphs.items():
            if g in glyphs and glyphs[g][1] != cs:
                raise type1.Type1Error(f"two different glyphs {g}")
            glyphs.setdefault(g, (p, cs))
    if ".notdef" not in glyphs:
        raise type1.Type1Error("no .notdef")
    subrs_of: dict[int, list] = {}
    t1_glyphs: dict = {}
    files: dict[int, str] = {}  # id(program) -> its file in the glyph cache
    new: dict[str, dict[bytes, bytes]] = {}  # file -> glyphs converted here, to be added

    def charstring(g: str) -> bytes:
        p, cs = glyphs[g]
        key = (base, p.private, g, cs)
        with _charstrings_lock:
            if key in _charstrings:
                return _charstrings[key]
        if id(p) not in files:
            files[id(p)] = glyph_cache.font_key(base, p.private, p.subrs)
        file, stored = files[id(p)], glyph_cache.glyph_key(g, cs)
        found = _on_disk(file).get(stored)
        if found is None:
            if id(p) not in subrs_of:  # only for a glyph not drawn yet in this process or cache
                subrs = [T1CharString(p.charstring(p.subrs[k]) if k in p.subrs else _RETURN)
                         for k in range(max(p.subrs, default=-1) + 1)]
                for s in subrs:
                    s.subrs = subrs
                subrs_of[id(p)] = subrs
                t1_glyphs.update({n: T1CharString(p.charstring(c), subrs=subrs)
                                  for n, c in p.glyphs.items() if n not in t1_glyphs})
            found, composite = _glyph(p, g, subrs_of[id(p)], t1_glyphs)
            if not composite:  # an accented glyph depends on its parts: not kept on disk
                new.setdefault(file, {})[stored] = found
        with _charstrings_lock:
            _charstrings[key] = found
        return found

    charstrings = {g: charstring(g) for g in glyphs}
    for file, converted in new.items():
        glyph_cache.store(file, converted)
        with _charstrings_lock:
            _disk[file] = {**_disk.get(file, {}), **converted}
    first = programs[0]
    # no Private hint values (alignment zones, stems): they only steer the stem hints, which are not
    # carried over
    return cff.Font(glyphs=charstrings,
                    bbox=first.numbers("FontBBox") or [0, 0, 0, 0],
                    matrix=first.numbers("FontMatrix") or [0.001, 0, 0, 0.001, 0, 0],
                    encoding=first.encoding() if own_encoding else {})


def _compressed(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    """A stream of `pdf` holding `data`, compressed already (zlib)."""
    stream = pikepdf.Stream(pdf, data)  # as stream.write(data, filter=...) would, in half the time
    stream["/Filter"] = _FLATE
    return stream


def _tagged(base: str, glyphs, encoding: dict) -> str:
    """base with a subset tag (ABCDEF+) from what the program holds."""
    digest = hashlib.sha256(f"{base}\0{sorted(glyphs)}\0{sorted(encoding.items())}".encode()).digest()
    return "".join(_TAG[b % 26] for b in digest[:6]) + "+" + base


class _Group:
    """Fonts of one document that share one CFF program."""

    def __init__(self, base: str, font: cff.Font):
        self.base, self.font = base, font
        self.members: list = []  # (font dict, code -> glyph name)
        # all that a program made from it depends on: documents of a class often make the same
        # font, and each file of one its same subset (the starter exam's 200 students: 801 distinct
        # programs of 1,705 made per document)
        self.digest = hashlib.sha256(repr((base, sorted(font.glyphs.items()), font.private, font.bbox, font.matrix,
                                           sorted(font.encoding.items()))).encode()).digest()


class DocumentFonts:
    """A document's fonts made compact in place, and the codes each page shows (see above)."""

    def __init__(self, pdf: pikepdf.Pdf):
        self._programs: dict[tuple, tuple[bytes, str]] = {}
        self._maps: dict[tuple, bytes | None] = {}
        self.codes: dict[tuple, font_dicts.Codes] = {}  # font objgen -> its codes (merged copies: the first)
        self.groups: list[_Group] = []
        self.group_of: dict[tuple, tuple[_Group, dict[int, str]]] = {}  # font objgen -> group, code names
        pdf_tidy.tidy_forms(pdf)  # the pictures' dictionaries, copied into each file with the fonts
        try:
            forms: dict = {}
            self.pages = [shown_codes(b"\n".join(self._contents(page)), page.obj, forms) for page in pdf.pages]
        except Unreadable:
            self.pages = None
        shown: dict[tuple, set[int]] | None = None
        if self.pages is not None:
            shown = {}
            for page in self.pages:
                for key, codes in page.items():
                    shown.setdefault(key, set()).update(codes)
        parsed: dict[tuple, type1.Program | None] = {}
        found: dict[tuple, list] = {}
        for font, descriptor, stream in _type1_fonts(pdf):
            if stream.objgen not in parsed:
                try:
                    parsed[stream.objgen] = type1.parse(stream.read_bytes(), int(stream.Length1), int(stream.Length2))
                except (type1.Type1Error, ValueError, IndexError):
                    parsed[stream.objgen] = None
            program = parsed[stream.objgen]
            if program is None:
                continue
            names, uses_own = _code_names(font, program, None if shown is None else shown.get(font.objgen, set()))
            # one program per font; a font that reads its program's own encoding keeps its own
            key = (program.base_name, program.private, stream.objgen if uses_own else None)
            found.setdefault(key, []).append((font, names, program))
        streams: dict = {}
        for (base, _, own), members in found.items():
            programs = list({id(m[2]): m[2] for m in members}.values())
            try:
                group = _Group(base, _cff_font(base, programs, own is not None))
                data, name = self._program(group, None)
            except (type1.Type1Error, ValueError, IndexError, KeyError):
                continue
            self.groups.append(group)
            for font, names, _ in members:
                group.members.append(font)
                self.group_of[font.objgen] = (group, names)
                self._point(pdf, font, data, name, streams)
                if shown is not None:
                    stream = font.get("/ToUnicode")
                    unicode = stream.read_bytes() if isinstance(stream, pikepdf.Stream) else None
                    self.codes[font.objgen] = font_dicts.read(font, names if own is None else None, unicode,
                                                              shown.get(font.objgen, set()))
        if shown is not None:
            self._paths = FontPaths(pdf, self.group_of)  # where each page names each font
            self._merge(pdf)
            maps: dict = {}
            for key, codes in self.codes.items():  # the whole document: its codes only
                font = pdf.get_object(key)
                font_dicts.cut(font, codes, frozenset(codes.shown))
                self._set_map(pdf, font, (key, frozenset(codes.shown), "document"), codes, maps)

    def _merge(self, pdf: pikepdf.Pdf) -> None:
        """Copies of one font that agree on the codes they show become one dictionary."""
        moved: dict[tuple, tuple] = {}
        for group in self.groups:
            found = font_dicts.merge([f.objgen for f in group.members], self.codes)
            moved.update(found)
            for k in set(found.values()):
                self.group_of[k] = (group, {**self.group_of[k][1], **self.codes[k].names})
        if moved:
            into = {key: pdf.get_object(k) for key, k in moved.items()}
            if self._paths.complete:  # along the pages' resources, not every object
                self._paths.repoint(pdf, 0, into)
            else:
                font_dicts.repoint(pdf, into)
            self._paths.remap(moved)
            pages = []
            for page in self.pages:
                if moved.keys().isdisjoint(page):
                    pages.append(page)
                    continue
                merged: dict[tuple, set[int]] = {}
                for key, codes in page.items():
                    merged.setdefault(moved.get(key, key), set()).update(codes)
                pages.append(merged)
            self.pages = pages

    @staticmethod
    def _contents(page) -> list[bytes]:
        contents = page.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
        return [s.read_bytes() for s in streams]

    def _program(self, group: _Group, glyphs: frozenset | None) -> tuple[bytes, str]:
        key = (id(group), glyphs)
        if key not in self._programs:
            found = _made.get((group.digest, glyphs))  # made for another document in this process
            if found is None:
                name = _tagged(group.base, group.font.glyphs if glyphs is None else glyphs, group.font.encoding)
                found = (zlib.compress(group.font.program(name, glyphs), 9), name)
                with _charstrings_lock:
                    if len(_made) >= _MAX_MADE:
                        _made.clear()
                    _made[(group.digest, glyphs)] = found
            self._programs[key] = found
        return self._programs[key]

    def _point(self, pdf, font, data: bytes, name: str, stream_cache: dict | None) -> None:
        """Give `font` (in pdf) the CFF program `data` named `name` (one stream per program)."""
        descriptor = font["/FontDescriptor"]
        stream = stream_cache.get(data) if stream_cache is not None else None
        if stream is None:
            stream = _compressed(pdf, data)
            stream["/Subtype"] = _TYPE1C
            if stream_cache is not None:
                stream_cache[data] = stream
        if "/FontFile" in descriptor:
            del descriptor["/FontFile"]
        descriptor["/FontFile3"] = stream
        name = pikepdf.Name("/" + name)
        descriptor["/FontName"] = name
        if "/CharSet" in descriptor:  # optional (and deprecated in PDF 2.0): not kept up to date
            del descriptor["/CharSet"]
        font["/BaseFont"] = name

    def subset(self, part: pikepdf.Pdf, first: int, end: int, source: pikepdf.Pdf) -> None:
        """In `part` (pages first..end-1 of `source`, copied), fonts with just the glyphs and
        ToUnicode codes those pages show."""
        if self.pages is None:
            return
        codes: dict[tuple, set[int]] = {}
        for page in self.pages[first:end]:
            for key, shown in page.items():
                codes.setdefault(key, set()).update(shown)
        glyphs: dict[int, set[str]] = {}
        for key, shown in codes.items():
            if key in self.group_of:
                group, names = self.group_of[key]
                glyphs.setdefault(id(group), set()).update(names[c] for c in shown if c in names)
        copies = self._paths.copies(part, first)

        def copy(key: tuple) -> pikepdf.Object:
            found = copies.get(key)
            return part.copy_foreign(source.get_object(key)) if found is None else found

        merged, moved = self._merge_part(part, first, codes, copy)
        streams: dict = {}
        maps: dict = {}
        for key, shown in sorted(codes.items()):
            if key not in self.group_of or key in moved:
                continue
            group, _ = self.group_of[key]
            wanted = frozenset(glyphs[id(group)] | {".notdef"})
            data, name = self._program(group, wanted)
            font = copy(key)
            self._point(part, font, data, name, streams)
            if key in self.codes:
                info = merged.get(key, self.codes[key])
                shown = frozenset(info.shown if key in merged else shown)
                if key in merged:  # else the document's encoding and widths, cut to its codes: new
                    font_dicts.cut(font, info, shown)  # arrays in every file cost more time than bytes
                self._set_map(part, font, (key, shown, frozenset(m for m, k in moved.items() if k == key)),
                              info, maps)

    def _merge_part(self, part: pikepdf.Pdf, first: int, codes: dict, copy) -> tuple[dict, dict]:
        """Copies of one font that agree on the codes shown in `part` become one dictionary there
        (those of the document that disagree elsewhere): merged Codes by key, and the keys moved."""
        by_group: dict[int, list] = {}
        for key in sorted(codes):
            if key in self.codes:
                by_group.setdefault(id(self.group_of[key][0]), []).append(key)
        merged: dict[tuple, font_dicts.Codes] = {}
        moved: dict[tuple, tuple] = {}
        for keys in by_group.values():
            if len(keys) > 1:
                local = {k: self.codes[k].restricted(codes[k]) for k in keys}
                found = font_dicts.merge(keys, local)
                moved.update(found)
                merged.update({k: local[k] for k in set(found.values())})
        if moved:
            if self._paths.complete:  # along the pages' resources, not every object of the part
                self._paths.repoint(part, first, {m: copy(k) for m, k in moved.items()})
            else:
                font_dicts.repoint(part, {copy(m).objgen: copy(k) for m, k in moved.items()})
        return merged, moved

    def _set_map(self, pdf: pikepdf.Pdf, font, memo: tuple, codes: font_dicts.Codes, maps: dict) -> None:
        """The font's ToUnicode map (`memo`: the font, the codes shown, the fonts merged into it):
        none where the glyph names give the same text, else the codes that need it (one stream
        per distinct map in `pdf`)."""
        if codes.map_unread or codes.unicode is None:
            return
        if memo not in self._maps:
            needed = font_dicts.map_codes(codes, memo[1])
            self._maps[memo] = zlib.compress(codes.unicode.trimmed(needed), 9) if needed else None
        data = self._maps[memo]
        if data is None:
            if "/ToUnicode" in font:
                del font.ToUnicode
            return
        if data not in maps:
            maps[data] = _compressed(pdf, data)
        font["/ToUnicode"] = maps[data]
