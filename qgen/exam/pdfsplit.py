r"""Cutting pdfTeX's PDFs into per-student files fast, by copying object bytes.

pypdf (qgen.build.split_pdf) rebuilds every object of every part as Python objects: for a
200-student class (1,200 pages, each part with its ~30 fonts) that is ~7 s of CPU, more than
typesetting. The documents qgen typesets are simple and regular, and written with
\pdfobjcompresslevel=0 (every object stands alone, with a classic xref table), so a part can be
made by copying the bytes of the objects its pages reach, renumbered, with a new page tree:

    doc = PdfObjects(pdf_bytes)
    part = assemble([(doc, [0, 1, 2])])           # pages 0..2 of doc as a PDF
    both = assemble([(doc, doc_pages), (other, other_pages)])   # pages of several documents

Only the dictionary part of an object is rewritten (its references), never stream data.
Anything outside what pdfTeX writes for these documents (object streams, an xref stream, a
page that inherits its resources, annotations that point at other pages) raises SplitError;
callers then fall back to pypdf. Output is deterministic (the /ID is a hash of the content).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_SUBSECTION = re.compile(rb"(\d+)[ ]+(\d+)[ ]*\r?\n")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_HEADER = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_STREAM = re.compile(rb">>\s*stream(\r\n|\n)")
# A literal string (kept as it is) or an indirect reference (renumbered).
_TOKEN = re.compile(rb"(\((?:\\.|[^\\()])*\))|\b(\d+)\s+(\d+)\s+R\b")
_PARENT = re.compile(rb"/Parent\s+(\d+)\s+\d+\s+R")
_TYPE_PAGES = re.compile(rb"/Type\s*/Pages\b")
_TYPE_PAGE = re.compile(rb"/Type\s*/Page\b")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_ROOT = re.compile(rb"/Root\s+(\d+)\s+\d+\s+R")
_PAGES = re.compile(rb"/Pages\s+(\d+)\s+\d+\s+R")
_REF = re.compile(rb"(\d+)\s+\d+\s+R")


class SplitError(Exception):
    """The PDF is not of the simple form this module handles; use pypdf instead."""


class PdfObjects:
    """The objects of one PDF by number, with their references, and its pages in order."""

    def __init__(self, data: bytes):
        self.data = data
        m = _STARTXREF.search(data[-64:])
        if not m:
            raise SplitError("no startxref")
        xref = int(m.group(1))
        if not data.startswith(b"xref", xref):
            raise SplitError("not a classic xref table (object streams?)")
        offsets: dict[int, int] = {}
        pos = xref + 4
        while True:
            while data[pos:pos + 1] in (b"\r", b"\n", b" "):
                pos += 1
            sub = _SUBSECTION.match(data, pos)
            if not sub:
                break
            first, count = int(sub.group(1)), int(sub.group(2))
            pos = sub.end()
            for i in range(count):
                entry = _ENTRY.match(data, pos + 20 * i)
                if not entry:
                    raise SplitError("malformed xref entry")
                if entry.group(3) == b"n":
                    if entry.group(2) != b"00000":
                        raise SplitError("object generations other than 0")
                    offsets[first + i] = int(entry.group(1))
            pos += 20 * count
        trailer = data[pos:]
        if not trailer.startswith(b"trailer"):
            raise SplitError("no trailer after the xref table")
        root = _ROOT.search(trailer)
        if not root:
            raise SplitError("no /Root")
        ends = sorted(offsets.values()) + [xref]
        next_offset = {start: end for start, end in zip(ends, ends[1:])}
        self._spans = {n: (o, next_offset[o]) for n, o in offsets.items()}
        self._dicts: dict[int, tuple[bytes, int, int]] = {}
        self._refs: dict[tuple[int, bool], list[int]] = {}
        self.pages = self._walk(self._ref_in(self.head(int(root.group(1))), _PAGES, "catalog /Pages"), set())

    def head(self, num: int) -> bytes:
        """The object's text before its stream data: `<< ... >>` or the whole value."""
        cached = self._dicts.get(num)
        if cached is None:
            try:
                start, end = self._spans[num]
            except KeyError:
                raise SplitError(f"object {num} is referenced but missing") from None
            header = _HEADER.match(self.data, start)
            if not header or int(header.group(1)) != num:
                raise SplitError(f"object {num} is not where the xref says")
            body_end = self.data.rfind(b"endobj", start, end)
            if body_end < 0:
                raise SplitError(f"object {num} has no endobj")
            stream = _STREAM.search(self.data, header.end(), body_end)
            head_end = stream.start() + 2 if stream else body_end
            cached = (self.data[header.end():head_end], head_end, body_end)
            self._dicts[num] = cached
        return cached[0]

    def tail(self, num: int) -> bytes:
        """What follows the head: `stream ... endstream` (or whitespace), without endobj."""
        self.head(num)
        _, head_end, body_end = self._dicts[num]
        return self.data[head_end:body_end]

    @staticmethod
    def _ref_in(text: bytes, pattern: re.Pattern, what: str) -> int:
        m = pattern.search(text)
        if not m:
            raise SplitError(f"no {what}")
        return int(m.group(1))

    def _walk(self, num: int, seen: set[int]) -> list[int]:
        if num in seen:
            raise SplitError("a cycle in the page tree")
        seen.add(num)
        head = self.head(num)
        if _TYPE_PAGES.search(head):
            kids = _KIDS.search(head)
            if not kids:
                raise SplitError("a /Pages node without /Kids")
            return [p for kid in _REF.findall(kids.group(1)) for p in self._walk(int(kid), seen)]
        if _TYPE_PAGE.search(head):
            if b"/Resources" not in head or b"/MediaBox" not in head:
                raise SplitError("a page inherits /Resources or /MediaBox")
            return [num]
        raise SplitError(f"object {num} in the page tree is neither /Page nor /Pages")

    def refs(self, num: int, page: bool = False) -> list[int]:
        """The objects this one refers to (a page's /Parent left out)."""
        key = (num, page)
        found = self._refs.get(key)
        if found is None:
            head = self.head(num)
            if page:
                head = _PARENT.sub(b"", head)
            found = self._refs[key] = [int(m.group(2)) for m in _TOKEN.finditer(head) if m.group(2)]
        return found


def assemble(selection: Sequence[tuple[PdfObjects, Sequence[int]]]) -> bytes:
    """A PDF of the given pages (0-based indices) of the given documents, in this order."""
    numbers: dict[tuple[int, int], int] = {}  # (document, old number) -> new number
    order: list[tuple[int, int]] = []
    page_keys: list[tuple[int, int]] = []
    page_objects = set()
    for d, (doc, pages) in enumerate(selection):
        page_objects.update((d, doc.pages[i]) for i in pages)
    for d, (doc, pages) in enumerate(selection):
        all_pages = set(doc.pages)
        for i in pages:
            key = (d, doc.pages[i])
            page_keys.append(key)
            stack = [key]
            while stack:
                key = stack.pop()
                if key in numbers:
                    continue
                if key[1] in all_pages and key not in page_objects:
                    raise SplitError("a page refers to another page")
                numbers[key] = len(order) + 1
                order.append(key)
                refs = doc.refs(key[1], page=key in page_objects)
                stack.extend((d, r) for r in reversed(refs))
    root_pages, catalog = len(order) + 1, len(order) + 2

    out = [b"%PDF-1.5\n%\xd0\xd4\xc5\xd8\n"]
    size = len(out[0])
    offsets = []
    for d, num in order:
        doc = selection[d][0]

        def renumber(m: re.Match, d=d) -> bytes:
            if m.group(1):
                return m.group(1)
            return b"%d 0 R" % numbers[(d, int(m.group(2)))]

        head = doc.head(num)
        if (d, num) in page_objects:  # the page's parent is the new page tree
            head = _TOKEN.sub(renumber, _PARENT.sub(b"", head))
            end = head.rfind(b">>")
            head = head[:end] + b"/Parent %d 0 R\n" % root_pages + head[end:]
        elif doc.refs(num):
            head = _TOKEN.sub(renumber, head)
        chunk = b"%d 0 obj" % numbers[(d, num)] + head + doc.tail(num) + b"endobj\n"
        offsets.append(size)
        out.append(chunk)
        size += len(chunk)
    kids = b" ".join(b"%d 0 R" % numbers[k] for k in page_keys)
    for text in (b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_keys)),
                 b"<< /Type /Catalog /Pages %d 0 R >>" % root_pages):
        chunk = b"%d 0 obj\n" % (len(offsets) + 1) + text + b"\nendobj\n"
        offsets.append(size)
        out.append(chunk)
        size += len(chunk)
    digest = hashlib.sha256(b"".join(out)).hexdigest()[:32].upper().encode()
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)]
    xref += [b"%010d 00000 n \n" % o for o in offsets]
    xref.append(b"trailer\n<< /Size %d /Root %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
                % (len(offsets) + 1, catalog, digest, digest, size))
    return b"".join(out + xref)

