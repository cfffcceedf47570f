"""The words of the keys a lecturer hands out unchanged (issue 20.3): the identity gate is not a skip
connection, the mlp key says why its δ line needs no transpose, the shapes question asks for shapes,
and calculator mode prints its 2-decimal inputs with 2 decimals."""

import re

from qgen.practice import PracticeRequest, draw_practice, new_diagram_cache, render_practice


def sheet_and_key(kind, mode="exact", difficulty="easy", seed=1, **overrides):
    request = PracticeRequest((kind,), 1, seed, difficulty, mode, overrides or None)
    return render_practice(draw_practice(request), "t", "t", new_diagram_cache())


def test_the_identity_gate_is_not_called_a_skip_connection():
    questions, answers = sheet_and_key("gates", gate="identity")
    assert "skip connection" not in questions
    assert r"The identity gate $z = x$" in questions and "passes its input on unchanged" in questions
    assert "The identity gate passes the gradient on unchanged." in answers
    assert r"A skip connection $x + F(x)$ is not this gate: its gradient adds two paths" in answers


def test_the_mlp_key_says_why_its_delta_line_has_no_transpose():
    _, answers = sheet_and_key("mlp")
    assert ("the chain rule multiplies the transposed local Jacobian by it, and a diagonal matrix is its own "
            r"transpose ($\operatorname{Diag}$ is symmetric), so no transpose is written") in answers


def test_the_shapes_question_asks_for_shapes_not_fractions():
    questions, _ = sheet_and_key("shapes")
    body = questions.split("Question 1", 1)[1].replace("{,}", ",")
    assert "Give each shape as rows × columns, such as 3 × 2 (a vector of n entries is n × 1), and each count as an integer." in body
    assert "fractions" not in body and "within" not in body


def test_calculator_inputs_print_with_two_decimals():
    for seed in (1, 2, 3):
        questions, answers = sheet_and_key("mlp", "calculator", "medium", seed)
        body = questions.split("Question 1", 1)[1]
        inputs = re.findall(r"-?\d+\.\d+", " ".join(re.findall(r"\\begin\{bmatrix\}.*?\\end\{bmatrix\}", body)))
        assert inputs and all(len(v.split(".")[1]) == 2 for v in inputs), inputs
        first_line = answers.split("Step 1", 1)[1].split(r"\\", 1)[0]  # z¹ = W¹x + b¹ with the printed inputs
        assert re.search(r"-?\d+\.\d\d ", first_line) and not re.search(r"\d\.\d\d00 ", first_line.split("= \\boxed")[0])


def test_one_number_format_per_mode_in_worked_matrices():
    """Issue 20.2: in the decimal modes every matrix prints its non-integers at one number of places,
    and a boxed answer at the asked 4 (as the answer summary prints it), never 0.03 beside 0.4380."""
    for kind, overrides in (("softmax-ce", None), ("gates", None), ("mlp", {"activation": "sigmoid"}), ("jacobian", None)):
        for mode in ("given", "calculator"):
            for seed in (1, 2):
                try:
                    _, answers = sheet_and_key(kind, mode, "medium", seed, **(overrides or {}))
                except Exception as e:  # a kind without this mode says so by a QgenError
                    assert type(e).__name__ == "QgenError", e
                    continue
                for m in re.finditer(r"(\\boxed\{)?\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", answers, re.S):
                    cells = [c.strip() for c in re.split(r"&|\\\\", m.group(2))]
                    places = {len(c.split(".")[1]) for c in cells if re.fullmatch(r"-?\d+\.\d+", c)}
                    assert len(places) <= 1, (kind, mode, m.group(0))
                    if m.group(1):
                        assert places <= {4}, (kind, mode, m.group(0))
