"""User text printed exactly as written: checked by compiling with pdflatex and reading back."""

import random
import re
import subprocess
import unicodedata

import pytest

from qgen.build import compile_pdf
from qgen.errors import QgenError
from qgen.latex_text import check_printable, escape, printable_characters

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{textcomp}
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path_factory.getbasetemp() / "qgen-cache"))


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def squash(text: str) -> str:
    return " ".join(text.split())


def read_back(items: list[str]) -> list[str]:
    """Typeset each item (escaped) between markers in ONE document; return what pdftotext reads."""
    body = "\n".join(rf"\par QQ{i}QQ {escape(s)} ZZ" for i, s in enumerate(items))
    tex = (
        PREAMBLE
        # no hyphenation, so every word comes back whole
        + r"\begin{document}\raggedright\hyphenpenalty=10000 \exhyphenpenalty=10000 "
        + "\n" + body + "\n\\end{document}\n"
    )
    text = squash(pdf_text(compile_pdf(tex)))
    found = dict(re.findall(r"QQ(\d+)QQ (.*?) ?ZZ", text))
    return [found.get(str(i)) for i in range(len(items))]


NAMES = [
    "Zoë O'Brien-Łukasiewicz",
    "José & María",
    r"50% \ _x_ #1 {a} ~^$",
    "a--b ''quoted'' <tag> |pipe|",
]


def test_names_print_exactly_as_typed():
    assert read_back(NAMES) == NAMES


def test_every_special_ascii_sequence_prints_as_typed():
    # Ligature makers and specials in runs, plus seeded random strings of them.
    tricky = [
        "--- -- - <<>> ,, `` '' !` ?` \"\" ~~ ^^ \\\\ {} [] ||",
        "\\input{/etc/hostname} \\def\\x{y} $x^2$ %comment",
        "[optional] *star \\\\[2pt]",
        "fi ff ffl flow",
    ]
    rng = random.Random(7)
    alphabet = "\\{}$&#^_~%<>|'\"`-,.!?[]*@/=+;:()aY019 "  # no Q or Z: those are the markers
    tricky += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 25))) for _ in range(60)]
    expected = [squash(s) for s in tricky]
    got = read_back(tricky)
    bad = [(e, g) for e, g in zip(expected, got) if e != g]
    assert not bad, bad[:5]


def test_whitespace_becomes_single_spaces_and_is_trimmed():
    assert escape("\n  Ann\t\tLee \r\n") == "Ann Lee"
    assert escape("\nAnn") == "Ann"  # pylatex would start with \newline: a LaTeX error
    assert read_back(["\nline one\nline\ttwo\n"]) == ["line one line two"]


def test_every_allowed_character_compiles_and_reads_back():
    chars = printable_characters()
    assert len(chars) > 300
    got = read_back(chars)
    # pdftotext gives accented letters decomposed (e + combining acute): compare after NFC.
    bad = [
        f"U+{ord(c):04X} {c!r} read as {g!r}"
        for c, g in zip(chars, got)
        if unicodedata.normalize("NFC", g or "") != (c if c != "\N{NO-BREAK SPACE}" else "")
    ]
    assert not bad, bad


def test_accented_names_with_constructed_letters_copy_back_whole():
    names = ["Ștefan Iași", "Kārlis Vīksna", "Ķeniņš Ģirts", "Đuro Šimić", "Jūratė Įėjimas"]
    got = [unicodedata.normalize("NFC", g) for g in read_back(names)]
    assert got == names


def test_refuses_cyrillic_with_field_and_character_named():
    with pytest.raises(QgenError) as err:
        check_printable("Жанна", "roster line 4 (id s17), name")
    assert str(err.value) == (
        "roster line 4 (id s17), name: character 'Ж' (U+0416 CYRILLIC CAPITAL LETTER ZHE) "
        "cannot be printed with the installed fonts (Latin letters only)"
    )


@pytest.mark.parametrize(
    "text, first_bad",
    [
        ("Ωmega", "U+03A9 GREEK CAPITAL LETTER OMEGA"),
        ("Lee 李", "U+674E CJK UNIFIED IDEOGRAPH-674E"),
        ("ok 🙂", "U+1F642 SLIGHTLY SMILING FACE"),
        ("bell\x07", "'\\x07' (U+0007 control character)"),
        ("del\x7f", "U+007F control character"),
        ("c1\x85", "U+0085 control character"),
        ("soft\xadhyphen", "U+00AD SOFT HYPHEN"),
        ("zero\u200bwidth", "U+200B ZERO WIDTH SPACE"),
        ("Maltese Ħ", "U+0126 LATIN CAPITAL LETTER H WITH STROKE"),
        ("Straße ẞ", "U+1E9E LATIN CAPITAL LETTER SHARP S"),
    ],
)
def test_refuses_what_cannot_be_printed(text, first_bad):
    with pytest.raises(QgenError, match=re.escape(first_bad)):
        check_printable(text, "title")


def test_escape_refuses_unprintable_text_too():
    with pytest.raises(QgenError, match="text: character 'Ж'"):
        escape("Жанна")


def test_accepts_latin_names_and_plain_whitespace():
    for name in ["Zoë O'Brien-Łukasiewicz", "Őrs Ăna Ęwa Žofia", "a\tb\nc", "“quoted” – dash … €5"]:
        check_printable(name, "name")
