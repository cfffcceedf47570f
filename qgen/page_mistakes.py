"""The named mistakes the practice page recognises: each answer's values under qgen grade's
mistaken rules (qgen.grade.mistakes, on the engine's chain from qgen.grade.chains), computed here
from the key's own inputs, so the page names a mistake exactly as `qgen grade` does on the same
entries (without follow-through: on the page every earlier answer is the key's). A choice answer's
wrong options each stand for their named mistake (qgen.grade.choices), as `qgen grade` marks them."""

from __future__ import annotations

import numpy as np

from qgen.answers import rational
from qgen.grade.chains import problem_for
from qgen.grade.choices import option_mistakes
from qgen.grade.rules import accepted_with_key, as_key, run_rule
from qgen.numbers import fraction_text
from qgen.randomiser import Variant, options_json


def mistaken_keys(v: Variant) -> dict[str, list[dict]]:
    """answer name -> [{"name": the mistake's name, "keys": per entry the mistaken value as exact
    "p/q" text, or None where the mistaken rule gives what the rule accepts for the key}]."""
    problem = problem_for(v.kind, v.draw.params, options_json(v.options))
    out = {}
    for answer in v.draw.answers:
        if answer.display == "choice":  # each wrong option stands for its named mistake
            found = [{"name": name, "keys": [str(k)]} for k, name in enumerate(option_mistakes(v.draw.params), start=1)
                     if name]
            if found:
                out[answer.name] = found
            continue
        step = problem.steps.get(answer.name)
        if step is None or not step.mistakes:
            continue
        entries = answer.entries(v.draw.number_style)
        inputs = [resolve(problem, name) for name in step.inputs]
        if any(i is None for i in inputs):
            continue
        found = []
        for name, rule in step.mistakes:
            values = _flat(run_rule(rule, inputs), len(entries))
            if values is None:
                continue
            keys = [None if accepted_with_key(e, value, e.key) else fraction_text(rational(as_key(value)))
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
    return None if any(i is None for i in inputs) else run_rule(step.rule, inputs)




def _flat(value, size: int):
    if value is None:
        return None
    flat = np.asarray(value, dtype=object).reshape(-1)
    return list(flat) if len(flat) == size else None



