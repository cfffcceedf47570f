"""`qgen generate`: a practice set as matched question and answer-key PDFs, their .tex sources,
and answers.json. Both documents are two renders of the same drawn variants."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from qgen import __version__
from qgen.randomiser import Variant, draw_sheet, resolve_options
from qgen.render import render


@dataclass(frozen=True)
class PracticeRequest:
    kinds: tuple[str, ...]
    count: int
    seed: int
    difficulty: str = "easy"
    mode: str = "exact"
    overrides: dict | None = None  # option name -> text, applied to the kinds that have it

    def options_by_kind(self) -> dict[str, dict]:
        from qgen.randomiser import kind_module

        overrides = self.overrides or {}
        for name in overrides:
            if not any(name in {o.name for o in kind_module(k).OPTIONS} for k in self.kinds):
                allowed = sorted({o.name for k in self.kinds for o in kind_module(k).OPTIONS})
                from qgen.errors import QgenError

                raise QgenError(f"--set {name}: no chosen kind has this option (allowed: {', '.join(allowed) or 'none'})")
        return {
            kind: resolve_options(kind, self.difficulty, self.mode,
                                  {k: v for k, v in overrides.items() if k in {o.name for o in kind_module(kind).OPTIONS}})
            for kind in self.kinds
        }


def draw_practice(request: PracticeRequest) -> list[Variant]:
    return draw_sheet(list(request.kinds), request.count, request.seed, request.options_by_kind())


def diagram_name(source: str) -> str:
    """Diagrams are compiled once per distinct source: the file name is a hash of it."""
    return "diagram-" + hashlib.sha256(source.encode()).hexdigest()[:16] + ".pdf"


def _entries(variants: list[Variant], side: str) -> list[dict]:
    return [
        {
            "number": i,
            "code": v.code,
            "kind": v.kind.replace("-", "_"),
            "number_style": v.draw.number_style,
            "context": v.draw.question if side == "question" else v.draw.solution,
            "diagram": diagram_name(v.draw.diagram) if v.draw.diagram else None,
            "notes": v.draw.notes,
        }
        for i, v in enumerate(variants, start=1)
    ]


def render_practice(variants: list[Variant], title: str, subtitle: str) -> tuple[str, str, dict[str, str]]:
    """The question sheet's and the key's LaTeX, and the diagrams they include (file name -> TikZ)."""
    questions = render("practice_questions.tex", title=title, subtitle=subtitle, questions=_entries(variants, "question"))
    answers = render("practice_answers.tex", title=title, subtitle=subtitle, questions=_entries(variants, "solution"))
    diagrams = {diagram_name(v.draw.diagram): v.draw.diagram for v in variants if v.draw.diagram}
    return questions, answers, diagrams


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
