"""The practice page: one self-contained HTML file that checks a student's answers as they type.

A third render of the same draws as the question sheet and the key: each kind's own LaTeX
templates are rendered with the draw's contexts and converted (qgen.latex_html), the pictures are
the key's TikZ PDFs turned into inline SVG by poppler's pdftocairo, and every input carries its
entry's exact key and tolerances from qgen.answers, which the page's copy of the rule
(templates/html/accept.js, tested against `accepts`) compares with. Nothing is recomputed here.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import jinja2
import numpy as np

from qgen.answers import Entry, rational
from qgen.numbers import fraction_text
from qgen.build import DiagramCache
from qgen.errors import QgenError
from qgen.latex_html import math, steps, to_html
from qgen.practice import asked
from qgen.randomiser import Variant
from qgen.render import ENV as LATEX_ENV

_HTML = jinja2.Environment(
    loader=jinja2.PackageLoader("qgen.templates", "html"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)


def _asset(name: str) -> str:
    return resources.files("qgen.templates").joinpath("html", name).read_text(encoding="utf-8")


def render_page(variants: list[Variant], title: str, subtitle: str, diagrams: DiagramCache) -> str:
    """The page's HTML text; its pictures are drawn through `diagrams` (the LaTeX renders' cache)."""
    for v in variants:
        if v.draw.diagram:
            diagrams.add(v.draw.diagram)
    svgs = pictures_as_svg(diagrams)
    questions = [_question(i, v, diagrams.add(v.draw.diagram) if v.draw.diagram else None, svgs)
                 for i, v in enumerate(variants, start=1)]
    page_id = hashlib.sha256(json.dumps([v.code for v in variants] + [title, subtitle]).encode()).hexdigest()[:16]
    return _HTML.get_template("practice.html").render(
        title=title, subtitle=subtitle, questions=questions, page_id=page_id,
        css=jinja2.filters.Markup(_asset("practice.css")),
        script=jinja2.filters.Markup(_script(_asset("accept.js") + "\n" + _asset("practice.js"))),
    )


def _script(js: str) -> str:
    return js.replace("</", "<\\/")  # nothing in a script may close the element early


def _question(number: int, v: Variant, name: str | None, svgs: dict[str, str]) -> dict:
    kind = v.kind.replace("-", "_")

    def picture(file: str, options: str) -> str:
        scale = re.search(r"scale=([0-9.]+)", options)
        return _scaled(svgs[file], float(scale.group(1)) if scale else 1.0)

    def latex(side: str) -> str:
        context = v.draw.question if side == "question" else v.draw.solution
        return LATEX_ENV.get_template(f"kinds/{kind}_{side}.tex").render(
            number_style=v.draw.number_style, d=context, diagram=name)

    return {
        "number": number, "code": v.code, "kind": v.kind,
        "body": jinja2.filters.Markup(to_html(latex("question"), picture)),
        "asked": asked(v.draw.answers, v.draw.number_style),
        "answers": [_answer(number, a, v.draw.number_style) for a in v.draw.answers],
        "steps": [jinja2.filters.Markup(s) for s in steps(latex("solution"), picture)],
        "notes": list(v.draw.notes),
    }


def _answer(number: int, answer, number_style: str) -> dict:
    """An asked answer's inputs laid out like its value: one box, a column, or a grid."""
    entries = answer.entries(number_style)
    shape = np.shape(np.asarray(answer.value, dtype=object))
    rows = [entries] if len(shape) == 0 else (
        [[e] for e in entries] if len(shape) == 1 else
        [entries[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])])
    return {
        "name": answer.name,
        "id": f"q{number}-{re.sub(r'[^A-Za-z0-9]+', '-', answer.name).strip('-')}",
        "label": jinja2.filters.Markup(math(answer.label)),
        "plain": answer.name,
        "shape": "scalar" if not shape else ("vector" if len(shape) == 1 else "matrix"),
        "rows": [[_entry(e, shape) for e in row] for row in rows],
        "ask": entries[0].precision.ask(),
    }


def _entry(e: Entry, shape: tuple) -> dict:
    where = ("" if not e.index else f", entry {e.index[0]}" if len(e.index) == 1
             else f", row {e.index[0]}, column {e.index[1]}")
    return {"name": e.name, "aria": f"{e.answer}{where}", "key": fraction_text(rational(e.key)),
            "atol": fraction_text(e.precision.atol), "rtol": fraction_text(e.precision.rtol),
            "key_text": e.key_text()}


# --- pictures -----------------------------------------------------------------


def pictures_as_svg(diagrams: DiagramCache) -> dict[str, str]:
    """Each TikZ picture's PDF (drawn once, as for the PDFs) as inline SVG, ids made unique."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="qgen-svg-") as tmp:
        for n, (name, pdf) in enumerate(sorted(diagrams.files().items())):
            pdf_path, svg_path = Path(tmp) / name, Path(tmp) / f"{name}.svg"
            pdf_path.write_bytes(pdf)
            try:
                subprocess.run(["pdftocairo", "-svg", str(pdf_path), str(svg_path)], check=True,
                               capture_output=True, timeout=60)
            except FileNotFoundError:
                raise QgenError("--format html: needs poppler's pdftocairo (install poppler-utils)") from None
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                raise QgenError(f"--format html: pdftocairo could not convert a diagram ({e})") from None
            out[name] = _unique_ids(svg_path.read_text(encoding="utf-8"), f"d{n}-")
    return out


def _unique_ids(svg: str, prefix: str) -> str:
    """pdftocairo names glyphs and clips glyph-0-1, clip-1 in every file: prefix them per picture,
    since all pictures share one page, and drop the XML declaration."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', svg)
    svg = re.sub(r'(xlink:href|href)="#([^"]+)"', rf'\1="#{prefix}\2"', svg)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", svg)


def _scaled(svg: str, scale: float) -> str:
    """The picture at the size the PDF prints it (pt), as a figure with a text alternative."""
    def size(m):
        return f'{m.group(1)}="{float(m.group(2)) * scale:.1f}pt"'
    head, _, rest = svg.partition(">")
    head = re.sub(r'\b(width|height)="([0-9.]+)(?:pt)?"', size, head)
    head = head.replace("<svg", '<svg role="img" aria-label="the diagram of the question"', 1)
    return f'<span class="picture">{head}>{rest}</span>'
