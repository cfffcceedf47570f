"""The expression TEXT of a `graph` question, drawn with the given Generator only: a classic
cs231n circuit with random operators and constants, or a random tree of a given size.

The text is all this module makes; qgen.engine.expression parses it into the graph (the single
source of truth for ids and sharing), and qgen.kinds.graph checks the result (size, sharing,
depth) and redraws when a rule is broken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VARIABLES = ("x", "y", "z", "w", "v")


@dataclass(frozen=True)
class Classic:
    """A well-known circuit: its operation count, whether a node is used twice, the modes it
    suits, and a maker that draws its operators and constants."""

    name: str
    ops: int
    shared: bool
    modes: tuple[str, ...]
    make: object  # (rng, mode) -> text


def _pick(rng, items):
    return items[int(rng.integers(len(items)))]


def _squash(rng, mode):  # the neuron's activation
    return "relu" if mode == "exact" else _pick(rng, ["sigmoid", "tanh"])


CLASSICS = (
    Classic("sum-product", 2, False, ("exact", "calculator"),
            lambda rng, mode: f"(x {_pick(rng, '+-')} y) * z"),
    Classic("square", 3, False, ("exact", "calculator"),
            lambda rng, mode: f"(x * y {_pick(rng, '+-')} z) ** 2"),
    Classic("reuse", 3, True, ("exact", "calculator"),
            lambda rng, mode: f"x * y {_pick(rng, '+-')} {_pick(rng, ['max', 'min'])}(x, z)"),
    Classic("circuit", 4, False, ("exact", "calculator"),  # cs231n: 2 * (x*y + max(z, w))
            lambda rng, mode: f"{_pick(rng, [2, 3, -2])} * (x * y + {_pick(rng, ['max', 'min'])}(z, w))"),
    Classic("neuron", 5, False, ("exact", "given", "calculator"),  # cs231n: sigmoid(w0*x0 + w1*x1 + w2)
            lambda rng, mode: f"{_squash(rng, mode)}(w0 * x0 + w1 * x1 + w2)"),
    Classic("staged", 7, True, ("given", "calculator"),  # cs231n's staged computation
            lambda rng, mode: "(x + sigmoid(y)) / (sigmoid(x) + (x + y) ** 2)"),
    Classic("staged", 7, True, ("exact",),  # the same shape with rational gates
            lambda rng, mode: f"(x + relu(y)) * ({_pick(rng, ['max', 'min'])}(x, z) - (x + y) ** 2)"),
)


def classics(options: dict, low: int, high: int) -> list[Classic]:
    shared = options["shared"]
    return [c for c in CLASSICS if options["mode"] in c.modes and low <= c.ops <= high
            and (shared == "any" or c.shared == (shared == "yes"))]


def draw_text(rng: np.random.Generator, options: dict) -> tuple[str, str]:
    """(expression text, the shape it came from) for options without a fixed expression."""
    low, high = options["operations"]
    fitting = classics(options, low, high)
    # with shape=any, a classic now and then: more often when several fit (one fixed shape would dominate)
    if fitting and (options["shape"] == "classic" or (options["shape"] == "any" and rng.random() < min(0.5, 0.15 * len(fitting)))):
        classic = _pick(rng, fitting)
        return classic.make(rng, options["mode"]), classic.name
    n_ops = int(rng.integers(low, high + 1))
    return random_text(rng, n_ops, options["mode"], options["shared"]), "random"


@dataclass(frozen=True)
class _Sub:
    """A drawn subexpression: its text (parenthesised) and what the generator needs to know."""

    text: str
    depth: int = 0
    plain: bool = True  # integer at integer inputs: no division and no function inside
    has_function: bool = False
    top: str = "input"


SYMBOL = {"add": "+", "sub": "-", "mul": "*"}
BINARY = {"add": 3, "sub": 2, "mul": 3, "max": 1.5, "min": 1}
UNARY = {"scale": 2, "shift": 2, "div": 1, "square": 1.5, "cube": 0.3, "relu": 1.5, "neg": 0.6}
FLOAT_UNARY = {"exp": 1, "sigmoid": 1.5, "tanh": 1}


def _weighted(rng, weights: dict) -> str:
    names = list(weights)
    p = np.array([weights[n] for n in names], dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _binary(rng, a: _Sub, b: _Sub) -> _Sub:
    weights = dict(BINARY)
    if a.top != "input" and b.top != "input":
        del weights["max"], weights["min"]  # the losing side, a whole computed branch, would be dead
    op = _weighted(rng, weights)
    if a.text == b.text and op in ("sub", "max", "min"):
        op = "mul"  # x - x, max(x, x): degenerate
    text = f"{op}({a.text}, {b.text})" if op in ("max", "min") else f"({a.text} {SYMBOL[op]} {b.text})"
    return _Sub(text, 1 + max(a.depth, b.depth), a.plain and b.plain, a.has_function or b.has_function, op)


def _unary(rng, a: _Sub, mode: str, function: bool = False, divide: bool = True) -> _Sub:
    """One more operation on `a`: a function when `function`; no division unless `divide`
    (given mode keeps the pool integer until its function is placed, so it has an argument)."""
    weights = {} if function else dict(UNARY)
    if not divide:
        weights.pop("div", None)
    if mode != "exact" and not a.has_function and (a.plain or mode == "calculator"):
        weights.update(FLOAT_UNARY)
    weights.pop(a.top, None)  # relu(relu(u)), -(-u), (u + 2) - 1, (u²)² teach nothing
    weights.pop({"scale": "div", "div": "scale"}.get(a.top, ""), None)  # nor -3u / 3
    if a.top in ("square", "exp", "sigmoid"):
        weights.pop("relu", None)  # never negative: the ReLU would do nothing
    if a.top != "input":
        weights.pop("cube", None)  # cubes of computed values get large
    if not weights:
        weights = dict(UNARY)
    kind = _weighted(rng, weights)
    plain, has_function = a.plain, a.has_function
    if kind == "scale":
        text = f"({_pick(rng, [2, 3, -2, -3])} * {a.text})"
    elif kind == "shift":
        text = f"({a.text} {_pick(rng, '+-')} {_pick(rng, [1, 2, 3])})"
    elif kind == "div":
        text, plain = f"({a.text} / {_pick(rng, [2, 3, 4])})", False
    elif kind in ("square", "cube"):
        text = f"({a.text} ** {2 if kind == 'square' else 3})"
    elif kind == "neg":
        text = f"(-{a.text})"
    else:
        text, plain, has_function = f"{kind}({a.text})", kind == "relu" and plain, has_function or kind != "relu"
    return _Sub(text, a.depth + 1, plain, has_function, kind)


def _shallow(rng, pool: list[_Sub], k: int) -> list[int]:
    """k distinct members, shallow ones much preferred: balanced trees keep the picture narrow."""
    weights = np.array([1 / (1 + s.depth) ** 3 for s in pool])
    return [int(i) for i in rng.choice(len(pool), size=k, replace=False, p=weights / weights.sum())]


def random_text(rng: np.random.Generator, n_ops: int, mode: str, shared: str) -> str:
    """A random tree of n_ops operations over a few variables, built bottom-up from a pool of
    subexpressions: joins (binary ops) shrink the pool, unary ops grow a member, and a reuse
    combines a member with something already used (a shared node). The pool ends as one tree."""
    pending = {"reuse": shared == "yes", "function": mode == "given"}
    most = min(n_ops + 1 - sum(pending.values()), 2 + n_ops // 3, len(VARIABLES))
    n_vars = int(rng.integers(max(2, most - 1), most + 1)) if most >= 2 else 1
    pool = [_Sub(name) for name in VARIABLES[:n_vars]]
    used: list[_Sub] = []
    for remaining in range(n_ops, 0, -1):
        free = remaining - (len(pool) - 1)  # operations not needed to join the pool
        forced = free == sum(pending.values()) and free > 0  # the pending ones must come now
        reuse_ok = shared != "no" and bool(used)
        # a join leaves `free` as it is, so it is also the way to wait for something to reuse
        wait = forced and pending["reuse"] and not reuse_ok and len(pool) > 1
        # joins are spread evenly over the draw, so no long tail of operations piles on one member
        if free <= 0 or wait or (not forced and rng.random() < (len(pool) - 1) / remaining):
            i, j = _shallow(rng, pool, 2)
            a, b = pool[i], pool[j]
            pool = [s for k, s in enumerate(pool) if k not in (i, j)] + [_binary(rng, a, b)]
            used += [a, b]
            continue
        (i,) = _shallow(rng, pool, 1)
        a = pool[i]
        others = [u for u in used if u.text != a.text]
        if others and ((forced and pending["reuse"]) or (not forced and reuse_ok and rng.random() < 0.3)):
            leaves = [u for u in others if u.top == "input"]
            inner = [u for u in others if u.top != "input"]
            r = _pick(rng, leaves if leaves and (not inner or rng.random() < 0.7) else inner)
            pool[i] = _binary(rng, a, r) if rng.random() < 0.5 else _binary(rng, r, a)
            pending["reuse"] = False
        else:
            function = forced and pending["function"]
            if function and not a.plain:
                i = next((k for k, s in enumerate(pool) if s.plain), i)
                a = pool[i]
            pool[i] = _unary(rng, a, mode, function, divide=not pending["function"])
            pending["function"] = pending["function"] and pool[i].top not in FLOAT_UNARY
        used.append(a)
    return pool[0].text
