"""The practice page names a mistake exactly when qgen grade does: for every answer with mistaken
rules (qgen.page_mistakes, from qgen.grade's chains), the values each mistake gives, alone, mixed
with right entries and spoiled by one other wrong entry, are marked by qgen.grade.mark (the only
answer filled, so no follow-through) and named by the page's JavaScript (node's test runner); a
concepts question's wrong options each by the mistake it stands for."""

import json
import os
import subprocess
from fractions import Fraction
from pathlib import Path

from qgen.grade.manifest import question_row
from qgen.grade.mark import BLANK, CORRECT, mark_question
from qgen.grade.choices import ALL
from qgen.grade.values import parse_value
from qgen.html_page import _entry
from qgen.numbers import fraction_text
from qgen.page_mistakes import mistaken_keys
from qgen.practice import PracticeRequest, draw_practice

ROOT = Path(__file__).resolve().parent.parent


def grade_name(v, answer, texts: list[str]):
    """qgen grade's verdict on this answer's wrong entries: the one mistake named, or None."""
    row = question_row({"student_id": "s", "question": 1, "points": 1, **v.to_json()})
    columns = [f"q1.{e.name}" for e in answer.entries(v.draw.number_style)]
    values = {c: parse_value(t) for c, t in zip(columns, texts) if t}
    verdicts = {x.column: x.verdict for x in mark_question(row, values, dict(zip(columns, texts)), Fraction(1, 2))}
    named = {verdicts[c] for c in columns if verdicts[c] not in (CORRECT, BLANK)}
    return next(iter(named)) if len(named) == 1 and named <= set(ALL) else None


def vectors() -> list[dict]:
    out = []
    for mode in ("exact", "given", "calculator"):
        for v in draw_practice(PracticeRequest(("mlp", "gates", "softmax-ce", "graph", "concepts"), 2, 3, "hard", mode)):
            by_answer = mistaken_keys(v)
            for answer in v.draw.answers:
                entries = answer.entries(v.draw.number_style)
                keys = [fraction_text(Fraction(_entry(e)["key"])) for e in entries]
                for m in by_answer.get(answer.name, []):
                    whole = [k if m_key is None else m_key for k, m_key in zip(keys, m["keys"])]
                    first = next(i for i, k in enumerate(m["keys"]) if k is not None)
                    half = [w if i == first else k for i, (w, k) in enumerate(zip(whole, keys))]
                    spoiled = list(whole)
                    spoiled[first] = fraction_text(Fraction(whole[first]) * 3 + 7)
                    for texts in (whole, half, spoiled, keys, [whole[0]] + [""] * (len(whole) - 1)):
                        out.append({"entries": [{k: _entry(e)[k] for k in ("key", "atol", "rtol")} for e in entries],
                                    "mistakes": by_answer[answer.name], "texts": texts,
                                    "named": grade_name(v, answer, texts)})
    return out


def test_the_page_names_what_qgen_grade_names(tmp_path):
    vs = vectors()
    names = {v["named"] for v in vs}
    assert None in names and len(names) >= 5, names  # several mistakes named, and cases named by none
    path = tmp_path / "mistakes.json"
    path.write_text(json.dumps(vs))
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "js" / "mistakes.test.js")],
                            env={**os.environ, "QGEN_MISTAKE_VECTORS": str(path)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 2" in result.stdout and "# fail 0" in result.stdout, result.stdout
