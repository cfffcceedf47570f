"""`qgen exam build` and `qgen exam regen`: read and check everything, draw, typeset, write.

Order matters for "no lost work": every input is read and checked (config, roster, every name
against the fonts, the secret, the output folder) before the first draw or LaTeX run, and the
output folder appears only when everything in it is written (publish.Staging).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qgen.errors import QgenError
from qgen.exam.config import ExamConfig, load_config
from qgen.exam.manifest import manifest_csv, manifest_json
from qgen.exam.prepare import Prepared, prepare_class
from qgen.exam.publish import Staging, check_target
from qgen.exam.responses import responses_csv
from qgen.exam.roster import Student, load_roster
from qgen.exam.secrets import class_seed, load_secret, secret_path_for
from qgen.exam import sheets as sheets_module
from qgen.exam.sheets import Typeset, typeset
from qgen.output import publish
from qgen.randomiser import kind_module


@dataclass(frozen=True)
class Inputs:
    config: ExamConfig
    students: tuple[Student, ...]
    secret: bytes


def read_inputs(config_path: Path, roster_path: Path, secret_path: Path | None = None) -> Inputs:
    config = load_config(config_path)
    students = load_roster(roster_path)
    secret = load_secret(secret_path or secret_path_for(config_path), config_path)
    return Inputs(shared_structures(config, secret), students, secret)


def shared_structures(config: ExamConfig, secret: bytes) -> ExamConfig:
    """With same_structure, a kind that has class_options (graph) draws its structure once per
    question from the secret: every student works the same graph with their own numbers, so
    sheets are equally hard and the class needs one picture per question, not one per student."""
    if not config.same_structure:
        return config
    questions = []
    for q in config.questions:
        hook = getattr(kind_module(q.kind), "class_options", None)
        if hook is not None:
            rng = np.random.default_rng(class_seed(secret, config.title, q.number))
            q = replace(q, options=hook(rng, q.options))
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


def _make(inputs: Inputs, students: tuple[Student, ...], progress: Progress,
          emit) -> tuple[list[Prepared], Typeset]:
    progress.label("Drawing and checking")
    prepared = prepare_class(inputs.config, inputs.secret, students, progress=progress.update)
    progress.label("Typesetting")
    sheets = typeset(inputs.config, [p.sheet for p in prepared], [p.key for p in prepared],
                     [p.diagrams for p in prepared], emit=emit, progress=progress.update)
    return prepared, sheets


def build_exam(inputs: Inputs, out_dir: Path, force: bool = False, progress: Progress | None = None) -> list[Path]:
    """Write the whole output folder; returns the top-level files written."""
    progress = progress or Progress()
    check_target(out_dir, force)
    with Staging(out_dir, force) as stage:  # an unwritable place fails here, before the work
        ids = [s.id for s in inputs.students]

        def emit(side: str, index: int, pdf: bytes) -> None:
            stage.write(f"students/{ids[index]}-{side}.pdf", pdf)

        prepared, sheets = _make(inputs, inputs.students, progress, emit)
        progress.label("Writing")
        rows = [row for p in prepared for row in p.rows]
        top = {"questions-print.pdf": sheets.print_file, "keys.pdf": sheets.all_keys,
               "manifest.csv": manifest_csv(rows), "manifest.json": manifest_json(inputs.config, rows)}
        top["responses.csv"] = responses_csv(top["manifest.json"])
        for name, data in top.items():
            stage.write(name, data)
        stage.commit()
    return [out_dir / name for name in top]


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
    index = find_student(inputs, student_id)
    chunk = sheets_module.CHUNK
    first = index - index % chunk
    names = [f"{student_id}-questions.pdf", f"{student_id}-key.pdf", f"{student_id}-manifest.json"]
    existing = [n for n in names if (out_dir / n).exists()]
    if existing and not force:
        raise QgenError(f"{out_dir / existing[0]}: exists already; use --force to replace it")
    k = index - first
    pdfs = {}

    def emit(side: str, i: int, pdf: bytes) -> None:
        if i == k:
            pdfs[side] = pdf

    prepared, _ = _make(inputs, inputs.students[first:first + chunk], progress, emit)
    files = {names[0]: pdfs["questions"], names[1]: pdfs["key"],
             names[2]: manifest_json(inputs.config, list(prepared[k].rows))}
    return prepared[k], publish(files, out_dir)
