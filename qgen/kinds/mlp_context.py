"""`mlp`'s key: the answers, the question and solution contexts, the diagram and the notes of a
solved, checked network (qgen.kinds.mlp draws and checks it)."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

from qgen import shown
from qgen.engine.gates import GivenElementwise, GivenSoftmaxCrossEntropy
from qgen.engine.network import Network, NetworkSolution
from qgen.kinds.base import Answer, Draw, round_to
from qgen.render import render

MAX_PLACES = 8  # given mode: the key prints finite decimals of at most this many places
FLOAT_NOTE = ("Sigmoid, tanh and softmax leave the fractions, so every value is computed in floating point "
              "(float64) and printed rounded to 4 decimals; each step works with the unrounded values, so "
              "redoing it from the printed ones may differ in the last digit.")
LEAKY_ALPHA = Fraction(1, 10)  # printed on the sheet; 1/10 keeps hand arithmetic short


def _places(v: Fraction) -> int:
    """Decimal places of a finite decimal (a large number when it is not one)."""
    for places in range(MAX_PLACES + 1):
        if (v * 10**places).denominator == 1:
            return places
    return MAX_PLACES + 1


def _sizes_of(net: Network) -> tuple[int, ...]:
    return (len(net.x),) + tuple(layer.linear.W.shape[0] for layer in net.layers)


STYLES = {"exact": "fraction", "given": "decimal", "calculator": "rounded", "float": "rounded"}  # mode -> number style


def _key(net: Network, sol: NetworkSolution, mode: str, params: dict, input_gradient: bool = False,
         answers: tuple[Answer, ...] | None = None) -> Draw:
    """Answers, template contexts, diagram and notes of a solved, checked network.
    input_gradient: ∂L/∂x is asked too (weight decay and momentum are the network's own).
    answers: _answers(net, sol, ...), if made already."""
    sizes, acts, loss = _sizes_of(net), tuple(layer.activation.name for layer in net.layers), net.loss.name
    given = {**_given_context(net, sizes, acts, loss, mode), "input_gradient": input_gradient}
    solution = {**given, **_solution_context(net, sol, loss)}
    if mode == "calculator":  # the printed inputs as the decimals they are: 0.60, not 0.6000
        given, solution = _printed_inputs(given), _printed_inputs(solution)
    biases = [layer.linear.b is not None for layer in net.layers]
    answers = answers if answers is not None else _answers(net, sol, loss, input_gradient)
    return Draw(params, answers, given, solution, _diagram(sizes, acts, loss, biases),
                STYLES[mode], _notes(mode, loss, bool(_printed(net))))


def _printed_inputs(context: dict) -> dict:
    """Calculator mode: the float engine's inputs (x, y, η, W, b; Wᵀ and layer 1's input in the
    key) back to the 2-decimal Fractions printed on the sheet, so they print with 2 decimals."""
    def dec(v):
        return None if v is None else np.vectorize(round_to, otypes=[object])(np.asarray(v, dtype=object))

    out = {**context, "x": dec(context["x"]), "y": dec(context["y"]),
           "eta": None if context["eta"] is None else round_to(context["eta"]), "alpha": round_to(context["alpha"]),
           "layers": [{**layer, "W": dec(layer["W"]), "b": dec(layer["b"]), "vW": dec(layer["vW"]), "vb": dec(layer["vb"]),
                       "alpha": None if layer["alpha"] is None else round_to(layer["alpha"])} for layer in context["layers"]]}
    if "work" in context:
        out["work"] = [{**w, "WT": dec(w["WT"]), "a_in": dec(w["a_in"]) if w["l"] == 1 else w["a_in"]}
                       for w in context["work"]]
    return out


def _printed(net: Network) -> dict:
    printed = {f"a{l}": layer.activation.printed for l, layer in enumerate(net.layers, start=1)
               if isinstance(layer.activation, GivenElementwise)}
    if isinstance(net.loss, GivenSoftmaxCrossEntropy):
        printed["yhat"] = net.loss.printed
    return printed


def _text(v) -> str:
    v = Fraction(v)
    if v.denominator == 1:
        return str(v.numerator)
    places = _places(v)
    return f"{float(v):.{places}f}" if places <= MAX_PLACES else f"{v.numerator}/{v.denominator}"


def _texts(values) -> list[str]:
    return [_text(v) for v in values]


def _answers(net: Network, sol: NetworkSolution, loss: str, input_gradient: bool) -> tuple[Answer, ...]:
    count = len(net.layers)
    # softmax after a last activation other than the identity (only a user's network): a^[L] ≠ ŷ
    # and ∂L/∂a^[L] are answers of their own
    unfused = loss == "softmax_ce" and net.layers[-1].activation.name != "identity"
    out = []
    for l, (values, layer) in enumerate(zip(sol.forward, net.layers), start=1):
        out.append(Answer(f"z{l}", f"z^{{[{l}]}}", values.z))
        if (l < count or unfused) and not isinstance(layer.activation, GivenElementwise):
            out.append(Answer(f"a{l}", f"a^{{[{l}]}}", values.a))
    if not isinstance(net.loss, GivenSoftmaxCrossEntropy) and not isinstance(net.layers[-1].activation, GivenElementwise):
        out.append(Answer("yhat", "\\hat y", sol.yhat))
    # −log of a printed ŷ is a float even in given mode: the key prints it to 4 decimals.
    out.append(Answer("L", "L", sol.loss))
    if loss == "half_sse":
        out.append(Answer("dL/dyhat", "\\partial L/\\partial\\hat y", sol.steps[-1].downstream))
    elif unfused:
        out.append(Answer(f"dL/da{count}", f"\\partial L/\\partial a^{{[{count}]}}", sol.steps[-1].downstream))
    for l in range(count, 0, -1):  # in the order backprop finds them
        g = sol.gradients[l - 1]
        out.append(Answer(f"delta{l}", f"\\delta^{{[{l}]}}", g.dz))
        out.append(Answer(f"dL/dW{l}", f"\\partial L/\\partial W^{{[{l}]}}", g.dW))
        if g.db is not None:
            out.append(Answer(f"dL/db{l}", f"\\partial L/\\partial b^{{[{l}]}}", g.db))
        if l > 1:
            out.append(Answer(f"dL/da{l - 1}", f"\\partial L/\\partial a^{{[{l - 1}]}}", sol.gradients[l - 2].da))
    if input_gradient:
        out.append(Answer("dL/dx", "\\partial L/\\partial x", sol.dx))
    if sol.decayed is not None:  # weight decay: L' and every ∂L'/∂W (∂L'/∂b = ∂L/∂b: biases not decayed)
        out.append(Answer("L'", "L'", sol.decayed_loss))
        out += [Answer(f"dL'/dW{l}", f"\\partial L'/\\partial W^{{[{l}]}}", d) for l, d in enumerate(sol.decayed, start=1)]
    for l, u in enumerate(sol.update or (), start=1):
        if sol.velocity is not None:  # momentum: the new velocity, then the step with it
            v = sol.velocity[l - 1]
            out.append(Answer(f"velocity W{l}", f"v_{{W^{{[{l}]}},\\mathrm{{new}}}}", v.W))
            if v.b is not None:
                out.append(Answer(f"velocity b{l}", f"v_{{b^{{[{l}]}},\\mathrm{{new}}}}", v.b))
        out.append(Answer(f"updated W{l}", f"W^{{[{l}]}}_{{\\mathrm{{new}}}}", u.W))
        if u.b is not None:
            out.append(Answer(f"updated b{l}", f"b^{{[{l}]}}_{{\\mathrm{{new}}}}", u.b))
    return tuple(out)


def _given_context(net: Network, sizes, acts, loss, mode) -> dict:
    """What the question sheet shows: only what is given. A user's network may give each layer its
    own bias (or none) and leaky-ReLU slope: the key reads them per layer (`b`, `alpha`)."""
    layers = []
    velocity = net.velocity or (None,) * len(net.layers)
    for l, (layer, v) in enumerate(zip(net.layers, velocity), start=1):
        printed = layer.activation.printed if isinstance(layer.activation, GivenElementwise) else None
        layers.append({"l": l, "m": sizes[l - 1], "n": sizes[l], "W": layer.linear.W, "b": layer.linear.b,
                       "act": acts[l - 1], "printed": printed, "alpha": getattr(layer.activation, "alpha", None),
                       "vW": None if v is None else v.W, "vb": None if v is None else v.b})
    alphas = [layer["alpha"] for layer in layers if layer["act"] == "leaky_relu"]
    return {
        "sizes": list(sizes), "count": len(net.layers), "layers": layers, "loss": loss,
        "bias": all(layer.linear.b is not None for layer in net.layers),
        "mode": mode, "x": net.x, "y": net.loss.y, "eta": net.learning_rate,
        "alpha": alphas[0] if alphas else LEAKY_ALPHA if mode != "calculator" else float(LEAKY_ALPHA),
        "leaky": "leaky_relu" in acts,
        "target": int(np.argmax(np.array(net.loss.y, dtype=float))) + 1,
        "printed_yhat": net.loss.printed if isinstance(net.loss, GivenSoftmaxCrossEntropy) else None,
        "decay": net.weight_decay, "momentum": net.momentum,  # Fractions as the options give them, or None
    }


def _solution_context(net: Network, sol: NetworkSolution, loss: str) -> dict:
    """The key's numbers, all read off the engine's solution and trace."""
    steps = {(s.gate if s.gate == "linear" else "act", s.layer): s for s in sol.steps}
    work = []
    updates = sol.update or (None,) * len(net.layers)  # no learning rate: no SGD step
    decayed = sol.decayed or (None,) * len(net.layers)
    velocity = sol.velocity or (None,) * len(net.layers)
    for l, (values, g, u, layer) in enumerate(zip(sol.forward, sol.gradients, updates, net.layers), start=1):
        d, v = decayed[l - 1], velocity[l - 1]
        act_step = steps[("act", l)]
        work.append({
            "l": l, "z": values.z, "a": values.a, "a_in": steps[("linear", l)].input,
            "WT": layer.linear.W.T, "deriv": np.diagonal(act_step.jacobian),
            "upstream": act_step.upstream, "dz": g.dz, "dW": g.dW, "db": g.db, "da_in": steps[("linear", l)].downstream,
            "newW": None if u is None else u.W, "newb": None if u is None else u.b,
            "decayed": d, "square": None if sol.weight_squares is None else sol.weight_squares[l - 1],
            "newvW": None if v is None else v.W, "newvb": None if v is None else v.b,
            # the gradient the step uses: of L' with weight decay (biases: ∂L/∂b), the velocity with momentum
            "stepW": g.dW if d is None and v is None else d if v is None else v.W, "stepb": g.db if v is None else v.b,
            # a ReLU input exactly at 0 (never drawn; a user's may be): the key names the convention
            "kink": layer.activation.name in ("relu", "leaky_relu") and any(v == 0 for v in values.z),
        })
    loss_step = sol.steps[-1]
    return {
        "work": work, "yhat": sol.yhat, "L": sol.loss, "loss_exact": isinstance(sol.loss, Fraction),
        "dx": sol.dx, "L_decayed": sol.decayed_loss,
        "residual": np.ravel(loss_step.jacobian) if loss == "half_sse" else None,
        "dL_dyhat": loss_step.downstream,
        "yhat_target": sol.yhat[int(np.argmax(np.array(net.loss.y, dtype=float)))],
    }


def _diagram(sizes, acts, loss, biases) -> str:
    """TikZ of the network's shape only, so every variant of one shape shares one compiled picture.
    biases: per layer, whether it has b."""
    return _shape_diagram(tuple(sizes), tuple(acts), loss, tuple(biases))


@lru_cache(maxsize=64)
def _shape_diagram(sizes: tuple, acts: tuple, loss: str, biases: tuple) -> str:
    """Rendered once per shape and process: a class (same_structure) has one shape per question."""
    return render("diagrams/mlp.tex", sizes=list(sizes), acts=list(acts), loss=loss, biases=list(biases))


def _notes(mode: str, loss: str, printed: bool) -> tuple[str, ...]:
    if mode == "float":
        return (FLOAT_NOTE, shown.NOTE)
    if mode == "calculator":
        return ("Inputs are printed with 2 decimals and every answer is computed from exactly these "
                "printed inputs, then rounded to 4 decimals.", shown.NOTE)
    if mode == "given" and printed:
        notes = ["The printed values (2 decimals) are taken as exact; every value is computed exactly from "
                 "them and rounded to 4 decimals only where it is printed.", shown.NOTE]
        if loss == "softmax_ce":
            notes.append("The loss is minus the logarithm of a printed value, rounded to 4 decimals.")
        return tuple(notes)
    return ()
