"""Builds templates/html/math-font.woff, the practice page's own math font: a subset of Latin Modern
Math (GUST Font License) holding the characters the page's MathML uses, with its MATH table, so that
∂, δ and η never show as empty boxes on a machine without math fonts. Run after changing the ranges:

    .venv/bin/python -m qgen.math_font /usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf

(fontTools, of the test extra, is needed only here: the page reads the built file.)
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

FAMILY = "qgen math"  # a subset is a modified font: renamed, as the GUST Font License asks
RANGES = (  # what the page's MathML draws (measured over every kind and mode), and near kin
    (0x20, 0x7E), (0xA0, 0xA0), (0xB1, 0xB1), (0xB7, 0xB7), (0xD7, 0xD7), (0xF7, 0xF7), (0x2C6, 0x2C7),
    (0x391, 0x3A9), (0x3B1, 0x3C9), (0x3D1, 0x3D1), (0x3D5, 0x3D5), (0x3F5, 0x3F5),
    (0x2016, 0x2016), (0x2019, 0x2019), (0x2026, 0x2026), (0x2032, 0x2034), (0x2061, 0x2062), (0x211D, 0x211D),
    (0x2190, 0x2194), (0x21A6, 0x21A6), (0x2202, 0x2202), (0x2208, 0x2208), (0x220F, 0x2212), (0x221A, 0x221A),
    (0x221E, 0x221E), (0x2225, 0x2225), (0x2248, 0x2248), (0x2260, 0x2265), (0x2299, 0x2299), (0x22A4, 0x22A4),
    (0x22C5, 0x22C5), (0x22EF, 0x22EF), (0x27E8, 0x27E9),
    (0x1D434, 0x1D467),  # italic Latin: a single-letter <mi> is drawn in these
    (0x1D5B3, 0x1D5B3),  # sans-serif T, the transpose
    (0x1D6E2, 0x1D71B),  # italic Greek
    (0x1D7CE, 0x1D7D7),  # bold digits (the vector of ones)
)


def build(source: Path, target: Path) -> int:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["dtls", "flac"]  # no ssty: scripts use the same glyphs, at half the weight
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.flavor = "woff"
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 6, 16):
            names.setName(FAMILY.replace(" ", "") if record.nameID == 6 else FAMILY,
                          record.nameID, record.platformID, record.platEncID, record.langID)
    font.flavor = "woff"
    font.save(str(target))
    return target.stat().st_size


def main() -> None:
    target = Path(str(resources.files("qgen.templates").joinpath("html", "math-font.woff")))
    size = build(Path(sys.argv[1]), target)
    print(f"{target}: {size:,} bytes")


if __name__ == "__main__":
    main()
