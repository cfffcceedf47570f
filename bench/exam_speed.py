"""How fast `qgen exam` builds a class, against separate pdflatex runs, in the same run.

    .venv/bin/python bench/exam_speed.py                       # 200 students: mlp, softmax-ce, graph
    .venv/bin/python bench/exam_speed.py --students 200 --kinds mlp softmax-ce shapes --per-student

1. The yardstick: N separate pdflatex runs of an empty document, one after the other (what a
   per-student pipeline pays at the very least, before any page is typeset), timed first.
2. The batch pipeline (what `qgen exam` does): build_exam() on a class of N students, the whole
   output folder written, once per `exam.keys` setting: "grading" (one-page grading keys only),
   "both" (grading and worked keys) and "worked". Each is timed per phase, and the typesetting
   tasks are summed by kind of document: where the time goes. The phases overlap: a chunk of
   students is typeset as soon as it is drawn, so "drawing and checking" (until the last student
   is drawn) already holds the first chunk's typesetting, and "typesetting" is what remains; a
   task's time is from its start to its end, on a shared core (cutting: in a worker process,
   waiting for a free one included). A 2-student run first warms the
   precompiled-format cache of each, as any second use of qgen would find it.
3. With --plain-fonts: each build also once with the cut files as before the compact fonts (pdfTeX's
   Type 1 fonts as they are, qgen.pdf_pages.split_pdf), in the same run: what the fonts cost.
4. With --per-student: a per-student pipeline, the way other exam generators work (a sheet and
   a worked key per student, each its own pdflatex process, one per core), on SUBSET students,
   extrapolated.
The figures printed: seconds, and each build's ratio to the yardstick; and the bytes a build
wrote: students/ per student and its split by kind of content (font programs, ToUnicode maps,
page content, pictures, the rest: dictionaries, cross-reference), each kind of file per student
(questions, key, grading), and the class files.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import pikepdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qgen.build import build  # noqa: E402
from qgen.diagrams import DiagramCache  # noqa: E402
from qgen.tex_batch import build_many  # noqa: E402
from qgen.exam import prepare as prepare_module  # noqa: E402
from qgen.exam import sheets  # noqa: E402
from qgen.practice import new_diagram_cache  # noqa: E402
from qgen.exam.run import Progress, build_exam, read_inputs  # noqa: E402
from qgen.pdf_pages import split_pdf  # noqa: E402

FIRST = ["Ada", "Zoë", "José", "Łukasz", "Grace", "Ngozi", "Søren", "Amélie", "Kenji", "Fatima"]
LAST = ["Lovelace", "O'Brien-Łukasiewicz", "Núñez & Díaz", "Hopper", "Okafor", "Kierkegaard", "Poulain",
        "Tanaka", "Al-Hassan", "Müller"]


def write_class(folder: Path, students: int, kinds: list[str], keys: str = "both") -> tuple[Path, Path]:
    config = folder / f"exam-{keys}.toml"
    points = [10, 6, 4, 5, 5][: len(kinds)] + [5] * max(0, len(kinds) - 5)
    questions = "".join(f'\n[[questions]]\nkind = "{k}"\npoints = {p}\n' for k, p in zip(kinds, points))
    config.write_text(f'''[exam]
title = "Benchmark exam"
course = "CS 101"
date = "2026-03-14"
duration = 90
instructions = "Answer every question."
calculator = "None."
keys = "{keys}"
{questions}''', encoding="utf-8")
    roster = folder / "roster.csv"
    rows = [f"s{i:04d},{FIRST[i % 10]} {LAST[(i // 10) % 10]}" for i in range(1, students + 1)]
    roster.write_text("id,name\n" + "\n".join(f'{r.split(",")[0]},"{r.split(",", 1)[1]}"' for r in rows) + "\n",
                      encoding="utf-8")
    # A fixed secret, so that every run of the bench draws the same class (a real exam uses
    # `qgen exam init`, which draws 32 random bytes).
    config.with_suffix(".secret").write_text(hashlib.sha256(b"qgen exam bench").hexdigest() + "\n")
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


def empty_runs(count: int) -> float:
    """Seconds for `count` separate pdflatex runs of an empty document (one blank page: a run
    that ships no page writes no PDF), one after the other, through qgen's confined runner."""
    tex = "\\documentclass{article}\n\\begin{document}\n\\mbox{}\n\\end{document}\n"
    started = time.perf_counter()
    for _ in range(count):
        build(tex, use_format=False)
    return time.perf_counter() - started


def per_student_pipeline(inputs, count: int) -> float:
    """Seconds for `count` students, each sheet and each key its own LaTeX document and process."""
    started = time.perf_counter()
    prepared = prepare_module.prepare_class(inputs.config, inputs.secret, inputs.students[:count],
                                            sides=("questions", "key"))
    diagrams = new_diagram_cache()
    for p in prepared:
        for d in p.diagrams:
            diagrams.add(d)
    sources = []
    for p in prepared:
        docs = sheets.documents(inputs.config, {"questions": [p.parts["questions"]], "key": [p.parts["key"]]})
        sources += docs["questions"] + docs["key"]
    build_many(sources, workers=os.cpu_count(), files=diagrams.files())
    return time.perf_counter() - started


def _document(tex: str, **kwargs) -> str:
    body = tex.split("\\begin{document}", 1)[1]
    return ("sheet documents" if "\\qgenstudent" in body else
            "grading documents" if "{qgenonepage}" in body else "worked key documents")


def _plain_split(pdf: bytes, starts: list[int], skip=frozenset()) -> tuple[bytes, list[bytes]]:
    """The cutting before compact fonts: the document as typeset, parts with its fonts."""
    return pdf, [part for start, part in zip(starts, split_pdf(pdf, starts)) if start not in skip]


def timed_build(inputs, out: Path, keys: str, yardstick: float, students: int) -> None:
    tasks = TaskTimes()
    tasks.wrap(sheets, "build", _document)
    tasks.wrap(sheets, "_cut", lambda result: "cutting")
    tasks.wrap(DiagramCache, "build", lambda cache: "picture groups")
    phases = Phases()
    cpu = _cpu()
    started = time.perf_counter()
    try:
        build_exam(inputs, out, progress=Progress(label=phases.label))
    finally:
        sheets.build, sheets._cut, DiagramCache.build = _REAL
    took = time.perf_counter() - started
    cpu = _cpu() - cpu
    pages = {name: sheets.page_count((out / name).read_bytes())
             for name in ("questions-print.pdf", "keys.pdf", "grading-keys.pdf") if (out / name).exists()}
    print(f"keys = {keys!r:10} {took:6.2f} s = {1000 * took / students:5.1f} ms per student = "
          f"{took / yardstick:.2f}x the empty runs  [{phases.report(started + took)}]; CPU {cpu:.1f} s")
    print(f"    pages: {', '.join(f'{n} {c}' for n, c in pages.items())}")
    print(f"    typesetting tasks, summed over the cores: {tasks.report()}")


_REAL = (sheets.build, sheets._cut, DiagramCache.build)
_COMPACT = sheets.split_compact


def size_split(pdf_path: Path) -> collections.Counter:
    """Where one PDF's bytes go: font programs, ToUnicode maps, page content, pictures (forms and
    images), and the rest (dictionaries, object streams, cross-reference), stored sizes."""
    split = collections.Counter()
    with pikepdf.open(pdf_path) as pdf:
        kinds = {}
        for page in pdf.pages:
            contents = page.obj.get("/Contents")
            for c in (contents if isinstance(contents, pikepdf.Array) else [contents]):
                kinds[c.objgen] = "page content"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                if "/ToUnicode" in obj:
                    kinds[obj.ToUnicode.objgen] = "ToUnicode"
                descriptor = obj.get("/FontDescriptor")
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if descriptor is not None and key in descriptor:
                        kinds[descriptor[key].objgen] = "fonts"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                kind = kinds.get(obj.objgen) or ("pictures" if obj.get("/Subtype") in ("/Form", "/Image") else None)
                if kind:
                    split[kind] += len(obj.read_raw_bytes())
    split["rest"] = pdf_path.stat().st_size - sum(split.values())
    return split


def report_sizes(out: Path, students: int) -> None:
    files = sorted((out / "students").glob("*.pdf"))
    total = sum(f.stat().st_size for f in files)
    split = collections.Counter()
    for f in files:
        split.update(size_split(f))
    order = ["fonts", "ToUnicode", "page content", "pictures", "rest"]
    print(f"    students/: {total / 1e6:.1f} MB = {total / students / 1e3:.0f} KB per student "
          f"({len(files) // students} files): " + ", ".join(
              f"{k} {split[k] / students / 1e3:.0f} KB ({100 * split[k] / total:.0f} %)" for k in order))
    kinds = collections.Counter()
    for f in files:
        kinds[f.stem.rsplit("-", 1)[1]] += f.stat().st_size
    print("    a student's files: " + ", ".join(f"{k} {v / students / 1e3:.0f} KB" for k, v in sorted(kinds.items())))
    print("    class files: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB"
                                           for p in sorted(out.glob("*.pdf"))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--kinds", nargs="+", default=["mlp", "softmax-ce", "graph"])
    parser.add_argument("--keys", nargs="+", default=["grading", "both", "worked"], choices=["grading", "both", "worked"])
    parser.add_argument("--per-student", action="store_true", help="also time a per-student pipeline")
    parser.add_argument("--plain-fonts", action="store_true",
                        help="also time each build with the cut files' fonts as pdfTeX wrote them")
    parser.add_argument("--subset", type=int, default=20, help="students in the per-student pipeline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qgen-bench-") as tmp:
        tmp = Path(tmp)
        print(f"{args.students} students x {len(args.kinds)} questions ({', '.join(args.kinds)}), "
              f"{os.cpu_count()} cores")
        yardstick = empty_runs(args.students)
        print(f"yardstick: {args.students} separate empty pdflatex runs, one after the other: {yardstick:6.2f} s "
              f"({1000 * yardstick / args.students:.0f} ms each)")
        for keys in args.keys:
            config, roster = write_class(tmp, args.students, args.kinds, keys)
            inputs = read_inputs(config, roster)
            warm = inputs.__class__(inputs.config, inputs.students[:2], inputs.secret)
            build_exam(warm, tmp / f"warm-{keys}")  # fills the format cache, as any earlier run would
            if args.plain_fonts:
                print("  with the fonts as pdfTeX wrote them (before compact fonts):")
                sheets.split_compact = _plain_split
                try:
                    timed_build(inputs, tmp / f"plain-{keys}", keys, yardstick, args.students)
                finally:
                    sheets.split_compact = _COMPACT
                report_sizes(tmp / f"plain-{keys}", args.students)
                print("  with compact fonts (what qgen does):")
            timed_build(inputs, tmp / f"out-{keys}", keys, yardstick, args.students)
            report_sizes(tmp / f"out-{keys}", args.students)
        pictures = len({d for p in prepare_module.prepare_class(inputs.config, inputs.secret, inputs.students,
                                                                 sides=("questions",)) for d in p.diagrams})
        print(f"{pictures} distinct pictures")

        if args.per_student:
            subset = min(args.subset, args.students)
            separate = per_student_pipeline(inputs, subset)
            per = separate / subset
            print(f"per-student (separate pdflatex per sheet and worked key, {subset} students measured, "
                  f"extrapolated): {per * args.students:6.1f} s for {args.students} = {per * args.students / yardstick:.2f}x "
                  f"the empty runs")


if __name__ == "__main__":
    main()
