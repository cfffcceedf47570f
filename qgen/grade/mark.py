"""Marking: each entry against the student's own key with the one acceptance rule, then, for a
wrong entry, follow-through (its step recomputed by the engine from the student's own inputs) and
the named mistakes (the step under a mistaken rule).

Verdicts: "correct" (full points), "follow-through" (FRACTION of the points), a mistake's name,
"wrong", "blank" or "unreadable" (--lenient) (0 points). A blank or unreadable entry gives no
follow-through to the steps after it.

A mistake is named for an answer when the mistaken rule (on the key's inputs, or on the student's
own) explains every entry the student wrote (the wrong ones and the right ones alike), the right
rule on the same inputs does not give the wrong ones, and the mistaken rule's value is not 0 at all
of them (a 0 matches too many wrong rules); these safeguards never look at the typed value.

Guard against gaming (qgen.grade.guard): no follow-through only when the student's own inputs make
the step trivial and the key's inputs do not; the entry's note says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from qgen.answers import Entry, accepts
from qgen.grade.chains import problem_for
from qgen.grade.choices import not_an_option, option_mistakes, option_number
from qgen.grade.guard import refusal
from qgen.grade.manifest import AnswerSpec, QuestionRow
from qgen.grade.rules import FAILED, accepted_with_key, run_rule
from qgen.grade.steps import Problem
from qgen.grade.values import number

CORRECT, FOLLOW_THROUGH, WRONG, BLANK = "correct", "follow-through", "wrong", "blank"
UNREADABLE = "unreadable"  # a cell that does not read as a number (--lenient): 0 points, like a blank


@dataclass(frozen=True)
class Verdict:
    column: str  # "q1.dL/dW1[2,1]"
    entry: Entry
    given: str  # the value as typed ("" when blank)
    verdict: str
    points: Fraction
    max_points: Fraction
    note: str = ""  # why a follow-through was refused, or what was unreadable


def mark_question(row: QuestionRow, values: dict, texts: dict, fraction: Fraction,
                  unreadable: dict | None = None) -> list[Verdict]:
    """The verdict of every entry of one question. values/texts: column -> parsed value / text;
    unreadable: column -> why its text does not read (marked like a blank, named in the note)."""
    unreadable = unreadable or {}
    prefix = f"q{row.question}."
    marking = _Marking(row, values, prefix)
    out = []
    for answer in row.answers:
        columns = [prefix + e.name for e in answer.entries]
        verdicts = {}
        for i, (entry, column) in enumerate(zip(answer.entries, columns)):
            value = values.get(column)
            if value is None:
                verdicts[i] = UNREADABLE if column in unreadable else BLANK
            elif accepts(entry, number(value)):
                verdicts[i] = CORRECT
        wrong = {i: values[c] for i, c in enumerate(columns) if i not in verdicts}
        notes = {}
        if wrong:
            explained, notes = (_chosen(answer, row.parameters, wrong) if answer.choices
                                else marking.explain(answer, wrong))
            verdicts.update(explained)
        for i, (entry, column) in enumerate(zip(answer.entries, columns)):
            verdict = verdicts[i]
            points = answer.entry_points if verdict == CORRECT else (
                answer.entry_points * fraction if verdict == FOLLOW_THROUGH else Fraction(0))
            out.append(Verdict(column, entry, texts.get(column, ""), verdict, points, answer.entry_points,
                               notes.get(i, unreadable.get(column, ""))))
    return out


def _chosen(answer: AnswerSpec, parameters: dict, wrong: dict) -> tuple[dict[int, str], dict[int, str]]:
    """A choice answer's wrong option: the named mistake it stands for (qgen.grade.choices), else
    wrong; a number that is no option's is wrong, and its note says so."""
    count, named = len(answer.choices), option_mistakes(parameters)
    verdicts, notes = {}, {}
    for i, value in wrong.items():
        chosen = option_number(value, count)
        name = named[chosen - 1] if chosen is not None and chosen <= len(named) else None
        verdicts[i] = name or WRONG
        if chosen is None:
            notes[i] = not_an_option(count)
    return verdicts, notes


def _student_array(answer: AnswerSpec, values: dict, prefix: str):
    """The student's answer as an array of its shape, or None when any entry is blank."""
    given = [values.get(prefix + e.name) for e in answer.entries]
    if any(v is None for v in given):
        return None
    arr = np.empty(len(given), dtype=object)
    arr[:] = [number(v) for v in given]
    return arr.reshape(answer.shape) if answer.shape else arr[0]


class _Marking:
    """One student's question: the engine's chain, rebuilt only when an entry is wrong."""

    def __init__(self, row: QuestionRow, values: dict, prefix: str):
        self.row, self.values, self.prefix = row, values, prefix
        self.answers = {a.name: a for a in row.answers}
        self._problem: Problem | None = None
        self._resolved: dict[str, object] = {}

    @property
    def problem(self) -> Problem:
        if self._problem is None:
            problem = problem_for(self.row.kind, self.row.parameters, self.row.options)
            keys = {a.name: problem.cast(_numbers(a.key)) for a in self.row.answers}
            self._problem = replace(problem, values={**problem.values, **keys})
        return self._problem

    def resolve(self, name: str):
        """The student's value of `name`: their answer, or a value they did not write computed by
        the engine from their answers, or what the sheet gives. None when it rests on a blank."""
        if name not in self._resolved:
            problem = self.problem
            if name in self.answers:
                value = _student_array(self.answers[name], self.values, self.prefix)
                value = None if value is None else problem.cast(value)
            elif name in problem.steps:
                step = problem.steps[name]
                inputs = [self.resolve(i) for i in step.inputs]
                value = None if any(v is None for v in inputs) else run_rule(step.rule, inputs)
            else:
                value = problem.values[name]
            self._resolved[name] = value
        return self._resolved[name]

    def columns(self, answer: AnswerSpec) -> list[str]:
        return [self.prefix + e.name for e in answer.entries]

    def explain(self, answer: AnswerSpec, wrong: dict) -> tuple[dict[int, str], dict[int, str]]:
        """The verdicts of this answer's wrong entries (index -> value given): follow-through where
        the step on the student's own inputs gives their value; then a mistake (_explains); else
        wrong. Also the notes: index -> why follow-through was refused."""
        problem = self.problem
        step = problem.steps.get(answer.name)
        if step is None:
            return {i: WRONG for i in wrong}, {}
        keys = [problem.values[name] for name in step.inputs]
        mine = [self.resolve(name) for name in step.inputs]
        changed = mine if all(v is not None for v in mine) and not all(map(_same, mine, keys)) else None
        recomputed = None if changed is None else _shaped(run_rule(step.rule, changed), answer.shape)
        entries = answer.entries
        key_output = problem.values[answer.name]
        earned = {i for i, v in wrong.items()
                  if recomputed is not None and accepted_with_key(entries[i], _at(recomputed, i), number(v))}
        why = earned and refusal(step.gate, step.rule, step.inputs, changed, keys, recomputed, key_output)
        notes = {i: f"no follow-through: {why}" for i in earned} if why else {}
        out = {} if why else {i: FOLLOW_THROUGH for i in earned}
        rest = {i: number(v) for i, v in wrong.items() if i not in out}
        if not rest:
            return out, notes
        given = {i: number(v) for i, c in enumerate(self.columns(answer))
                 if (v := self.values.get(c)) is not None}
        for name, rule in step.mistakes:
            for inputs, right in ((keys, key_output), (changed, recomputed)):
                if inputs is not None and right is not None and _explains(
                        entries, _shaped(run_rule(rule, inputs), answer.shape), right, rest, given):
                    return {**out, **{i: name for i in rest}}, notes
        return {**out, **{i: WRONG for i in rest}}, notes


def _explains(entries, mistaken, right, rest: dict, given: dict) -> bool:
    """A mistaken rule names an answer's mistake when its value explains every entry the student
    wrote (the wrong ones, and agrees with the right ones), differs from the right rule's value at
    every wrong one, and is not 0 at all of them (a 0 matches too many wrong rules to name one).
    The safeguards look at the rule's values, never at the typed ones."""
    if mistaken is None:
        return False
    return (all(accepted_with_key(entries[i], _at(mistaken, i), v) for i, v in given.items())
            and all(not accepted_with_key(entries[i], _at(mistaken, i), number(_at(right, i))) for i in rest)
            and any(_nonzero(_at(mistaken, i)) for i in rest))


def _nonzero(v) -> bool:
    try:
        return v is not None and float(v) != 0
    except FAILED:
        return False


def _numbers(key):
    arr = np.asarray(key, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(arr.shape):
        out[index] = number(arr[index])
    return out




def _shaped(value, shape):
    if value is None:
        return None
    arr = np.asarray(value, dtype=object)
    if arr.size != int(np.prod(shape, dtype=int)):
        return None
    return arr.reshape(shape) if shape else arr.reshape(())


def _at(arr, i: int):
    if arr is None:
        return None
    flat = np.asarray(arr, dtype=object).reshape(-1)
    return flat[i] if i < len(flat) else None






def _same(a, b) -> bool:
    fa = [float(x) for x in np.asarray(a, dtype=object).reshape(-1)]
    fb = [float(x) for x in np.asarray(b, dtype=object).reshape(-1)]
    return fa == fb
