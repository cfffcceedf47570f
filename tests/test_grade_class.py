"""A simulated class of 200 (issue 14, "Done when"): honest students, the named mistakes of the
README table, slips carried through (follow-through), blanks, decimals and copied scripts. Every
mark equals an independent re-marking written here from the rules and the keys (the network's
rules in plain Fractions, the acceptance rule, follow-through from the student's own inputs and the
guard), never from qgen's marking code; the copies are flagged; the named mistakes are named."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from gradebuild import make_build, read_table
from qgen.grade.run import grade

STUDENTS = 200
CONFIG = """
[exam]
title = "Simulated class"
course = "CS 101"
date = "2026-03-14"
duration = 60

[[questions]]
kind = "mlp"
points = 12
[questions.options]
sizes = "2-3-2"
activation = "relu"

[[questions]]
kind = "softmax-ce"
points = 3
mode = "given"
"""
MISTAKES = ("transposed", "sgd", "no-derivative", "f-for-f'", "no-half-L", "no-half-grad", "bias-axis",
            "squared-sign", "no-bias", "pre-activation", "softmax-sign")
SLIPS = ("z1", "a1", "dL/dyhat", "dL/da1", "delta1")


# --- the network's rules, written again in plain Fractions (vectors as lists, matrices row-major) --


def matvec(W, v):
    return [sum((w * t for w, t in zip(row, v)), Fraction(0)) for row in W]


def outer(u, v):
    return [[a * b for b in v] for a in u]


def flat(v):
    return [t for row in v for t in row] if v and isinstance(v[0], list) else list(v)


class Net:
    def __init__(self, p):
        num = lambda t: Fraction(str(t))  # noqa: E731
        self.x = [num(t) for t in p["x"]]
        self.W = [[[num(t) for t in row] for row in W] for W in p["W"]]
        self.b = [[num(t) for t in b] for b in p["b"]]
        self.y = [num(t) for t in p["y"]]
        self.eta = num(p["learning_rate"])
        assert p["activations"] == ["relu", "identity"] and p["loss"] == "half_sse" and not p["printed"]

    def steps(self):
        """name -> (inputs, rule, gate): the chain of the lecture note's gate table."""
        W1, W2, b1, b2, y, eta = self.W[0], self.W[1], self.b[0], self.b[1], self.y, self.eta
        relu_prime = lambda z: [Fraction(int(t > 0)) for t in z]  # noqa: E731
        return {
            "z1": (("x",), lambda x: [s + c for s, c in zip(matvec(W1, x), b1)], "linear"),
            "a1": (("z1",), lambda z: [max(t, Fraction(0)) for t in z], "relu"),
            "z2": (("a1",), lambda a: [s + c for s, c in zip(matvec(W2, a), b2)], "linear"),
            "yhat": (("z2",), lambda z: list(z), "identity"),
            "L": (("yhat",), lambda h: [sum(((t - u) ** 2 for t, u in zip(h, y)), Fraction(0)) / 2], "loss"),
            "dL/dyhat": (("yhat",), lambda h: [t - u for t, u in zip(h, y)], "loss"),
            "delta2": (("z2", "dL/dyhat"), lambda z, g: list(g), "identity"),
            "dL/dW2": (("delta2", "a1"), lambda d, a: flat(outer(d, a)), "linear"),
            "dL/db2": (("delta2",), lambda d: list(d), "linear"),
            "dL/da1": (("delta2",), lambda d: [sum(W2[i][j] * d[i] for i in range(len(d))) for j in range(len(W2[0]))],
                       "linear"),
            "delta1": (("z1", "dL/da1"), lambda z, g: [m * t for m, t in zip(relu_prime(z), g)], "relu"),
            "dL/dW1": (("delta1", "x"), lambda d, x: flat(outer(d, x)), "linear"),
            "dL/db1": (("delta1",), lambda d: list(d), "linear"),
            "updated W1": (("dL/dW1",), lambda g: [w - eta * t for w, t in zip(flat(W1), g)], "sgd"),
            "updated b1": (("dL/db1",), lambda g: [w - eta * t for w, t in zip(b1, g)], "sgd"),
            "updated W2": (("dL/dW2",), lambda g: [w - eta * t for w, t in zip(flat(W2), g)], "sgd"),
            "updated b2": (("dL/db2",), lambda g: [w - eta * t for w, t in zip(b2, g)], "sgd"),
        }

    def chain(self, fixed=None):
        """Every value in order; `fixed` ones as given, the others by the rules from those before."""
        fixed = fixed or {}
        values = {"x": self.x}
        for name, (inputs, rule, _) in self.steps().items():
            values[name] = fixed[name] if name in fixed else rule(*[values[i] for i in inputs])
        return values


# --- the independent re-marking ------------------------------------------------------------------


def accept(v, key, atol, rtol):
    return abs(v - key) <= atol + rtol * abs(key)


def read(text):
    text = text.strip().replace("\u2212", "-")
    return None if not text else Fraction(text)


def remark(row, typed, fraction):
    """Points per entry (column -> Fraction) by the rules: correct against the key; else
    follow-through when the step recomputed from the student's own (changed) inputs gives their
    value, unless the guard applies; else 0."""
    q = f"q{row['question']}."
    answers = {a["name"]: a for a in row["answers"]}
    shares = [Fraction(str(p)) for p in row["part_points"]]
    keys, atols, rtols = {}, {}, {}
    for a in row["answers"]:
        keys[a["name"]] = [Fraction(e["exact"]) if e["exact"] is not None else Fraction(repr(float(e["decimal"])))
                           for e in a["entries"]]
        atols[a["name"]] = [Fraction(repr(float(e["atol"]))) for e in a["entries"]]
        rtols[a["name"]] = [Fraction(repr(float(e["rtol"]))) for e in a["entries"]]
    own = {}
    for name, a in answers.items():
        values = [read(typed[q + e["name"]]) for e in a["entries"]]
        own[name] = None if any(v is None for v in values) else values
    steps = Net(row["parameters"]).steps() if row["kind"] == "mlp" else {}
    given = {"x": Net(row["parameters"]).x} if row["kind"] == "mlp" else {}
    out = {}
    for share, (name, a) in zip(shares, answers.items()):
        each = share / len(a["entries"])
        recomputed, refused = None, False
        if name in steps:
            inputs, rule, gate = steps[name]
            mine = [own.get(i) if i in answers else given[i] for i in inputs]
            key_in = [keys[i] if i in answers else given[i] for i in inputs]
            if all(m is not None for m in mine) and mine != key_in:
                recomputed = rule(*mine)
                refused = guard(gate, mine, key_in, recomputed, keys[name], inputs)
        for k, e in enumerate(a["entries"]):
            v = read(typed[q + e["name"]])
            if v is None:
                out[q + e["name"]] = Fraction(0)
            elif accept(v, keys[name][k], atols[name][k], rtols[name][k]):
                out[q + e["name"]] = each
            elif recomputed is not None and not refused and accept(v, recomputed[k], atols[name][k], rtols[name][k]):
                out[q + e["name"]] = each * fraction
            else:
                out[q + e["name"]] = Fraction(0)
    return out


def guard(gate, mine, key_in, output, key_output, inputs):
    """README: refused when an all-zero input of theirs (not the key's) makes the output all zero
    (not the key's), or their z makes a ReLU pass everything (all z > 0; not the key's z)."""
    zero = lambda v: not any(v)  # noqa: E731
    if zero(output) and not zero(key_output) and any(zero(m) and not zero(k) for m, k in zip(mine, key_in)):
        return True
    if gate == "relu":
        z, key_z = mine[inputs.index("z1")], key_in[inputs.index("z1")]
        return all(t > 0 for t in z) and not all(t > 0 for t in key_z)
    return False


def points_text(p: Fraction) -> str:
    return str(p.numerator) if p.denominator == 1 else f"{float(p):.4f}".rstrip("0").rstrip(".")


# --- the simulated class ---------------------------------------------------------------------------


def typed_text(v: Fraction, decimal: bool, rng) -> str:
    if decimal:
        return f"{float(v):.4f}"
    if v.denominator == 1:
        return str(v.numerator) if v >= 0 or rng.random() < 0.7 else f"\u2212{-v.numerator}"
    return f"{v.numerator}/{v.denominator}" if rng.random() < 0.7 else f"{float(v):.2f}"


def mistaken(kind, net, key):
    """The answer (name, flat values) a student with this mistake writes, from the key's values."""
    relu = [max(t, Fraction(0)) for t in key["z1"]]
    return {
        "transposed": ("dL/dW2", flat(outer(key["a1"], key["delta2"]))),  # x δᵀ read row by row into W's boxes
        "sgd": ("updated W1", [w + net.eta * g for w, g in zip(flat(net.W[0]), key["dL/dW1"])]),
        "no-derivative": ("delta1", list(key["dL/da1"])),
        "f-for-f'": ("delta1", [r * g for r, g in zip(relu, key["dL/da1"])]),
        "no-half-L": ("L", [2 * key["L"][0]]),
        "no-half-grad": ("dL/dyhat", [2 * t for t in key["dL/dyhat"]]),
        "bias-axis": ("dL/db1", [sum(key["delta1"], Fraction(0))] * len(key["delta1"])),
        "squared-sign": ("dL/dyhat", [-t for t in key["dL/dyhat"]]),
        "no-bias": ("z1", matvec(net.W[0], net.x)),
        "pre-activation": ("a1", list(key["z1"])),
    }[kind]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    build = make_build(folder, STUDENTS, CONFIG)
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    rows = {(r["student_id"], r["question"]): r for r in doc["rows"]}
    table = read_table((build / "responses.csv").read_bytes())
    header = table[0]
    rng = np.random.default_rng(14)
    plan, typed = {}, {}
    for line in table[1:]:
        sid = line[0]
        mlp, soft = rows[(sid, 1)], rows[(sid, 2)]
        net = Net(mlp["parameters"])
        key = net.chain()
        for a in mlp["answers"]:  # the re-marking's own rules give the manifest's keys
            assert key[a["name"]] == [Fraction(e["exact"]) for e in a["entries"]], (sid, a["name"])
        what = rng.choice(["honest"] * 5 + ["mistake"] * 5 + ["slip"] * 4 + ["copy"] + ["blanks"])
        values = dict(key)
        if what == "mistake":
            which = MISTAKES[int(rng.integers(len(MISTAKES)))]
            if which != "softmax-sign":
                name, wrong = mistaken(which, net, key)
                values[name] = wrong
        elif what == "slip":
            which = SLIPS[int(rng.integers(len(SLIPS)))]
            slipped = list(key[which])
            slipped[0] += 1
            values = net.chain({**{n: key[n] for n in list(net.steps())[:list(net.steps()).index(which)]},
                                which: slipped})
        else:
            which = what
        plan[sid] = (what, which)
        cells = {}
        for a in mlp["answers"]:
            for e, v in zip(a["entries"], values[a["name"]]):
                cells[f"q1.{e['name']}"] = typed_text(v, False, rng)
        y = [Fraction(int(k == int(soft["parameters"]["target"]) - 1)) for k in range(3)]
        printed = [Fraction(t) for t in soft["parameters"]["printed_yhat"]]
        for a in soft["answers"]:
            for k, e in enumerate(a["entries"]):
                cells[f"q2.{e['name']}"] = e["key"]
                if which == "softmax-sign" and a["name"] == "dL/dz":
                    cells[f"q2.{e['name']}"] = typed_text(y[k] - printed[k], True, rng)
        if what == "blanks":
            for column in rng.choice(header[3:], size=8, replace=False):
                cells[column] = ""
        typed[sid] = cells
    honest = [sid for sid, (what, _) in plan.items() if what == "honest"]
    for sid, (what, _) in plan.items():
        if what == "copy":
            source = honest[int(rng.integers(len(honest)))]
            plan[sid] = ("copy", source)
            typed[sid] = dict(typed[source])
    for line in table[1:]:
        line[3:] = [typed[line[0]][c] for c in header[3:]]
    (folder / "filled.csv").write_text("\n".join(",".join(f'"{c}"' for c in line) for line in table) + "\n",
                                       encoding="utf-8")
    graded = {}
    for fraction in (Fraction(1), Fraction(1, 2)):
        out = grade(build, folder / "filled.csv", folder / f"grades-{fraction.denominator}", fraction=str(fraction),
                    pdfs=False)
        graded[fraction] = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    return rows, typed, plan, graded


@pytest.mark.parametrize("fraction", [Fraction(1), Fraction(1, 2)])
def test_every_mark_equals_an_independent_re_marking(simulated, fraction):
    rows, typed, plan, graded = simulated
    followed = 0
    for s in graded[fraction]["students"]:
        sid, total = s["student_id"], Fraction(0)
        for q in s["questions"]:
            expected = remark(rows[(sid, q["question"])], typed[sid], fraction)
            for e in q["entries"]:
                column = e["entry"]
                assert e["points"] == points_text(expected[column]), (sid, plan[sid], column, e)
                followed += e["verdict"] == "follow-through"
            assert q["points"] == points_text(sum(expected.values(), Fraction(0))), (sid, q["question"])
            total += sum(expected.values(), Fraction(0))
        assert s["total"] == points_text(total), sid
    assert followed > 50  # the slips were carried through
    kinds = {what for what, _ in plan.values()}
    assert kinds == {"honest", "mistake", "slip", "copy", "blanks"}


def test_the_copies_are_flagged_and_nobody_else(simulated):
    """Each copier with the student they copied (their key); two copiers of one script with each
    other (the same wrong answers); no other pair of the class."""
    _, _, plan, graded = simulated
    pairs = graded[Fraction(1)]["copy_flags"]["pairs"]
    copies = {(sid, source) for sid, (what, source) in plan.items() if what == "copy"}
    assert copies and {(f["student"], f["other"]) for f in pairs if f["matches"] == "the other's key"} == copies
    twins = {frozenset((a, b)) for a, s in copies for b, t in copies if a != b and s == t}
    assert {frozenset((f["student"], f["other"])) for f in pairs if f["matches"] != "the other's key"} == twins
    for f in pairs:
        assert f["count"] >= 6 and f["probability"] < 1e-20


def test_the_mistakes_of_the_readme_table_are_named(simulated):
    _, _, plan, graded = simulated
    names = {"transposed": "transposed gradient", "sgd": "SGD step with the wrong sign",
             "no-derivative": "activation derivative left out", "f-for-f'": "f used instead of f′",
             "no-half-L": "squared error without the ½", "no-half-grad": "squared error without the ½",
             "bias-axis": "bias gradient summed", "squared-sign": "squared-error gradient y − ŷ",
             "no-bias": "bias left out", "pre-activation": "pre-activation z used", "softmax-sign": "softmax gradient y − ŷ"}
    seen = set()
    for s in graded[Fraction(1)]["students"]:
        what, which = plan[s["student_id"]]
        verdicts = {e["verdict"] for q in s["questions"] for e in q["entries"]}
        named = {v for v in verdicts if v not in ("correct", "wrong", "blank", "follow-through")}
        if what == "mistake" and named:
            assert len(named) == 1 and names[which] in named.pop(), (s["student_id"], which, verdicts)
            seen.add(which)
        elif what in ("honest", "blanks"):  # (a copied script may match a mistake by chance)
            assert not named, (s["student_id"], what, named)
    assert len(seen) >= len(MISTAKES) - 2, set(MISTAKES) - seen

