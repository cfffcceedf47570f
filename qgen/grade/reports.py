"""The feedback PDFs (one per student, typeset CHUNK to a document and cut, as the exam's sheets)
and the instructor's report PDF, from templates/grade/."""

from __future__ import annotations

import os
import statistics
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

from qgen.build import STARTS_FILE, VARIANT_MARKS, variant_starts
from qgen.build import build as compile_tex
from qgen.pdf_pages import split_pdf
from qgen.grade import choices as C  # every named mistake (the rules' and the choice options')
from qgen.grade.analysis import DISCRIMINATION, RIGHT_OPTION, mistake_students, option_students, question_stats
from qgen.grade.copies import MODEL as COPY_MODEL
from qgen.grade.manifest import Build
from qgen.grade.names import entry_latex
from qgen.grade.mark import BLANK, CORRECT, FOLLOW_THROUGH, UNREADABLE, WRONG
from qgen.grade.results import StudentResult, points_text
from qgen.render import render

CHUNK = 100  # students per feedback document (a constant: the bytes must not depend on the machine)
LOWEST = 10  # students listed with the lowest totals
SHOWN_PDF = 14  # characters of a typed text in a table cell
PLAIN = {CORRECT: "correct", FOLLOW_THROUGH: "follow-through", WRONG: "wrong", BLANK: "blank",
         UNREADABLE: "unreadable"}


def verdict_latex(verdict: str) -> str:
    return PLAIN.get(verdict) or C.LATEX[verdict]


def share_text(fraction: Fraction) -> str:
    """The follow-through share in words: "all", "half", "0.75"."""
    return {Fraction(1): "all", Fraction(1, 2): "half", Fraction(0): "none"}.get(fraction, points_text(fraction))


def _exam(build: Build) -> dict:
    return {"title": build.exam.get("title", ""), "course": build.exam.get("course", "")}


def _student(r: StudentResult) -> dict:
    return {
        "id": r.student["student_id"], "name": r.student["name"], "code": r.student["version_code"],
        "total": points_text(r.total), "max": points_text(r.max_points), "percentage": f"{float(r.percentage):.1f}",
        "questions": [{
            "number": q.row.question, "points": points_text(q.points), "max": points_text(q.row.points),
            "rows": [{"entry": entry_latex(v.column, q.row.kind), "given": typed_text(v.given) or "--", "key": v.entry.key_text(),
                      "verdict": verdict_latex(v.verdict), "note": v.note, "points": points_text(v.points)}
                     for v in q.verdicts],
        } for q in r.questions],
    }


def feedback_pdfs(build: Build, results: list[StudentResult], fraction: Fraction) -> dict[str, bytes]:
    """student id -> their feedback PDF."""
    chunks = [results[i:i + CHUNK] for i in range(0, len(results), CHUNK)]
    sources = [render("grade/feedback.tex", exam=_exam(build), students=[_student(r) for r in chunk],
                      follow_through=share_text(fraction), variant_marks=VARIANT_MARKS) for chunk in chunks]

    def compile_chunk(tex: str) -> list[bytes]:
        result = compile_tex(tex, collect=[STARTS_FILE])
        return split_pdf(result.pdf, variant_starts(result))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parts = [p for chunk in pool.map(compile_chunk, sources) for p in chunk]
    return {r.student["student_id"]: pdf for r, pdf in zip(results, parts)}


def report_pdf(build: Build, results: list[StudentResult], fraction: Fraction, flags=(), problems=()) -> bytes:
    return build_report(render("grade/report.tex", **report_context(build, results, fraction, flags, problems),
                               variant_marks=VARIANT_MARKS))


def build_report(tex: str) -> bytes:
    return compile_tex(tex).pdf


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}" if whole else "0"


def _points(x: Fraction) -> str:
    return points_text(Fraction(round(x, 4)))


def report_context(build: Build, results: list[StudentResult], fraction: Fraction, flags=(), problems=()) -> dict:
    from qgen.grade.files import POINTS_RULE

    totals = [r.total for r in results]
    percentages = [float(r.percentage) for r in results]
    bins = [0] * 10
    for p in percentages:
        bins[min(int(p // 10), 9)] += 1
    histogram = [{"start": 10 * i, "count": c} for i, c in enumerate(bins)] + [{"start": 100, "count": bins[-1]}]

    questions, entries, kinds = [], {}, {}
    for k, stats in enumerate(question_stats(results)):
        verdicts = [v for r in results for v in r.questions[k].verdicts]
        questions.append({
            "number": stats.question, "kind": stats.kind, "max": points_text(stats.max_points),
            "mean": _points(stats.mean), "facility": f"{float(stats.facility):.2f}",
            "discrimination": "--" if stats.discrimination is None else f"{float(stats.discrimination):.2f}",
            "correct": _share(sum(v.verdict == CORRECT for v in verdicts), len(verdicts)),
            "follow": _share(sum(v.verdict == FOLLOW_THROUGH for v in verdicts), len(verdicts)),
        })
        for r in results:
            for v in r.questions[k].verdicts:
                entries.setdefault(v.column, []).append(v.verdict)
                kinds[v.column] = stats.kind
    entry_rows = []
    for column, verdicts in entries.items():
        named = Counter(v for v in verdicts if v in C.LATEX).most_common(1)  # one verdict per student
        entry_rows.append({"entry": _numbered(column, kinds[column]),
                           "correct": _share(verdicts.count(CORRECT), len(verdicts)),
                           "follow": _share(verdicts.count(FOLLOW_THROUGH), len(verdicts)),
                           "mistake": _students(C.LATEX[named[0][0]], named[0][1]) if named else "--"})
    lowest = sorted(results, key=lambda r: (r.total, r.student["student_id"]))[:LOWEST]
    return {
        "exam": _exam(build), "follow_through": share_text(fraction), "points_rule": POINTS_RULE,
        "summary": {"students": len(results), "max": points_text(results[0].max_points) if results else "0",
                    "mean": _points(sum(totals, Fraction(0)) / len(totals)),
                    "median": _points(Fraction(statistics.median(totals))),
                    "low": points_text(min(totals)), "high": points_text(max(totals))},
        "histogram": histogram, "questions": questions, "entries": entry_rows,
        "discrimination": DISCRIMINATION,
        "mistakes": [{"label": C.LATEX[name], "count": count} for name, count in mistake_students(results)],
        "chosen": [{"number": q["question"], "options": [{"label": C.LATEX.get(m, m), "count": n, "right": m == RIGHT_OPTION}
                                                          for m, n in q["options"]]} for q in option_students(results)],
        "mistake_ticks": max((c for _, c in mistake_students(results)), default=0),
        "lowest": [{"id": r.student["student_id"], "name": r.student["name"], "code": r.student["version_code"],
                    "total": points_text(r.total), "percentage": f"{float(r.percentage):.1f}"} for r in lowest],
        "flags": [{"student": f.student, "other": f.other,
                   "matches": "the other's key" if f.statistic == "key" else "the other's wrong answers",
                   "count": f.count, "of": f.trials, "chance": f"{f.chance:.3f}",
                   "probability": _scientific(f.probability)} for f in flags],
        "copy_model": COPY_MODEL,
        "problems": [{"row": p.row, "student": p.student, "entry": _numbered(p.column, kinds.get(p.column, "")),
                      "text": typed_text(p.text), "why": p.why} for p in problems],
    }


def typed_text(text: str) -> str:
    """A cell's text as the PDFs show it: the minus sign as -, any other character outside ASCII as
    its code (\uff11: the fonts need not have it, and it shows why), at most SHOWN_PDF characters
    (a table cell has no break points inside a number)."""
    text = text.replace("\u2212", "-").encode("ascii", "backslashreplace").decode("ascii")
    return text[:SHOWN_PDF] + ("..." if len(text) > SHOWN_PDF else "")


def _numbered(column: str, kind: str) -> str:
    """An entry with its question, for tables of the whole exam: Q2 $L$."""
    return f"Q{column[1:].split('.', 1)[0]}~{entry_latex(column, kind)}" if column.startswith("q") else entry_latex(column, kind)


def _students(label: str, count: int) -> str:
    return f"{label} ({count} student{'s' if count != 1 else ''})"


def _scientific(p: float) -> str:
    r"""A probability in LaTeX: 3.2 \cdot 10^{-12}."""
    if p == 0:
        return "$< 10^{-300}$"
    mantissa, exponent = f"{p:.1e}".split("e")
    return rf"${mantissa}\cdot 10^{{{int(exponent)}}}$" if int(exponent) < -2 else f"{p:.3f}"
