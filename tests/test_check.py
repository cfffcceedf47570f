"""`qgen check`: at least 1,000 variants per kind drawn and verified by the oracle, and a broken
engine is caught."""

import pytest
from click.testing import CliRunner

from qgen.check import check_kind
from qgen.cli import main
from qgen.randomiser import KIND_MODULES, resolve_options


@pytest.mark.parametrize("kind", list(KIND_MODULES))
def test_a_thousand_variants_per_kind_pass_the_oracle(kind):
    report = check_kind(kind, 1000, 2026, resolve_options(kind))
    assert report.variants == 1000
    assert report.failures == []
    assert 0 < report.smallest <= report.largest <= 200  # answers a person can handle


@pytest.mark.parametrize("kind", list(KIND_MODULES))
@pytest.mark.parametrize("difficulty, mode", [("medium", "given"), ("hard", "calculator"), ("hard", "exact")])
def test_other_difficulties_and_modes_pass_the_oracle(kind, difficulty, mode):
    report = check_kind(kind, 150, 7, resolve_options(kind, difficulty, mode))
    assert report.failures == []


def test_cli_reports_each_kind_and_exits_0():
    result = CliRunner().invoke(main, ["check", "--kind", "shapes", "--kind", "gates", "--count", "20"])
    assert result.exit_code == 0, result.output
    assert "shapes      20 variants, 0 failures" in result.output
    assert "gates       20 variants, 0 failures" in result.output


def test_cli_exits_1_when_the_engine_gives_a_wrong_answer(monkeypatch):
    import qgen.kinds.mlp as mlp

    real = mlp.solve_network

    def wrong(net):
        sol = real(net)
        sol.gradients[0].dW.flat[0] += 1  # a wrong key the oracle must catch
        return sol

    monkeypatch.setattr(mlp, "solve_network", wrong)
    result = CliRunner().invoke(main, ["check", "--kind", "mlp", "--count", "5"])
    assert result.exit_code == 1
    assert "5 failures" in result.output and "FAILED" in result.output and "dL/dW^1" in result.output


def test_watched_numbers_are_read_from_any_kinds_draw():
    from fractions import Fraction as F

    from qgen.check import watched_numbers
    from qgen.kinds.base import Answer, Draw

    draw = Draw(params={"W": [[["0", "1"], ["2", "3"]], [["1", "1"]]], "b": [["0", "0"], ["0"]], "x": ["1", "2"]},
                answers=(Answer("delta1", "", [F(0), F(1)]), Answer("dL/dW1", "", [[F(0)]])), question={}, solution={})
    got = watched_numbers(draw)
    assert got == {"W": ["0", "1", "2", "3", "1", "1"], "x": ["1", "2"], "δ": [F(0), F(1)]}  # b is no weight
    graph = Draw(params={"values": {"x": "0", "y": "2"}, "nodes": {"n1": "x * y"}},
                 answers=(Answer("n1", "", F(0)), Answer("df/dx", "", F(2)), Answer("df/dy", "", F(0))),
                 question={}, solution={})
    assert watched_numbers(graph) == {"W": [], "x": ["0", "2"], "δ": [F(2), F(0)]}


def test_check_reports_the_share_of_variants_with_zeros():
    from fractions import Fraction as F

    from qgen.randomiser import child_seeds, draw_variant

    options = resolve_options("gates", "medium", "exact", {"gate": "linear"})
    report = check_kind("gates", 60, 3, options)
    draws = [draw_variant("gates", seed, options).draw for seed in child_seeds(3, 60)]
    zero_w = sum(any(F(v) == 0 for row in d.params["W"] for v in row) for d in draws)
    zero_x = sum(any(F(v) == 0 for v in d.params["x"]) for d in draws)
    assert report.zero_share("W") == zero_w / 60 and report.zero_share("x") == zero_x / 60
    assert report.zero_share("δ") is not None
    assert f"variants with a zero in: W {zero_w / 60:.0%}, x {zero_x / 60:.0%}, δ" in report.line()
    assert "W -, x -, δ -" in check_kind("shapes", 5, 3, resolve_options("shapes")).line()  # nothing to watch
