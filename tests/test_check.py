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
