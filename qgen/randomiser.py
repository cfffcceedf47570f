"""Seeds, options and the reject-and-redraw loop.

One master seed; each question gets its own child seed from numpy's SeedSequence, so adding a
question at the end never changes the ones before it, and any single question can be drawn again
from its child seed alone. Randomness enters only through the Generator made from that seed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections import Counter
from dataclasses import dataclass

import numpy as np

from qgen.answers import RULE_TOO_SMALL, too_small
from qgen.errors import QgenError
from qgen.kinds.base import DIFFICULTIES, MODES, Draw, Redraw

KIND_MODULES = {
    "graph": "qgen.kinds.graph",
    "jacobian": "qgen.kinds.jacobian",
    "gates": "qgen.kinds.gates",
    "softmax-ce": "qgen.kinds.softmax_ce",
    "mlp": "qgen.kinds.mlp",
    "shapes": "qgen.kinds.shapes",
    "batch": "qgen.kinds.batch",
    "gradcheck": "qgen.kinds.gradcheck",
    "concepts": "qgen.kinds.concepts",
}
RETRY_BUDGET = 1000  # mlp hard exact accepts about 1 draw in 26: 200 tries would fail a 2,000-student exam now and then
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read off paper


RULE_DUPLICATE = "no two identical variants in one sheet"
# Kinds whose draw(rng, options, screen) calls screen(qgen.kinds.base.Screened, or the Draw) once per
# draw that passed its own reject rules, with all its numbers drawn, and before its oracle where it
# can (mlp; softmax-ce in given mode): the checks below run there, on the same params and answers,
# so a draw they refuse does not pay for the oracle (the same draws, the same rules).
SCREENS = frozenset({"mlp", "softmax-ce"})


class SheetFull(QgenError):
    """Every draw repeated a variant already on the sheet: the options have no room for more."""


def kind_module(name: str):
    if name not in KIND_MODULES:
        raise QgenError(f"kind: unknown kind {name!r} (allowed: {', '.join(KIND_MODULES)})")
    return importlib.import_module(KIND_MODULES[name])


@dataclass(frozen=True)
class Variant:
    """A drawn question with everything needed to render it and to find it again."""

    kind: str
    seed: int  # the child seed: np.random.default_rng(seed) draws this question again
    code: str  # short variant code printed on every page
    options: dict
    draw: Draw
    redraws: int
    redraw_rules: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "seed": self.seed,
            "code": self.code,
            "options": options_json(self.options),
            "parameters": self.draw.params,
            "answers": [a.to_json(self.draw.number_style) for a in self.draw.answers],
            "notes": list(self.draw.notes),
        }


def options_json(options: dict) -> dict:
    """Options as JSON values, written as in EXAM.toml: true/false, whole numbers, and text for
    the rest ("2-3-2", "3-5", "1/2", "relu"). draw_variant reads them back to the same options."""
    return {k: v if type(v) in (bool, int, str) else str(v) for k, v in options.items()}


def read_options(kind: str, options: dict) -> dict:
    """Options as draw functions use them, from resolved options or from their JSON form
    (answers.json, manifest.json): every kind option is read again by its parser."""
    module = kind_module(kind)
    out = dict(options)
    for opt in module.OPTIONS:
        if opt.name in out:
            out[opt.name] = opt.read(out[opt.name], kind)
    return out


def resolve_options(kind: str, difficulty: str = "easy", mode: str = "exact", overrides: dict | None = None) -> dict:
    """The options a kind draws with: difficulty defaults, then the user's overrides."""
    if difficulty not in DIFFICULTIES:
        raise QgenError(f"difficulty: expected one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")
    if mode not in MODES:
        raise QgenError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    module = kind_module(kind)
    options = {opt.name: opt.defaults[difficulty] for opt in module.OPTIONS}
    for name, text in (overrides or {}).items():
        option = next((opt for opt in module.OPTIONS if opt.name == name), None)
        if option is None:
            allowed = ", ".join(opt.name for opt in module.OPTIONS) or "none"
            raise QgenError(f"{kind} option {name}: unknown option (allowed: {allowed})")
        options[name] = option.read(text, kind)
    options["mode"] = mode
    options["difficulty"] = difficulty
    check = getattr(module, "check_options", None)
    if check:
        check(options)
    return options


def child_seeds(master_seed: int, count: int) -> list[int]:
    """One 63-bit seed per question, derived from the master seed with SeedSequence."""
    children = np.random.SeedSequence(master_seed).spawn(count)
    return [int(c.generate_state(2, np.uint64)[0] >> np.uint64(1)) for c in children]


def variant_code(kind: str, seed: int) -> str:
    digest = hashlib.sha256(f"{kind}:{seed}".encode()).digest()
    value = int.from_bytes(digest[:8], "big")
    return "".join(CODE_ALPHABET[(value >> (5 * i)) % 32] for i in range(5))


def draw_variant(kind: str, seed: int, options: dict, code: str | None = None,
                 avoid: set[str] | None = None, budget: int = RETRY_BUDGET, accept=None) -> Variant:
    """Draw one question from its child seed, redrawing while a reject rule fires.

    `avoid` holds fingerprints of questions already on the sheet: a draw with the same
    parameters counts as a reject (rule: no two identical variants in one sheet). `accept(draw)`
    may name one more rule the draw breaks (an exam's class bounds), or return None.
    """
    module = kind_module(kind)
    options = read_options(kind, options)
    rng = np.random.default_rng(seed)
    # Choices a kind draws once per variant and keeps through its redraws (mlp: how many ReLU units
    # are inactive): redrawn with every try, the loop would favour the choice that passes more often.
    # The variant keeps the options as given, so that answers.json's options draw it again.
    once = getattr(module, "variant_options", None)
    drawn_with = once(rng, options) if once is not None else options
    rules = Counter()

    def screen(draw) -> None:
        reject_too_small(draw)
        if accept is not None and (rule := accept(draw)):
            raise Redraw(rule)

    screened = kind in SCREENS
    for _ in range(budget):
        try:
            if screened:
                draw = module.draw(rng, drawn_with, screen=screen)
            else:
                draw = module.draw(rng, drawn_with)
                screen(draw)
        except Redraw as r:
            rules[r.rule] += 1
            continue
        if avoid is not None:
            fingerprint = _fingerprint(kind, draw)
            if fingerprint in avoid:
                rules[RULE_DUPLICATE] += 1
                continue
            avoid.add(fingerprint)
        return Variant(kind, seed, code or variant_code(kind, seed), options, draw, sum(rules.values()),
                       tuple(sorted(rules.elements())))
    rule, _ = rules.most_common(1)[0]
    if rule == RULE_DUPLICATE:
        raise SheetFull(f"{kind}: every one of {budget} draws repeated a variant already drawn (rule '{rule}')")
    raise QgenError(f"{kind}: no acceptable variant in {budget} draws; the rule '{rule}' rejected most "
                    f"({rules[rule]} times): loosen the options")


def reject_too_small(draw: Draw) -> None:
    """Every kind: a nonzero decimal key must be large enough for the acceptance rule to tell it
    from 0 and from a value off by a factor (qgen.answers.MIN_DECIMAL)."""
    if any(too_small(e) for a in draw.answers for e in a.entries(draw.number_style)):
        raise Redraw(RULE_TOO_SMALL)


def _fingerprint(kind: str, draw: Draw) -> str:
    return kind + json.dumps(draw.params, sort_keys=True, default=str)


def draw_sheet(kinds: list[str], count: int, master_seed: int, options_by_kind: dict[str, dict],
               progress=None) -> list[Variant]:
    """`count` rounds of the listed kinds (question i uses child seed i); no duplicates on a sheet."""
    seeds = child_seeds(master_seed, count * len(kinds))
    seen: set[str] = set()
    variants = []
    for i, seed in enumerate(seeds):
        kind = kinds[i % len(kinds)]
        try:
            variants.append(draw_variant(kind, seed, options_by_kind[kind], avoid=seen))
        except SheetFull as e:  # the first questions of a sheet do not depend on its count
            most = i // len(kinds)
            raise QgenError(f"--count: {e}; with these options and seed {master_seed} at most {most} can be "
                            f"drawn: ask for --count {most} or fewer, or loosen the options") from None
        if progress:
            progress(1)
    return variants
