"""CPU time of cutting a typeset class into per-student PDFs (compact fonts), in one process.

    .venv/bin/python bench/cut_speed.py                  # the bench class: 200 students, keys "both"
    .venv/bin/python bench/cut_speed.py --students 100 --rounds 5 --profile cut.prof

The class of bench/exam_speed.py is typeset once (qgen's own pipeline; its documents are kept
uncut); then qgen.pdf_pages.split_compact cuts every document, one after the other in this
process, as a worker process of `qgen exam` does. Each round starts as a new process would (the
caches kept in memory emptied): "cold" with an empty glyph cache (qgen.glyph_cache, in a
temporary folder), "warm" with the glyph cache the cold round wrote, as any later run finds it.
Printed: CPU seconds per 100 students (the lowest of the rounds: the machine may be shared),
and a SHA-256 of every file cut, the same cold and warm.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from exam_speed import write_class  # noqa: E402
from qgen import pdf_fonts, pdf_shown  # noqa: E402
from qgen.exam import sheets  # noqa: E402
from qgen.exam.run import build_exam, read_inputs  # noqa: E402
from qgen.pdf_pages import split_compact  # noqa: E402


def typeset(folder: Path, students: int, keys: str) -> list[tuple]:
    """The class's documents as typeset, before cutting: (pdf, start pages, pages skipped)."""
    config, roster = write_class(folder, students, ["mlp", "softmax-ce", "graph"], keys)
    documents = []
    real = sheets._cut

    def keep(result):
        blanks = frozenset(sheets._blanks(result))
        documents.append((result.pdf, sorted(set(sheets.variant_starts(result)) | blanks), blanks))
        return real(result)

    sheets._cut = keep
    try:
        build_exam(read_inputs(config, roster), folder / "out")
    finally:
        sheets._cut = real
    return sorted(documents, key=lambda d: hashlib.sha256(d[0]).digest())


def cut_all(documents: list[tuple], profile: cProfile.Profile | None) -> tuple[float, str]:
    caches = [(pdf_fonts, "_charstrings"), (pdf_fonts, "_disk"), (pdf_fonts, "_made"), (pdf_shown, "_middle"),
              (pdf_shown, "_last"), (pdf_shown, "_strings")]
    for module, name in caches:  # (an older checkout may lack some)
        getattr(module, name, {}).clear()  # as in a new process
    digest = hashlib.sha256()
    started = time.process_time()
    if profile:
        profile.enable()
    for pdf, starts, skip in documents:
        whole, parts = split_compact(pdf, starts, skip)
        for made in (whole, *parts):
            digest.update(hashlib.sha256(made).digest())
    if profile:
        profile.disable()
    return time.process_time() - started, digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--keys", default="both", choices=["grading", "both", "worked"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="write a cProfile of the warm rounds to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qgen-cut-bench-") as tmp:
        tmp = Path(tmp)
        documents = typeset(tmp, args.students, args.keys)
        profile = cProfile.Profile() if args.profile else None
        per = 100 / args.students
        for label in ("cold", "warm"):
            times, digests = [], set()
            for k in range(args.rounds):
                glyphs = tmp / ("glyphs-cold-%d" % k if label == "cold" else "glyphs-cold-0")
                if hasattr(pdf_fonts, "glyph_cache"):
                    pdf_fonts.glyph_cache._folder = lambda glyphs=glyphs: glyphs
                took, digest = cut_all(documents, profile if label == "warm" else None)
                times.append(took)
                digests.add(digest)
            print(f"{label}: {min(times) * per:.2f} s CPU per 100 students (rounds: "
                  f"{', '.join(f'{t * per:.2f}' for t in times)}); {len(documents)} documents; "
                  f"files {'/'.join(sorted(digests))}")
        if profile:
            profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
