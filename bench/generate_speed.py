"""Time per variant of `qgen generate` (question + key), per kind, and the share spent in LaTeX.

    .venv/bin/python bench/generate_speed.py            # 100 variants of each kind
    .venv/bin/python bench/generate_speed.py --count 30 --kinds mlp graph

For each kind, in one run: draw and check N variants (engine + oracle), render both documents,
draw the distinct diagrams once, and compile the question sheet and the key (two documents, in
parallel as `qgen generate` does). A first small run warms the precompiled-format cache, as any
second use of qgen finds it. Compare the figures within one run: the machines are shared.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qgen.tex_batch import compile_many  # noqa: E402
from qgen.practice import PracticeRequest, draw_practice, new_diagram_cache, render_practice  # noqa: E402
from qgen.randomiser import KIND_MODULES  # noqa: E402


def one_kind(kind: str, count: int) -> tuple[float, float, float, int]:
    """Seconds spent drawing+checking+rendering, drawing diagrams, compiling; distinct diagrams."""
    start = time.perf_counter()
    variants = draw_practice(PracticeRequest((kind,), count, 2026))
    cache = new_diagram_cache()
    questions, answers = render_practice(variants, "Bench", kind, cache)
    python = time.perf_counter() - start
    start = time.perf_counter()
    files = cache.files()
    diagrams = time.perf_counter() - start
    start = time.perf_counter()
    compile_many([questions, answers], files=files)
    latex = time.perf_counter() - start
    return python, diagrams, latex, len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--kinds", nargs="+", default=list(KIND_MODULES))
    args = parser.parse_args()
    for kind in args.kinds:  # warm the format cache (and imports)
        one_kind(kind, 1)
    print(f"{args.count} variants per kind (question + key)")
    print(f"{'kind':<11} {'ms/variant':>10} {'Python':>8} {'diagrams':>9} {'LaTeX':>7}  {'LaTeX share':>11}  distinct diagrams")
    for kind in args.kinds:
        python, diagrams, latex, n = one_kind(kind, args.count)
        total = python + diagrams + latex
        print(f"{kind:<11} {1000 * total / args.count:>10.1f} {python:>7.2f}s {diagrams:>8.2f}s {latex:>6.2f}s "
              f" {100 * (diagrams + latex) / total:>10.0f}%  {n}")


if __name__ == "__main__":
    main()
