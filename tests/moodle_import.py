"""What Moodle stores and shows for an imported cloze question, ported to Python for the tests.

- stored_answer: a NUMERICAL answer is stored as a PHP float (question/type/numerical/questiontype.php,
  save_question_options: apply_unit, whose qtype_numerical_answer_processor::apply_units returns
  the number string + 0), and PHP writes a float with `precision` = 14 significant digits.
- box_size: the size of a cloze text box (question/type/multianswer/renderer.php,
  qtype_multianswer_textfield_renderer::subquestion): the longest trimmed stored answer, at least
  the typed response's length + 1; Moodle then adds rand(0, 15 % of it) and caps it at 60.
- category_names: the names Moodle stores for a category path (question/format.php,
  qformat_default::split_category_path: split at single slashes, // -> /, trim, then
  clean_param(PARAM_TEXT), which is fix_utf8 then strip_tags (lib/moodlelib.php, since 4.4
  lib/classes/param.php) when the name holds no multilang </lang> or </span>).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

PHP_PRECISION = 14
PHP_TRIM = " \t\n\r\0\x0b"


def php_float_string(x: float) -> str:
    """(string) $x in PHP: 14 significant digits, correctly rounded, trailing zeros dropped;
    exponent form ("1.0E-6", "1.5E+15") when the exponent is below -4 or at least 14."""
    if x == 0:
        return "-0" if str(x).startswith("-") else "0"
    exact = Decimal(x)  # the float's exact binary value
    rounded = exact.quantize(Decimal(1).scaleb(exact.adjusted() - PHP_PRECISION + 1), ROUND_HALF_EVEN)
    sign, digits, exponent = rounded.as_tuple()
    digits = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(rounded.as_tuple().digits) + exponent  # digits before the decimal point
    magnitude = point - 1
    minus = "-" if sign else ""
    if magnitude < -4 or magnitude >= PHP_PRECISION:
        mantissa = digits[0] + "." + (digits[1:] or "0")
        return f"{minus}{mantissa}E{'+' if magnitude >= 0 else '-'}{abs(magnitude)}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return minus + digits + "0" * (point - len(digits))
    return f"{minus}{digits[:point]}.{digits[point:]}"


def stored_answer(answer: str) -> str:
    """A NUMERICAL answer as the cloze parser matched it ("7.000000"), as Moodle stores it ("7")."""
    number = answer.replace(" ", "")
    if re.fullmatch(r"[+-]?[0-9]+", number):  # an integer string + 0 is a PHP int
        return str(int(number))
    return php_float_string(float(number))


def box_size(stored_answers: list[str], response: str = "") -> int:
    """The box size before Moodle's random 0-15 % and its cap at 60."""
    size = max(1, len(response.strip()) + 1)
    for answer in stored_answers:
        size = max(size, len(answer.strip()))
    return size


def strip_tags(text: str) -> str:
    """PHP's strip_tags (ext/standard/string.c, php_strip_tags_ex) for plain names: a < followed
    by a non-space opens a tag that runs to its >, across quotes and nested <; an unclosed tag runs
    to the end; a < before a space and a lone > are kept; NUL is dropped. (PHP and comment tags,
    <? and <!--, are treated as tags: enough here, where names hold neither.)"""
    out, state, depth, quote = [], 0, 0, ""
    for i, c in enumerate(text):
        if c == "\0":
            continue
        if state == 0:
            if c == "<" and i + 1 < len(text) and not text[i + 1].isspace():
                state = 1
            elif c == "<" and i + 1 == len(text):
                state = 1
            else:
                out.append(c)
        elif quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c == "<":
            depth += 1
        elif c == ">":
            if depth:
                depth -= 1
            else:
                state = 0
    return "".join(out)


def fix_utf8(text: str) -> str:
    """Moodle's fix_utf8 on valid UTF-8: NUL, U+FFFE and U+FFFF removed."""
    return text.replace("\0", "").replace("\ufffe", "").replace("\uffff", "")


def clean_text(name: str) -> str:
    """clean_param($name, PARAM_TEXT) for a name without multilang spans."""
    return strip_tags(fix_utf8(name))


def category_names(path: str) -> list[tuple[str, str]]:
    """Each name of a category path: (as written, unescaped and trimmed; as Moodle stores it)."""
    names = []
    for raw in re.split(r"(?<!/)/(?!/)", path):
        written = raw.replace("//", "/").strip(PHP_TRIM)
        names.append((written, clean_text(written)))
    return names
