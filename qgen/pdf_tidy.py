"""pdfTeX's bookkeeping on included pictures left out of a typeset document (no drawing changes).

pdfTeX marks each PDF it includes as a picture (a form XObject) with /PTEX.FileName (qgen's
temporary file), /PTEX.PageNumber and /PTEX.InfoDict, which no reader uses; a form's /FormType 1
is the default, and PGF leaves empty resource dictionaries (/ExtGState, /Pattern). A form's
dictionary is written outside the compressed object streams, in every student file that shows
it: about 120 bytes a picture.
"""

from __future__ import annotations

import pikepdf

_PTEX = ("/PTEX.FileName", "/PTEX.PageNumber", "/PTEX.InfoDict")


def tidy_forms(pdf: pikepdf.Pdf) -> None:
    """Leave out of every form XObject of `pdf` the keys above and its empty resource dictionaries."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Form":
            for key in _PTEX:
                if key in obj:
                    del obj[key]
            if obj.get("/FormType") == 1:
                del obj["/FormType"]
            resources = obj.get("/Resources")
            if isinstance(resources, pikepdf.Dictionary):
                for key in list(resources.keys()):
                    value = resources[key]
                    if isinstance(value, pikepdf.Dictionary) and not value.is_indirect and len(value.keys()) == 0:
                        del resources[key]
