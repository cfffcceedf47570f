"""`shapes`: given the layer sizes, the shape of every parameter, Jacobian and gradient, and the
number of parameters. The shapes are read off the engine's trace of a network of those sizes and
checked against the conventions' formulas (W^[l] is n_l × n_{l-1}, ∂z/∂a is n_l × n_{l-1}, …).

Here the sizes are the numbers of the question: the structure (how many layers, a bias or not, so
the answers' names and shapes and the sheet) is set by the options, and each student draws sizes
of their own. Hidden layers are at least 2 wide (a width-1 hidden layer makes ∂a/∂z a 1×1 and
hides the transposes), unless the user sets the sizes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.gates import Elementwise, HalfSquaredError, Linear
from qgen.engine.network import Layer, Network, solve_network
from qgen.engine.network_check import VerificationError
from qgen.kinds.base import Answer, Draw, Option, parse_bool

NAME = "shapes"
SUMMARY = "layer sizes given; shapes of every parameter, Jacobian and gradient, and the parameter count"
AUTO = "auto"
WIDTHS = (1, 8)  # input and output sizes drawn in this range
HIDDEN_WIDTHS = (2, 8)  # hidden layers drawn at least 2 wide
MAX_WIDTH = 9  # a size the user may set

OPTIONS = (
    Option("layers", "number of layers (linear + activation each)", {"easy": 2, "medium": 3, "hard": 4},
           lambda t: _layer_count(t)),
    Option("bias", "layers have a bias b", {"easy": True, "medium": True, "hard": True}, parse_bool),
    Option("sizes", "layer sizes from input to output, e.g. 3-4-2 (this sets the number of layers); "
                    "auto: drawn per question, hidden layers at least 2 wide",
           {"easy": AUTO, "medium": AUTO, "hard": AUTO}, lambda t: _sizes(t)),
)


# Answer labels (math): "@" stands for the layer number l, "@-1" for l - 1.
LABELS = {
    "W": r"\operatorname{shape} W^{[@]}",
    "b": r"\operatorname{shape} b^{[@]}",
    "dz/da": r"\operatorname{shape} \partial z^{[@]}/\partial a^{[@-1]}",
    "da/dz": r"\operatorname{shape} \partial a^{[@]}/\partial z^{[@]}",
    "dL/dW": r"\operatorname{shape} \partial L/\partial W^{[@]}",
    "dL/dz": r"\operatorname{shape} \partial L/\partial z^{[@]}",
}


def _layer_count(text) -> int:
    try:
        n = int(str(text)) if len(str(text)) <= 3 else 0  # a short whole number; "1e9", "2.5" are not
    except ValueError:
        n = 0
    if not 1 <= n <= 5:
        raise ValueError(f"expected 1 to 5 layers (a whole number), got {text!r}")
    return n


def _sizes(text) -> str:
    """"auto", or sizes such as 3-4-2 (1 to MAX_WIDTH each, 1 to 5 layers) as that text."""
    if str(text) == AUTO:
        return AUTO
    try:
        sizes = [int(part) for part in str(text).split("-")]
    except ValueError:
        sizes = []
    if not 2 <= len(sizes) <= 6 or not all(1 <= n <= MAX_WIDTH for n in sizes):
        raise ValueError(f"expected auto, or 2 to 6 sizes from 1 to {MAX_WIDTH} joined by '-', such as 3-4-2, "
                         f"got {text!r}")
    return "-".join(str(n) for n in sizes)


def class_options(rng: np.random.Generator, options: dict) -> dict:
    """The structure for a whole class (`qgen exam`): the number of layers and the bias, both
    options (set sizes fix the number of layers). Nothing is drawn: the sizes are each student's
    numbers, and whatever they are, the answers have the same names and shapes and the sheet the
    same layout."""
    if options["sizes"] == AUTO:
        return dict(options)
    return {**options, "layers": len(options["sizes"].split("-")) - 1}


def draw_sizes(rng: np.random.Generator, layers: int) -> list[int]:
    """Input and output 1 to 8 wide, hidden layers 2 to 8 wide."""
    inner = [int(n) for n in rng.integers(HIDDEN_WIDTHS[0], HIDDEN_WIDTHS[1] + 1, size=layers - 1)]
    first, last = (int(n) for n in rng.integers(WIDTHS[0], WIDTHS[1] + 1, size=2))
    return [first, *inner, last]


def draw(rng: np.random.Generator, options: dict) -> Draw:
    options = class_options(rng, options)
    layers, bias = options["layers"], options["bias"]
    if options["sizes"] == AUTO:
        sizes = draw_sizes(rng, layers)
    else:
        sizes = [int(n) for n in options["sizes"].split("-")]

    # Solve a network of these sizes with the engine; the asked shapes are read off its trace.
    net = Network(
        np.ones(sizes[0], dtype=object) * Fraction(1),
        tuple(Layer(Linear(np.full((n, m), Fraction(1), dtype=object), np.ones(n, dtype=object) * Fraction(1) if bias else None),
                    Elementwise("relu"))
              for m, n in zip(sizes, sizes[1:])),
        HalfSquaredError(np.zeros(sizes[-1], dtype=object) * Fraction(0)),
    )
    sol = solve_network(net)
    rows = []
    answers = []
    for l, (m, n) in enumerate(zip(sizes, sizes[1:]), start=1):
        linear = sol.steps[2 * (l - 1)]
        act = sol.steps[2 * (l - 1) + 1]
        shapes = {
            "W": np.shape(net.layers[l - 1].linear.W),
            "b": (n, 1) if bias else None,
            "dz/da": np.shape(linear.jacobian),  # ∂z^[l]/∂a^[l-1] = W^[l]
            "da/dz": np.shape(act.jacobian),  # Diag[f'(z^[l])]
            "dL/dW": np.shape(linear.param_grads["W"]),
            "dL/dz": (len(linear.upstream), 1),
        }
        _check(shapes, m, n, bias, l)
        rows.append({"layer": l, "m": m, "n": n, **{k: _text(v) for k, v in shapes.items()}})
        for key, value in shapes.items():
            if value is not None:
                answers.append(Answer(f"shape {key} layer {l}", LABELS[key].replace("@-1", str(l - 1)).replace("@", str(l)),
                                  list(value), display="shape"))
    count = sum(n * m + (n if bias else 0) for m, n in zip(sizes, sizes[1:]))
    if count != sum(w.size + (0 if b is None else b.size) for w, b in ((l.linear.W, l.linear.b) for l in net.layers)):
        raise VerificationError("parameter count disagrees with the engine's network")
    answers.append(Answer("parameter count", "\\#\\text{parameters}", Fraction(count)))
    params = {"sizes": sizes, "bias": bias}
    context = {"sizes": sizes, "bias": bias, "layers": layers, "rows": rows, "count": count}
    return Draw(params, tuple(answers), context, context)


def _check(shapes: dict, m: int, n: int, bias: bool, layer: int) -> None:
    """The oracle: the conventions' formulas, independent of the trace."""
    expected = {"W": (n, m), "b": (n, 1) if bias else None, "dz/da": (n, m), "da/dz": (n, n),
                "dL/dW": (n, m), "dL/dz": (n, 1)}
    for key, value in expected.items():
        got = None if shapes[key] is None else tuple(shapes[key])
        if got != value:
            raise VerificationError(f"shapes: {key} of layer {layer} is {got}, expected {value}")


def _text(shape) -> str:
    return "" if shape is None else f"{shape[0]}\\times {shape[1]}"
