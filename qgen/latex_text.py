r"""User text (names, titles, notes) into LaTeX: printed exactly as written, never run.

The document preamble must have (every qgen template does)::

    \usepackage[T1]{fontenc}
    \usepackage[utf8]{inputenc}
    \usepackage{lmodern}

(`textcomp` is part of the LaTeX kernel since 2020; loading it again is harmless.)
Call `check_printable(text, field)` on every user field as soon as it is read, so a bad
character is reported with its field before anything is compiled; `escape()` checks
again (with a generic field name) so unprintable text can never reach pdflatex.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

from qgen.errors import QgenError

# An explicit table instead of pylatex.utils.escape_latex: pylatex leaves < > | ' " `
# unescaped (in T1 fonts '' joins into ” and << into «, ' prints as ’, and in OT1 < > |
# print as ¡ ¿ —), keeps -- (an en dash), and turns a newline into \newline, which is an
# error at the start of a paragraph. Each entry is braced so that it can never form a
# ligature with its neighbour: the T1 fonts join -- --- '' `` ,, << >> !` ?` (read from
# `tftopl ec-lmr10.tfm`).
_ASCII = {
    "\\": r"{\textbackslash}",
    "{": r"{\{}",
    "}": r"{\}}",
    "$": r"{\$}",
    "&": r"{\&}",
    "#": r"{\#}",
    "%": r"{\%}",
    "_": r"{\_}",
    "^": r"{\textasciicircum}",
    "~": r"{\textasciitilde}",
    "<": r"{\textless}",
    ">": r"{\textgreater}",
    "|": r"{\textbar}",
    "'": r"{\textquotesingle}",  # a straight quote; a bare ' prints (and copies) as ’
    "`": r"{\textasciigrave}",
    '"': r"{\textquotedbl}",
    "-": "{-}",
    ",": "{,}",
    "[": "{[}",  # so text right after \item or \\ is not read as an optional argument
    "]": "{]}",
    "\N{NO-BREAK SPACE}": "~",
}

# Which characters beyond ASCII can be printed was asked of LaTeX itself (TeX Live 2022,
# this preamble): every code point in the Latin, punctuation, currency, letterlike, arrow
# and symbol blocks (U+00A0-02FF, 1E00-1EFF, 2000-26FF) was typeset on its own line of one
# nonstop pdflatex run with \tracinglostchars=2; the ones with no error ("not set up for
# use with LaTeX") and no "Missing character" were kept if `pdftotext` read them back as
# the same character (after NFC), directly or inside an ActualText span (below). By hand:
# U+00A0 no-break space added (reads back as a space, which it is); U+1E9E ẞ dropped (T1
# prints "SS"). Refused because no reader gets them back: U+02DB ˛, U+2126 Ω, U+2329/A 〈〉.
# tests/test_latex_text.py compiles every character in this set and reads it back.
_NATIVE_RANGES = (
    (0x00A0, 0x00AC),  # no-break space ¡¢£¤¥¦§¨©ª«¬
    (0x00AE, 0x00B1),  # ®¯°±  (U+00AD soft hyphen is invisible: left out)
    (0x00B4, 0x00B8),  # ´µ¶·¸
    (0x00BA, 0x010F),  # º»¼½¾¿ À-ÿ ĀāĂăĄąĆćĈĉĊċČčĎď
    (0x0111, 0x0121),  # đĒēĔĕĖėĘęĚěĜĝĞğĠġ
    (0x0124, 0x0125),  # Ĥĥ
    (0x0128, 0x0128),  # Ĩ
    (0x012A, 0x012A),  # Ī
    (0x012C, 0x012C),  # Ĭ
    (0x0130, 0x0134),  # İıĲĳĴ
    (0x0139, 0x013A),  # Ĺĺ
    (0x013D, 0x013E),  # Ľľ
    (0x0141, 0x0144),  # ŁłŃń
    (0x0147, 0x0148),  # Ňň
    (0x014A, 0x0155),  # ŊŋŌōŎŏŐőŒœŔŕ
    (0x0158, 0x0165),  # ŘřŚśŜŝŞşŠšŢţŤť
    (0x0168, 0x0171),  # ŨũŪūŬŭŮůŰű
    (0x0174, 0x017E),  # ŴŵŶŷŸŹźŻżŽž
    (0x0192, 0x0192),  # ƒ
    (0x01CD, 0x01CF),  # ǍǎǏ
    (0x01D1, 0x01D4),  # ǑǒǓǔ
    (0x01E2, 0x01E3),  # Ǣǣ
    (0x01E6, 0x01E9),  # ǦǧǨǩ
    (0x01F4, 0x01F5),  # Ǵǵ
    (0x0232, 0x0233),  # Ȳȳ
    (0x0237, 0x0237),  # ȷ
    (0x02C7, 0x02C7),  # ˇ
    (0x02D8, 0x02D9),  # ˘˙
    (0x02DD, 0x02DD),  # ˝
    (0x1E02, 0x1E03),  # Ḃḃ
    (0x1E1E, 0x1E21),  # ḞḟḠḡ
    (0x1E30, 0x1E31),  # Ḱḱ
    (0x1E45, 0x1E45),  # ṅ
    (0x1E8E, 0x1E91),  # ẎẏẐẑ
    (0x1EF2, 0x1EF3),  # Ỳỳ
    (0x2013, 0x2014),  # –—
    (0x2016, 0x2016),  # ‖
    (0x2018, 0x201A),  # ‘’‚
    (0x201C, 0x201E),  # “”„
    (0x2020, 0x2022),  # †‡•
    (0x2030, 0x2030),  # ‰
    (0x2039, 0x203B),  # ‹›※
    (0x203D, 0x203D),  # ‽
    (0x2044, 0x2044),  # ⁄
    (0x20A1, 0x20A1),  # ₡
    (0x20A4, 0x20A4),  # ₤
    (0x20A9, 0x20A9),  # ₩
    (0x20AB, 0x20AC),  # ₫€
    (0x2103, 0x2103),  # ℃
    (0x2116, 0x2116),  # №
    (0x2122, 0x2122),  # ™
    (0x212E, 0x212E),  # ℮
    (0x2190, 0x2193),  # ←↑→↓
    (0x25E6, 0x25E6),  # ◦
    (0x266A, 0x266A),  # ♪
)

# These print correctly, but LaTeX builds them from pieces (S + comma below, dotless ı +
# macron, …) or from glyphs with unhelpful names, so a PDF reader would copy "S, " for Ș.
# escape() wraps each word holding one in a PDF ActualText span (pdfTeX primitives, no
# package), after which pdftotext, search and copy-paste give the real text. Whole words,
# not single characters: a span that ends inside the word (under a comma-below) makes
# readers insert a space ("Ș tefan"). Words are cut at spaces and hyphens, the only places
# a line (and so a page) can break inside escaped text.
_ACTUALTEXT_RANGES = (
    (0x00B2, 0x00B3),  # ²³
    (0x00B9, 0x00B9),  # ¹
    (0x0110, 0x0110),  # Đ
    (0x0122, 0x0123),  # Ģģ
    (0x0129, 0x0129),  # ĩ
    (0x012B, 0x012B),  # ī
    (0x012D, 0x012F),  # ĭĮį
    (0x0135, 0x0137),  # ĵĶķ
    (0x013B, 0x013C),  # Ļļ
    (0x0145, 0x0146),  # Ņņ
    (0x0156, 0x0157),  # Ŗŗ
    (0x0172, 0x0173),  # Ųų
    (0x01C4, 0x01CC),  # ǄǅǆǇǈǉǊǋǌ
    (0x01D0, 0x01D0),  # ǐ
    (0x01EA, 0x01EB),  # Ǫǫ
    (0x01F0, 0x01F0),  # ǰ
    (0x0218, 0x021B),  # ȘșȚț
    (0x02C6, 0x02C6),  # ˆ
    (0x02DC, 0x02DC),  # ˜
    (0x1E0D, 0x1E0D),  # ḍ
    (0x1E25, 0x1E25),  # ḥ
    (0x1E37, 0x1E37),  # ḷ
    (0x1E43, 0x1E43),  # ṃ
    (0x1E47, 0x1E47),  # ṇ
    (0x1E5B, 0x1E5B),  # ṛ
    (0x1E63, 0x1E63),  # ṣ
    (0x1E6D, 0x1E6D),  # ṭ
    (0x2010, 0x2012),  # ‐‑‒
    (0x2015, 0x2015),  # ―
    (0x2026, 0x2026),  # …
    (0x2031, 0x2031),  # ‱
    (0x204E, 0x204E),  # ⁎
    (0x2052, 0x2052),  # ⁒
    (0x20A6, 0x20A6),  # ₦
    (0x20B1, 0x20B1),  # ₱
    (0x2117, 0x2117),  # ℗
    (0x211E, 0x211E),  # ℞
    (0x2120, 0x2120),  # ℠
    (0x2127, 0x2127),  # ℧
    (0x25EF, 0x25EF),  # ◯
)

_WHITESPACE = "\t\n\r"  # allowed in input; escape() turns them into spaces


def _range_starts(ranges):
    merged = sorted(ranges)
    return [a for a, _ in merged], [b for _, b in merged]


_STARTS, _ENDS = _range_starts(_NATIVE_RANGES + _ACTUALTEXT_RANGES)
_AT_STARTS, _AT_ENDS = _range_starts(_ACTUALTEXT_RANGES)


def _in(cp: int, starts, ends) -> bool:
    i = bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ends[i]


def is_printable(ch: str) -> bool:
    """True for one character that the preamble above can print and PDF readers copy back."""
    cp = ord(ch)
    if 0x20 <= cp <= 0x7E or ch in _WHITESPACE:
        return True
    return _in(cp, _STARTS, _ENDS)


def printable_characters() -> list[str]:
    """Every allowed character beyond ASCII (for tests and documentation)."""
    return [
        chr(cp)
        for a, b in _NATIVE_RANGES + _ACTUALTEXT_RANGES
        for cp in range(a, b + 1)
    ]


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if not name:  # control characters have no name in the Unicode database
        name = "control character" if unicodedata.category(ch) == "Cc" else "unnamed"
    shown = ch if ch.isprintable() else repr(ch)[1:-1]
    return f"'{shown}' (U+{ord(ch):04X} {name})"


def check_printable(text: str, field: str) -> None:
    """Raise QgenError naming `field` and the first character the fonts cannot print.

    Tabs and newlines pass (escape() turns them into spaces); every other control
    character, and anything outside the ranges above (Greek, Cyrillic, CJK, emoji), fails.
    """
    for ch in text:
        if not is_printable(ch):
            raise QgenError(
                f"{field}: character {_describe(ch)} cannot be printed with the "
                "installed fonts (Latin letters only)"
            )


_SPACES = re.compile(r"[ \t\n\r]+")  # not \s: that would also eat the no-break space
_WORDS = re.compile("([ \N{NO-BREAK SPACE}-])")  # split, keeping the separators


def _plain(text: str) -> str:
    return "".join(_ASCII.get(ch, ch) for ch in text)


def _with_actual_text(word: str) -> str:
    # /Span <</ActualText <FEFF + UTF-16BE>> BDC ... EMC: what readers copy for these glyphs.
    hex_text = word.encode("utf-16-be").hex().upper()
    return (
        # \leavevmode: at a paragraph start the mark must not stay behind on the page before.
        rf"\leavevmode\pdfliteral page{{/Span<</ActualText<FEFF{hex_text}>>>BDC}}"
        rf"{_plain(word)}\pdfliteral page{{EMC}}"
    )


def escape(text: str) -> str:
    r"""LaTeX source that prints `text` exactly as written (in a T1/utf8/lmodern document).

    Runs of spaces, tabs and newlines become one space; the ends are trimmed.
    Raises QgenError if a character cannot be printed (see check_printable).
    The result may hold \pdfliteral (see _ACTUALTEXT_RANGES): do not pass it through
    \MakeUppercase or into PDF strings such as bookmarks.
    """
    check_printable(text, "text")
    out = []
    for word in _WORDS.split(_SPACES.sub(" ", text).strip(" ")):
        if any(_in(ord(ch), _AT_STARTS, _AT_ENDS) for ch in word):
            out.append(_with_actual_text(word))
        else:
            out.append(_plain(word))
    return "".join(out)
