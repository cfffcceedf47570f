"""The `shapes` kind: shapes and parameter counts checked against the conventions by hand."""

import numpy as np
import pytest

from qgen.errors import QgenError, VerificationError
from qgen.kinds import shapes
from qgen.randomiser import draw_variant, resolve_options
from structure import class_structures


def by_name(variant):
    return {a.name: a.value for a in variant.draw.answers}


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_every_shape_follows_the_conventions(seed, difficulty):
    variant = draw_variant("shapes", seed, resolve_options("shapes", difficulty))
    sizes, answers = variant.draw.params["sizes"], by_name(variant)
    assert len(sizes) == {"easy": 3, "medium": 4, "hard": 5}[difficulty]
    for l, (m, n) in enumerate(zip(sizes, sizes[1:]), start=1):
        assert answers[f"shape W layer {l}"] == [n, m]  # W_ij connects input j to output i
        assert answers[f"shape b layer {l}"] == [n, 1]
        assert answers[f"shape dz/da layer {l}"] == [n, m]  # ∂z/∂a = W
        assert answers[f"shape da/dz layer {l}"] == [n, n]  # Diag[f'(z)]
        assert answers[f"shape dL/dW layer {l}"] == [n, m]  # the shape of W
        assert answers[f"shape dL/dz layer {l}"] == [n, 1]  # δ is a column
    assert answers["parameter count"] == sum(n * m + n for m, n in zip(sizes, sizes[1:]))


def test_without_bias_there_is_no_b_and_fewer_parameters():
    variant = draw_variant("shapes", 3, resolve_options("shapes", "easy", overrides={"bias": "no"}))
    sizes, answers = variant.draw.params["sizes"], by_name(variant)
    assert not any(name.startswith("shape b") for name in answers)
    assert answers["parameter count"] == sum(n * m for m, n in zip(sizes, sizes[1:]))


def test_a_wrong_engine_shape_is_caught(monkeypatch):
    real = shapes.solve_network

    def transposed(net):
        sol = real(net)
        step = sol.steps[0]
        object.__setattr__(step, "jacobian", np.asarray(step.jacobian).T.copy())
        return sol

    monkeypatch.setattr(shapes, "solve_network", transposed)
    with pytest.raises(VerificationError):
        for seed in range(10):  # a square first layer hides a transpose; some seed is not square
            shapes.draw(np.random.default_rng(seed), resolve_options("shapes"))


@pytest.mark.parametrize("overrides, message", [
    ({"layers": "9"}, "shapes option layers: expected 1 to 5 layers"),
    ({"layers": "two"}, "shapes option layers"),
    ({"bias": "maybe"}, "shapes option bias: expected yes or no"),
    ({"sizes": "3-0-2"}, "shapes option sizes: expected auto, or 2 to 6 sizes from 1 to 9"),
    ({"sizes": "3"}, "shapes option sizes"),
    ({"sizes": "a-b"}, "shapes option sizes"),
])
def test_bad_options_name_the_option(overrides, message):
    with pytest.raises(QgenError, match=message):
        resolve_options("shapes", "easy", "exact", overrides)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_hidden_layers_are_at_least_two_wide(difficulty):
    """Before, 13-30% of the draws had a width-1 hidden layer."""
    options = resolve_options("shapes", difficulty)
    for seed in range(300):
        sizes = draw_variant("shapes", seed, options).draw.params["sizes"]
        assert min(sizes[1:-1]) >= 2, f"seed {seed}: {sizes}"
        assert 1 <= sizes[0] <= 8 and 1 <= sizes[-1] <= 8


def test_sizes_the_user_sets_are_kept_width_one_too():
    options = resolve_options("shapes", "hard", "exact", {"sizes": "3-1-2"})
    variant = draw_variant("shapes", 4, options)
    assert variant.draw.params["sizes"] == [3, 1, 2]
    assert by_name(variant)["shape W layer 2"] == [2, 1]
    assert "shape W layer 3" not in by_name(variant)  # the sizes set 2 layers, not hard's 4


@pytest.mark.parametrize("bias", ["yes", "no"])
@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_class_options_give_every_student_the_same_structure(difficulty, bias):
    options = resolve_options("shapes", difficulty, "exact", {"bias": bias})
    structures, shared = class_structures("shapes", options, 5)
    assert len(structures) == 1 and shared == options
