"""`qgen generate`: a practice set as matched question and answer-key PDFs, their .tex sources,
and answers.json. Both documents are two renders of the same drawn variants."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qgen import __version__
from qgen.build import require_tex
from qgen.diagrams import DiagramCache
from qgen.tex_batch import compile_many
from qgen.errors import QgenError
from qgen.answer_summary import answer_summary
from qgen.output import check_publish, publish
from qgen.randomiser import Variant, child_seeds, draw_sheet, draw_variant, kind_module, resolve_options
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
    pool: int = 10  # variants per question on the practice page (--pool): the first is the sheet's

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


def draw_pool(request: PracticeRequest, sheet: list[Variant], progress=None) -> list[list[Variant]]:
    """Each question's pool for the practice page: its sheet variant, then up to `pool - 1` more of
    the same kind and options, each drawn, solved and checked as every variant is (child seed
    j·n + i of the master seed, so the sheet's own draws are the first n and never change; no two
    alike in a pool). A kind with fewer distinct draws than the pool asks gives a shorter pool."""
    n, options = len(sheet), request.options_by_kind()
    seeds = child_seeds(request.seed, n * request.pool)
    pools = [[v] for v in sheet]
    seen: list[set[str]] = [set() for _ in sheet]
    for j in range(1, request.pool):
        for i, v in enumerate(sheet):
            if len(pools[i]) == j:  # this pool has not run out of distinct draws
                try:
                    drawn = draw_variant(v.kind, seeds[j * n + i], options[v.kind], avoid=seen[i])
                except QgenError:
                    drawn = None
                if drawn is not None and drawn.draw.params != v.draw.params:
                    pools[i].append(drawn)
            if progress:
                progress(1)
    return pools


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
    check_publish(out_dir, practice_files(formats), "--out", "generate")
    variants = draw_sheet(list(request.kinds), request.count, request.seed, request.options_by_kind(), progress)
    diagrams = new_diagram_cache()
    title, subtitle = practice_title(request)
    files = {}
    if "pdf" in formats:
        questions_tex, answers_tex = render_practice(variants, title, subtitle, diagrams, request.seed,
                                                     request.paper, request.conventions)
        files.update({"questions.tex": questions_tex.encode(), "answers.tex": answers_tex.encode()})
    pools = draw_pool(request, variants) if "html" in formats else None
    files["answers.json"] = answers_json(request, variants, pools).encode()
    if "html" in formats:
        from qgen.html_page import render_page  # math-core and the page templates: loaded only when asked

        files["practice.html"] = render_page(pools, title, subtitle, diagrams, request.conventions).encode()
    if "pdf" in formats:
        kept = out_dir.parent / f"{out_dir.name}.failed"
        questions_pdf, answers_pdf = compile_many([questions_tex, answers_tex], files=diagrams.files(),
                                                  keep_failed_in=kept)
        files["questions.pdf"], files["answers.pdf"] = questions_pdf, answers_pdf
    return publish({name: files[name] for name in practice_files(formats)}, out_dir, command="generate")


def answers_json(request: PracticeRequest, variants: list[Variant], pools: list[list[Variant]] | None = None) -> str:
    """The set's keys; with the practice page, `pool`: each question's further variants (its
    "New numbers"), in the page's order."""
    doc = {
        "qgen": __version__,
        "seed": request.seed,
        "kinds": list(request.kinds),
        "count": request.count,
        "difficulty": request.difficulty,
        "mode": request.mode,
        "variants": [{"question": i, **v.to_json()} for i, v in enumerate(variants, start=1)],
    }
    if pools is not None:
        doc["pool"] = [{"question": i, "variants": [v.to_json() for v in pool[1:]]}
                       for i, pool in enumerate(pools, start=1)]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def default_out_dir(request: PracticeRequest) -> Path:
    return Path("output") / f"practice-{'-'.join(request.kinds)}-seed{request.seed}"
