"""Copy flags: pairs of students whose entries match far beyond chance under independent work.
A flag is information for the instructor; it never changes a mark.

Two statistics per pair (README, "Copy flags"):
- key: A's wrong entries that equal B's key (A wrote B's numbers, e.g. B's correct script);
  trials: the entries A got wrong where the two keys differ;
- shared: entries where A and B wrote the same wrong value; trials: the entries both got wrong.
Values are compared at the sheet's precision (4 decimals for decimal answers, 6 for exact ones).

The model: under independent work, each trial matches with the chance p_c of its column,
estimated from the class (how often a wrong value equals another student's key, or two wrong
values agree, in that column, with add-one smoothing); a pair's count is compared with the binomial
tail P(X >= count), X ~ Binomial(trials, mean p_c over the pair's trials). A pair is flagged when
P <= ALPHA / (the number of pairs tested) (Bonferroni; ALPHA is small because the entries of one chain
are not independent: a value carried on through later steps repeats a coincidence) and count >=
MIN_MATCHES. Values held by more
than COMMON of the class in a column (a common wrong answer, a key many share) are never counted:
they say nothing about who copied from whom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ALPHA = 1e-6  # strict: the entries of one chain are not independent (a slip carried on repeats)
MIN_MATCHES = 6
COMMON = 0.05  # share of the class above which a value is common
_BLANK = np.iinfo(np.int64).min  # no value written
_ABSENT = np.iinfo(np.int64).min + 1  # no such entry on the student's sheet
MODEL = ("binomial tail P(X >= count), X ~ Binomial(trials, p), p the mean over the pair's trials of "
         "each entry's chance of such a match among the class (add-one smoothing); flagged when "
         f"P <= {ALPHA} / pairs tested and count >= {MIN_MATCHES}")


@dataclass(frozen=True)
class CopyFlag:
    student: str  # who wrote the matching values
    other: str  # whose key (or wrong answers) they match
    statistic: str  # "key" or "shared"
    count: int
    trials: int
    chance: float  # p, the mean per-entry chance
    probability: float  # P(X >= count) under independent work

    def to_json(self) -> dict:
        return {"student": self.student, "other": self.other,
                "matches": "the other's key" if self.statistic == "key" else "the other's wrong answers",
                "count": self.count, "of": self.trials, "chance_per_entry": round(self.chance, 6),
                "probability": float(f"{self.probability:.3g}")}


@lru_cache(maxsize=262144)  # values and keys repeat across a class
def code(value, exact: bool) -> int:
    """A value at the sheet's precision as an int64 (6 decimals for exact answers, 4 otherwise)."""
    try:
        scaled = round(float(value) * (1_000_000 if exact else 10_000))
    except (OverflowError, ValueError):
        return 2**62 + 1
    return scaled if abs(scaled) < 2**62 else 2**62 + hash(scaled) % 2**60


def class_flags(results, responses) -> list[CopyFlag]:
    """The copy flags of a graded class (results in roster order, responses by student id)."""
    columns: dict[str, int] = {}
    for r in results:
        for q in r.questions:
            for v in q.verdicts:
                columns.setdefault(v.column, len(columns))
    keys = np.full((len(results), len(columns)), _ABSENT, dtype=np.int64)
    values = np.full((len(results), len(columns)), _BLANK, dtype=np.int64)
    for s, r in enumerate(results):
        given = responses[r.student["student_id"]].values
        for q in r.questions:
            for v in q.verdicts:
                c, exact = columns[v.column], v.entry.precision.exact
                keys[s, c] = code(v.entry.key, exact)
                value = given.get(v.column)
                if value is not None:
                    values[s, c] = code(value, exact)
    return copy_flags([r.student["student_id"] for r in results], keys, values)


def copy_flags(ids: list[str], keys: np.ndarray, values: np.ndarray) -> list[CopyFlag]:
    """ids: the students; keys, values: int64 (students × columns) codes of each entry's key and
    the value written (_BLANK, _ABSENT where none)."""
    n = len(ids)
    if n < 3 or keys.size == 0:
        return []
    cap = max(2, int(COMMON * n))
    tests = 2 * n * (n - 1)
    wrong = (values != _BLANK) & (values != keys) & (keys != _ABSENT)
    key_pairs, key_chance, common = _key_matches(keys, values, wrong, cap)
    shared_pairs, shared_chance = _shared_wrong(values, wrong, cap)
    flags = []
    for statistic, pairs, chance in (("key", key_pairs, key_chance), ("shared", shared_pairs, shared_chance)):
        for (a, b), count in pairs.items():
            if count < MIN_MATCHES:
                continue
            if statistic == "key":
                trials = wrong[a] & ~common[b] & (keys[a] != keys[b])
            else:
                trials = wrong[a] & wrong[b]
            number = int(trials.sum())
            p = float(chance[trials].mean()) if number else 1.0
            probability = binomial_tail(count, number, p)
            if probability <= ALPHA / tests:
                flags.append(CopyFlag(ids[a], ids[b], statistic, count, number, p, probability))
    return sorted(flags, key=lambda f: (f.probability, f.student, f.other, f.statistic))


def _key_matches(keys, values, wrong, cap):
    """(a, b) -> how many of a's wrong values equal b's key (b's key held by at most cap students),
    each column's chance of such a match, and where a student's key is common (not counted)."""
    n, columns = keys.shape
    found, chance = [], np.zeros(columns)
    common = np.ones(keys.shape, dtype=bool)
    for c in range(columns):
        present = np.flatnonzero(keys[:, c] != _ABSENT)
        column_keys = keys[present, c]
        order = np.argsort(column_keys, kind="stable")
        unique, start, counts = np.unique(column_keys[order], return_index=True, return_counts=True)
        writers = np.flatnonzero(wrong[:, c])
        at = np.searchsorted(unique, values[writers, c]).clip(0, max(len(unique) - 1, 0))
        hit = (unique[at] == values[writers, c]) & (counts[at] <= cap) if len(unique) else np.zeros(0, bool)
        writers, at = writers[hit], at[hit]
        own = keys[np.flatnonzero(wrong[:, c]), c]
        held = counts[np.searchsorted(unique, own)] if len(unique) else np.zeros(0, int)
        rare = int(counts[counts <= cap].sum())
        trials = int((rare - np.where(held <= cap, held, 0)).sum())  # (wrong value, another's rare key)
        common[present, c] = counts[np.searchsorted(unique, column_keys)] > cap
        chance[c] = (int(counts[at].sum()) + 1) / (trials + 1)
        if len(writers):
            sizes = counts[at]
            sources = present[order[_ranges(start[at], sizes)]]
            found.append(np.repeat(writers, sizes).astype(np.int64) * n + sources)
    return _count(found, n), chance, common


def _shared_wrong(values, wrong, cap):
    """{a, b} (a < b) -> how many wrong values they share (held by at most cap students), and each
    column's chance that two wrong values agree."""
    n, columns = values.shape
    found, chance = [], np.zeros(columns)
    for c in range(columns):
        writers = np.flatnonzero(wrong[:, c])
        order = np.argsort(values[writers, c], kind="stable")
        _, start, counts = np.unique(values[writers[order], c], return_index=True, return_counts=True)
        total = len(writers)
        common = (counts >= 2) & (counts <= cap)
        chance[c] = (float((counts[common] * (counts[common] - 1)).sum()) + 1) / (total * (total - 1) + 1)
        for size in np.unique(counts[common]):
            groups = start[common & (counts == size)]
            members = writers[order[groups[:, None] + np.arange(size)[None, :]]]
            i, j = np.triu_indices(int(size), 1)
            a, b = np.minimum(members[:, i], members[:, j]), np.maximum(members[:, i], members[:, j])
            found.append((a.astype(np.int64) * n + b).reshape(-1))
    return _count(found, n), chance


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The concatenation of range(start, start + size) for each pair, without a Python loop."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(starts, sizes) + np.arange(total) - offsets


def _count(found: list, n: int) -> dict[tuple[int, int], int]:
    if not found:
        return {}
    pairs, counts = np.unique(np.concatenate(found), return_counts=True)
    keep = counts >= MIN_MATCHES
    return {(int(p // n), int(p % n)): int(c) for p, c in zip(pairs[keep], counts[keep])}


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (n is at most a few thousand)."""
    if k <= 0 or p >= 1:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(p)
            + (n - i) * math.log1p(-p) for i in range(k, n + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))
