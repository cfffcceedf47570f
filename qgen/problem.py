"""`qgen solve`'s public interface: a problem as JSON in, the checked solution as JSON out.

Reading validates everything a user can get wrong and says so in one line that names the field;
solving always runs the oracle before anything is returned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from qgen.engine.gates import (
    ACTIVATIONS, DEFAULT_LEAKY_ALPHA, Elementwise, HalfSquaredError, Linear, SoftmaxCrossEntropy,
)
from qgen.engine.network import Layer, Network
from qgen.errors import QgenError
from qgen.numbers import NumberRangeError, array, check_number_text, parse_number
from qgen.reading import check_nesting

MAX_LAYERS = 10
MAX_WIDTH = 32
LOSSES = ("half_sse", "softmax_ce")
NETWORK_KEYS = ("x", "layers", "loss", "y", "learning_rate")
LAYER_KEYS = ("W", "b", "activation", "alpha")
EXPRESSION_KEYS = ("expression", "values")


@dataclass(frozen=True)
class ExpressionProblem:
    text: str
    values: dict[str, Fraction]


def load_problem(text: str) -> Network | ExpressionProblem:
    """Parse a problem's JSON text into a network or an expression problem."""
    data = _parse_json(text)
    if not isinstance(data, dict):
        raise QgenError("problem: expected a JSON object with either \"layers\" or \"expression\"")
    if "expression" in data:
        return _read_expression(data)
    if "layers" in data or "x" in data:
        return _read_network(data)
    raise QgenError("problem: expected a network (keys x, layers, loss, y) or an expression (keys expression, values)")


def _reject_constant(name: str):
    raise QgenError(f"problem: {name} is not a number qgen accepts")


def _checked(convert):
    """A JSON number reader that checks the text first: int() of a 5,000-digit string is refused
    (or slow) by Python itself. Decimals stay Decimal, so 0.1 is the decimal the user wrote."""
    def read(text: str):
        try:
            check_number_text(text)
        except NumberRangeError as e:
            raise QgenError(f"problem: number out of range: {e}; got {text[:20]}") from None
        return convert(text)
    return read


_json_int, _json_decimal = _checked(int), _checked(Decimal)


def _unique_keys(pairs: list) -> dict:
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise QgenError(f"problem: the key {json.dumps(key)[:40]} appears twice in one object; give it once")
        seen[key] = value
    return seen


def _parse_json(text: str):
    check_nesting(text, "json", "problem")  # before the parser recurses into a 100,000-deep nesting
    try:
        return json.loads(text, parse_float=_json_decimal, parse_int=_json_int, parse_constant=_reject_constant,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise QgenError(f"problem: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        raise QgenError("problem: JSON nested too deeply") from None


def _check_keys(obj: dict, allowed: tuple, required: tuple, where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise QgenError(f"{where}{key}: unknown key (allowed: {', '.join(allowed)})")
    for key in required:
        if key not in obj:
            raise QgenError(f"{where}{key}: missing (required: {', '.join(required)})")


def _number(value, field: str) -> Fraction:
    # A JSON decimal arrives as Decimal; its text is the exact decimal the user wrote.
    return parse_number(str(value) if isinstance(value, Decimal) else value, field)


def _vector(value, field: str, length: int | None = None) -> list[Fraction]:
    if not isinstance(value, list) or not value:
        raise QgenError(f"{field}: expected a non-empty list of numbers")
    if len(value) > MAX_WIDTH:
        raise QgenError(f"{field}: at most {MAX_WIDTH} entries, got {len(value)}")
    if length is not None and len(value) != length:
        raise QgenError(f"{field}: expected {length} entries, got {len(value)}")
    return [_number(v, f"{field}[{i}]") for i, v in enumerate(value)]


def _matrix(value, field: str, columns: int) -> list[list[Fraction]]:
    if not isinstance(value, list) or not value or not all(isinstance(row, list) for row in value):
        raise QgenError(f"{field}: expected a non-empty list of rows, each a list of numbers")
    if len(value) > MAX_WIDTH:
        raise QgenError(f"{field}: at most {MAX_WIDTH} rows, got {len(value)}")
    rows = []
    for i, row in enumerate(value):
        if len(row) != columns:
            raise QgenError(f"{field}[{i}]: expected {columns} columns (the size of this layer's input), got {len(row)}")
        rows.append(_vector(row, f"{field}[{i}]"))
    return rows


def _read_network(data: dict) -> Network:
    _check_keys(data, NETWORK_KEYS, ("x", "layers", "loss", "y"), "")
    x = _vector(data["x"], "x")
    layers_in = data["layers"]
    if not isinstance(layers_in, list) or not layers_in:
        raise QgenError("layers: expected a non-empty list of layers")
    if len(layers_in) > MAX_LAYERS:
        raise QgenError(f"layers: at most {MAX_LAYERS} layers, got {len(layers_in)}")
    loss_name = data["loss"]
    if loss_name not in LOSSES:
        raise QgenError(f"loss: expected one of {', '.join(LOSSES)}, got {json.dumps(loss_name)}")

    specs = []
    width = len(x)
    for i, layer in enumerate(layers_in):
        where = f"layers[{i}]"
        if not isinstance(layer, dict):
            raise QgenError(f"{where}: expected an object with W, activation and optionally b, alpha")
        _check_keys(layer, LAYER_KEYS, ("W", "activation"), where + ".")
        W = _matrix(layer["W"], where + ".W", width)
        b = _vector(layer["b"], where + ".b", len(W)) if "b" in layer else None
        name = layer["activation"]
        if name not in ACTIVATIONS:
            raise QgenError(f"{where}.activation: expected one of {', '.join(ACTIVATIONS)}, got {json.dumps(name)}")
        if "alpha" in layer and name != "leaky_relu":
            raise QgenError(f"{where}.alpha: only leaky_relu takes alpha")
        alpha = _number(layer["alpha"], where + ".alpha") if "alpha" in layer else DEFAULT_LEAKY_ALPHA
        specs.append((W, b, name, alpha))
        width = len(W)

    y = _read_target(data["y"], width, loss_name)
    eta = _number(data["learning_rate"], "learning_rate") if "learning_rate" in data else None
    if eta is not None and eta <= 0:
        raise QgenError("learning_rate: expected a positive number")

    exact = loss_name == "half_sse" and all(ACTIVATIONS[name][2] for _, _, name, _ in specs)
    layers = tuple(
        Layer(Linear(array(W, exact), None if b is None else array(b, exact)),
              Elementwise(name, alpha if exact else float(alpha)))
        for W, b, name, alpha in specs
    )
    loss = HalfSquaredError(array(y, exact)) if loss_name == "half_sse" else SoftmaxCrossEntropy(array(y, exact))
    return Network(array(x, exact), layers, loss, eta)


def _read_target(value, width: int, loss: str) -> list[Fraction]:
    if loss == "softmax_ce":
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < width:
                raise QgenError(f"y: class index must be between 0 and {width - 1}, got {value}")
            return [Fraction(int(k == value)) for k in range(width)]
        y = _vector(value, "y", width)
        if sorted(y) != [0] * (width - 1) + [1]:
            raise QgenError("y: expected a one-hot vector (one 1, the rest 0) or a class index")
        return y
    return _vector(value, "y", width)


def _read_expression(data: dict) -> ExpressionProblem:
    _check_keys(data, EXPRESSION_KEYS, EXPRESSION_KEYS, "")
    if not isinstance(data["expression"], str):
        raise QgenError("expression: expected a string such as \"2 * (x * y + max(z, w))\"")
    values = data["values"]
    if not isinstance(values, dict):
        raise QgenError("values: expected an object mapping each variable to a number")
    return ExpressionProblem(data["expression"], {k: _number(v, f"values.{k}") for k, v in values.items()})
