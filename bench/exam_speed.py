"""How fast `qgen exam` builds a class, against a per-student pipeline, in the same run.

    .venv/bin/python bench/exam_speed.py                       # 200 students: mlp, softmax-ce, graph
    .venv/bin/python bench/exam_speed.py --students 200 --kinds mlp softmax-ce shapes

1. The batch pipeline (what `qgen exam` does): build_exam() on a class of N students, the whole
   output folder written, timed per phase. A 2-student run first warms the precompiled-format
   cache, as any second use of qgen would find it.
2. A per-student pipeline, the way other exam generators work: for each student, one LaTeX
   document for the sheet and one for the key, each compiled by its own pdflatex process (two
   at a time, one per core, to be fair; diagrams included from the same cache, also in its
   favour). Run on the first SUBSET students and extrapolated per student.
The figures printed: seconds per student for each, and their ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qgen.build import DiagramCache, build_many  # noqa: E402
from qgen.exam import prepare as prepare_module  # noqa: E402
from qgen.exam import sheets  # noqa: E402
from qgen.practice import new_diagram_cache  # noqa: E402
from qgen.exam.run import Progress, build_exam, read_inputs  # noqa: E402

FIRST = ["Ada", "Zoë", "José", "Łukasz", "Grace", "Ngozi", "Søren", "Amélie", "Kenji", "Fatima"]
LAST = ["Lovelace", "O'Brien-Łukasiewicz", "Núñez & Díaz", "Hopper", "Okafor", "Kierkegaard", "Poulain",
        "Tanaka", "Al-Hassan", "Müller"]


def write_class(folder: Path, students: int, kinds: list[str]) -> tuple[Path, Path]:
    config = folder / "exam.toml"
    points = [10, 6, 4, 5, 5][: len(kinds)] + [5] * max(0, len(kinds) - 5)
    questions = "".join(f'\n[[questions]]\nkind = "{k}"\npoints = {p}\n' for k, p in zip(kinds, points))
    config.write_text(f'''[exam]
title = "Benchmark exam"
course = "CS 101"
date = "2026-03-14"
duration = 90
instructions = "Answer every question."
calculator = "None."
{questions}''', encoding="utf-8")
    roster = folder / "roster.csv"
    rows = [f"s{i:04d},{FIRST[i % 10]} {LAST[(i // 10) % 10]}" for i in range(1, students + 1)]
    roster.write_text("id,name\n" + "\n".join(f'{r.split(",")[0]},"{r.split(",", 1)[1]}"' for r in rows) + "\n",
                      encoding="utf-8")
    # A fixed secret, so that every run of the bench draws the same class (a real exam uses
    # `qgen exam init`, which draws 32 random bytes).
    (folder / "exam.secret").write_text(hashlib.sha256(b"qgen exam bench").hexdigest() + "\n")
    return config, roster


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (pdflatex, worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class TaskTimes:
    """Sums the durations of the typesetting tasks by type (pictures, key and sheet documents,
    cutting): where the time goes. Each task runs on one core, so the sums are close to CPU time."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def wrap(self, module, name: str, label):
        real = getattr(module, name)

        def timed(*args, **kwargs):
            what = label(*args, **kwargs)
            started = time.perf_counter()
            result = real(*args, **kwargs)
            self.sums[what] = self.sums.get(what, 0.0) + time.perf_counter() - started
            self.counts[what] = self.counts.get(what, 0) + 1
            return result

        setattr(module, name, timed)

    def report(self) -> str:
        return ", ".join(f"{what} {self.sums[what]:.1f} s ({self.counts[what]})" for what in sorted(self.sums))


class Phases:
    def __init__(self):
        self.marks = [("start", time.perf_counter())]

    def label(self, text):
        self.marks.append((text, time.perf_counter()))

    def report(self, end: float) -> str:
        marks = self.marks + [("end", end)]
        return ", ".join(f"{name.lower()} {b - a:.2f} s" for (name, a), (_, b) in zip(marks[1:], marks[2:]))


def per_student_pipeline(inputs, count: int) -> float:
    """Seconds for `count` students, each sheet and each key its own LaTeX document and process."""
    started = time.perf_counter()
    prepared = prepare_module.prepare_class(inputs.config, inputs.secret, inputs.students[:count])
    diagrams = new_diagram_cache()
    for p in prepared:
        for d in p.diagrams:
            diagrams.add(d)
    sources = []
    for p in prepared:
        sheet_docs, key_docs = sheets.documents(inputs.config, [p.sheet], [p.key])
        sources += sheet_docs + key_docs
    build_many(sources, workers=os.cpu_count(), files=diagrams.files())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--kinds", nargs="+", default=["mlp", "softmax-ce", "graph"])
    parser.add_argument("--subset", type=int, default=20, help="students in the per-student pipeline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qgen-bench-") as tmp:
        tmp = Path(tmp)
        config, roster = write_class(tmp, args.students, args.kinds)
        inputs = read_inputs(config, roster)
        print(f"{args.students} students x {len(args.kinds)} questions ({', '.join(args.kinds)}), "
              f"{os.cpu_count()} cores")

        warm = inputs.__class__(inputs.config, inputs.students[:2], inputs.secret)
        build_exam(warm, tmp / "warm")  # fills the format cache, as any earlier run would

        tasks = TaskTimes()
        tasks.wrap(sheets, "build", lambda tex, **k: "sheet documents" if "\\qgenstudent" in
                   tex.split("\\begin{document}", 1)[1] else "key documents")
        tasks.wrap(sheets, "_cut", lambda result: "cutting")
        tasks.wrap(DiagramCache, "build", lambda cache: "picture groups")
        phases = Phases()
        cpu = _cpu()
        started = time.perf_counter()
        build_exam(inputs, tmp / "out", progress=Progress(label=phases.label))
        batch = time.perf_counter() - started
        cpu = _cpu() - cpu
        pages = sheets.page_count((tmp / "out" / "questions-print.pdf").read_bytes())
        key_pages = sheets.page_count((tmp / "out" / "keys.pdf").read_bytes())
        pictures = len({d for p in prepare_module.prepare_class(inputs.config, inputs.secret, inputs.students)
                        for d in p.diagrams})
        print(f"batch (qgen exam):   {batch:6.2f} s for {args.students} students = {1000 * batch / args.students:6.1f} ms "
              f"per student  [{phases.report(started + batch)}]; {pages} sheet pages, {key_pages} key pages; "
              f"CPU {cpu:.1f} s (pdflatex and workers included)")
        print(f"  typesetting tasks, summed over the cores: {tasks.report()}; {pictures} distinct pictures")

        subset = min(args.subset, args.students)
        cpu = _cpu()
        separate = per_student_pipeline(inputs, subset)
        cpu = _cpu() - cpu
        per = separate / subset
        print(f"per-student (separate pdflatex per sheet and key, {subset} students measured, extrapolated): "
              f"{1000 * per:6.1f} ms per student = {per * args.students:6.1f} s for {args.students}; "
              f"CPU {cpu / subset * args.students:.1f} s for {args.students}")
        print(f"ratio: the per-student pipeline takes {per / (batch / args.students):.1f}x as long per student")


if __name__ == "__main__":
    main()
