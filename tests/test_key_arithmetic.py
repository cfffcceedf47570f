"""Every worked key read back as a reader would (pdftotext): the note quoted as δᵀx only, and every
printed "a · b = c", "a + b = c", "a − b = c" and "ln … ≈ c" line reproduces from its printed operands
within half a unit of the printed places, or is marked "(†)", which the key's note explains as carried at full
precision (issue 20.1, 20.2).

All keys (every kind × mode × difficulty, two seeds) are compiled in one pdflatex run. To read the
lines unambiguously the test sets two things differently in its copy of the source: an exact
fraction \\tfrac{a}{b} as a/b (pdftotext reads a stacked fraction as "ab"), and each matrix as a
placeholder (pdftotext reads a matrix's columns as one line of numbers); no number changes.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest

from qgen.build import compile_pdf
from qgen.errors import QgenError
from qgen.practice import PracticeRequest, draw_practice, new_diagram_cache, render_practice
from qgen.randomiser import KIND_MODULES

from tests.pdftext import page_texts

NUM = r"\d+(?:\.\d+)?(?:/\d+)?"
SNUM = rf"[−-]?{NUM}"
TERM = rf"(?:\({SNUM}\)|{SNUM})"
OP = r"[·+−-]"
MARK = r"(\s*\(†\))?"
CHAIN = re.compile(rf"(?<![\w.)/^])({TERM}(?:\s*{OP}\s*{TERM})+)\s*[=≈]\s*({SNUM})(?![\d/]|\.\d){MARK}")
LN = re.compile(rf"(?<!\w)(−\s*)?ln\s*({NUM})\s*≈\s*({SNUM})(?![\d/]|\.\d){MARK}")
LN2 = re.compile(rf"(?<!\w)ln\s*({NUM})\s*−\s*ln\s*({NUM})\s*≈\s*({SNUM})\s*−\s*({SNUM})(?![\d/]|\.\d){MARK}")
TOKEN = re.compile(rf"\s*({TERM}|{OP})")
SEEDS = (1, 2)


def _value(text: str) -> Fraction:
    return Fraction(text.strip("()").replace("−", "-"))


def _half_unit(result: str) -> Fraction:
    """Half a unit of the printed result's last place (an integer must be exact)."""
    return Fraction(1, 2 * 10 ** len(result.split(".")[1])) if "." in result else Fraction(0)


def _chain(expr: str) -> Fraction | None:
    """a · b · c, or a + b − c, from the printed operands; None for a mixed chain (not checked)."""
    tokens, pos = [], 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        tokens.append(m.group(1))
        pos = m.end()
    terms, ops = [_value(t) for t in tokens[0::2]], tokens[1::2]
    if "·" in ops and len(set(ops)) > 1:
        return None
    if ops[0] == "·":
        return math.prod(terms, start=Fraction(1))
    total = terms[0]
    for op, v in zip(ops, terms[1:]):
        total = total + v if op == "+" else total - v
    return total


def _ln_ok(arg: str, result: str, minus: bool) -> bool:
    value = math.log(float(_value(arg))) * (-1 if minus else 1)
    return abs(value - float(_value(result))) <= float(_half_unit(result)) + 1e-12


def bad_lines(text: str) -> tuple[int, list[str]]:
    """(lines checked, lines that do not reproduce and are not marked)."""
    flat, checked, bad = re.sub(r"\s+", " ", text), 0, []
    for m in CHAIN.finditer(flat):
        value = _chain(m.group(1))
        if value is None or m.group(3):
            continue
        checked += 1
        if abs(value - _value(m.group(2))) > _half_unit(m.group(2)):
            bad.append(m.group(0))
    pairs = [m.span() for m in LN2.finditer(flat)]
    for m in LN2.finditer(flat):
        checked += 1
        if not m.group(5) and not (_ln_ok(m.group(1), m.group(3), False) and _ln_ok(m.group(2), m.group(4), False)):
            bad.append(m.group(0))
    for m in LN.finditer(flat):
        if any(a <= m.start() < b for a, b in pairs):
            continue
        checked += 1
        if not m.group(4) and not _ln_ok(m.group(2), m.group(3), bool(m.group(1))):
            bad.append(m.group(0))
    return checked, bad


def _readable(tex: str) -> str:
    tex = re.sub(r"\\tfrac\{(\d+)\}\{(\d+)\}", r"\1/\2", tex)
    return re.sub(r"\\begin\{bmatrix\}.*?\\end\{bmatrix\}", r"\\square", tex, flags=re.S)


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> list[tuple[str, str]]:
    """(kind mode difficulty, the text of its worked solution) for every key."""
    variants, labels = [], []
    for mode in ("exact", "given", "calculator"):
        for difficulty in ("easy", "medium", "hard"):
            for kind in KIND_MODULES:
                for seed in SEEDS:
                    try:
                        drawn = draw_practice(PracticeRequest((kind,), 1, seed, difficulty, mode))
                    except QgenError:  # a kind without this mode (said by its own tests)
                        continue
                    variants += drawn
                    labels.append(f"{kind} {mode} {difficulty} seed {seed}")
    diagrams = new_diagram_cache()
    _, answers = render_practice(variants, "Keys", "all", diagrams)
    pdf = tmp_path_factory.mktemp("keys") / "keys.pdf"
    pdf.write_bytes(compile_pdf(_readable(answers), files=diagrams.files()))
    text = "\n".join(page_texts(pdf))
    parts = re.split(r"Question \d+: worked solution", text)[1:]
    assert len(parts) == len(labels) >= 6 * 9
    return list(zip(labels, parts))


def test_the_note_is_quoted_as_it_writes_its_formula(keys):
    """Every δᵀ in a key is the note's δᵀx, quoted as the note's, with what it means (δᵀ n×1)."""
    quoted = 0
    for label, text in keys:
        flat = re.sub(r"\s+", "", text)
        assert "δTxT" not in flat and "rowform" not in flat and "laterform" not in flat, label
        for m in re.finditer(r"δT(.)", flat):
            before = flat[:m.start()]
            if m.group(1) == "x":
                quoted += 1
                attributed = before.lower().removesuffix("∂l/∂w=")  # "the note's ∂L/∂W = δᵀx" (batch)
                assert attributed.endswith(("thenotewrites", "thenote’s")), (label, flat[m.start() - 30:m.end() + 30])
                assert flat[m.end():].startswith(("forz=Wx:withδandxreadasrowvectors,δTis",
                                                  "withδandxasrowvectors")), label
            else:
                assert flat[m.start():].startswith("δTis") and "readasrowvectors" in before[-40:], label
        assert "δTx" not in flat or "thesamematrixasδxTwithcolumns" in flat, label
    assert quoted >= 4  # the gates and mlp keys quote it


def test_every_shown_line_reproduces_from_its_printed_numbers(keys):
    checked, failures = 0, []
    for label, text in keys:
        n, bad = bad_lines(text)
        checked += n
        failures += [f"{label}: {line}" for line in bad]
    assert not failures, "\n".join(failures)
    assert checked > 250
    marked = [label for label, text in keys if "(†)" in text]
    assert marked and all("Aresultmarked(†)isthefull-precisionvaluerounded" in re.sub(r"\s+", "", text)
                          for label, text in keys if label in marked)


def test_the_checker_finds_a_line_that_does_not_reproduce():
    assert bad_lines("so −0.9640 · (−2) = 1.9281. And − ln 0.0616 ≈ 2.7878.")[1] == [
        "−0.9640 · (−2) = 1.9281", "− ln 0.0616 ≈ 2.7878"]
    assert bad_lines("−0.9640 · (−2) = 1.9281 (†) and 1/3 + 2/3 = 1")[1] == []


# Matrix lines, read in the keys' LaTeX (pdftotext cannot read a matrix back): a product of two
# printed matrices, or Diag[d] times a vector, equal to a boxed result.
MATRIX = r"\\begin\{bmatrix\}((?:(?!\\end\{bmatrix\}).)*)\\end\{bmatrix\}"
PRODUCT = re.compile(rf"(?:{MATRIX}|\\operatorname{{Diag}}\\left\[([^\]]*)\\right\])\s*{MATRIX}\s*=\s*\\boxed\{{{MATRIX}\}}"
                     r"(\\ \(\\dagger\))?", re.S)


def _cell(text: str) -> tuple[Fraction, Fraction]:
    """A printed cell's value and half a unit of its last place."""
    text = text.strip()
    m = re.fullmatch(r"(-?)\\tfrac\{(\d+)\}\{(\d+)\}", text)
    if m:
        return Fraction(f"{m.group(1)}{m.group(2)}/{m.group(3)}"), Fraction(0)
    places = len(text.split(".")[1]) if "." in text else 0
    return Fraction(text), Fraction(1, 2 * 10**places) if places else Fraction(0)


def _matrix(body: str) -> list[list[tuple[Fraction, Fraction]]]:
    return [[_cell(c) for c in row.split("&")] for row in body.split(r"\\")]


def matrix_lines(tex: str) -> tuple[int, list[str]]:
    """(products checked, products that neither reproduce nor are marked)."""
    checked, bad = 0, []
    for m in PRODUCT.finditer(tex):
        left = _matrix(m.group(1)) if m.group(1) else None
        diag = [_cell(c) for c in m.group(2).split(",")] if m.group(2) else None
        right, result = _matrix(m.group(3)), _matrix(m.group(4))
        if left is None:
            left = [[d if i == j else (Fraction(0), Fraction(0)) for j in range(len(diag))] for i, d in enumerate(diag)]
        if len(left[0]) != len(right):
            continue  # not a product of these two (a sum or a quoted value)
        checked += 1
        for i, row in enumerate(result):
            for j, (value, half) in enumerate(row):
                computed = sum(left[i][k][0] * right[k][j][0] for k in range(len(right)))
                if abs(computed - value) > half and not m.group(5):
                    bad.append(m.group(0)[:200])
    return checked, bad


@pytest.fixture(scope="module")
def key_sources() -> list[tuple[str, str]]:
    sources = []
    for mode in ("exact", "given", "calculator"):
        for kind, overrides in (("mlp", None), ("mlp", {"activation": "sigmoid", "loss": "softmax_ce"}),
                                ("gates", None), ("jacobian", None)):
            for difficulty in ("easy", "medium", "hard"):
                for seed in SEEDS + (3,):
                    try:
                        variants = draw_practice(PracticeRequest((kind,), 1, seed, difficulty, mode, overrides))
                    except QgenError:
                        continue
                    _, answers = render_practice(variants, "Keys", "all", new_diagram_cache())
                    sources.append((f"{kind} {overrides} {mode} {difficulty} seed {seed}", answers))
    return sources


def test_every_matrix_product_reproduces_from_its_printed_cells(key_sources):
    checked, marked, failures = 0, 0, []
    for label, tex in key_sources:
        n, bad = matrix_lines(tex)
        checked += n
        marked += tex.count(r"\ (\dagger)")
        failures += [f"{label}: {line}" for line in bad]
    assert not failures, "\n".join(failures[:5])
    assert checked > 100 and marked > 0


def test_the_matrix_checker_finds_a_product_that_does_not_reproduce():
    line = (r"\begin{bmatrix} 0.5 & 1 \end{bmatrix} \begin{bmatrix} 0.1234 \\ 2 \end{bmatrix} = "
            r"\boxed{\begin{bmatrix} 2.0619 \end{bmatrix}}")
    assert matrix_lines(line) == (1, [line])  # 0.5 · 0.1234 + 1 · 2 = 2.0617
    assert matrix_lines(line + r"\ (\dagger)")[1] == []
    assert matrix_lines(line.replace("2.0619", "2.0617"))[1] == []
