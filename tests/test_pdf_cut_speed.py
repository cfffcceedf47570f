"""The cutting's shortcuts give what the plain way gives (qgen.pdf_shown, qgen.type1).

* pdf_shown reads each distinct piece of content (cut after "]TJ") once and replays it; a page
  where a string runs across a cut, or that the plain reading reads otherwise (a short octal
  escape), is read whole by the plain reading: both give the same codes.
* type1.decrypt works in numpy above a few hundred bytes: the same bytes as the loop of the
  Type 1 specification.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap

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
    """The plain reading: all the content's tokens in order."""
    fonts, xobjects = pdf_shown._resources(owner)
    return pdf_shown._shown_whole(content, fonts, xobjects, {})


CONTENTS = [
    b"BT\n/F1 9.96 Tf 10 0 Td [(Ab)-333(c\\051)]TJ/F2 9.96 Tf [(xy)]TJ\nET\nq\n/F1 8 Tf\nQ\n [(zz)]TJ",
    b"BT /F1 9 Tf (a) Tj\n(b\nc) Tj ET",  # a string across a line's end
    b"BT /F1 9 Tf (a)\n(b)Tj /F2 9\nTf (c) Tj\nq\n/F1 9 Tf (d) Tj\nQ\n(e) Tj ET",  # strings, then Tf, across
    b"BT /F2 9 Tf [(a)-20\n(b)] TJ\nq\n(c) Tj ET",  # a TJ array's kerns across a line, then q
    b"BT /F1 9 Tf <41\n42> Tj (\\101\\\n\\102) Tj ET",  # a hex string across, an escaped newline
    b"q\n/Fm1 Do\nQ\nBT /F2 7 Tf (\\(\\)\\\\) Tj ET\r/F1 5 Tf\rQ\n(x) Tj",  # a form; lone CRs
    b"(no font) Tj\nQ\nQ\nBT /F3 9 Tf (k) Tj ET\n%(comment\n/F1 9 Tf (m) Tj",
    b"<</A 1>> BDC\n/F1 9 Tf (a) Tj\nEMC\n/F2 9 Tf <> Tj <4>Tj",
    b"BT /F1 9 Tf [(a]TJ) (b)]TJ /F2 9 Tf[(c)]TJ\nq /F1 9 Tf]TJ Q [(d)]TJ\n(\\05)Tj (1) Tj",  # ]TJ in a string
    b"/F1 9 Tf (x) Tj /F2 9 Tf\nBI",  # an inline image at the very end
]


@pytest.mark.parametrize("content", CONTENTS)
def test_pieces_read_once_give_what_the_whole_page_gives(content):
    pdf, page, _ = _page()  # noqa: F841 (the page lives in pdf)
    pdf_shown._middle.clear()

    def shown(read):
        try:
            return read(content, page)
        except pdf_shown.Unreadable:
            return "unreadable"

    assert shown(lambda c, p: pdf_shown.shown_codes(c, p, {})) == shown(_whole)
    assert shown(lambda c, p: pdf_shown.shown_codes(c, p, {})) == shown(_whole)  # pieces now remembered


def test_random_contents_read_by_pieces_and_whole_agree():
    pdf, page, _ = _page()  # noqa: F841 (the page lives in pdf)
    pieces = [b"/F1 9 Tf", b"/F2 9", b"Tf", b"(ab", b")", b"(c)", b"[(d)-20", b"(e)]TJ", b"q", b"Q", b"<41", b"(\\5", b"(\\\\\\12)", b"4)",
              b"42>", b"\\", b"7", b" ", b"\n", b"\n", b"\r", b"/Fm1 Do", b"(", b"<", b"% x"]
    rng = random.Random(5)
    for _ in range(400):
        content = b"".join(rng.choice(pieces) + rng.choice([b" ", b"\n", b""]) for _ in range(rng.randrange(1, 30)))
        try:
            found = pdf_shown.shown_codes(content, page, {})
        except pdf_shown.Unreadable:
            found = "unreadable"
        try:
            assert found == _whole(content, page), content
        except pdf_shown.Unreadable:
            assert found == "unreadable", content


def test_a_page_is_read_by_its_pieces_where_it_can():
    pdf, page, names = _page()  # noqa: F841
    pdf_shown._middle.clear()
    found = pdf_shown.shown_codes(CONTENTS[0], page, {})
    assert found == {names["F1"]: set(b"Abc)"), names["F2"]: set(b"xyzz")}  # Q restores F2
    assert len(pdf_shown._middle) == 3 and None not in pdf_shown._middle.values()  # 3 ]TJ
    assert pdf_shown._middle[b"BT /F1 9 Tf [(a"] is None  # a string holding ]TJ: read whole
    assert pdf_shown._middle[b"(\\05)Tj (1) Tj"] is None  # \05 then 1: read whole


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


def test_decryption_tables_made_by_threads_at_once_in_a_new_process():
    """A class under qgen.exam.prepare.POOL_MIN_STUDENTS is cut in threads: their first
    decryptions, at once in a fresh process, must each give the plain loop's bytes (a race on the
    tables made when first needed once broke every later decryption, and the fonts stayed as
    pdfTeX wrote them)."""
    script = textwrap.dedent("""
        import sys, threading
        sys.setswitchinterval(1e-6)  # threads switch inside the tables' making, as they can in a build
        from qgen import type1
        data = bytes(range(256)) * 40
        barrier, results = threading.Barrier(8), []
        def one():
            barrier.wait()
            results.append(type1.decrypt(data, 55665))
        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(len(results), len(set(results)), results[0].hex())
    """)
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
        count, distinct, first = out.stdout.split()
        assert (count, distinct) == ("8", "1"), out.stderr
        assert bytes.fromhex(first) == _decrypt(bytes(range(256)) * 40, 55665)
