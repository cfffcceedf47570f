"""Each kind's chain of steps, read off the engine: the gates of the network or the nodes of the
expression graph, rebuilt from the manifest's parameters (no secret, no redraw). The steps are
derived from the engine's structure (gate by gate, node by node), never written per question.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from qgen.engine.expression import RULES, parse_expression, solve_expression
from qgen.engine.gates import (
    Elementwise, GivenElementwise, GivenSoftmaxCrossEntropy, HalfSquaredError, Linear, SoftmaxCrossEntropy, diag,
)
from qgen.engine.network import Layer, LayerUpdate, Network, solve_network
from qgen.grade import mistakes as M
from qgen.grade.chains_batch import batch_problem
from qgen.grade.chains_gradcheck import gradcheck_problem
from qgen.grade.chains_jacobian import softmax_problem as softmax_jacobian_problem
from qgen.grade.steps import Problem, Step, chain

LEAKY_ALPHA = Fraction(1, 10)  # the kinds' printed slope when the parameters name none


def problem_for(kind: str, parameters: dict, options: dict) -> Problem:
    return BUILDERS[kind](parameters, options)


def _numbers(values, exact: bool) -> np.ndarray:
    arr = np.array([_number(v) for v in np.ravel(np.array(values, dtype=object))], dtype=object)
    arr = arr.reshape(np.shape(np.array(values, dtype=object)))
    return arr if exact else arr.astype(float)


def _number(v):
    return Fraction(str(v))


# ---------------------------------------------------------------------------------------------
# mlp: the network's gates in order; backprop walks them in reverse.


def network_problem(params: dict, options: dict) -> Problem:
    return network_steps(network_from_params(params, options), bool(params.get("input_gradient")))


def network_from_params(params: dict, options: dict) -> Network:
    """The mlp question's network, gate by gate, from the manifest's parameters (printed values included)."""
    exact = options["mode"] != "calculator"
    num = (lambda v: Fraction(str(v))) if exact else (lambda v: float(Fraction(str(v))))
    alpha = num(params.get("alpha") or LEAKY_ALPHA)
    printed = params.get("printed") or {}
    layers = []
    for l, (W, b, act) in enumerate(zip(params["W"], params["b"], params["activations"]), start=1):
        linear = Linear(_numbers(W, exact), None if b is None else _numbers(b, exact))
        gate = (GivenElementwise(act, _numbers(printed[f"a{l}"], True)) if f"a{l}" in printed
                else Elementwise(act, alpha))
        layers.append(Layer(linear, gate))
    y = _numbers(params["y"], exact)
    if params["loss"] == "half_sse":
        loss = HalfSquaredError(y)
    elif "yhat" in printed:
        loss = GivenSoftmaxCrossEntropy(y, _numbers(printed["yhat"], True))
    else:
        loss = SoftmaxCrossEntropy(y)
    eta = params.get("learning_rate")
    decay, mu = params.get("weight_decay"), params.get("momentum")
    velocity = None if mu is None else tuple(
        LayerUpdate(_numbers(vW, exact), None if vb is None else _numbers(vb, exact))
        for vW, vb in zip(params["velocity_W"], params["velocity_b"]))
    return Network(_numbers(params["x"], exact), tuple(layers), loss, None if eta is None else num(eta),
                   None if decay is None else Fraction(str(decay)), None if mu is None else Fraction(str(mu)), velocity)


def network_steps(net: Network, input_gradient: bool = False) -> Problem:
    sol = solve_network(net)
    count, half_sse = len(net.layers), isinstance(net.loss, HalfSquaredError)
    one = net.x[0] * 0 + 1

    def a(l):  # the name of layer l's output (the input x for l = 0)
        return "x" if l == 0 else "yhat" if l == count and half_sse else f"a{l}"

    values = {"x": net.x, "yhat": sol.yhat, "L": sol.loss}
    steps = []
    for l, (layer, fwd) in enumerate(zip(net.layers, sol.forward), start=1):
        values[f"z{l}"], values[a(l)] = fwd.z, fwd.a
        steps.append(Step(f"z{l}", (a(l - 1),), layer.linear.forward, "linear",
                          _forward_mistakes(layer.linear, net.layers[l - 2], sol.forward[l - 2].z) if l > 1
                          else _forward_mistakes(layer.linear)))
        steps.append(Step(a(l), (f"z{l}",), layer.activation.forward, layer.activation.name,
                          () if layer.activation.name == "identity" else ((M.PRE_ACTIVATION, M.pre_activation()),)))
    loss = net.loss
    if half_sse:
        values["dL/dyhat"] = sol.steps[-1].downstream
        steps.append(Step("L", ("yhat",), loss.forward, loss.name, ((M.NO_HALF, M.no_half(loss.forward)),)))
        grad = lambda p: loss.vjp(p, one)  # noqa: E731
        steps.append(Step("dL/dyhat", ("yhat",), grad, loss.name,
                          ((M.NO_HALF, M.no_half(grad)), (M.SQUARED_SIGN, M.negated(grad)))))
    else:
        # ŷ from the last layer's output; L and δ from the student's own ŷ (the printed one in given mode)
        steps.append(Step("yhat", (a(count),), loss.probabilities, loss.name))
        steps.append(Step("L", ("yhat",), lambda p: GivenSoftmaxCrossEntropy(loss.y, p).forward(None), loss.name))
        steps.append(Step(f"delta{count}", ("yhat",), lambda p: GivenSoftmaxCrossEntropy(loss.y, p).vjp(None, one),
                          loss.name, ((M.SOFTMAX_SIGN, M.softmax_sign(loss.y)),)))
    for l in range(count, 0, -1):
        layer, g = net.layers[l - 1], sol.gradients[l - 1]
        values[f"delta{l}"], values[f"dL/dW{l}"] = g.dz, g.dW
        upstream = "dL/dyhat" if l == count else f"dL/da{l}"
        if l < count or half_sse:
            steps.append(Step(f"delta{l}", (f"z{l}", upstream), layer.activation.vjp, layer.activation.name,
                              M.activation_mistakes(layer.activation)))
        used_z = (((M.PRE_ACTIVATION, _weight_gradient_at(layer.linear, sol.forward[l - 2].z)),)
                  if l > 1 and net.layers[l - 2].activation.name != "identity" else ())
        steps.append(Step(f"dL/dW{l}", (f"delta{l}", a(l - 1)), _weight_gradient(layer.linear), "linear",
                          ((M.TRANSPOSED, M.transposed(layer.linear)),) + used_z))
        if layer.linear.b is not None:
            values[f"dL/db{l}"] = g.db
            steps.append(Step(f"dL/db{l}", (f"delta{l}",), _copy, "linear", ((M.BIAS_AXIS, M.bias_axis()),)))
        if l > 1:
            values[f"dL/da{l - 1}"] = sol.gradients[l - 2].da
            steps.append(Step(f"dL/da{l - 1}", (f"delta{l}",), _input_gradient(layer.linear), "linear"))
    if input_gradient:  # ∂L/∂x = W¹ᵀ δ¹, the linear gate's input gradient
        values["dL/dx"] = sol.dx
        steps.append(Step("dL/dx", ("delta1",), _input_gradient(net.layers[0].linear), "linear"))
    steps += _training_steps(net, sol, values)
    return Problem(net.exact, values, chain(*steps))


def _training_steps(net: Network, sol, values: dict) -> list[Step]:
    """Weight decay (L' from L, ∂L'/∂W from ∂L/∂W), momentum (the new velocity from the gradient
    stepped) and the step (the parameter from the gradient, or from the new velocity)."""
    steps = []
    arith = (lambda v: v) if net.exact else float
    if sol.decayed is not None:
        lam = arith(net.weight_decay)
        squares = sum(np.sum(layer.linear.W * layer.linear.W) for layer in net.layers)
        values["L'"] = sol.decayed_loss
        steps.append(Step("L'", ("L",), lambda loss: loss + lam / 2 * squares, "weight decay"))
        for l, (layer, d) in enumerate(zip(net.layers, sol.decayed), start=1):
            values[f"dL'/dW{l}"] = d
            steps.append(Step(f"dL'/dW{l}", (f"dL/dW{l}",), lambda g, W=layer.linear.W: g + lam * W, "weight decay"))
    for l, (layer, update) in enumerate(zip(net.layers, sol.update or ()), start=1):
        eta = net.learning_rate
        grads = {"W": f"dL'/dW{l}" if sol.decayed is not None else f"dL/dW{l}", "b": f"dL/db{l}"}
        for p, param, new in (("W", layer.linear.W, update.W), ("b", layer.linear.b, update.b)):
            if param is None:
                continue
            stepped, gate = grads[p], "weight decay" if p == "W" and sol.decayed is not None else "sgd"
            if sol.velocity is not None:
                mu, v = arith(net.momentum), getattr(net.velocity[l - 1], p)
                values[f"velocity {p}{l}"] = getattr(sol.velocity[l - 1], p)
                steps.append(Step(f"velocity {p}{l}", (stepped,), lambda g, v=v, mu=mu: mu * v + g, "momentum"))
                stepped, gate = f"velocity {p}{l}", "momentum"
            values[f"updated {p}{l}"] = new
            steps.append(Step(f"updated {p}{l}", (stepped,), _sgd(param, eta), gate,
                              ((M.SGD_SIGN, M.sgd_sign(param, eta)),)))
    return steps


def _forward_mistakes(linear, previous=None, previous_z=None) -> tuple:
    """z = Wa + b computed wrongly: without b; from the layer below's z instead of its a (the key's z)."""
    out = [(M.NO_BIAS, M.no_bias(linear))] if linear.b is not None else []
    if previous is not None and previous.activation.name != "identity":
        out.append((M.PRE_ACTIVATION, lambda a: linear.forward(previous_z)))
    return tuple(out)


def _weight_gradient_at(linear, z):
    """∂L/∂W = δ zᵀ: the layer's input taken before the activation below (the key's z)."""
    return lambda delta, x: linear.param_grads(z, delta)["W"]


def _weight_gradient(linear):
    return lambda delta, x: linear.param_grads(x, delta)["W"]


def _input_gradient(linear):
    return lambda delta: linear.vjp(None, delta)


def _copy(delta):
    return np.array(delta, copy=True)


def _sgd(param, eta):
    return lambda grad: param - eta * grad


# ---------------------------------------------------------------------------------------------
# graph: a node's value from its inputs' values (its forward rule); a node's gradient from the
# gradients of the nodes that use it and their local partials (the chain rule, node by node).

ACTIVATION_OPS = ("relu", "sigmoid", "tanh")


def graph_problem(params: dict, options: dict) -> Problem:
    graph = parse_expression(params["expression"])
    sol = solve_expression(graph, {k: Fraction(str(v)) for k, v in params["values"].items()})
    values, steps = {}, []
    consumers: dict[str, list[tuple[object, int]]] = {}
    for node, trace in zip(graph.nodes, sol.nodes):
        values[node.id], values[f"df/d{node.id}"] = trace.value, trace.grad
        for position, input_id in enumerate(node.inputs):
            consumers.setdefault(input_id, []).append((node, position))
        if node.op not in ("input", "const"):
            steps.append(Step(node.id, node.inputs, _forward(node), node.op))
    for node in graph.nodes:
        if node.op == "const" or node.id == graph.output:
            continue
        uses = consumers.get(node.id, [])
        inputs = tuple(dict.fromkeys(name for c, _ in uses for name in (f"df/d{c.id}", c.id, *c.inputs)))
        ops = {c.op for c, _ in uses}
        mistakes = [(name, _gradient(uses, inputs, partials)) for name, partials, affected in _MISTAKEN_PARTIALS
                    if ops & affected]
        steps.append(Step(f"df/d{node.id}", inputs, _gradient(uses, inputs, _partials), "chain rule", tuple(mistakes)))
    return Problem(sol.exact, values, chain(*steps))


def _forward(node):
    extra = [node.exponent] if node.op == "pow" else []
    return lambda *args: RULES[node.op][0](*args, *extra)


def _partials(node, args, y):
    extra = [node.exponent] if node.op == "pow" else []
    return RULES[node.op][1](*args, *extra, y)


def _gradient(uses, inputs, partials):
    """∂f/∂node = Σ over the nodes c that use it: ∂f/∂c · ∂c/∂node (c's local partial at its inputs)."""
    def rule(*args):
        value = dict(zip(inputs, args))
        total = 0
        for c, position in uses:
            local = partials(c, [value[i] for i in c.inputs], value[c.id])[position]
            total = total + value[f"df/d{c.id}"] * local
        return total
    return rule


def _mistaken(op_rule):
    def partials(node, args, y):
        return op_rule(node, args, y) if node.op in ACTIVATION_OPS else _partials(node, args, y)
    return partials


_MISTAKEN_PARTIALS = (  # the most specific first: at z = 0, ReLU′ = 1 and "no derivative" agree
    (M.RELU_KINK, _mistaken(lambda node, args, y: (1 if args[0] >= 0 else 0,) if node.op == "relu"
                            else _partials(node, args, y)), {"relu"}),
    (M.NO_DERIVATIVE, _mistaken(lambda node, args, y: (1,)), set(ACTIVATION_OPS)),
    (M.F_FOR_F_PRIME, _mistaken(lambda node, args, y: (y,)), set(ACTIVATION_OPS)),
)


# ---------------------------------------------------------------------------------------------
# softmax-ce: L and ∂L/∂z from the student's ŷ (the softmax + cross-entropy row).


def softmax_problem(params: dict, options: dict) -> Problem:
    exact = options["mode"] != "calculator"
    n, target = int(params["classes"]), int(params["target"]) - 1
    y = _numbers([int(k == target) for k in range(n)], exact)
    if params["mode"] == "exact":
        yhat = _numbers([Fraction(c, sum(params["counts"])) for c in params["counts"]], True)
        values, steps = {"y": y, "yhat": yhat}, []
    else:
        z = _numbers(params["logits"], exact)
        gate = (GivenSoftmaxCrossEntropy(y, _numbers(params["printed_yhat"], True)) if "printed_yhat" in params
                else SoftmaxCrossEntropy(y))
        values, steps = {"y": y, "z": z, "yhat": gate.probabilities(z)}, [Step("yhat", ("z",), gate.probabilities, "softmax")]
    return Problem(exact, values, chain(*steps, *_softmax_steps(y, "dL/dz")))


def _softmax_steps(y, delta_name: str) -> list[Step]:
    one = y[0] * 0 + 1
    return [Step("L", ("yhat",), lambda p: GivenSoftmaxCrossEntropy(y, p).forward(None), "softmax_ce"),
            Step(delta_name, ("yhat",), lambda p: GivenSoftmaxCrossEntropy(y, p).vjp(None, one), "softmax_ce",
                 ((M.SOFTMAX_SIGN, M.softmax_sign(y)),))]


# ---------------------------------------------------------------------------------------------
# gates and jacobian: one gate (or g∘f); later answers from the student's own Jacobian or factors.


def _activation(params: dict, exact: bool, printed_key: str = "printed"):
    printed = params.get(printed_key)
    if printed is not None:
        return GivenElementwise(params["activation"], _numbers(printed, True))
    alpha = Fraction(str(params.get("alpha") or LEAKY_ALPHA))
    return Elementwise(params["activation"], alpha if exact else float(alpha))


def gates_problem(params: dict, options: dict) -> Problem:
    exact = options["mode"] != "calculator"
    given = {k: _numbers(params[k], exact) for k in ("W", "b", "x", "delta", "y", "z", "yhat")
             if params.get(k) is not None}
    gate = params["gate"]
    steps = []
    if gate == "linear":
        linear = Linear(given["W"], given.get("b"))
        steps = [Step("dL/dW", ("delta", "x"), _weight_gradient(linear), "linear", ((M.TRANSPOSED, M.transposed(linear)),)),
                 Step("dL/db", ("delta",), _copy, "linear", ((M.BIAS_AXIS, M.bias_axis()),)),
                 Step("dL/dx", ("dz/dx", "delta"), lambda J, d: Linear(J).vjp(None, d), "linear")]
    elif gate == "elementwise":
        act = _activation(params, exact)
        steps = [Step("f'(x)", ("x",), act.derivative, act.name, M.derivative_mistakes(act)),
                 Step("dz/dx", ("f'(x)",), diag, act.name),
                 Step("dL/dx", ("x", "f'(x)", "delta"), lambda x, d, g: d * g, act.name,
                      tuple((name, _drop_derivative(rule)) for name, rule in M.activation_mistakes(act)))]
    elif gate == "softmax_ce":
        if "yhat" not in given:
            gate_ce = SoftmaxCrossEntropy(given["y"])
            given["yhat"] = gate_ce.probabilities(given["z"])
            steps.append(Step("yhat", ("z",), gate_ce.probabilities, "softmax"))
        steps += _softmax_steps(given["y"], "dL/dz")
    return Problem(exact, given, chain(*steps))


def _drop_derivative(rule):
    """A mistaken δ = f′ ⊙ g rule on (z, g), as a rule on the step's (x, f′(x), δ)."""
    return lambda x, d, g: rule(x, g)


def jacobian_problem(params: dict, options: dict) -> Problem:
    exact = options["mode"] != "calculator"
    form = params["form"]
    given = {k: _numbers(params[k], exact) for k in ("W", "b", "x", "w", "V", "c") if params.get(k) is not None}
    steps = []
    if form == "elementwise":
        act = _activation(params, exact)
        steps = [Step("dz/dx", ("x",), lambda x: diag(act.derivative(x)), act.name,
                      tuple((name, lambda x, r=rule: diag(r(x))) for name, rule in M.derivative_mistakes(act)))]
    elif form == "composition":
        g_linear = Linear(given["V"], given.get("c"))
        g_act = _activation(params, exact, "printed_g")
        steps = [Step("g", ("f",), lambda f: g_act.forward(g_linear.forward(f)), g_act.name),
                 Step("dg/df", ("f",), lambda f: diag(g_act.derivative(g_linear.forward(f))) @ g_linear.W, "chain rule"),
                 Step("dg/dx", ("dg/df", "df/dx"), lambda G, F: G @ F, "chain rule")]
    elif form in ("softmax", "softmax_ce"):  # qgen/kinds/jacobian_softmax.py
        return softmax_jacobian_problem(params, options)
    elif form == "general_chain":  # qgen/kinds/jacobian_general.py: the product of the student's factors
        steps = [Step("dg/dx", ("dg/df", "df/dx"), lambda G, F: G @ F, "chain rule")]
    return Problem(exact, given, chain(*steps))


def no_steps(params: dict, options: dict) -> Problem:
    return Problem(True, {})


BUILDERS = {"mlp": network_problem, "graph": graph_problem, "softmax-ce": softmax_problem,
            "gates": gates_problem, "jacobian": jacobian_problem, "shapes": no_steps, "batch": batch_problem,
            "gradcheck": gradcheck_problem, "concepts": no_steps}
