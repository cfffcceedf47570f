"""A question's answer area on the sheet (qgen.exam.sheets.answer_area) is rendered once per shape
and answer space: it is what partials/answer_area.tex makes of the student's own parts (the keys
in their cells included: the template prints none of them), for every answer space and kind."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qgen.exam import areas
from qgen.exam.sheets import answer_area
from qgen.randomiser import draw_variant, resolve_options
from qgen.render import render

KINDS = ["mlp", "softmax-ce", "graph", "gates", "jacobian", "batch", "shapes", "gradcheck"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("space", ["boxes", "lines", "none"])
def test_the_area_rendered_once_is_the_students_own(kind, space):
    options = resolve_options(kind, "medium", "exact" if kind != "softmax-ce" else "given", {})
    for seed in range(3):
        draw = draw_variant(kind, seed, options).draw
        points = tuple(Decimal(k % 3 + 1) / 2 for k in range(len(draw.answers)))
        parts = areas.parts(draw.answers, points, draw.number_style)
        working = areas.working_room(parts)
        own = render("partials/answer_area.tex", parts=parts, answer_space=space, working=working)
        assert answer_area(parts, space, working) == own
        assert ("\\qgen" in own) == (space != "none")
