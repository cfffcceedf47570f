"""The screen of the mlp and softmax-ce draws (qgen.randomiser.SCREENS): the too-small rule and the
class's checks (one structure, the window) run before the oracle and the contexts (softmax-ce: in
given mode), and refuse exactly the draws the checks of the whole draw refuse, try by try, with
the same rules and the same random numbers (so every student's draw is what it was); a refused
draw never reaches the oracle. And the class's measures read from a draw are those of its JSON."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qgen.exam.config import load_config
from qgen.exam.draw import acceptor, class_windows, draw_json
from qgen.exam.fairness import measure, measure_draw
from qgen.exam.run import shared_structures
from qgen.exam.secrets import question_seed
from qgen.kinds import mlp, softmax_ce
from qgen.kinds.base import Redraw
from qgen.randomiser import RETRY_BUDGET, SCREENS, draw_variant, kind_module, read_options, reject_too_small

SECRET = bytes(range(32))
QUESTIONS = [  # (kind, mode, options)
    ("mlp", "exact", 'sizes = "2-2-2"\nactivation = "relu"'),
    ("mlp", "exact", 'sizes = "2-3-2"\nactivation = "leaky_relu"\nmomentum = "1/2"'),
    ("mlp", "given", 'sizes = "2-2-2"\nactivation = "relu"'),
    ("mlp", "given", 'sizes = "2-3-2"\nactivation = "relu"\nloss = "softmax_ce"'),
    ("mlp", "given", 'sizes = "3-2-2"\nactivation = "sigmoid"'),
    ("mlp", "calculator", 'sizes = "2-2-2"\nactivation = "relu"'),
    ("mlp", "calculator", 'sizes = "2-2-3"\nactivation = "tanh"\nloss = "softmax_ce"'),
    ("softmax-ce", "given", "classes = 3"),
    ("softmax-ce", "given", "classes = 5\nshift = true"),
    ("softmax-ce", "exact", "classes = 4"),
    ("softmax-ce", "calculator", "classes = 3"),
]
BEFORE_ORACLE = {("mlp", mode) for mode in ("exact", "given", "calculator")} | {("softmax-ce", "given")}


def _config(tmp_path, spread: str):
    blocks = "".join(f'\n[[questions]]\nkind = "{kind}"\nmode = "{mode}"\npoints = 4\n[questions.options]\n{q}\n'
                     for kind, mode, q in QUESTIONS)
    path = tmp_path / "exam.toml"
    path.write_text(f'[exam]\ntitle = "Screen"\ncourse = "C"\ndate = "2026-01-01"\nduration = 60\nspread = "{spread}"\n{blocks}',
                    encoding="utf-8")
    config = load_config(path)
    return class_windows(shared_structures(config, SECRET), SECRET)


def _tries(q, seed: int, screened: bool):
    """Each try's rule (None: accepted) of the draw loop, screened or checked after the draw."""
    accept = acceptor(q.window)

    def check(draw):
        reject_too_small(draw)
        if accept is not None and (rule := accept(draw)):
            raise Redraw(rule)

    module = kind_module(q.kind)
    options = read_options(q.kind, q.options)
    rng = np.random.default_rng(seed)
    once = getattr(module, "variant_options", None)
    drawn_with = once(rng, options) if once is not None else options
    rules = []
    for _ in range(RETRY_BUDGET):
        try:
            if screened:
                draw = module.draw(rng, drawn_with, screen=check)
            else:
                draw = module.draw(rng, drawn_with)
                check(draw)
        except Redraw as r:
            rules.append(r.rule)
            continue
        return rules, draw
    raise AssertionError("no draw")


@pytest.mark.parametrize("spread", ["tight", "normal"])
def test_the_screen_refuses_what_the_whole_check_refuses(tmp_path, monkeypatch, spread):
    assert {"mlp", "softmax-ce"} <= SCREENS
    config = _config(tmp_path, spread)
    oracle = []
    for module in (mlp, softmax_ce):
        real = module.check_network
        monkeypatch.setattr(module, "check_network", lambda net, sol, real=real: (oracle.append(1), real(net, sol)))
    by_class = 0
    for q, (kind, mode, _) in zip(config.questions, QUESTIONS):
        for i in range(6):
            seed = question_seed(SECRET, config.title, f"s{i}", q.number)
            oracle.clear()
            screened_rules, screened = _tries(q, seed, screened=True)
            if (kind, mode) in BEFORE_ORACLE:
                assert len(oracle) == 1  # only the accepted draw met the oracle
            rules, whole = _tries(q, seed, screened=False)
            assert screened_rules == rules
            assert screened.params == whole.params
            assert [a.to_json(whole.number_style) for a in screened.answers] == \
                   [a.to_json(whole.number_style) for a in whole.answers]
            assert repr((screened.question, screened.solution, screened.diagram)) == \
                   repr((whole.question, whole.solution, whole.diagram))
            variant = draw_variant(kind, seed, q.options, accept=acceptor(q.window))
            assert variant.redraw_rules == tuple(sorted(rules)) and variant.draw.params == whole.params
            by_class += sum(r.startswith("class") for r in rules)
            assert measure_draw(whole) == measure(draw_json(whole))
    assert by_class > 10  # the sample holds draws the class's checks refused


KINDS = ["mlp", "softmax-ce", "graph", "gates", "jacobian", "batch", "shapes", "gradcheck"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["exact", "given", "calculator"])
def test_measures_read_from_a_draw_are_those_read_from_its_json(kind, mode):
    from qgen.errors import QgenError
    from qgen.randomiser import resolve_options

    try:
        options = resolve_options(kind, "medium", mode, {})
    except QgenError:
        pytest.skip(f"{kind} has no {mode} mode")
    for seed in range(12):
        draw = draw_variant(kind, seed, options).draw
        assert measure_draw(draw) == measure(draw_json(draw))
