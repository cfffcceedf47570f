"""Several LaTeX documents compiled at once, one pdflatex process per core, results in order."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from qgen.build import BuildResult, build


def build_many(sources: list[str], workers: int | None = None, **options) -> list[BuildResult]:
    """build() for each source, `workers` at a time (default: one per CPU), results in order.

    Threads are enough: the work happens in the pdflatex subprocesses. With several sources,
    a failed one keeps its files in keep_failed_in/document-<n> (n counts from 1), so two
    failures do not overwrite each other. The first failure (in source order) is raised.
    """
    keep = options.pop("keep_failed_in", None)

    def one(numbered: tuple[int, str]) -> BuildResult:
        n, tex = numbered
        where = keep
        if keep is not None and len(sources) > 1:
            where = Path(keep) / f"document-{n}"
        return build(tex, keep_failed_in=where, **options)

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return list(pool.map(one, enumerate(sources, start=1)))


def compile_many(sources: list[str], workers: int | None = None, **options) -> list[bytes]:
    """compile_pdf for each source in parallel (see build_many); the PDFs in source order."""
    return [r.pdf for r in build_many(sources, workers, **options)]

