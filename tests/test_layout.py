"""Nothing runs into the margin: every kind, at its smallest and largest sizes, in every mode,
compiled for real; LaTeX's log must report no line wider than the text (1pt of slack)."""

import re

import pytest

from qgen.build import build
from qgen.practice import PracticeRequest, draw_practice, new_diagram_cache, render_practice
from qgen.randomiser import KIND_MODULES

OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")


@pytest.mark.parametrize("mode", ["exact", "given", "calculator"])
@pytest.mark.parametrize("difficulty", ["easy", "hard"])
def test_no_line_runs_into_the_margin(difficulty, mode):
    variants = draw_practice(PracticeRequest(tuple(KIND_MODULES), 3, 7, difficulty, mode))
    diagrams = new_diagram_cache()
    for side, tex in zip(("questions", "answers"), render_practice(variants, "Layout", mode, diagrams)):
        log = build(tex, files=diagrams.files(), collect=["doc.log"]).files["doc.log"].decode("latin-1")
        too_wide = [float(width) for width in OVERFULL.findall(log)]
        assert all(width <= 1.0 for width in too_wide), f"{side}: lines too wide by {too_wide} pt"
