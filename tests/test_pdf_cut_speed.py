"""The cutting's shortcuts give what the plain way gives (qgen.pdf_shown, qgen.type1).

* pdf_shown reads each distinct content line once and replays it; a page whose tokens could run
  across a line's end is read whole, as before: both give the same codes.
* type1.decrypt works in numpy above a few hundred bytes: the same bytes as the loop of the
  Type 1 specification.
"""

from __future__ import annotations

import random

import pikepdf
import pytest

from qgen import pdf_shown, type1


def _page():
    pdf = pikepdf.new()
    fonts = pikepdf.Dictionary({f"/F{i}": pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font))
                                for i in range(1, 4)})
    form = pdf.make_stream(b"BT /F3 9 Tf (form) Tj ET")
    form.Subtype = pikepdf.Name.Form
    form.Resources = pikepdf.Dictionary(Font=fonts)
    page = pdf.make_indirect(pikepdf.Dictionary(
        Resources=pikepdf.Dictionary(Font=fonts, XObject=pikepdf.Dictionary(Fm1=form))))
    return pdf, page, {f"F{i}": fonts[f"/F{i}"].objgen for i in range(1, 4)}


def _whole(content: bytes, owner) -> dict:
    """The plain reading: all the content as one text."""
    real = pdf_shown._lines.__class__.__getitem__
    try:
        pdf_shown._lines.__class__.__getitem__ = lambda self, line: None  # every page read whole
        return pdf_shown.shown_codes(content, owner, {})
    finally:
        pdf_shown._lines.__class__.__getitem__ = real


CONTENTS = [
    b"BT\n/F1 9.96 Tf 10 0 Td [(Ab)-333(c\\051)]TJ/F2 9.96 Tf [(xy)]TJ\nET\nq\n/F1 8 Tf\nQ\n [(zz)]TJ",
    b"BT /F1 9 Tf (a) Tj\n(b\nc) Tj ET",  # a string across a line's end
    b"BT /F1 9 Tf (a)\n(b)Tj /F2 9\nTf (c) Tj\nq\n/F1 9 Tf (d) Tj\nQ\n(e) Tj ET",  # strings, then Tf, across
    b"BT /F2 9 Tf [(a)-20\n(b)] TJ\nq\n(c) Tj ET",  # a TJ array's kerns across a line, then q
    b"BT /F1 9 Tf <41\n42> Tj (\\101\\\n\\102) Tj ET",  # a hex string across, an escaped newline
    b"q\n/Fm1 Do\nQ\nBT /F2 7 Tf (\\(\\)\\\\) Tj ET\r/F1 5 Tf\rQ\n(x) Tj",  # a form; lone CRs
    b"(no font) Tj\nQ\nQ\nBT /F3 9 Tf (k) Tj ET\n%(comment\n/F1 9 Tf (m) Tj",
    b"<</A 1>> BDC\n/F1 9 Tf (a) Tj\nEMC\n/F2 9 Tf <> Tj <4>Tj",
]


@pytest.mark.parametrize("content", CONTENTS)
def test_lines_read_once_give_what_the_whole_page_gives(content):
    pdf, page, _ = _page()  # noqa: F841 (the page lives in pdf)
    pdf_shown._lines.clear()
    assert pdf_shown.shown_codes(content, page, {}) == _whole(content, page)
    assert pdf_shown.shown_codes(content, page, {}) == _whole(content, page)  # lines now remembered


def test_random_contents_read_by_lines_and_whole_agree():
    pdf, page, _ = _page()  # noqa: F841 (the page lives in pdf)
    pieces = [b"/F1 9 Tf", b"/F2 9", b"Tf", b"(ab", b")", b"(c)", b"[(d)-20", b"(e)]TJ", b"q", b"Q", b"<41", b"(\\5", b"(\\\\\\12)", b"4)",
              b"42>", b"\\", b"7", b" ", b"\n", b"\n", b"\r", b"/Fm1 Do", b"(", b"<", b"% x"]
    rng = random.Random(5)
    for _ in range(400):
        content = b"".join(rng.choice(pieces) + rng.choice([b" ", b"\n", b""]) for _ in range(rng.randrange(1, 30)))
        assert pdf_shown.shown_codes(content, page, {}) == _whole(content, page), content


def test_a_page_is_read_by_its_lines_where_it_can():
    pdf, page, names = _page()  # noqa: F841
    pdf_shown._lines.clear()
    found = pdf_shown.shown_codes(CONTENTS[0], page, {})
    assert found == {names["F1"]: set(b"Abc)"), names["F2"]: set(b"xyzz")}  # Q restores F2
    assert all(pdf_shown._lines[line] is not None for line in CONTENTS[0].split(b"\n"))
    assert pdf_shown._lines[b"BT /F1 9 Tf (a) Tj"] is not None
    assert pdf_shown._lines[b"(b"] is None and pdf_shown._lines[b"BT /F1 9 Tf (a)"] is None


def _decrypt(data: bytes, r: int) -> bytes:
    """The Type 1 specification's loop, byte by byte."""
    out = bytearray()
    for c in data:
        out.append(c ^ (r >> 8))
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 5000, (1 << 14) - 1, 1 << 14, (1 << 14) + 1, 70000])
def test_decryption_gives_the_bytes_of_the_plain_loop(size):
    data = random.Random(size).randbytes(size)
    for key in (55665, 4330, 0, 0xFFFF):
        assert type1.decrypt(data, key) == _decrypt(data, key)
