"""`qgen solve FILE --pdf OUT.pdf`: the worked solution of the user's own problem, compiled and read
back with pdftotext; what does not fit is refused before anything is printed or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pdftext import page_texts, squeeze
from qgen.cli import main

HAND = {  # test_cli_solve's hand-checked network: every number below is worked out there
    "x": [1, 2],
    "layers": [{"W": [[1, -1], [2, 0]], "b": [0, 1], "activation": "relu"},
               {"W": [[1, 2]], "b": [0], "activation": "identity"}],
    "loss": "half_sse", "y": [4], "learning_rate": "1/2",
}
EXPRESSION = {"expression": "2 * (x * y + max(z, w))", "values": {"x": 3, "y": -4, "z": 2, "w": -1}}

OLD_PDF = b"%PDF-1.5\n<< /Creator (qgen solve --pdf) >>\n"  # what qgen recognises as its own worked solution


def run(tmp_path: Path, problem, name: str = "problem.json", out: str = "out.pdf", *args):
    """qgen solve FILE --pdf OUT; returns (result, the PDF's text squeezed or None, its path)."""
    source = tmp_path / name
    source.write_text(problem if isinstance(problem, str) else json.dumps(problem), encoding="utf-8")
    pdf = tmp_path / out
    result = CliRunner().invoke(main, ["solve", str(source), "--pdf", str(pdf), *args])
    text = squeeze("\n".join(page_texts(pdf))) if result.exit_code == 0 else None
    return result, text, pdf


def test_readme_network_example_float_sigmoid(tmp_path):
    problem = json.loads(Path("examples/network.json").read_text())
    result, text, _ = run(tmp_path, problem)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["forward"]["loss"] == pytest.approx(0.298371109)  # JSON as before
    assert "≈0.2984" in text and "L=0.2984" in text  # the loss, worked and in the summary
    assert "[0.3589,0.4087;0.5113,0.5614]" in text  # updated W2 (README: 0.35891648 …)
    assert "floatingpoint(float64)" in text and "4decimals" in text  # the note on rounding
    assert "Step7:oneSGDstep" in text


def test_exact_relu_network_shows_fractions_gradients_and_the_update(tmp_path):
    result, text, _ = run(tmp_path, HAND)
    assert result.exit_code == 0, result.output
    assert "[0,0;4,8]" in text  # ∂L/∂W1 = δ1 xᵀ
    assert "[0,6]" in text  # ∂L/∂W2
    assert "[1,-1;0,-4]" in text and "[1,-1]" in text  # updated W1 and W2 with η = 1/2
    assert "(0,-1)" in text and "(-1)" in text  # updated b1, b2
    assert "L=2" in text and "floatingpoint" not in text
    assert "Step1:forwardpass" in text and "Step7:oneSGDstep" in text


def test_without_learning_rate_there_is_no_sgd_step(tmp_path):
    result, text, _ = run(tmp_path, {k: v for k, v in HAND.items() if k != "learning_rate"})
    assert result.exit_code == 0, result.output
    assert "NolearningrateisgivensothereisnoSGDstep" in text.replace(",", "")
    assert "oneSGDstep" not in text and "new" not in text
    assert "[0,0;4,8]" in text  # the gradients are all there


def test_leaky_relu_shows_the_networks_own_alpha(tmp_path):
    # z1 = −2, a1 = −1/2 (α = 1/4), ŷ = −3/2, ∂L/∂ŷ = −5/2, ∂L/∂a1 = −15/2, δ1 = α·(−15/2) = −15/8
    problem = {"x": [2], "layers": [{"W": [[-1]], "activation": "leaky_relu", "alpha": "1/4"},
                                    {"W": [[3]], "activation": "identity"}],
               "loss": "half_sse", "y": [1]}
    result, text, _ = run(tmp_path, problem)
    assert result.exit_code == 0, result.output
    assert "α=1/4" in text and "nobias" in text
    assert "(-1/2)" in text and "(-15/8)" in text and "[-15/4]" in text


def test_a_relu_at_its_kink_is_solved_with_the_convention_not_refused(tmp_path):
    problem = {"x": [1, 1], "layers": [{"W": [[1, -1], [1, 1]], "activation": "relu"},
                                       {"W": [[1, 1]], "activation": "identity"}],
               "loss": "half_sse", "y": [0], "learning_rate": 1}
    result, text, _ = run(tmp_path, problem)
    assert result.exit_code == 0, result.output
    assert "ReLU′(0)=0byconvention" in text


def test_softmax_after_a_relu_gets_its_own_activation_step(tmp_path):
    problem = {"x": [1, -1], "layers": [{"W": [[1, 0], [0, 1], [1, 1]], "activation": "relu"}],
               "loss": "softmax_ce", "y": 2}
    result, text, _ = run(tmp_path, problem)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert "softmax(a[1])" in text and "activationgateoflayer1" in text
    assert f"L={out['forward']['loss']:.4f}" in text


def test_expression_example_gradients(tmp_path):
    result, text, _ = run(tmp_path, EXPRESSION)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["gradients"] == {"x": -8, "y": 6, "z": 2, "w": 0}
    for name, grad in (("x", -8), ("y", 6), ("z", 2), ("w", 0)):
        assert f"∂f/∂{name}={grad}" in text, name
    assert "=-20=f" in text


def test_expression_tie_and_float_functions(tmp_path):
    result, text, _ = run(tmp_path, {"expression": "max(x, y) * sigmoid(x)", "values": {"x": 1, "y": 1}})
    assert result.exit_code == 0, result.output
    assert "atie:thefirstargumenttakesthegradient" in text
    assert "floatingpoint(float64)" in text and "0.7311" in text  # σ(1), rounded to 4 decimals


def test_user_variable_names_with_underscores(tmp_path):
    result, text, _ = run(tmp_path, {"expression": "w_in * x_1 + rate", "values": {"w_in": 2, "x_1": 3, "rate": 1}})
    assert result.exit_code == 0, result.output
    assert "=7=f" in text


def test_a_latex_hostile_file_name_prints_exactly(tmp_path):
    result, text, pdf = run(tmp_path, EXPRESSION, name="a_b&c%.json")
    assert result.exit_code == 0, result.output
    first = page_texts(pdf)[0]
    assert "a_b&c%.json" in first  # in the header
    assert "a_b&c%.json" in squeeze(first.split("Problem:")[1])  # and in the title's path


@pytest.mark.parametrize("problem, message", [
    ("{not json", "not valid JSON"),
    ({**HAND, "layers": [{"W": [[1, 2]], "activation": "softplus"}]}, "layers[0].activation"),
    ({"x": [1] * 7, "layers": [{"W": [[1] * 7], "activation": "identity"}], "loss": "half_sse", "y": [1]},
     "--pdf: layers wider than 6 units do not fit on a page"),
    ({"expression": " * ".join(["x"] * 18), "values": {"x": 1}},
     "--pdf: expressions of more than 16 operations"),
    ({"x": [12345678901], "layers": [{"W": [[1]], "activation": "identity"}], "loss": "half_sse", "y": [0]},
     "--pdf: the solution has numbers of more than 10 digits"),
    ({"expression": "2 * 3", "values": {}}, "--pdf: a worked solution needs at least one variable"),
    ({"expression": " * ".join(["x"] * 14), "values": {"x": 1}}, "--pdf: this expression's graph is too deep"),
    ({"expression": "log(x)", "values": {"x": -1}}, "log of a non-positive number"),
])  # fmt: skip
def test_a_bad_problem_writes_no_pdf_prints_nothing_and_exits_2(tmp_path, problem, message):
    old = tmp_path / "out.pdf"
    old.write_bytes(OLD_PDF)
    result, _, pdf = run(tmp_path, problem)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""  # all or nothing: no JSON either
    assert pdf.read_bytes() == OLD_PDF  # the old file untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf", "problem.json"]  # no temporary left


def test_the_pdf_replaces_an_old_file_and_never_overwrites_the_problem(tmp_path):
    (tmp_path / "out.pdf").write_bytes(b"my own notes")
    result, _, pdf = run(tmp_path, HAND)  # a file qgen did not write is never replaced
    assert result.exit_code == 2 and "out.pdf: exists and is not a PDF `qgen solve --pdf` wrote" in result.stderr
    assert pdf.read_bytes() == b"my own notes"
    (tmp_path / "out.pdf").write_bytes(OLD_PDF)
    result, text, pdf = run(tmp_path, HAND)
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes() != OLD_PDF
    result, text, pdf = run(tmp_path, HAND)  # its own PDF, recognised by its /Creator, is replaced
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf", "problem.json"]
    result, _, _ = run(tmp_path, HAND, out="problem.json")
    assert result.exit_code == 2 and "the problem file itself" in result.stderr
    assert json.loads((tmp_path / "problem.json").read_text()) == HAND


def test_from_standard_input_into_a_new_folder(tmp_path):
    pdf = tmp_path / "keys" / "mine.pdf"
    result = CliRunner().invoke(main, ["solve", "-", "--pdf", str(pdf)], input=json.dumps(HAND))
    assert result.exit_code == 0, result.output
    assert "Problem:standardinput" in squeeze(page_texts(pdf)[0])


def test_a_six_wide_network_of_fractions_fits_the_page(tmp_path):
    """The widest network --pdf takes, with fractions everywhere: LaTeX reports no overfull line."""
    from qgen.build import build
    from qgen.practice import new_diagram_cache
    from qgen.problem import load_problem
    from qgen.worked import render_worked, worked_draw

    W = [[(i * 7 + j * 3) % 5 - 2 for j in range(6)] for i in range(6)]
    problem = {"x": ["1/2", -1, 2, "3/4", 1, -2], "learning_rate": "1/10", "loss": "half_sse", "y": [1] * 6,
               "layers": [{"W": W, "b": [1, -1, 0, 2, -2, 1], "activation": "leaky_relu", "alpha": "1/3"},
                          {"W": W, "b": [0] * 6, "activation": "relu"}]}
    result, text, _ = run(tmp_path, problem)
    assert result.exit_code == 0, result.output
    assert "L=1031/9" in text
    kind, draw = worked_draw(load_problem(json.dumps(problem)))
    diagrams = new_diagram_cache()
    built = build(render_worked(kind, draw, "p.json", diagrams), files=diagrams.files(), collect=["doc.log"])
    assert "Overfull \\hbox" not in built.files["doc.log"].decode(errors="replace")


def test_an_unwritable_place_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps({"expression": "x * y", "values": {"x": 2, "y": 3}}))
    result = CliRunner().invoke(main, ["solve", str(problem), "--pdf", str(tmp_path / "file" / "out.pdf")])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("qgen: --pdf ") and "cannot write there" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
