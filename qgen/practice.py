"""`qgen generate`: a practice set as matched question and answer-key PDFs, their .tex sources,
and answers.json. Both documents are two renders of the same drawn variants."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qgen import __version__
from qgen.build import DiagramCache, compile_many
from qgen.errors import QgenError
from qgen.output import publish
from qgen.randomiser import Variant, draw_sheet, kind_module, resolve_options
from qgen.render import render

TIKZ_LIBRARIES = r"\usepackage{amssymb}\usetikzlibrary{arrows.meta,positioning,calc,fit,shapes.geometric}"


def new_diagram_cache() -> DiagramCache:
    """Diagrams are drawn once per distinct TikZ source, in one run, and included as PDFs."""
    return DiagramCache(TIKZ_LIBRARIES)


@dataclass(frozen=True)
class PracticeRequest:
    kinds: tuple[str, ...]
    count: int
    seed: int
    difficulty: str = "easy"
    mode: str = "exact"
    overrides: dict | None = None  # option name -> text, applied to the kinds that have it
    paper: str = "a4"  # a4 or letter
    conventions: str = "full"  # the conventions box: notation, gate-table or full

    def options_by_kind(self) -> dict[str, dict]:
        """Each kind's options; a --set applies to the kinds that have it, and must fit one."""
        overrides = self.overrides or {}
        names = {kind: {o.name for o in kind_module(kind).OPTIONS} for kind in self.kinds}
        allowed = sorted(set().union(*names.values()))
        for name in overrides:
            if name not in allowed:
                raise QgenError(f"--set {name}: no chosen kind has this option (allowed: {', '.join(allowed) or 'none'})")
        return {
            kind: resolve_options(kind, self.difficulty, self.mode,
                                  {k: v for k, v in overrides.items() if k in names[kind]})
            for kind in self.kinds
        }


def draw_practice(request: PracticeRequest) -> list[Variant]:
    return draw_sheet(list(request.kinds), request.count, request.seed, request.options_by_kind())



def _entries(variants: list[Variant], side: str, diagrams: DiagramCache) -> list[dict]:
    return [
        {
            "number": i,
            "code": v.code,
            "kind": v.kind.replace("-", "_"),
            "number_style": v.draw.number_style,
            "context": v.draw.question if side == "question" else v.draw.solution,
            "diagram": diagrams.add(v.draw.diagram) if v.draw.diagram else None,
            "notes": v.draw.notes,
            "answers": answer_entries(v.draw.answers),
        }
        for i, v in enumerate(variants, start=1)
    ]


def answer_entries(answers) -> list[dict]:
    """The answer summary's lines; matrices are `wide` (a line of their own, never in a column)."""
    return [{"label": a.label, "value": a.value, "tolerance": a.tolerance, "wide": np.ndim(a.value) >= 2}
            for a in answers]


def render_practice(variants: list[Variant], title: str, subtitle: str, diagrams: DiagramCache,
                    paper: str = "a4", conventions: str = "full") -> tuple[str, str]:
    """The question sheet's and the key's LaTeX; their diagrams are registered in `diagrams`."""
    questions = render("practice_questions.tex", title=title, subtitle=subtitle,
                       questions=_entries(variants, "question", diagrams), paper=paper, conventions=conventions)
    answers = render("practice_answers.tex", title=title, subtitle=subtitle,
                     questions=_entries(variants, "solution", diagrams), paper=paper)
    return questions, answers


def practice_title(request: PracticeRequest) -> tuple[str, str]:
    kinds = ", ".join(request.kinds)
    return ("Backpropagation practice",
            f"{kinds}: {request.difficulty} questions, {request.mode} numbers, seed {request.seed}")


def write_practice(request: PracticeRequest, out_dir: Path, progress=None) -> list[Path]:
    """Draw, check, render and compile; then put every file in `out_dir` at once.

    Everything is built in a temporary folder beside `out_dir` and moved in only when all of it
    succeeded, so a failure never leaves a half-written set (the old files stay as they were).
    """
    variants = draw_sheet(list(request.kinds), request.count, request.seed, request.options_by_kind(), progress)
    diagrams = new_diagram_cache()
    title, subtitle = practice_title(request)
    questions_tex, answers_tex = render_practice(variants, title, subtitle, diagrams, request.paper,
                                                 request.conventions)
    files = {"questions.tex": questions_tex.encode(), "answers.tex": answers_tex.encode(),
             "answers.json": answers_json(request, variants).encode()}
    kept = out_dir.parent / f"{out_dir.name}.failed"
    questions_pdf, answers_pdf = compile_many([questions_tex, answers_tex], files=diagrams.files(),
                                              keep_failed_in=kept)
    files["questions.pdf"], files["answers.pdf"] = questions_pdf, answers_pdf
    return publish(files, out_dir)


def answers_json(request: PracticeRequest, variants: list[Variant]) -> str:
    doc = {
        "qgen": __version__,
        "seed": request.seed,
        "kinds": list(request.kinds),
        "count": request.count,
        "difficulty": request.difficulty,
        "mode": request.mode,
        "variants": [{"question": i, **v.to_json()} for i, v in enumerate(variants, start=1)],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def default_out_dir(request: PracticeRequest) -> Path:
    return Path("output") / f"practice-{'-'.join(request.kinds)}-seed{request.seed}"
