"""Compact fonts in cut files (qgen.pdf_fonts, qgen.cff, qgen.cmap): same pages, same text, fewer bytes.

A small class is built for real; each typeset document is cut twice: as before (qgen.pdf_pages.split_pdf,
pdfTeX's Type 1 fonts as they are) and as qgen does now (split_compact). The two are rendered at
100 dpi by poppler and compared pixel for pixel, and their text is extracted with pdftotext.
"""

from __future__ import annotations

import io
import math
import subprocess
from decimal import Decimal

import numpy as np
import pikepdf
import pytest
from fontTools import agl
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import RecordingPen
from fontTools.t1Lib import T1Font
from PIL import Image

from qgen import cmap, font_dicts, pdf_fonts
from qgen.exam import sheets
from qgen.exam.run import build_exam, read_inputs
from qgen.pdf_pages import split_pdf

EXAM = '''[exam]
title = "Size test"
course = "CS 1"
date = "2026-03-14"
duration = 60
keys = "both"

[[questions]]
kind = "mlp"
points = 10

[[questions]]
kind = "graph"
points = 4
'''


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """The BuildResults of a 3-student class (sheets, worked keys, grading keys)."""
    folder = tmp_path_factory.mktemp("size")
    (folder / "exam.toml").write_text(EXAM, encoding="utf-8")
    (folder / "roster.csv").write_text('id,name\na1,Zoë Núñez\na2,"Łukasz O\'Brien"\na3,Ada Lovelace\n',
                                       encoding="utf-8")
    (folder / "exam.secret").write_text("ab" * 32 + "\n")
    captured = []
    real = sheets._cut

    def capture(result):
        captured.append(result)
        return real(result)

    sheets._cut = capture
    try:
        build_exam(read_inputs(folder / "exam.toml", folder / "roster.csv"), folder / "out")
    finally:
        sheets._cut = real
    assert len(captured) == 3
    return captured


@pytest.fixture(scope="module")
def compact(documents):
    """Each document cut as qgen does (split_compact): (whole, parts)."""
    return [sheets.split_compact(result.pdf, _starts(result)) for result in documents]


def _starts(result):
    blanks = set(sheets._blanks(result))
    return sorted(set(sheets.variant_starts(result)) | blanks)


def _render(pdf: bytes, tmp_path, name: str) -> list[np.ndarray]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-gray", str(path), str(tmp_path / name)], check=True)
    return [np.asarray(Image.open(p), dtype=int) for p in sorted(tmp_path.glob(f"{name}-*.pgm"))]


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_cut_files_look_the_same_read_the_same_and_are_smaller(documents, tmp_path):
    for d, result in enumerate(documents):
        starts = _starts(result)
        before = split_pdf(result.pdf, starts)
        whole, after = sheets.split_compact(result.pdf, starts)
        assert len(after) == len(before)
        for k, (old, new) in enumerate([*zip(before, after), (result.pdf, whole)]):
            old_pages, new_pages = _render(old, tmp_path, f"old-{d}-{k}"), _render(new, tmp_path, f"new-{d}-{k}")
            assert len(old_pages) == len(new_pages) > 0
            for a, b in zip(old_pages, new_pages):
                assert a.shape == b.shape
                changed = np.abs(a - b) > 64  # beyond antialiasing
                assert changed.sum() == 0, f"document {d}, file {k}: {changed.sum()} pixels changed"
            assert _text(new) == _text(old)
            assert len(new) < len(old) / 2 or k == len(before)  # the whole document: smaller too
            assert len(new) <= len(old)


def test_cut_files_carry_cff_fonts_with_their_own_glyphs_only(compact):
    _, parts = compact[-1]
    with pikepdf.open(io.BytesIO(parts[0])) as pdf:
        programs = {}
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                descriptor = obj.FontDescriptor
                assert "/FontFile" not in descriptor and descriptor.FontFile3.Subtype == "/Type1C"
                programs[descriptor.FontFile3.objgen] = str(obj.BaseFont).split("+", 1)[1]
        assert len(set(programs.values())) == len(programs)  # one program per font (text and pictures)


def test_output_is_the_same_whatever_was_converted_before(documents):
    result = documents[0]
    first = sheets.split_compact(result.pdf, _starts(result))
    assert sheets.split_compact(result.pdf, _starts(result)) == first  # programs made before, reused
    pdf_fonts._charstrings.clear()
    pdf_fonts._made.clear()
    assert sheets.split_compact(result.pdf, _starts(result)) == first


def test_cff_glyphs_draw_the_type1_outlines(documents):
    """Each CFF glyph is the Type 1 glyph's outline, read back by fontTools on both sides."""
    with pikepdf.open(io.BytesIO(documents[0].pdf)) as pdf:
        checked = 0
        for font, _, stream in list(pdf_fonts._type1_fonts(pdf))[:6]:
            t1 = T1Font.__new__(T1Font)
            t1.data = stream.read_bytes() + b"\n" + b"0" * 512 + b"\ncleartomark\n"
            t1.encoding = "ascii"
            glyphs = t1.getGlyphSet()
            program = pdf_fonts.type1.parse(stream.read_bytes(), int(stream.Length1), int(stream.Length2))
            cff = pdf_fonts._cff_font(program.base_name, [program], False).program("ABCDEF+Test")
            fonts = CFFFontSet()
            fonts.decompile(io.BytesIO(cff), None)
            charstrings = fonts[fonts.fontNames[0]].CharStrings
            assert set(charstrings.keys()) == set(glyphs.keys())
            for name in glyphs.keys():
                a, b = RecordingPen(), RecordingPen()
                glyphs[name].draw(a)
                charstrings[name].draw(b)
                assert _contours(a) == _contours(b), name
                # the width, written against the Private DICT's defaultWidthX and nominalWidthX
                assert charstrings[name].width == math.floor(glyphs[name].width + 0.5), name  # rounded half up
                checked += 1
        assert checked > 20


def _contours(pen: RecordingPen) -> list[list]:
    """Each contour's segments; a last line back to the start (implied in CFF) left out, and a
    point in the middle of a straight line (A-B-C on one line, which the CFF writer merges) too."""
    contours = []
    for op, args in pen.value:
        if op == "moveTo":
            contours.append([("moveTo", args[0])])
        elif op == "lineTo":
            b = args[0]
            if len(contours[-1]) > 1 and contours[-1][-1][0] == "lineTo":
                a, m = contours[-1][-2][-1], contours[-1][-1][1]
                if (m[0] - a[0]) * (b[1] - a[1]) == (m[1] - a[1]) * (b[0] - a[0]):  # collinear
                    contours[-1].pop()
            contours[-1].append(("lineTo", b))
        elif op == "curveTo":
            contours[-1].append(("curveTo", *args))
    for c in contours:
        if len(c) > 1 and c[-1] == ("lineTo", c[0][1]):
            c.pop()
    return contours


def test_tounicode_map_keeps_exactly_the_codes_shown():
    original = (b"/CIDInit /ProcSet findresource begin\n%%Comment\n2 beginbfrange\n<41> <43> <0041>\n"
                b"<61> <62> [<0061> <00660069>]\nendbfrange\n1 beginbfchar\n<20> <0020>\nendbfchar\nendcmap\n")
    full = {0x41: b"0041", 0x42: b"0042", 0x43: b"0043", 0x61: b"0061", 0x62: b"00660069", 0x20: b"0020"}
    assert cmap.read(original) == full
    trimmed = cmap.trimmed(original, {0x42, 0x62, 0x99})
    assert cmap.read(trimmed) == {0x42: b"0042", 0x62: b"00660069"}
    assert b"%%" not in trimmed and trimmed.startswith(b"/CIDInit") and trimmed.rstrip().endswith(b"endcmap")


def test_tounicode_entries_only_where_the_glyph_name_reads_otherwise():
    """A ToUnicode entry is kept where the Adobe Glyph List gives other text for the glyph's name
    (pdfTeX maps the fi ligature to "fi", the AGL to U+FB01); the map goes where none is left."""
    original = (b"/CIDInit /ProcSet findresource begin\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
                b"3 beginbfchar\n<1C> <00660069>\n<41> <0041>\n<30> <2032>\nendbfchar\nendcmap\n")
    names = {0x1C: "fi", 0x41: "A", 0x30: "prime"}
    codes = font_dicts.Codes(names, {}, cmap.CMap(original))
    assert font_dicts.map_codes(codes, frozenset({0x1C, 0x41, 0x30})) == {0x1C} | (
        {0x30} if agl.toUnicode("prime") != "\u2032" else set())
    assert font_dicts.map_codes(codes, frozenset({0x41})) == set()
    # an encoding this module does not read (names None): every mapped code keeps its entry
    assert font_dicts.map_codes(font_dicts.Codes(None, {}, cmap.CMap(original)), frozenset({0x41})) == {0x41}


def test_copies_of_a_font_merge_only_where_they_agree():
    def codes(names, widths, shown):
        return font_dicts.Codes(names, widths, None, shown=set(shown))

    table = {"a": codes({65: "A", 66: "B"}, {65: 750, 66: 708}, {65, 66}),
             "b": codes({66: "B", 136: "bullet"}, {66: 708, 136: 777.8}, {66, 136}),  # agrees on 66
             "c": codes({65: "Aring", 66: "B"}, {65: 750, 66: 708}, {65, 66}),  # 65 another glyph: apart
             "d": codes({66: "B"}, {66: 700}, {66})}  # another width for 66: apart from both
    moved = font_dicts.merge(["a", "b", "c", "d"], table)
    assert moved == {"b": "a"} and set(table) == {"a", "c", "d"}
    assert table["a"].names == {65: "A", 66: "B", 136: "bullet"} and table["a"].shown == {65, 66, 136}
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, FirstChar=0, LastChar=0, Widths=[0])
    font_dicts.cut(font, table["a"], frozenset({66, 136}))
    assert list(font.Encoding.Differences) == [66, pikepdf.Name("/B"), 136, pikepdf.Name("/bullet")]
    assert (font.FirstChar, font.LastChar, len(font.Widths)) == (66, 136, 71)
    assert font.Widths[0] == 708 and font.Widths[-1] == Decimal("777.8") and set(font.Widths[1:-1]) == {0}


def test_cut_files_fonts_name_the_codes_shown_only_and_forms_no_bookkeeping(compact):
    for _, parts in compact:
        for part in parts:
            with pikepdf.open(io.BytesIO(part)) as pdf:
                fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"]
                for font in fonts:
                    if not isinstance(font.get("/Encoding"), pikepdf.Dictionary):
                        continue  # the program's own encoding (msbm10), left as it is
                    differences = [x for x in font.Encoding.Differences if isinstance(x, pikepdf.Name)]
                    widths = [w for w in font.Widths if w != 0]
                    assert len(widths) == len(differences)  # the codes shown only
                forms = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Form"]
                assert not any(k.startswith("/PTEX.") for f in forms for k in f.keys())


def test_a_students_files_stay_light(documents, compact):
    """The bytes of a student's three files (sheet, worked key, grading key) of this small class:
    about 100 KB (README, "Exam output sizes": 117 KB a student for the starter exam, 162 KB before
    the font dictionaries were cut and the fonts that set one label left out). A font added for
    one label, or a map or dictionary no longer cut, shows here."""
    total = 0
    for result, (_, parts) in zip(documents, compact):
        starts = _starts(result)
        blanks = set(sheets._blanks(result))
        total += sum(len(p) for s, p in zip(starts, parts) if s not in blanks)
    per_student = total / 3
    print(f"{per_student / 1e3:.1f} KB a student")
    assert per_student < 110_000


def _cut_afresh(result):
    """split_compact with nothing converted in this process (the glyph cache on disk as it is)."""
    pdf_fonts._charstrings.clear()
    pdf_fonts._disk.clear()
    pdf_fonts._made.clear()
    return sheets.split_compact(result.pdf, _starts(result))


def test_the_glyph_cache_gives_the_same_bytes_cold_warm_damaged_or_unwritable(documents, tmp_path, monkeypatch):
    from qgen import glyph_cache

    result = documents[1]
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path / "cache"))
    cold = _cut_afresh(result)
    files = sorted((tmp_path / "cache" / "glyphs").iterdir())
    assert files and all(glyph_cache.load(f.name) for f in files)
    assert _cut_afresh(result) == cold  # warm: every glyph read from the files
    for k, f in enumerate(files):  # damaged: cut short, one byte changed, emptied, not a file
        data = f.read_bytes()
        if k % 4 == 3:
            f.unlink()
            f.mkdir()
        else:
            f.write_bytes([data[: len(data) // 2], data[:40] + bytes([data[40] ^ 1]) + data[41:], b""][k % 4])
        assert glyph_cache.load(f.name) == {}
    assert _cut_afresh(result) == cold
    assert all(glyph_cache.load(f.name) for f in files if f.is_file())  # written anew
    assert not list((tmp_path / "cache" / "glyphs").glob(".*.tmp"))
    (tmp_path / "blocked").write_text("not a folder")
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path / "blocked"))
    assert _cut_afresh(result) == cold  # a cache that cannot be written: the same bytes


def test_fonts_found_along_the_resources_as_qpdf_finds_them(documents, monkeypatch):
    """Each file's copies of the fonts, found by their resource names (qgen.pdf_copies), and the
    copies of a font merged in a file repointed along them: the bytes qpdf's lookups give."""
    from qgen import pdf_copies

    result = documents[1]
    found = sheets.split_compact(result.pdf, _starts(result))
    monkeypatch.setattr(pdf_copies.FontPaths, "copies", lambda self, part, first: {})  # qpdf finds each
    monkeypatch.setattr(pdf_copies, "_names_fonts", lambda obj: True)  # not complete: every object
    assert sheets.split_compact(result.pdf, _starts(result)) == found
