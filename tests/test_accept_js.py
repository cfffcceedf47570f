"""The practice page's acceptance rule (templates/html/accept.js) gives Python's verdict
(qgen.answers.accepts) on shared vectors: real entries of every kind and mode, and the texts a
student types (the key, its decimals, fractions, logarithms, near misses, boundaries, garbage).
Run by node's test runner."""

import json
import os
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from qgen.answers import accepts, entries, rational
from qgen.html_page import _entry
from qgen.numbers import Ln, fraction_text
from qgen.practice import PracticeRequest, draw_practice

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("graph", "jacobian", "gates", "softmax-ce", "mlp", "shapes")


def python_value(text: str):
    """How a student's text reads in Python, by the shared reading rule (tests/number_reading_vectors.json)
    for the forms these vectors use: a Fraction, an Ln, or None (not a number)."""
    t = text.strip().replace("\u2212", "-")
    log = re.fullmatch(r"([+-]?)ln\((.*)\)", t, flags=re.IGNORECASE)
    if log:
        try:
            value = Ln(Fraction(log.group(2).strip()))
        except (ValueError, ZeroDivisionError):
            return None
        return -float(value) if log.group(1) == "-" else value
    if " " in t:
        return None
    try:
        return Fraction(t)
    except (ValueError, ZeroDivisionError):
        return None


def texts_for(entry) -> list[str]:
    key = rational(entry.key)
    atol = entry.precision.atol + entry.precision.rtol * abs(key)
    out = [entry.key_text(), f"{float(key):.2f}", f"{float(key):.3f}", f"{float(key):.4f}",
           fraction_text(-key - 1), fraction_text(2 * key + Fraction(1, 7)), f"{float(key) * 10:.4f}",
           str(float(key + atol)), str(float(key - atol)), str(float(key + atol * Fraction(1001, 1000))),
           fraction_text(key + atol), fraction_text(key - atol * 2), "abc", "", "1/0", " " + fraction_text(key) + " "]
    if key.denominator != 1:
        out += [fraction_text(key), f"{key.numerator * 3}/{key.denominator * 3}", "\u2212" + fraction_text(abs(key))]
    if isinstance(entry.key, Ln):
        out += [str(entry.key), str(entry.key).replace("ln(", "ln ").rstrip(")"), f"ln({fraction_text(entry.key.arg * 2)})"]
    return out


def all_entries():
    """Every entry of two draws of each kind, mode and difficulty; and exact logarithms (ln(12/5)),
    which the answer model asks exactly in exact mode."""
    for mode in ("exact", "given", "calculator"):
        for difficulty in ("easy", "hard"):
            for v in draw_practice(PracticeRequest(KINDS, 2, 11, difficulty, mode)):
                for answer in v.draw.answers:
                    yield from answer.entries(v.draw.number_style)
    for arg in (Fraction(12, 5), Fraction(100, 37), Fraction(3)):
        yield from entries("L", Ln(arg), "fraction")
        yield from entries("L", Ln(arg), "decimal")


def vectors() -> list[dict]:
    out = []
    for entry in all_entries():
        spec = {k: _entry(entry)[k] for k in ("key", "atol", "rtol")}
        for text in texts_for(entry):
            value = python_value(text)
            verdict = None if value is None else accepts(entry, value)
            out.append({"entry": spec, "text": text, "accepted": verdict})
    return out


def test_vectors_cover_both_verdicts_and_every_precision():
    vs = vectors()
    assert {v["accepted"] for v in vs} == {True, False, None}
    assert {v["entry"]["rtol"] for v in vs} == {"0", "1/200"}
    assert len(vs) > 5000
    assert any(v["text"].startswith("ln") and v["accepted"] for v in vs)
    assert any("/" in v["text"] and v["accepted"] and not v["entry"]["key"].endswith("/1") for v in vs)


def test_the_javascript_rule_gives_pythons_verdicts(tmp_path):
    path = tmp_path / "vectors.json"
    path.write_text(json.dumps(vectors()))
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "js" / "accept.test.js")],
                            env={**os.environ, "QGEN_ACCEPT_VECTORS": str(path)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 2" in result.stdout and "# fail 0" in result.stdout, result.stdout


@pytest.mark.parametrize("text, expected", [("0.13", True), ("0.131", False), ("1/8", True), ("2/16", True),
                                            ("0.12", True), ("0.1199", False), ("-1/8", False), ("x", None)])
def test_boundary_of_one_eighth_is_exact(tmp_path, text, expected):
    """0.13 and 0.12 for 1/8 sit exactly on |v - key| = 0.005: accepted in exact arithmetic, as in Python."""
    entry = entries("a", Fraction(1, 8), "fraction")[0]
    assert (None if python_value(text) is None else accepts(entry, python_value(text))) == expected
    script = (f"const a = require({json.dumps(str(ROOT / 'templates' / 'html' / 'accept.js'))});"
              f"console.log(JSON.stringify(a.accepts({json.dumps(_entry(entry))}, {json.dumps(text)})))")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert json.loads(out.stdout) == expected, out.stderr
