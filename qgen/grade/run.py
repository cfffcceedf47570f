"""`qgen grade`: read the build and the filled responses, mark, write everything at once."""

from __future__ import annotations

import gc
from fractions import Fraction
from pathlib import Path

from qgen.errors import QgenError
from qgen.exam.publish import Staging, check_target
from qgen.grade.copies import class_flags
from qgen.grade.files import grades_csv, grades_json
from qgen.grade.manifest import load_build
from qgen.grade.responses import problems_csv, read_responses, summary
from qgen.grade.results import grade_students
from qgen.numbers import read_share
from qgen.output import publish_file


def read_fraction(text, field: str = "--follow-through") -> Fraction:
    return read_share(text, field)


def grade(build_dir: Path, responses_path: Path, out_dir: Path | None = None, fraction=None,
          pdfs: bool = True, decimal_comma: bool = False, lenient: bool = False) -> Path:
    """Grade a build; returns the output folder. Nothing is written unless everything succeeded,
    except the list of the responses' problems when they stop the run (beside the responses)."""
    build_dir = Path(build_dir)
    out_dir = Path(out_dir) if out_dir is not None else build_dir / "grades"
    inputs = (Path(responses_path), build_dir / "manifest.json")
    check_target(out_dir, True, inputs, "grade")  # only earlier grades, holding only their own files
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a class's manifest is millions of small objects, none cyclic: the collector's
    try:          # full passes over them cost more than the marking
        build = load_build(build_dir)
        fraction = read_fraction(fraction if fraction is not None else build.exam.get("follow_through", 1))
        responses = read_responses(responses_path, build, decimal_comma)
        if responses.problems and (responses.fatal or not lenient):
            raise QgenError(summary(responses_path, responses.problems,
                                    write_problems(Path(responses_path), problems_csv(responses.problems))))
        results = grade_students(build, responses.by_student, fraction)
        flags = class_flags(results, responses.by_student)
        files = {"grades.csv": grades_csv(build, results),
                 "grades.json": grades_json(build, results, fraction, flags, responses.problems)}
        if responses.problems:
            files["problems.csv"] = problems_csv(responses.problems)
    finally:
        if gc_was_enabled:
            gc.enable()
    if pdfs:
        from qgen.grade.reports import feedback_pdfs, report_pdf

        for student_id, pdf in feedback_pdfs(build, results, fraction).items():
            files[f"feedback/{student_id}.pdf"] = pdf
        files["report.pdf"] = report_pdf(build, results, fraction, flags, responses.problems)
    with Staging(out_dir, force=True, inputs=inputs, command="grade") as stage:
        for name, data in files.items():
            stage.write(name, data)
        stage.commit()
    return out_dir


def write_problems(responses_path: Path, data: bytes) -> str:
    """FILLED.problems.csv beside the responses (replacing only a problems list qgen wrote); says
    where the list is, or why it was not written."""
    target = responses_path.with_name(f"{responses_path.stem}.problems.csv")
    try:
        publish_file(data, target, "the problems list", "problems-csv", inputs=(responses_path,))
    except QgenError as e:
        return f"not listed in a file ({e})"
    return f"all listed in {target}"
