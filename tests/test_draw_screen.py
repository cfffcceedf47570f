"""The mlp draw's screen (qgen.randomiser.SCREENS): the too-small rule and the class's checks
(one structure, the window) run before the oracle and the contexts, and refuse exactly the draws
the checks of the whole draw refuse, try by try, with the same rules and the same random numbers
(so every student's draw is what it was); a refused draw never reaches the oracle."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qgen.exam.config import load_config
from qgen.exam.draw import acceptor, class_windows, draw_json
from qgen.exam.fairness import measure, measure_draw
from qgen.exam.run import shared_structures
from qgen.exam.secrets import question_seed
from qgen.kinds import mlp
from qgen.kinds.base import Redraw
from qgen.randomiser import RETRY_BUDGET, SCREENS, draw_variant, read_options, reject_too_small

SECRET = bytes(range(32))
QUESTIONS = [  # (mode, options)
    ("exact", 'sizes = "2-2-2"\nactivation = "relu"'),
    ("exact", 'sizes = "2-3-2"\nactivation = "leaky_relu"\nmomentum = "1/2"'),
    ("given", 'sizes = "2-2-2"\nactivation = "relu"'),
    ("given", 'sizes = "2-3-2"\nactivation = "relu"\nloss = "softmax_ce"'),
    ("given", 'sizes = "3-2-2"\nactivation = "sigmoid"'),
    ("calculator", 'sizes = "2-2-2"\nactivation = "relu"'),
    ("calculator", 'sizes = "2-2-3"\nactivation = "tanh"\nloss = "softmax_ce"'),
]


def _config(tmp_path, spread: str):
    blocks = "".join(f'\n[[questions]]\nkind = "mlp"\nmode = "{mode}"\npoints = 4\n[questions.options]\n{q}\n'
                     for mode, q in QUESTIONS)
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

    options = read_options("mlp", q.options)
    rng = np.random.default_rng(seed)
    drawn_with = mlp.variant_options(rng, options)
    rules = []
    for _ in range(RETRY_BUDGET):
        try:
            if screened:
                draw = mlp.draw(rng, drawn_with, screen=check)
            else:
                draw = mlp.draw(rng, drawn_with)
                check(draw)
        except Redraw as r:
            rules.append(r.rule)
            continue
        return rules, draw
    raise AssertionError("no draw")


@pytest.mark.parametrize("spread", ["tight", "normal"])
def test_the_screen_refuses_what_the_whole_check_refuses(tmp_path, monkeypatch, spread):
    assert "mlp" in SCREENS
    config = _config(tmp_path, spread)
    oracle = []
    real = mlp.check_network
    monkeypatch.setattr(mlp, "check_network", lambda net, sol: (oracle.append(1), real(net, sol)))
    by_class = 0
    for q in config.questions:
        for i in range(6):
            seed = question_seed(SECRET, config.title, f"s{i}", q.number)
            oracle.clear()
            screened_rules, screened = _tries(q, seed, screened=True)
            assert len(oracle) == 1  # only the accepted draw met the oracle
            rules, whole = _tries(q, seed, screened=False)
            assert screened_rules == rules
            assert screened.params == whole.params
            assert [a.to_json(whole.number_style) for a in screened.answers] == \
                   [a.to_json(whole.number_style) for a in whole.answers]
            assert repr((screened.question, screened.solution, screened.diagram)) == \
                   repr((whole.question, whole.solution, whole.diagram))
            variant = draw_variant("mlp", seed, q.options, accept=acceptor(q.window))
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
