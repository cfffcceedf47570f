"""`qgen exam build` and `qgen exam regen`: read and check everything, draw, typeset, write.

Order matters for "no lost work": every input is read and checked (config, roster, every name
against the fonts, the secret, the output folder) before the first draw or LaTeX run, and the
output folder appears only when everything in it is written (publish.Staging).
"""

from __future__ import annotations

import re
from concurrent.futures import Future
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qgen.errors import QgenError
from qgen.exam.config import ExamConfig, load_config
from qgen.exam.draw import class_windows
from qgen.exam.fairness import class_spread
from qgen.exam.manifest import manifest_csv, manifest_json
from qgen.exam.points import check_part_points
from qgen.exam.prepare import Prepared, class_pool, prepare_chunks
from qgen.exam.publish import Staging, check_target
from qgen.exam.responses import responses_csv
from qgen.exam.roster import Student, load_roster
from qgen.exam.secrets import class_seed, load_secret, secret_fingerprint, secret_path_for
from qgen.exam import sheets as sheets_module
from qgen.exam.sheets import Typeset, sides_for, typeset
from qgen.build import require_tex
from qgen.output import check_folder, check_names, publish
from qgen.randomiser import kind_module


@dataclass(frozen=True)
class Inputs:
    config: ExamConfig
    students: tuple[Student, ...]
    secret: bytes
    paths: tuple[Path, ...] = ()  # the files read (config, roster, secret): never replaced by output


def read_inputs(config_path: Path, roster_path: Path, secret_path: Path | None = None) -> Inputs:
    config = load_config(config_path)
    students = load_roster(roster_path)
    secret_path = secret_path or secret_path_for(config_path)
    secret = load_secret(secret_path, config_path)
    config = class_windows(shared_structures(config, secret), secret)  # equal difficulty: qgen.exam.fairness
    check_part_points(config, secret)  # a points list must match the parts asked, before any work
    return Inputs(config, students, secret, (config_path, roster_path, secret_path))


def shared_structures(config: ExamConfig, secret: bytes) -> ExamConfig:
    """With same_structure (the default), every structural choice of a question (gate type,
    Jacobian form, sizes, activations, loss, parts asked, the graph expression) is drawn once per
    question from the secret, by the kind's class_options; each student's draw then draws only
    numbers. So every student has the same answers (names and shapes), the same work and the same
    layout, and the class needs one picture per question. Without it (same_structure = false),
    each student's draw also draws a structure of its own: the exam is then not equal."""
    if not config.same_structure:
        return config
    questions = []
    for q in config.questions:
        hook = getattr(kind_module(q.kind), "class_options", None)
        if hook is not None:
            rng = np.random.default_rng(class_seed(secret, config.title, q.number))
            try:
                q = replace(q, options=hook(rng, q.options))
            except QgenError as e:
                raise QgenError(f"{config.path.name}: questions[{q.number}]: {e}") from None
        questions.append(q)
    return replace(config, questions=tuple(questions))


def slug(text: str) -> str:
    """'Midterm 1: Backprop' -> 'midterm-1-backprop' (ASCII, for a folder name)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "exam"


def default_out_dir(config: ExamConfig) -> Path:
    return Path("output") / slug(config.title)


class Progress:
    """Phases of a run, for a progress bar: prepare (1 per student), typeset (1 per student)."""

    def __init__(self, update=None, label=None):
        self.update = update or (lambda n: None)
        self.label = label or (lambda text: None)
        self.spread: list[str] = []  # the class's spread per question (fairness.class_spread), once drawn


def _records(config: ExamConfig, rows: list[dict], fingerprint: str) -> dict[str, bytes]:
    """The class's record files: manifest.csv, manifest.json and responses.csv."""
    manifest = manifest_json(config, rows, fingerprint)
    return {"manifest.csv": manifest_csv(rows), "manifest.json": manifest, "responses.csv": responses_csv(manifest)}


def _done(result) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def _make(inputs: Inputs, students: tuple[Student, ...], progress: Progress, emit,
          sides: tuple[str, ...] | None = None, records: bool = False) -> tuple[list[Prepared], Typeset, dict]:
    """Draw the class chunk by chunk in worker processes and typeset each chunk as soon as it is
    drawn (the same processes cut the typeset documents). Once every student is drawn, the
    class's spread is checked and, with `records`, the record files (_records) are made in a
    worker process while the last documents are typeset (returned last; else {})."""
    sides = sides or sides_for(inputs.config)
    progress.label("Drawing and checking")
    prepared: list[Prepared] = []
    made: list = []  # the record files, once asked for
    pool = class_pool(students)  # forked at its first task, before typeset() starts any thread
    try:
        drawn = prepare_chunks(inputs.config, inputs.secret, students, sheets_module.CHUNK, pool,
                               progress=progress.update, sides=sides)

        def chunks():
            for chunk in drawn:
                prepared.extend(chunk)
                yield {side: [p.parts[side] for p in chunk] for side in sides}, [p.diagrams for p in chunk]
            # refuses a class outside its bounds (fairness.class_spread)
            progress.spread = class_spread(inputs.config, [p.rows for p in prepared])
            progress.label("Typesetting")
            if records:
                args = inputs.config, [row for p in prepared for row in p.rows], secret_fingerprint(inputs.secret)
                made.append(pool.submit(_records, *args) if pool is not None else _done(_records(*args)))

        sheets = typeset(inputs.config, chunks(), emit=emit, progress=progress.update, processes=pool)
        files = made[0].result() if made else {}
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return prepared, sheets, files


# The files a build writes per student and for the class, by side (sheets.SIDES).
STUDENT_FILES = {"questions": "{id}-questions.pdf", "key": "{id}-key.pdf", "grading": "{id}-grading.pdf"}
CLASS_FILES = {"questions": "questions-print.pdf", "key": "keys.pdf", "grading": "grading-keys.pdf"}


def _class_pdfs(sheets: Typeset) -> dict[str, bytes]:
    by_side = {"questions": sheets.print_file, "key": sheets.all_keys, "grading": sheets.all_grading}
    return {CLASS_FILES[side]: pdf for side, pdf in by_side.items() if pdf is not None}


def build_exam(inputs: Inputs, out_dir: Path, force: bool = False, progress: Progress | None = None) -> list[Path]:
    """Write the whole output folder; returns the top-level files written."""
    progress = progress or Progress()
    require_tex()
    check_target(out_dir, force, inputs.paths)
    with Staging(out_dir, force, inputs.paths) as stage:  # an unwritable place fails here, before the work
        ids = [s.id for s in inputs.students]

        def emit(side: str, index: int, pdf: bytes) -> None:
            stage.write("students/" + STUDENT_FILES[side].format(id=ids[index]), pdf)

        _, sheets, records = _make(inputs, inputs.students, progress, emit, records=True)
        progress.label("Writing")
        top = {**_class_pdfs(sheets), **records}
        for name, data in top.items():
            stage.write(name, data)
        stage.commit()
    return [out_dir / name for name in top]


def build_worked_keys(inputs: Inputs, out_dir: Path, force: bool = False, progress: Progress | None = None) -> list[Path]:
    """`qgen exam keys`: the worked keys alone (students/<id>-key.pdf and keys.pdf), later, byte-
    identical to those of a build with exam.keys = "both" or "worked" (the same documents are
    typeset: a key document holds keys only, whatever else the build made)."""
    progress = progress or Progress()
    require_tex()
    check_target(out_dir, force, inputs.paths, "exam keys")
    with Staging(out_dir, force, inputs.paths, command="exam keys") as stage:
        ids = [s.id for s in inputs.students]

        def emit(side: str, index: int, pdf: bytes) -> None:
            stage.write("students/" + STUDENT_FILES[side].format(id=ids[index]), pdf)

        _, sheets, _ = _make(inputs, inputs.students, progress, emit, sides=("key",))
        progress.label("Writing")
        stage.write(CLASS_FILES["key"], sheets.all_keys)
        stage.commit()
    return [out_dir / CLASS_FILES["key"]]


def find_student(inputs: Inputs, student_id: str) -> int:
    for i, s in enumerate(inputs.students):
        if s.id == student_id:
            return i
    near = [s.id for s in inputs.students if s.id.lower() == student_id.lower()]
    hint = f" (did you mean {near[0]}?)" if near else ""
    raise QgenError(f"--student {student_id}: not in the roster{hint}")


def regen_student(inputs: Inputs, student_id: str, out_dir: Path, force: bool = False,
                  progress: Progress | None = None) -> tuple[Prepared, list[Path]]:
    """One student's question sheet, key and manifest, byte-identical to the class run's.

    A student's PDF is cut from the document of their chunk (fonts are subset per document), so
    that chunk is typeset again as the class run did.
    """
    progress = progress or Progress()
    require_tex()
    check_folder(out_dir, "--out", inputs.paths, command="exam regen")
    index = find_student(inputs, student_id)
    chunk = sheets_module.CHUNK
    first = index - index % chunk
    sides = sides_for(inputs.config)
    names = [STUDENT_FILES[side].format(id=student_id) for side in sides] + [f"{student_id}-manifest.json"]
    check_names(out_dir, names, "--out")
    existing = [n for n in names if (out_dir / n).exists()]
    if existing and not force:
        raise QgenError(f"{out_dir / existing[0]}: exists already; use --force to replace it")
    k = index - first
    pdfs = {}

    def emit(side: str, i: int, pdf: bytes) -> None:
        if i == k:
            pdfs[side] = pdf

    prepared, _, _ = _make(inputs, inputs.students[first:first + chunk], progress, emit)
    files = {name: pdfs[side] for name, side in zip(names, sides)}
    files[names[-1]] = manifest_json(inputs.config, list(prepared[k].rows), secret_fingerprint(inputs.secret))
    return prepared[k], publish(files, out_dir, command="exam regen", inputs=inputs.paths)
