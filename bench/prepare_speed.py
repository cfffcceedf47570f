"""CPU time of the prepare phase of `qgen exam` (draw, check, render each student's LaTeX parts).

    .venv/bin/python bench/prepare_speed.py                          # 200 students, this tree
    .venv/bin/python bench/prepare_speed.py --against main --check   # and an older commit's code

The class: the starter exam of `qgen exam init` (mlp, softmax-ce, graph; keys = "both") with the
roster of bench/exam_speed.py and its fixed secret. read_inputs() (config, class structures and
windows) is not timed; then every student is prepared (qgen.exam.prepare.prepare_student: draw,
oracle check, manifest rows, the LaTeX parts of each side) one after the other in this one process,
as a worker process of a build does for its share, first-use costs (templates, per-class caches)
included. Each timing runs in a fresh process (a build's workers are fresh too), --runs times,
and the least CPU time is reported, per 100 students.

--against COMMIT also runs COMMIT's code (checked out in a temporary git worktree) in the same way,
alternating runs with this tree's; --check compares the prepared outputs of the two byte for byte:
every student's rendered parts, manifest rows (as JSON) and TikZ sources.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_class(folder: Path, students: int) -> tuple[Path, Path]:
    from qgen.exam.init import STARTER_TOML

    sys.path.insert(0, str(ROOT / "bench"))
    from exam_speed import FIRST, LAST  # the bench's roster names

    config = folder / "exam.toml"
    config.write_text(STARTER_TOML, encoding="utf-8")
    rows = [(f"s{i:04d}", f"{FIRST[i % 10]} {LAST[(i // 10) % 10]}") for i in range(1, students + 1)]
    (folder / "roster.csv").write_text("id,name\n" + "".join(f'{i},"{n}"\n' for i, n in rows), encoding="utf-8")
    config.with_suffix(".secret").write_text(hashlib.sha256(b"qgen exam bench").hexdigest() + "\n")
    return config, folder / "roster.csv"


def _templates_from(root: Path) -> None:
    """qgen.templates from root's templates/ folder: the editable install maps it to this tree's."""
    import importlib.util

    init = root / "templates" / "__init__.py"
    spec = importlib.util.spec_from_file_location("qgen.templates", init,
                                                  submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["qgen.templates"] = module
    spec.loader.exec_module(module)


def worker(code_root: str, config: str, roster: str, dump: str | None) -> None:
    """In a fresh process: prepare every student with the code in code_root; print the CPU seconds."""
    sys.path.insert(0, code_root)
    _templates_from(Path(code_root))
    from qgen.exam.prepare import prepare_student
    from qgen.exam.run import read_inputs

    inputs = read_inputs(Path(config), Path(roster))
    started = time.process_time()
    prepared = [prepare_student(inputs.config, inputs.secret, s) for s in inputs.students]
    cpu = time.process_time() - started
    if dump:
        out = [(p.code, p.parts, json.dumps(p.rows, sort_keys=True), p.diagrams) for p in prepared]
        Path(dump).write_bytes(pickle.dumps(out))
    import qgen
    import qgen.render

    assert Path(qgen.__file__).resolve().parent == Path(code_root).resolve() / "qgen", qgen.__file__
    assert Path(qgen.render.template_dir()).resolve() == Path(code_root).resolve() / "templates"
    print(json.dumps({"cpu": cpu, "students": len(prepared)}))


def run(python: str, code_root: Path, config: Path, roster: Path, dump: Path | None = None) -> float:
    args = [python, str(Path(__file__).resolve()), "--worker", str(code_root), str(config), str(roster)]
    if dump:
        args.append(str(dump))
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=code_root).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return 100 * result["cpu"] / result["students"]


def compare(a: Path, b: Path) -> list[str]:
    new, old = pickle.loads(a.read_bytes()), pickle.loads(b.read_bytes())
    if len(new) != len(old):
        return [f"{len(new)} students against {len(old)}"]
    diffs = []
    for i, (x, y) in enumerate(zip(new, old)):
        for what, u, v in zip(("code", "parts", "rows", "diagrams"), x, y):
            if u != v:
                diffs.append(f"student {i}: {what} differ")
    return diffs


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:5], sys.argv[5] if len(sys.argv) > 5 else None)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", help="a commit whose code to time too (in a temporary git worktree)")
    parser.add_argument("--check", action="store_true", help="compare the prepared outputs with --against's")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="qgen-prepare-") as tmp:
        tmp = Path(tmp)
        config, roster = write_class(tmp, args.students)
        trees = {"this tree": ROOT}
        if args.against:
            old = tmp / "against"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.against],
                           check=True)
            trees[args.against] = old
        try:
            best = {name: float("inf") for name in trees}
            for _ in range(args.runs):
                for name, root in trees.items():
                    best[name] = min(best[name], run(python, root, config, roster))
            for name in trees:
                print(f"{name}: {best[name]:.2f} s CPU per 100 students (prepare, one process, "
                      f"least of {args.runs}, {args.students} students)")
            if args.against and args.check:
                dumps = {name: tmp / f"{i}.pickle" for i, name in enumerate(trees)}
                for name, root in trees.items():
                    run(python, root, config, roster, dumps[name])
                diffs = compare(*dumps.values())
                print("outputs: " + ("byte-identical (parts, manifest rows, diagrams)" if not diffs else
                                     f"{len(diffs)} differences: " + "; ".join(diffs[:10])))
                if diffs:
                    sys.exit(1)
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)


if __name__ == "__main__":
    main()
