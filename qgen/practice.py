"""`qgen generate`: a practice set as matched question and answer-key PDFs, their .tex sources,
and answers.json. Both documents are two renders of the same drawn variants."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qgen import __version__
from qgen.build import require_tex
from qgen.diagrams import DiagramCache
from qgen.tex_batch import compile_many
from qgen.errors import QgenError
from qgen.output import check_file_target, check_folder, publish
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
            **answer_summary(v.draw),
        }
        for i, v in enumerate(variants, start=1)
    ]


def answer_entries(answers, number_style: str) -> list[dict]:
    """The answer summary's lines, each value at the precision the sheet asks (qgen.answers);
    matrices are `wide` (a line of their own, never in a column)."""
    lines = []
    for a in answers:
        texts = np.array([e.key_text() for e in a.entries(number_style)], dtype=object).reshape(np.shape(a.value))
        text = r"\times ".join(texts) if a.display == "shape" else _inline_text(texts)
        lines.append({"label": a.label, "text": text, "wide": np.ndim(a.value) >= 2})
    return lines


def answer_summary(draw) -> dict:
    """What every render states about a draw's answers, from one pass over its entries: the
    summary's lines (`answers`), the acceptance rules (`rules`) and what the sheet asks (`asked`)."""
    entries = [e for a in draw.answers for e in a.entries(draw.number_style)]
    return {"answers": answer_entries(draw.answers, draw.number_style),
            "rules": _distinct(e.precision.rule(latex=True) for e in entries),
            "asked": _distinct(e.precision.ask() for e in entries)}


def _distinct(texts) -> list[str]:
    out = []
    for text in texts:
        if text not in out:
            out.append(text)
    return out


def _inline_text(texts: np.ndarray) -> str:
    """Entries on one line as LaTeX math: 3/2, (1, -1/2), [1, 2; 3, 4], with break points."""
    if texts.ndim == 0:
        return _math(texts.item())
    if texts.ndim == 1:
        return "(" + r",\allowbreak\ ".join(_math(t) for t in texts) + ")"
    return "[" + r";\allowbreak\ ".join(r",\allowbreak\ ".join(_math(t) for t in row) for row in texts) + "]"


def _math(text: str) -> str:
    return text.replace("ln(", r"\ln(")


def render_practice(variants: list[Variant], title: str, subtitle: str, diagrams: DiagramCache,
                    seed: int | None = None, paper: str = "a4", conventions: str = "full") -> tuple[str, str]:
    """The question sheet's and the key's LaTeX; their diagrams are registered in `diagrams`.
    The seed goes on the key only: from it anyone could regenerate the key with qgen itself."""
    questions = render("practice_questions.tex", title=title, subtitle=subtitle,
                       questions=_entries(variants, "question", diagrams), paper=paper, conventions=conventions)
    key_subtitle = subtitle if seed is None else f"{subtitle}, seed {seed}"
    answers = render("practice_answers.tex", title=title, subtitle=key_subtitle,
                     questions=_entries(variants, "solution", diagrams), paper=paper)
    return questions, answers


def practice_title(request: PracticeRequest) -> tuple[str, str]:
    kinds = ", ".join(request.kinds)
    return "Backpropagation practice", f"{kinds}: {request.difficulty} questions, {request.mode} numbers"


FORMATS = ("pdf", "html")
FILES = {"pdf": ("questions.pdf", "answers.pdf", "questions.tex", "answers.tex"), "html": ("practice.html",)}


def read_formats(text: str) -> tuple[str, ...]:
    """--format: pdf, html, or both as pdf,html."""
    formats = tuple(f.strip() for f in text.split(","))
    if not formats or any(f not in FORMATS for f in formats):
        raise QgenError(f"--format {text}: expected pdf, html or pdf,html")
    return formats


def practice_files(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The files a set of these formats writes: answers.json always."""
    return tuple(name for f in formats for name in FILES[f]) + ("answers.json",)


def write_practice(request: PracticeRequest, out_dir: Path, progress=None,
                   formats: tuple[str, ...] = ("pdf",)) -> list[Path]:
    """Draw, check, render and compile; then put every file in `out_dir` at once.

    `formats`: "pdf" (questions and key, with their .tex) and/or "html" (practice.html, the
    self-checking page); answers.json is always written. `out_dir` must be new, empty or a folder
    qgen wrote, and each file it will hold absent or a regular file: checked before any work. The
    files are moved in only when all of them are written, so a failure never leaves a half-written
    set (the old files stay as they were).
    """
    require_tex()
    check_folder(out_dir, "--out")
    for name in practice_files(formats):
        check_file_target(out_dir / name, "--out")
    variants = draw_sheet(list(request.kinds), request.count, request.seed, request.options_by_kind(), progress)
    diagrams = new_diagram_cache()
    title, subtitle = practice_title(request)
    files = {}
    if "pdf" in formats:
        questions_tex, answers_tex = render_practice(variants, title, subtitle, diagrams, request.seed,
                                                     request.paper, request.conventions)
        files.update({"questions.tex": questions_tex.encode(), "answers.tex": answers_tex.encode()})
    files["answers.json"] = answers_json(request, variants).encode()
    if "html" in formats:
        from qgen.html_page import render_page  # imports this module: loaded only when asked

        files["practice.html"] = render_page(variants, title, subtitle, diagrams).encode()
    if "pdf" in formats:
        kept = out_dir.parent / f"{out_dir.name}.failed"
        questions_pdf, answers_pdf = compile_many([questions_tex, answers_tex], files=diagrams.files(),
                                                  keep_failed_in=kept)
        files["questions.pdf"], files["answers.pdf"] = questions_pdf, answers_pdf
    return publish({name: files[name] for name in practice_files(formats)}, out_dir, command="generate")


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
