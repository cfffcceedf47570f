"""`qgen solve` through click's CliRunner: answers, and one clear line for each kind of bad input."""

import json

import pytest
from click.testing import CliRunner

from exact import HAND
from qgen.cli import main


def solve(problem, *args):
    text = problem if isinstance(problem, str) else json.dumps(problem)
    return CliRunner().invoke(main, ["solve", "-", *args], input=text)


def test_network_exact_output():
    result = solve(HAND, "--exact")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["exact"] is True
    assert out["forward"]["layers"][0] == {"z": ["-1", "3"], "a": ["0", "3"]}
    assert out["forward"]["yhat"] == ["6"] and out["forward"]["loss"] == "2"
    assert out["gradients"]["layers"][0]["dW"] == [["0", "0"], ["4", "8"]]
    assert out["gradients"]["layers"][1] == {"dW": [["0", "6"]], "db": ["2"], "dz": ["2"], "da": ["2"]}
    assert out["gradients"]["dx"] == ["8", "0"]
    assert out["update"]["layers"][0] == {"W": [["1", "-1"], ["0", "-4"]], "b": ["0", "-1"]}


def test_network_float_output_is_json_numbers():
    out = json.loads(solve(HAND).output)
    assert out["exact"] is True and out["forward"]["loss"] == 2.0
    assert out["gradients"]["layers"][0]["dW"] == [[0.0, 0.0], [4.0, 8.0]]


def test_readme_network_example_from_a_file(tmp_path):
    result = CliRunner().invoke(main, ["solve", "examples/network.json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["exact"] is False
    assert out["forward"]["loss"] == pytest.approx(0.298371109)
    assert out["update"]["layers"][1]["W"][0][0] == pytest.approx(0.35891648)


def test_softmax_with_class_index_and_no_update():
    problem = {"x": [1, -1], "layers": [{"W": [[1, 0], [0, 1], [1, 1]], "activation": "identity"}],
               "loss": "softmax_ce", "y": 2}
    out = json.loads(solve(problem).output)
    assert "update" not in out and "db" not in out["gradients"]["layers"][0]
    assert sum(out["forward"]["yhat"]) == pytest.approx(1)
    assert out["gradients"]["layers"][0]["dz"][2] == pytest.approx(out["forward"]["yhat"][2] - 1)


def test_expression_output():
    result = solve({"expression": "2 * (x * y + max(z, w))", "values": {"x": 3, "y": -4, "z": 2, "w": -1}}, "--exact")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["value"] == "-20"
    assert out["gradients"] == {"x": "-8", "y": "6", "z": "2", "w": "0"}
    output_node = out["nodes"][-1]
    assert output_node["grad"] == "1" and output_node["value"] == "-20"
    assert {n["id"] for n in out["nodes"]} >= {"x", "y", "z", "w"}


def test_expression_with_strings_and_fractions():
    out = json.loads(solve({"expression": "x / y + x", "values": {"x": "3/4", "y": "0.5"}}, "--exact").output)
    assert out["value"] == "9/4" and out["gradients"] == {"x": "3", "y": "-3"}


BAD = [
    ("{not json", "problem: not valid JSON"),
    ("[1, 2]", "problem: expected a JSON object"),
    ({**HAND, "extra": 1}, "extra: unknown key"),
    ({k: v for k, v in HAND.items() if k != "y"}, "y: missing"),
    ({**HAND, "layers": []}, "layers: expected a non-empty list"),
    ({**HAND, "x": [1, 2, 3]}, "layers[0].W[0]: expected 3 columns"),
    ({**HAND, "layers": [{**HAND["layers"][0], "b": [0]}, HAND["layers"][1]]}, "layers[0].b: expected 2 entries"),
    ({**HAND, "layers": [HAND["layers"][0], {**HAND["layers"][1], "W": [[1, 2, 3]]}]}, "layers[1].W[0]: expected 2 columns"),
    ({**HAND, "y": [4, 5]}, "y: expected 1 entries"),
    ({**HAND, "loss": "softmax_ce", "y": 3}, "y: class index must be between 0 and 0"),
    ({**HAND, "loss": "hinge"}, "loss: expected one of half_sse, softmax_ce"),
    ({**HAND, "layers": [{**HAND["layers"][0], "activation": "swish"}, HAND["layers"][1]]}, "layers[0].activation: expected one of"),
    ({**HAND, "x": ["one", 2]}, "x[0]: expected a number"),
    ({**HAND, "x": [True, 2]}, "x[0]: expected a number"),
    ('{"x": [NaN, 1], "layers": [], "loss": "half_sse", "y": [1]}', "NaN is not a number"),
    ({**HAND, "x": list(range(40))}, "x: at most 32 entries"),
    ({**HAND, "layers": [HAND["layers"][0]] * 11}, "layers: at most 10 layers"),
    ({**HAND, "learning_rate": -1}, "learning_rate: expected a positive number"),
    ({"expression": "x.real", "values": {"x": 1}}, "expression: attribute access"),
    ({"expression": "x[0]", "values": {"x": 1}}, "expression:"),
    ({"expression": "__import__('os').system('echo hi')", "values": {}}, "expression:"),
    ({"expression": "(lambda: 1)()", "values": {}}, "expression:"),
    ({"expression": "[x for x in y]", "values": {"x": 1, "y": 2}}, "expression:"),
    ({"expression": "'a'", "values": {}}, "expression:"),
    ({"expression": "x ** 100000", "values": {"x": 2}}, "expression:"),
    ({"expression": "x + q", "values": {"x": 1}}, "values: missing value for 'q'"),
    ({"expression": "log(x - y)", "values": {"x": 1, "y": 3}}, "expression: log of a non-positive number"),
    ({"expression": "x / y", "values": {"x": 1, "y": 0}}, "expression:"),
    ({"expression": "exp(x)", "values": {"x": 1000}}, "expression:"),
    ({**HAND, "x": ["1e300", "1e300"], "layers": [{"W": [["1e300", "1e300"]], "activation": "sigmoid"}], "y": [1]}, "number out of range"),
]


@pytest.mark.parametrize("problem, message", BAD, ids=[m for _, m in BAD])
def test_bad_input_gets_one_clear_line_and_exit_2(problem, message):
    result = solve(problem)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines() if hasattr(result, "stderr") else result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert message in lines[0]
    assert "Traceback" not in result.output and result.stdout == ""


def test_exact_flag_refuses_an_irrational_network():
    result = solve(json.load(open("examples/network.json")), "--exact")
    assert result.exit_code == 2 and "--exact" in result.output and "not rational" in result.output


def test_overflow_in_float_network_is_a_clear_error():
    # (1e29)^11 = 1e319 is beyond float64, and softmax_ce makes the network a float one.
    layer = {"W": [["1e29", 0], [0, 1]], "activation": "identity"}
    big = {"x": ["1e29", 1], "layers": [layer] * 10, "loss": "softmax_ce", "y": 0}
    result = solve(big)
    assert result.exit_code == 2 and "overflow" in result.output


def test_missing_file_and_non_utf8(tmp_path):
    result = CliRunner().invoke(main, ["solve", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"x": [1], "name": "Zo\xeb"}')
    result = CliRunner().invoke(main, ["solve", str(bad)])
    assert result.exit_code == 2 and "UTF-8" in result.output and "Traceback" not in result.output


def test_an_answer_that_fails_the_oracle_is_never_printed(monkeypatch):
    import qgen.solve

    real = qgen.solve.solve_network

    def wrong(net):
        sol = real(net)
        sol.gradients[0].dW.flat[0] += 1
        return sol

    monkeypatch.setattr(qgen.solve, "solve_network", wrong)
    result = solve(HAND)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().startswith("qgen: internal error, nothing was written: an answer failed the oracle check")
    assert len(result.stderr.strip().splitlines()) == 1
