"""`qgen generate --paper` and `--conventions`: real PDFs, page size read with pikepdf, text with pdftotext."""

from __future__ import annotations

import unicodedata

import pikepdf
import pytest
from click.testing import CliRunner

from pdftext import page_texts, squeeze
from qgen.cli import main

A4 = [0, 0, 595.276, 841.89]
LETTER = [0, 0, 612, 792]


def generate(out, *args):
    return CliRunner().invoke(main, ["generate", "--kind", "gates", "--seed", "5", "--out", str(out), *args])


def first_page(pdf) -> str:
    return unicodedata.normalize("NFC", squeeze(page_texts(pdf)[0]))


def media_box(pdf) -> list[float]:
    with pikepdf.open(pdf) as doc:
        return [float(v) for v in doc.pages[0].MediaBox]


def test_defaults_are_a4_and_the_full_conventions(tmp_path):
    assert generate(tmp_path).exit_code == 0
    for name in ("questions.pdf", "answers.pdf"):
        assert media_box(tmp_path / name) == pytest.approx(A4)
    text = first_page(tmp_path / "questions.pdf")
    assert "∂L/∂W=δx" in text and "∂L/∂z=ŷ-y" in text and "Gatetable" not in text


@pytest.mark.parametrize("level, present, absent", [
    ("notation", ["Conventions", "Diag[v]isthesquarematrix"], ["Gatetable", "∂z/∂x=W", "δx", "=ŷ-y", "σ′(z)"]),
    # the note's formula quoted as the note writes it, δᵀx, with what it means (issue 20.1)
    ("gate-table", ["Gatetable", "∂z/∂x=W", "∂z/∂x=I", "∂L/∂W=δxT(thenote’sδTx,withδandxreadasrows)", "∂L/∂z=ŷ-y"],
     ["hastheshapeof", "σ′(z)", "δTxT"]),
])
def test_letter_paper_and_each_conventions_level(tmp_path, level, present, absent):
    result = generate(tmp_path, "--paper", "letter", "--conventions", level)
    assert result.exit_code == 0, result.output
    for name in ("questions.pdf", "answers.pdf"):
        assert media_box(tmp_path / name) == pytest.approx(LETTER)
    text = first_page(tmp_path / "questions.pdf")
    for fragment in present:
        assert fragment in text, fragment
    for fragment in absent:
        assert fragment not in text, fragment


@pytest.mark.parametrize("args, message", [
    (["--paper", "legal"], "qgen: --paper: expected one of a4, letter, got 'legal'"),
    (["--conventions", "all"], "qgen: --conventions: expected one of notation, gate-table, full, got 'all'"),
])
def test_bad_values_are_one_line_exit_2(tmp_path, args, message):
    result = generate(tmp_path / "out", *args)
    assert result.exit_code == 2 and result.output.strip() == message
    assert not (tmp_path / "out").exists()
