"""The widest amsmath matrix in LaTeX text, so that a document sets \\setcounter{MaxMatrixCols} to it.

amsmath builds every matrix (bmatrix, pmatrix, ...) as an array of MaxMatrixCols columns (10 by
default), and pdfTeX spends its time building that array preamble for each one: a worked key
with hundreds of small matrices is typeset about 17 % faster with MaxMatrixCols at 4 than at 10
(measured on the starter exam's keys, bench/exam_speed.py; README, "Speed"). Columns a matrix
does not use typeset nothing, so the pages are the same (tests/test_tex_matrices.py).
"""

from __future__ import annotations

import re

MATRICES = frozenset({"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix"})
DEFAULT = 10  # amsmath's MaxMatrixCols

# an environment's start or end, a row end (\\), another control symbol (\&, \%...), a column
# break, a comment (skipped)
_TOKENS = re.compile(r"\\begin\{([A-Za-z]+\*?)\}|\\end\{([A-Za-z]+\*?)\}|(\\\\)|\\.|(&)|%[^\n]*", re.DOTALL)


def widest_matrix(tex: str) -> int:
    """The most columns of any amsmath matrix in `tex` (0: no matrix). An & counts for the
    innermost environment open around it; a text the count cannot follow (an environment ended
    that was never begun) gives DEFAULT, amsmath's own limit."""
    stack: list[list] = []  # per open environment: [is a matrix, columns of its current row]
    most = 0
    for m in _TOKENS.finditer(tex):
        begin, end, row, column = m.groups()
        if begin:
            stack.append([begin in MATRICES, 1])
            if begin in MATRICES:
                most = max(most, 1)
        elif end:
            if not stack:
                return DEFAULT
            stack.pop()
        elif row and stack:
            stack[-1][1] = 1
        elif column and stack and stack[-1][0]:
            stack[-1][1] += 1
            most = max(most, stack[-1][1])
    return most


def matrix_columns(texts: list[str]) -> int:
    """MaxMatrixCols for a document made of `texts`: its widest matrix, at least 1, at most DEFAULT
    (a wider matrix fails as it would without the setting)."""
    return min(max(max((widest_matrix(t) for t in texts), default=0), 1), DEFAULT)
