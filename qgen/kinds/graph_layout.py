"""Where each part of a `graph` question's picture goes: columns by depth (the longest path
from the inputs), an order within each column that keeps crossings few (barycentre sweeps), rows
as close to the neighbours as the gaps allow, and bend points so that an edge spanning several
columns never runs through a node. Structure only: no value is ever read, so every variant of one
expression gets the same picture. templates/diagrams/graph.tex draws the result.
"""

from __future__ import annotations

from statistics import mean

from qgen.engine.expression import Graph


COLUMN = 2.0  # cm between columns
ROW = 1.25  # cm between two operation nodes of a column
SIZE = {"var": 1.0, "op": 1.0, "const": 0.7, "bend": 0.4}  # vertical room, in rows
FOLDABLE = {"add": (0, 1), "mul": (0, 1), "sub": (1,), "div": (1,)}  # op -> slots a constant folds from
PAGE_WIDTH, PAGE_HEIGHT = 16.5, 11.0  # cm the included picture may take


def _folded(graph: Graph, node) -> int | None:
    """The slot of a constant shown inside the op's label (×2, +3, ÷2), if there is one."""
    consts = [s for s, i in enumerate(node.inputs) if graph.node(i).op == "const"]
    if len(consts) == 1 and len(node.inputs) == 2 and consts[0] in FOLDABLE.get(node.op, ()):
        return consts[0]
    return None


def layout(graph: Graph, variables: tuple[str, ...], ref) -> dict:
    """Where every part of the picture goes. `variables`: the inputs in reading order; `ref(id)`:
    how the templates name a node."""
    column: dict[str, int] = {}
    items: dict[str, dict] = {}  # drawn thing -> {kind, column, ...}
    edges = []
    for name in variables:
        column[name] = 0
        items[name] = {"kind": "var", "column": 0, "ref": ref(name)}
    for node in graph.nodes:
        if node.op in ("input", "const"):
            continue
        fold = _folded(graph, node)
        sources = [i for s, i in enumerate(node.inputs) if graph.node(i).op != "const"]
        column[node.id] = 1 + max((column[i] for i in sources), default=0)
        items[node.id] = {"kind": "op", "column": column[node.id], "op": node.op, "exponent": node.exponent,
                          "ref": ref(node.id),
                          "constant": None if fold is None else graph.node(node.inputs[fold]).constant}
        twins = len(node.inputs) == 2 and node.inputs[0] == node.inputs[1]
        for slot, i in enumerate(node.inputs):
            if slot == fold:
                continue
            # which operand is which, where the order matters: + and − for a − b, num and den for a / b
            mark = ("+-" if node.op == "sub" else "nd")[slot] if node.op in ("sub", "div") and fold is None else None
            if graph.node(i).op == "const":  # a constant leaf of its own, just left of its consumer
                leaf = f"k{node.id}s{slot}"
                items[leaf] = {"kind": "const", "column": column[node.id] - 1, "value": graph.node(i).constant}
                path = [leaf]
            else:
                path = [i]
                for c in range(column[i] + 1, column[node.id]):
                    bend = f"b{node.id}s{slot}c{c}"
                    items[bend] = {"kind": "bend", "column": c}
                    path.append(bend)
            edges.append({"path": path + [node.id], "mark": mark or "", "side": "", "anchor": None,
                          "bend": (15 if slot == 0 else -15) if twins and len(path) == 1 else 0})

    links: dict[str, set[str]] = {name: set() for name in items}
    for edge in edges:
        for a, b in zip(edge["path"], edge["path"][1:]):
            links[a].add(b)
            links[b].add(a)
    columns = max(item["column"] for item in items.values()) + 1
    layers = [[name for name, item in items.items() if item["column"] == c] for c in range(columns)]
    y = _rows_by_barycentre(layers, links, {name: SIZE[item["kind"]] for name, item in items.items()})

    for edge in edges:  # of the two operands of a − b or a / b, the one arriving higher is marked above
        if edge["mark"]:
            pair = [e for e in edges if e["path"][-1] == edge["path"][-1]]
            arrival = [(y[e["path"][-2]], e["mark"] not in "+n") for e in pair]
            edge["side"] = "above" if (y[edge["path"][-2]], edge["mark"] not in "+n") == min(arrival) else "below"
            edge["anchor"] = 160 if edge["side"] == "above" else 200  # apart, so the marks do not meet
    nodes = [{"name": name, **item, "x": round(item["column"] * COLUMN, 3), "y": round(-y[name] * ROW, 3)}
             for name, item in items.items()]
    top, low = max(n["y"] for n in nodes), min(n["y"] for n in nodes)
    width, height = (columns - 1) * COLUMN + 2.6, top - low + 1.4
    return {"nodes": nodes, "edges": edges, "output": graph.output, "columns": columns - 1,
            "scale": round(min(1.0, PAGE_WIDTH / width, PAGE_HEIGHT / height), 3)}


def _rows_by_barycentre(layers: list[list[str]], links: dict, size: dict) -> dict[str, float]:
    """Vertical positions (in rows, downwards). First an order per column that keeps crossings
    few (barycentre sweeps), then positions as close to the neighbours' mean as the gaps allow."""
    position = {}
    for layer in layers:
        position.update({name: k - (len(layer) - 1) / 2 for k, name in enumerate(layer)})
    sweep = list(range(1, len(layers))) + list(range(len(layers) - 2, -1, -1))
    for _ in range(4):
        for c in sweep:
            layer = layers[c]
            layer.sort(key=lambda n: mean(position[m] for m in links[n]) if links[n] else position[n])
            position.update({name: k - (len(layer) - 1) / 2 for k, name in enumerate(layer)})
    y = _stack(layers, size)
    for _ in range(6):
        for c in sweep:
            wanted = {n: mean(y[m] for m in links[n]) if links[n] else y[n] for n in layers[c]}
            y.update(_place(layers[c], wanted, size))
    return y


def _stack(layers, size) -> dict[str, float]:
    y = {}
    for layer in layers:
        offsets = _offsets(layer, size)
        middle = (offsets[-1] if offsets else 0) / 2
        y.update({n: off - middle for n, off in zip(layer, offsets)})
    return y


def _offsets(layer, size) -> list[float]:
    offsets, acc = [], 0.0
    for k, name in enumerate(layer):
        if k:
            acc += (size[layer[k - 1]] + size[name]) / 2
        offsets.append(acc)
    return offsets


def _place(layer: list[str], wanted: dict, size: dict) -> dict[str, float]:
    """Positions in this order, with the minimum gaps, closest to `wanted` in least squares:
    shift out the gaps, fit a non-decreasing sequence (pool adjacent violators), shift back."""
    offsets = _offsets(layer, size)
    blocks: list[list[float]] = []  # [sum, count]
    for name, off in zip(layer, offsets):
        blocks.append([wanted[name] - off, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    fitted = [total / count for total, count in blocks for _ in range(count)]
    return {name: f + off for name, f, off in zip(layer, fitted, offsets)}
