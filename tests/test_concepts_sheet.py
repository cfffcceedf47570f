"""No concepts answer is printed on the sheet: the conventions box (at every level, the note's gate
table included) states rules, and every concepts template asks an application of a rule to drawn
numbers or sizes, never the rule itself. Checked two ways for every template: (1) the right
option's text, as the sheet prints it, appears nowhere in the conventions box; (2) where the
same options' texts come with other drawn numbers (names of inputs or gates, true/false), the drawn
numbers decide which of them is right: over the draws, more than one of them is."""

from collections import defaultdict

import pytest

from qgen.kinds import concepts
from qgen.randomiser import draw_variant, resolve_options
from qgen.render import ENV

LEVELS = ("notation", "gate-table", "full")
DRAWS = 40


def box(level: str) -> str:
    return ENV.get_template("partials/conventions.tex").render(conventions=level)


def shown(v) -> list[str]:
    """Each option's text as the sheet prints it (the kind's own template for one option)."""
    template = ENV.get_template("kinds/concepts_option.tex")
    return [template.render(o=o, d=v.draw.question, number_style=v.draw.number_style).strip()
            for o in v.draw.question["options"]]


def draws(template: str):
    for seed in range(DRAWS):
        difficulty = ("easy", "medium", "hard")[seed % 3]
        v = draw_variant("concepts", seed, resolve_options("concepts", difficulty, overrides={"template": template}))
        yield v, shown(v), int(v.draw.answers[0].value)


@pytest.mark.parametrize("template", list(concepts.TEMPLATES))
def test_the_right_option_is_not_printed_in_the_conventions_and_depends_on_the_numbers(template):
    boxes = [box(level) for level in LEVELS]
    right_by_options, givens = defaultdict(set), defaultdict(set)
    for v, texts, right in draws(template):
        text = texts[right - 1]
        if "$" in text and any(c.isdigit() for c in text):  # a value: never in the box at any level
            assert all(text not in b for b in boxes), (template, text)
        right_by_options[tuple(sorted(texts))].add(text)
        given = {k: val for k, val in v.draw.params.items() if k not in ("options", "mistakes")}
        givens[tuple(sorted(texts))].add(repr(sorted(given.items())))
    for options, rights in right_by_options.items():  # the same options for other numbers: the numbers pick
        if len(givens[options]) >= 5:
            assert len(rights) > 1, (template, options, rights)

def test_the_box_states_the_rules_the_templates_apply():
    """The full box and the gate table print the rules (Wᵀδ, δxᵀ, Diag f′, ŷ − y): what a student
    may read off them is the rule, which each template then applies to its own drawn numbers."""
    full, table = box("full"), box("gate-table")
    for rule in (r"W\T\delta", r"\delta x\T", r"\operatorname{Diag}[f'(x)]", r"\hat y - y"):
        assert rule in full
    assert r"\hat y - y" in table and r"\delta x\T" in table
