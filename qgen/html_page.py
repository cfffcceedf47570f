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
from qgen.diagrams import DiagramCache
from qgen.errors import QgenError
from qgen.latex_html import math, steps, to_html
from qgen.numbers import fraction_text
from qgen.practice import answer_summary
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
    names = [diagrams.add(v.draw.diagram) if v.draw.diagram else None for v in variants]
    pictures = Pictures(diagrams)
    questions = [_question(i, v, name, pictures) for i, (v, name) in enumerate(zip(variants, names), start=1)]
    page_id = hashlib.sha256(json.dumps([v.code for v in variants] + [title, subtitle]).encode()).hexdigest()[:16]
    return _HTML.get_template("practice.html").render(
        title=title, subtitle=subtitle, questions=questions, page_id=page_id,
        sprite=jinja2.filters.Markup(pictures.sprite()),
        css=jinja2.filters.Markup(_asset("practice.css")),
        script=jinja2.filters.Markup(_script(_asset("accept.js") + "\n" + _asset("practice.js"))),
    )


def _script(js: str) -> str:
    return js.replace("</", "<\\/")  # nothing in a script may close the element early


def _question(number: int, v: Variant, name: str | None, pictures: Pictures) -> dict:
    kind = v.kind.replace("-", "_")

    def latex(side: str) -> str:
        context = v.draw.question if side == "question" else v.draw.solution
        return LATEX_ENV.get_template(f"kinds/{kind}_{side}.tex").render(
            number_style=v.draw.number_style, d=context, diagram=name)

    return {
        "number": number, "code": v.code, "kind": v.kind,
        "body": jinja2.filters.Markup(to_html(latex("question"), pictures.show)),
        "asked": answer_summary(v.draw)["asked"],
        "answers": [_answer(number, a, v.draw.number_style) for a in v.draw.answers],
        "steps": [jinja2.filters.Markup(s) for s in steps(latex("solution"), pictures.show)],
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
        "shape": "scalar" if not shape else ("vector" if len(shape) == 1 else "matrix"),
        "rows": [[_entry(e) for e in row] for row in rows],
    }


def _entry(e: Entry) -> dict:
    where = ("" if not e.index else f", entry {e.index[0]}" if len(e.index) == 1
             else f", row {e.index[0]}, column {e.index[1]}")
    return {"name": e.name, "aria": f"{e.answer}{where}", "key": fraction_text(rational(e.key)),
            "atol": fraction_text(e.precision.atol), "rtol": fraction_text(e.precision.rtol),
            "key_text": e.key_text()}


# --- pictures -----------------------------------------------------------------


class Pictures:
    """The page's pictures from their TikZ PDFs (drawn once, as for the PDFs), as inline SVG.

    pdftocairo writes every glyph of a picture as a <symbol> and every picture whole. To keep a page
    of ten questions well under 1 MB, the page holds one hidden sprite: each distinct glyph once,
    each picture once as a <symbol>; where a template includes a picture, a small <svg> uses it.
    Coordinates are rounded to 1/100 pt (the PDF's own drawing is unchanged)."""

    def __init__(self, diagrams: DiagramCache):
        self.glyphs: dict[str, str] = {}  # glyph path -> its id on the page
        self.symbols: list[str] = []
        self.sizes: dict[str, tuple[str, str, str, str]] = {}  # file -> (width, height, viewBox, symbol id)
        with tempfile.TemporaryDirectory(prefix="qgen-svg-") as tmp:
            for n, (name, pdf) in enumerate(sorted(diagrams.files().items())):
                self._add(name, f"p{n}", _pdf_to_svg(pdf, Path(tmp) / name))

    def _add(self, name: str, prefix: str, svg: str):
        svg = re.sub(r"-?\d+\.\d{3,}", lambda m: _short(float(m.group())), svg)
        local = {}
        for glyph_id, path in re.findall(r'<symbol overflow="visible" id="([^"]+)">\s*(<path[^>]*/>)\s*</symbol>', svg):
            local[glyph_id] = self.glyphs.setdefault(path, f"g{len(self.glyphs)}")
        svg = re.sub(r'<symbol overflow="visible" id="[^"]+">\s*<path[^>]*/>\s*</symbol>\s*', "", svg)
        svg = re.sub(r'(xlink:href|href)="#(glyph[^"]+)"', lambda m: f'href="#{local[m.group(2)]}"', svg)
        svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
        svg = re.sub(r'(xlink:href|href)="#((?!g\d)[^"]+)"', rf'href="#{prefix}-\2"', svg)
        svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
        head = re.search(r"<svg[^>]*>", svg)
        width, height, box = (re.search(rf'{attr}="([^"]+)"', head.group()).group(1)
                              for attr in ("width", "height", "viewBox"))
        body = svg[head.end():svg.rindex("</svg>")].replace("<g>\n</g>", "")
        self.symbols.append(f'<symbol id="{prefix}" viewBox="{box}">{body}</symbol>')
        self.sizes[name] = (width, height, box, prefix)

    def sprite(self) -> str:
        glyphs = "".join(f'<symbol overflow="visible" id="{gid}">{path}</symbol>' for path, gid in self.glyphs.items())
        return ('<svg class="sprite" aria-hidden="true" focusable="false" width="0" height="0" '
                'style="position:absolute;overflow:hidden">'
                f"<defs>{glyphs}{''.join(self.symbols)}</defs></svg>")

    def show(self, name: str, options: str) -> str:
        """A picture where a template includes it, at the size the PDF prints it."""
        width, height, box, symbol = self.sizes[name]
        scale = re.search(r"scale=([0-9.]+)", options)
        factor = float(scale.group(1)) if scale else 1.0

        def size(value: str) -> str:
            return f"{float(value.removesuffix('pt')) * factor:.1f}pt"

        return (f'<span class="picture"><svg role="img" aria-label="the diagram of the question" '
                f'width="{size(width)}" height="{size(height)}" viewBox="{box}"><use href="#{symbol}"/></svg></span>')


def _short(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pdf_to_svg(pdf: bytes, pdf_path: Path) -> str:
    svg_path = pdf_path.with_suffix(".svg")
    pdf_path.write_bytes(pdf)
    try:
        subprocess.run(["pdftocairo", "-svg", str(pdf_path), str(svg_path)], check=True,
                       capture_output=True, timeout=60)
    except FileNotFoundError:
        raise QgenError("--format html: needs poppler's pdftocairo (install poppler-utils)") from None
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        raise QgenError(f"--format html: pdftocairo could not convert a diagram ({e})") from None
    return svg_path.read_text(encoding="utf-8")
