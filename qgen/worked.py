"""`qgen solve FILE --pdf OUT.pdf`: the worked solution of a user's own problem, typeset like one
question of an answer key: the `mlp` or `graph` kind's solution template, its diagram and the
answer summary, in templates/worked_solution.tex.

The problem is solved by the engine and checked by the oracle (mlp.draw_for_network,
graph.draw_for_expression); no reject rule of the kinds applies, so a ReLU at 0 or a max tie is
worked with the stated conventions. What does not fit a page is refused with one line.

All or nothing: write_worked_pdf checks, renders and compiles before anything is written, and the
PDF goes into place by an atomic rename, so OUT.pdf is the old file or the whole new one. The CLI
calls it before it prints the JSON answer, so on any error neither is produced.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from qgen.build import build, require_tex
from qgen.diagrams import DiagramCache
from qgen.engine.expression import NOT_RATIONAL, parse_expression
from qgen.errors import QgenError
from qgen.kinds import graph, mlp
from qgen.kinds.base import Draw
from qgen.latex_text import is_printable
from qgen.answer_summary import answer_summary
from qgen.output import check_own_file, publish_file
from qgen.practice import new_diagram_cache
from qgen.problem import ExpressionProblem, load_problem
from qgen.render import render

MAX_UNITS = 6  # units per layer (input included): wider matrices run into the margin
MAX_OPERATIONS = graph.MAX_OPS  # as for a fixed expression of the graph kind: the picture stays readable
MIN_SCALE = 0.6  # an expression's picture shrunk below this is too small to read
MAX_VARIABLE_NAME = 12  # characters of a variable name; whether the formulas fit is then checked (_check_margins)
OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")  # LaTeX's log: a line too wide
MARGIN_SLACK = 1.0  # pt a line may exceed the text width (invisible)
MAX_DIGITS = 10  # digits of a printed number (a fraction's numerator or denominator, a decimal's whole part)
PAGE_WIDTH = 16.5  # cm a diagram may take
HEADER_NAME = 48  # characters of the file name in the running header
NO_JSON = "; drop --pdf to get the JSON answer"
STDIN_NAMES = ("-", "<stdin>")


def worked_draw(problem) -> tuple[str, Draw]:
    """The kind whose templates show the problem ("mlp" or "graph") and its checked key; a
    QgenError for what does not fit a page."""
    kind, draw = _kind_and_key(problem)
    _check_lengths(draw)
    return kind, draw


def _kind_and_key(problem) -> tuple[str, Draw]:
    if isinstance(problem, ExpressionProblem):
        expression = parse_expression(problem.text)
        ops = [n for n in expression.nodes if n.op not in ("input", "const")]
        if not ops or not expression.variables:
            raise QgenError("--pdf: a worked solution needs at least one variable and one operation, "
                            "such as x * y" + NO_JSON)
        if len(ops) > MAX_OPERATIONS:
            raise QgenError(f"--pdf: expressions of more than {MAX_OPERATIONS} operations do not fit a worked "
                            f"solution (this one has {len(ops)})" + NO_JSON)
        long_name = next((v for v in expression.variables if len(v) > MAX_VARIABLE_NAME), None)
        if long_name is not None:
            raise QgenError(f"--pdf: variable names of more than {MAX_VARIABLE_NAME} characters do not fit the "
                            f"picture and the formulas ({long_name[:20]}… has {len(long_name)})" + NO_JSON)
        mode = "float" if any(n.op in NOT_RATIONAL for n in expression.nodes) else "exact"
        draw = graph.draw_for_expression(expression, problem.values, mode)
        if draw.solution["scale"] < MIN_SCALE:
            raise QgenError(f"--pdf: this expression's graph is too deep or too wide for a page (its picture would "
                            f"shrink to {draw.solution['scale']:.0%}; about 12 operations in a chain and 13 inputs "
                            "fit)" + NO_JSON)
        return "graph", draw
    widest = max([len(problem.x)] + [layer.linear.W.shape[0] for layer in problem.layers])
    if widest > MAX_UNITS:
        raise QgenError(f"--pdf: layers wider than {MAX_UNITS} units do not fit on a page "
                        f"(this network has {widest})" + NO_JSON)
    return "mlp", mlp.draw_for_network(problem, "exact" if problem.exact else "float")


def render_worked(kind: str, draw: Draw, name: str, diagrams: DiagramCache) -> str:
    """The LaTeX of the worked solution; its diagram is registered in `diagrams`."""
    scale = 1.0
    if kind == "mlp":  # the network's picture: 2.7 cm per layer, then the loss and the captions
        scale = round(min(1.0, PAGE_WIDTH / ((len(draw.solution["sizes"]) - 1) * 2.7 + 3.7)), 3)
    base = name.rsplit("/", 1)[-1]
    return render(
        "worked_solution.tex", kind=kind, d=draw.solution, number_style=draw.number_style,
        diagram=diagrams.add(draw.diagram) if draw.diagram else None, diagram_scale=scale,
        problem_name=name, header_name=base if len(base) <= HEADER_NAME else base[:HEADER_NAME - 3] + "...",
        notes=draw.notes,
        **answer_summary(draw),
    )


def write_worked_pdf(text: str, name: str, out: Path) -> Path:
    """Solve the problem in `text` (read from the file `name`), typeset its worked solution and
    write it to `out` atomically. Raises QgenError (nothing written) on any problem."""
    out = Path(out)
    if name not in STDIN_NAMES and Path(name).resolve() == out.resolve():
        raise QgenError(f"--pdf {out}: that is the problem file itself; choose another name")
    check_own_file(out, "--pdf", "solve-pdf", () if name in STDIN_NAMES else (Path(name),))  # before any work
    require_tex()
    kind, draw = worked_draw(load_problem(text))
    shown = "standard input" if name in STDIN_NAMES else "".join(ch if is_printable(ch) else "?" for ch in name)
    diagrams = new_diagram_cache()
    tex = render_worked(kind, draw, shown, diagrams)
    result = build(tex, files=diagrams.files(), keep_failed_in=out.parent / f"{out.name}.failed", collect=["doc.log"])
    _check_margins(result.files.get("doc.log", b""))
    return publish_file(result.pdf, out, "--pdf", "solve-pdf", () if name in STDIN_NAMES else (Path(name),))


def _check_margins(log: bytes) -> None:
    """Refuse a solution whose formulas run into the margin (long variable names make them wide)."""
    widths = [float(w) for w in OVERFULL.findall(log.decode("latin-1"))]
    if any(w > MARGIN_SLACK for w in widths):
        raise QgenError(f"--pdf: a line of the worked solution would run {max(widths):.0f}pt into the margin; "
                        "use shorter variable names" + NO_JSON)


def _check_lengths(draw: Draw) -> None:
    """Refuse numbers too long for a matrix cell (exact answers of deep networks can grow)."""
    for v in _numbers(draw.solution):
        if isinstance(v, Fraction):
            long = max(len(str(abs(v.numerator))), len(str(v.denominator))) > MAX_DIGITS
        else:
            long = abs(float(v)) >= 10.0**MAX_DIGITS
        if long:
            raise QgenError(f"--pdf: the solution has numbers of more than {MAX_DIGITS} digits, "
                            "too long to typeset" + NO_JSON)


def _numbers(value):
    """Every Fraction and float in a template context (counts and flags are ints and bools)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, np.ndarray):
        for v in value.flat:
            yield from _numbers(v)
    elif isinstance(value, (Fraction, float, np.floating)):
        yield value
