"""The named mistakes the practice page recognises: each answer's values under qgen grade's
mistaken rules (qgen.grade.mistakes, on the engine's chain from qgen.grade.chains), computed here
from the key's own inputs, so the page names a mistake exactly as `qgen grade` does on the same
entries (without follow-through: on the page every earlier answer is the key's)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np

from qgen.answers import Entry, accepts, rational
from qgen.grade.chains import problem_for
from qgen.numbers import Ln, fraction_text
from qgen.randomiser import Variant, options_json

_FAILED = (ArithmeticError, ValueError, TypeError, OverflowError, KeyError, IndexError, FloatingPointError)


def mistaken_keys(v: Variant) -> dict[str, list[dict]]:
    """answer name -> [{"name": the mistake's name, "keys": per entry the mistaken value as exact
    "p/q" text, or None where the mistaken rule gives what the rule accepts for the key}]."""
    problem = problem_for(v.kind, v.draw.params, options_json(v.options))
    out = {}
    for answer in v.draw.answers:
        step = problem.steps.get(answer.name)
        if step is None or not step.mistakes:
            continue
        entries = answer.entries(v.draw.number_style)
        inputs = [resolve(problem, name) for name in step.inputs]
        if any(i is None for i in inputs):
            continue
        found = []
        for name, rule in step.mistakes:
            values = _flat(_run(rule, inputs), len(entries))
            if values is None:
                continue
            keys = [None if _accepted(e, value, e.key) else fraction_text(rational(_key(value)))
                    for e, value in zip(entries, values)]
            if any(k is not None for k in keys):
                found.append({"name": name, "keys": keys})
        if found:
            out[answer.name] = found
    return out


def resolve(problem, name: str):
    """A step's input as the engine has it: a value of the chain, or computed by its own step."""
    if name in problem.values:
        return problem.values[name]
    step = problem.steps.get(name)
    if step is None:
        return None
    inputs = [resolve(problem, i) for i in step.inputs]
    return None if any(i is None for i in inputs) else _run(step.rule, inputs)


def _run(rule, inputs):
    try:
        with np.errstate(all="raise"):
            return rule(*inputs)
    except _FAILED:
        return None


def _flat(value, size: int):
    if value is None:
        return None
    flat = np.asarray(value, dtype=object).reshape(-1)
    return list(flat) if len(flat) == size else None


def _key(v):
    if isinstance(v, (Fraction, Ln)):
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return Fraction(int(v))
    return float(v)


def _accepted(entry: Entry, key, value) -> bool:
    """The one rule with the mistaken value as the key (as qgen grade compares them)."""
    try:
        return accepts(replace(entry, key=_key(key)), value)
    except _FAILED:
        return False
