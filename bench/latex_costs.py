"""What the LaTeX layer's speed-ups buy, measured in one run (not a test).

    PYTHONPATH=. python bench/latex_costs.py

Prints seconds (median of a few repeats where cheap) and the ratios:
  1. one exam page: plain pdflatex run vs the cached precompiled format (and the one-off build)
  2. 100 pages with a TikZ picture: drawn on every page vs drawn once (DiagramCache) and included
  3. 20 distinct pictures for DiagramCache: one standalone run each vs one multi-page run + split
  4. compile_many of 4 documents x 25 pages: 2 workers vs 1
  5. splitting 100 pages into 100 PDFs
Uses a fresh format cache in a temporary folder, so your ~/.cache is left alone.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time

from qgen.build import compile_pdf
from qgen.diagrams import DiagramCache
from qgen.pdf_pages import split_pdf
from qgen.tex_batch import compile_many

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{amsmath,graphicx}
\usepackage{tikz}
\usetikzlibrary{arrows.meta,positioning}
"""

# A network like the ones the questions draw: 7 nodes, 12 arrows.
PICTURE = r"""\begin{tikzpicture}[>={Stealth},node distance=12mm and 18mm,
  n/.style={draw,circle,minimum size=8mm}]
\node[n] (x1) {$x_1$}; \node[n,below=of x1] (x2) {$x_2$};
\node[n,right=of x1,yshift=6mm] (h1) {$h_1$}; \node[n,below=of h1] (h2) {$h_2$};
\node[n,below=of h2] (h3) {$h_3$};
\node[n,right=of h2,yshift=6mm] (y1) {$y_1$}; \node[n,below=of y1] (y2) {$y_2$};
\foreach \a in {x1,x2} \foreach \b in {h1,h2,h3} \draw[->] (\a) -- (\b);
\foreach \a in {h1,h2,h3} \draw[->] (\a) -- (y1);
\draw[->] (h1) -- (y2) (h2) -- (y2) (h3) -- (y2);
\end{tikzpicture}"""

QUESTION = r"""\section*{Question %d}
Given $W^{(1)} = \begin{pmatrix} 0.5 & -1 \\ 2 & 0.25 \end{pmatrix}$ and the loss
$L = \tfrac12 \lVert y - t \rVert^2$, compute $\partial L / \partial W^{(1)}$.
\begin{center}%s\end{center}
"""


def doc(body: str) -> str:
    return f"{PREAMBLE}\\begin{{document}}\n{body}\n\\end{{document}}\n"


def pages(n: int, picture: str, start: int = 1) -> str:
    return "\n\\clearpage\n".join(QUESTION % (i, picture) for i in range(start, start + n))


def timed(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    one_page = doc(pages(1, PICTURE))

    # 1. format vs plain
    build_fmt = timed(lambda: compile_pdf(one_page))  # first call builds the format
    plain = timed(lambda: compile_pdf(one_page, use_format=False), 5)
    with_fmt = timed(lambda: compile_pdf(one_page), 5)
    print(f"1. one page: plain {plain:.3f} s, with format {with_fmt:.3f} s "
          f"-> {plain / with_fmt:.2f}x faster (first call, building the format: {build_fmt:.3f} s)")

    # 2. 100 pages: picture drawn each time vs drawn once and included
    drawn = timed(lambda: compile_pdf(doc(pages(100, PICTURE))))

    def included():
        cache = DiagramCache(r"\usetikzlibrary{arrows.meta,positioning}")
        ref = cache.include(PICTURE)
        compile_pdf(doc(pages(100, ref)), files=cache.files())

    included()  # formats for both preambles exist from here on, as in steady use
    once = timed(included, 3)
    print(f"2. 100 pages: TikZ drawn every page {drawn:.3f} s, drawn once + included {once:.3f} s "
          f"-> {drawn / once:.1f}x faster")

    # 3. 20 distinct pictures: one run each vs one multi-page run
    variants = [PICTURE.replace("$y_2$", f"$y_{{{k}}}$") for k in range(20)]

    def separate():
        for v in variants:
            cache = DiagramCache(r"\usetikzlibrary{arrows.meta,positioning}")
            cache.add(v)
            cache.build()

    def batched():
        cache = DiagramCache(r"\usetikzlibrary{arrows.meta,positioning}")
        for v in variants:
            cache.add(v)
        cache.build()

    sep, bat = timed(separate), timed(batched, 3)
    print(f"3. 20 distinct diagrams: one run each {sep:.3f} s, one multi-page run + split {bat:.3f} s "
          f"-> {sep / bat:.1f}x faster")

    # 4. parallel documents (4 x 25 pages, diagrams included)
    cache = DiagramCache(r"\usetikzlibrary{arrows.meta,positioning}")
    ref = cache.include(PICTURE)
    files = cache.files()
    docs = [doc(pages(25, ref, 25 * d + 1)) for d in range(4)]
    w1 = timed(lambda: compile_many(docs, workers=1, files=files), 3)
    w2 = timed(lambda: compile_many(docs, workers=2, files=files), 3)
    print(f"4. compile_many 4 docs x 25 pages: 1 worker {w1:.3f} s, 2 workers {w2:.3f} s "
          f"-> {w1 / w2:.2f}x faster (cpu_count={os.cpu_count()})")

    # 5. splitting
    big = compile_pdf(doc(pages(100, ref)), files=files)
    split = timed(lambda: split_pdf(big, list(range(100))), 3)
    print(f"5. split 100 pages into 100 PDFs: {split:.3f} s")


if __name__ == "__main__":
    os.environ["QGEN_CACHE"] = tempfile.mkdtemp(prefix="qgen-bench-cache-")
    try:
        main()
    finally:
        shutil.rmtree(os.environ["QGEN_CACHE"], ignore_errors=True)
