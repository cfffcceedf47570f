"""Golden .tex files: a fixed seed per kind must render to exactly the reviewed sources.

A change to a template or a kind shows up here as a diff to read. After looking at the new PDFs,
accept it with:  QGEN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
"""

import os
from pathlib import Path

import pytest

from qgen.practice import PracticeRequest, answers_json, draw_practice, new_diagram_cache, render_practice
from qgen.randomiser import KIND_MODULES

GOLDEN = Path(__file__).parent / "golden"
SEED = 2026


@pytest.mark.parametrize("kind", list(KIND_MODULES))
def test_fixed_seed_renders_the_golden_sources(kind):
    request = PracticeRequest((kind,), 2, SEED, "medium")
    variants = draw_practice(request)
    questions, answers = render_practice(variants, "Golden", f"{kind}, seed {SEED}", new_diagram_cache())
    rendered = {"questions.tex": questions, "answers.tex": answers, "answers.json": answers_json(request, variants)}
    for name, text in rendered.items():
        path = GOLDEN / f"{kind}-{name}"
        if os.environ.get("QGEN_UPDATE_GOLDEN"):
            path.write_text(text, encoding="utf-8")
        assert path.read_text(encoding="utf-8") == text, f"{path.name} differs from the golden file"
