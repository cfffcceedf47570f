"""A cut file's copies of its document's fonts, found along the pages' resources.

qgen.pdf_pages copies pages into each cut file (pikepdf, qpdf's copyForeignObject), and
qgen.pdf_fonts then gives the copied fonts their compact programs. Asking qpdf for the copy of a
font it has already copied walks everything the font reaches again (its descriptor, program,
map): 40 µs a font and file, 0.4 s for the starter exam's 200 students. The copies are the
objects at the same places in the file as in the document: FontPaths notes once per document
which resource name of each page (and of each form it draws) is which font, and finds the copies
by those names, a lookup each.
"""

from __future__ import annotations

import pikepdf

_NONE: tuple = ((), ())


class FontPaths:
    """For each page of a document: (resource name, font objgen) of the fonts in `wanted`, and
    (XObject name, form objgen, the same for the form) of the forms it draws."""

    def __init__(self, pdf: pikepdf.Pdf, wanted):
        self._wanted = wanted
        self._forms: dict[tuple, tuple] = {}
        self._same: dict[tuple, tuple] = {}  # one tuple for pages that name the same fonts alike
        self.pages = [self._walk(page.obj) for page in pdf.pages]
        # whether the pages and these forms are all that name fonts (else repoint() is not for it)
        walked = {page.obj.objgen for page in pdf.pages} | set(self._forms)
        self.complete = not any(_names_fonts(obj) and obj.objgen not in walked for obj in pdf.objects)

    def _walk(self, owner) -> tuple:
        resources = owner.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            return _NONE
        fonts, xobjects = resources.get("/Font"), resources.get("/XObject")
        named = []
        if isinstance(fonts, pikepdf.Dictionary):
            for name, font in fonts.items():
                if font.objgen in self._wanted:  # (0, 0) for a direct object
                    named.append((name, font.objgen))
        drawn = []
        if isinstance(xobjects, pikepdf.Dictionary):
            for name, form in xobjects.items():
                if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
                    if form.objgen not in self._forms:
                        self._forms[form.objgen] = _NONE  # a form that draws itself: read once
                        self._forms[form.objgen] = self._walk(form)
                    if self._forms[form.objgen] != _NONE:
                        drawn.append((name, form.objgen, self._forms[form.objgen]))
        paths = (tuple(named), tuple(drawn))
        return self._same.setdefault(paths, paths)

    def remap(self, moved: dict[tuple, tuple]) -> None:
        """The fonts in `moved` now named as the font they went into (after repoint())."""
        memo: dict[int, tuple] = {}

        def remapped(paths: tuple) -> tuple:
            if paths is _NONE:
                return paths
            if id(paths) not in memo:
                named, drawn = paths
                memo[id(paths)] = (tuple((name, moved.get(key, key)) for name, key in named),
                                   tuple((name, form, remapped(inner)) for name, form, inner in drawn))
            return memo[id(paths)]

        self.pages = [remapped(paths) for paths in self.pages]

    def copies(self, part: pikepdf.Pdf, first: int) -> dict[tuple, pikepdf.Object]:
        """font objgen in the document -> its copy in `part`, whose pages are the document's
        pages first, first + 1, ... (copied with pikepdf)."""
        found: dict[tuple, pikepdf.Object] = {}

        def visit(fonts, name: str, key: tuple) -> None:
            if key not in found:
                found[key] = fonts.get(name)

        self._visit(part, first, visit)
        return found

    def repoint(self, part: pikepdf.Pdf, first: int, into: dict[tuple, pikepdf.Object]) -> None:
        """In `part` (as in copies(); or the document itself, first 0), every font resource that names the copy of a font in
        `into` (by its objgen in the document) names into[it] instead (only when `complete`:
        then the same as qgen.font_dicts.repoint over all the part's objects)."""
        def visit(fonts, name: str, key: tuple) -> None:
            if key in into:
                fonts[name] = into[key]

        self._visit(part, first, visit)

    def _visit(self, part: pikepdf.Pdf, first: int, visit) -> None:
        """visit(the /Font dictionary, name, font objgen in the document) wherever part's pages
        and the forms they draw name a wanted font (each form once)."""
        seen: set[tuple] = set()

        def walk(owner, paths: tuple) -> None:
            named, drawn = paths
            resources = owner.get("/Resources")
            if named:
                fonts = resources.get("/Font")
                for name, key in named:
                    visit(fonts, name, key)
            if drawn:
                xobjects = resources.get("/XObject")
                for name, form, inner in drawn:
                    if form not in seen:
                        seen.add(form)
                        walk(xobjects.get(name), inner)

        for page, paths in zip(part.pages, self.pages[first:]):
            if paths is not _NONE:
                walk(page.obj, paths)


def _names_fonts(obj) -> bool:
    """Whether an object of a document has resources with a /Font dictionary."""
    if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        return False
    resources = obj.get("/Resources")
    return isinstance(resources, pikepdf.Dictionary) and isinstance(resources.get("/Font"), pikepdf.Dictionary)
