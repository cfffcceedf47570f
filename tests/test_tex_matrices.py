"""qgen.tex_matrices: the widest matrix of a text, and that setting MaxMatrixCols to it typesets the same pages."""

from __future__ import annotations

import io

import pikepdf
import pytest

from qgen.build import compile_pdf
from qgen.tex_matrices import DEFAULT, matrix_columns, widest_matrix


@pytest.mark.parametrize("tex, columns", [
    ("no matrix at all & an alignment tab", 0),
    (r"\begin{bmatrix} 7 \end{bmatrix}", 1),
    (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 & 5 \end{bmatrix}", 3),  # the widest row counts
    (r"\begin{pmatrix} a \\[2pt] b & c \end{pmatrix} \begin{vmatrix} 1 & 2 & 3 & 4 \end{vmatrix}", 4),
    # an inner matrix's columns are its own, the outer row goes on after it
    (r"\begin{bmatrix} a & \begin{pmatrix} x & y & z & t & u \end{pmatrix} & b \end{bmatrix}", 5),
    (r"\begin{bmatrix} a & \begin{pmatrix} x \end{pmatrix} & b & c \end{bmatrix}", 4),
    # alignments that are not matrices, an escaped \&, a comment: not counted
    (r"\begin{align*} a &= b & c &= d \end{align*} \begin{bmatrix} 1 \& 2 \end{bmatrix}", 1),
    ("\\begin{bmatrix} 1 & 2 % & & & \\end{bmatrix}\n\\end{bmatrix}", 2),
    (r"\begin{bmatrix} \begin{tabular}{ccc} a & b & c \end{tabular} & 1 \end{bmatrix}", 2),
    (r"\end{bmatrix} & & &", DEFAULT),  # cannot be followed: amsmath's own limit
])
def test_widest_matrix(tex, columns):
    assert widest_matrix(tex) == columns


def test_matrix_columns_is_at_least_one_and_at_most_amsmaths_default():
    assert matrix_columns([]) == 1
    assert matrix_columns(["x", r"\begin{bmatrix} 1 & 2 \end{bmatrix}", r"\begin{matrix} 1 \end{matrix}"]) == 2
    assert matrix_columns(["\\begin{bmatrix}" + " & ".join("x" * 12) + "\\end{bmatrix}"]) == DEFAULT


def _pages(pdf: bytes) -> list[bytes]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [page.Contents.read_bytes() for page in doc.pages]


def test_the_counted_setting_typesets_the_same_pages():
    body = "\n\n".join(
        rf"\[ A_{n} = \begin{{bmatrix}} {' & '.join(str(i) for i in range(n))} \\ {' & '.join('x' * n)} \end{{bmatrix}}"
        rf" \begin{{pmatrix}} 1 \\ 2 \end{{pmatrix}} \]" for n in range(1, 5))
    preamble = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}"
    plain = compile_pdf(f"{preamble}\n{body}\n\\end{{document}}\n")
    counted = compile_pdf(f"{preamble}\\setcounter{{MaxMatrixCols}}{{{matrix_columns([body])}}}\n{body}\n\\end{{document}}\n")
    assert matrix_columns([body]) == 4
    assert _pages(counted) == _pages(plain)
