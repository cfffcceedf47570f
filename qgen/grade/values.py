"""A value as a grader types it into the responses sheet, read one way or refused by name.

The rule (its specification is tests/number_reading_vectors.json, shared with the practice page):
surrounding whitespace is stripped (an empty cell is blank); then one optional sign (+, - or the
minus sign U+2212) and one of: an integer (12), a decimal with the decimal mark (1.5, .5, 1.), an
exponent on either (1.5e-3; |exponent| <= MAX_EXPONENT, checked as text first), a fraction of an
integer or decimal over a positive integer (3/4, 1.5/2), or ln( unsigned number or fraction )
(any case, spaces inside the parentheses; a sign before ln negates it: -ln(2) is ln(1/2)).
-0 reads 0. Only the ASCII digits 0-9 are digits. The decimal mark is the point, or the comma with
--decimal-comma (then a point is refused as the other mark, and groups of three after a point are
a thousands separator).

Refused by name (Unreadable.code), each with a message saying how to write it: mixed-number (2 1/2),
decimal-comma (0,5 without the option; 0.5 with it), thousands-separator (1,000 or 1 000; 1.000
with the option), two-numbers (1 2), exponent-range, too-long (more than MAX_NUMBER_TEXT
characters), non-ascii-digit (any other script's digit, e.g. full-width), zero-denominator (3/0),
not-a-number (everything else).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from functools import lru_cache

from qgen.numbers import MAX_EXPONENT, MAX_NUMBER_TEXT, Ln, fraction_text

EXPECTED = "expected a number such as 2, -0.25, -3/4, 1.5e-3 or ln(12/5)"
SPACES = " \t\r\n\u00a0\u2009\u202f"  # what is stripped and what separates (no-break and thin spaces too)
SIGNS = {"+": 1, "-": -1, "\u2212": -1}
CODES = ("mixed-number", "decimal-comma", "thousands-separator", "two-numbers", "exponent-range", "too-long",
         "non-ascii-digit", "zero-denominator", "not-a-number")

_DECIMAL = r"(?:\d+(?:\.\d*)?|\.\d+)"
_NUMBER = re.compile(rf"({_DECIMAL})(?:[eE]([+-]?\d+))?")
_FRACTION = re.compile(rf"({_DECIMAL})/(\d+)")
_LN = re.compile(r"[lL][nN]\((.*)\)")
_MIXED = re.compile(r"\d+ +\d+/\d+")
_SPACE = re.compile(f"[{SPACES}]+")


class Unreadable(ValueError):
    """A cell that does not read as one number: `code` (one of CODES) and a message saying how to
    write it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def parse_value(text: str, decimal_comma: bool = False) -> Fraction | Ln | None:
    """The exact value the grader typed (decimals read as the decimal they spell), None when blank.
    Raises Unreadable (a ValueError) with its code and what to write instead."""
    return _parse(text, decimal_comma)


@lru_cache(maxsize=65536)  # answers repeat across a class; Fractions and Ln are immutable
def _parse(text: str, decimal_comma: bool) -> Fraction | Ln | None:
    text = text.strip(SPACES)
    if not text:
        return None
    if len(text) > MAX_NUMBER_TEXT:
        raise Unreadable("too-long", f"{len(text):,} characters, longer than any number (at most {MAX_NUMBER_TEXT})")
    if any(unicodedata.category(c) == "Nd" and not "0" <= c <= "9" for c in text):
        raise Unreadable("non-ascii-digit", "a digit other than 0-9 (another script or full-width): "
                                            "type the digits 0-9")
    sign = SIGNS.get(text[0], 0)
    body = text[1:] if sign else text
    if body[:1] in SPACES:  # "- 2", or a sign alone
        raise Unreadable("not-a-number", f"{EXPECTED} (the sign right before the number)")
    log = _LN.fullmatch(body)
    if log:
        arg = _unsigned(log.group(1).strip(SPACES), decimal_comma, inside_ln=True)
        if arg <= 0:
            raise Unreadable("not-a-number", "the logarithm of a number that is not positive")
        return Ln(1 / arg if sign < 0 else arg)
    value = _unsigned(body, decimal_comma, sign=sign or 1)
    return -value if sign < 0 else value


def _unsigned(body: str, decimal_comma: bool, inside_ln: bool = False, sign: int = 1) -> Fraction:
    """An unsigned integer, decimal, exponent or fraction; refusals by name."""
    mark, other = ("," , ".") if decimal_comma else (".", ",")
    if _SPACE.search(body):
        _refuse_spaced(_SPACE.sub(" ", body), mark, decimal_comma, sign)
    if re.fullmatch(rf"[1-9]\d{{0,2}}(?:{re.escape(other)}\d{{3}})+(?:{re.escape(mark)}\d*)?", body):
        plain = body.replace(other, "")
        raise Unreadable("thousands-separator", f"a thousands separator: write {plain} without it")
    if other in body:
        if decimal_comma:
            raise Unreadable("decimal-comma", f"a decimal point while --decimal-comma is on: write "
                                              f"{body.replace('.', ',')}")
        raise Unreadable("decimal-comma", f"a decimal comma: write {body.replace(',', '.')} "
                                          "(or grade with --decimal-comma)")
    canonical = body.replace(",", ".") if decimal_comma else body
    fraction = _FRACTION.fullmatch(canonical)
    if fraction:
        if int(fraction.group(2)) == 0:
            raise Unreadable("zero-denominator", "a fraction with denominator 0")
        return Fraction(fraction.group(1)) / int(fraction.group(2))
    number = _NUMBER.fullmatch(canonical)
    if number:
        if number.group(2) is not None:
            exponent = int(number.group(2))  # at most MAX_NUMBER_TEXT digits: instant
            if abs(exponent) > MAX_EXPONENT:
                raise Unreadable("exponent-range", f"exponent {exponent} out of range (at most ±{MAX_EXPONENT})")
            return Fraction(number.group(1)) * Fraction(10) ** exponent
        return Fraction(number.group(1))
    if inside_ln and body[:1] in SIGNS:
        raise Unreadable("not-a-number", "the logarithm of a number that is not positive")
    raise Unreadable("not-a-number", EXPECTED)


def _refuse_spaced(body: str, mark: str, decimal_comma: bool, sign: int) -> None:
    """A body with spaces inside: a mixed number, a thousands separator or two numbers, by name."""
    if _MIXED.fullmatch(body):
        whole, part = body.split(" ", 1)
        value = sign * (int(whole) + _unsigned(part, decimal_comma))
        raise Unreadable("mixed-number", f"a mixed number: write {fraction_text(value)} "
                                         f"or {_decimal_text(value, mark)}")
    if re.fullmatch(rf"[1-9]\d{{0,2}}(?: \d{{3}})+(?:{re.escape(mark)}\d*)?", body):
        raise Unreadable("thousands-separator", f"a thousands separator: write {body.replace(' ', '')} without it")
    parts = body.split(" ")
    readable = 0
    for part in parts:
        try:
            readable += _parse(part, decimal_comma) is not None
        except Unreadable as e:  # a number in itself, refused for how it is written
            readable += e.code not in ("not-a-number", "two-numbers", "mixed-number")
    if readable == len(parts):
        raise Unreadable("two-numbers", f"{len(parts)} numbers in one cell: write one")
    raise Unreadable("not-a-number", f"{EXPECTED} (no spaces inside a number)")


def _decimal_text(value: Fraction, mark: str) -> str:
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return text.replace(".", mark)


def value_text(value: Fraction | Ln | None) -> str:
    """A read value in the vectors' notation: "p/q", "p", "ln(p/q)", "blank"."""
    if value is None:
        return "blank"
    return str(value) if isinstance(value, Ln) else fraction_text(value)


def number(value) -> Fraction | float:
    """A parsed value as the engine computes with it: an exact logarithm becomes its float."""
    return float(value) if isinstance(value, Ln) else value
