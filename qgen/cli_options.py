"""Options several commands share (the seed range, --set pairs, a practice request from the options):
kept below the command modules so that none of them imports another."""

from __future__ import annotations

import click

from qgen.errors import QgenError

MAX_SEED = 2**64 - 1
SEED = click.IntRange(0, MAX_SEED)  # numpy's SeedSequence takes non-negative integers only
KIND_HELP = "Question kind (repeat for several): graph, jacobian, gates, softmax-ce, mlp, shapes, batch, gradcheck, concepts."


def parse_sets(pairs: tuple[str, ...]) -> dict:
    """--set NAME=VALUE pairs as a dict of kind options (values checked later, by the kind)."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QgenError(f"--set {pair}: expected NAME=VALUE, for example --set sizes=2-3-2")
        overrides[name.strip()] = value.strip()
    return overrides


def practice_request(kind, count, seed, difficulty, mode, sets):
    """The PracticeRequest that `qgen generate`, `qgen check` and `qgen export moodle` ask for."""
    from qgen.practice import PracticeRequest

    if count < 1:
        raise QgenError("--count: expected a positive number of questions")
    return PracticeRequest(tuple(kind), count, seed, difficulty, mode, parse_sets(sets))
