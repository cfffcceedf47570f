"""The practice page: one self-contained HTML file that checks a student's answers as they type.

A third render of the same draws as the question sheet and the key: each kind's own LaTeX
templates are rendered with the draw's contexts and converted (qgen.latex_html), the pictures are
the key's TikZ PDFs turned into inline SVG by poppler's pdftocairo, and every input carries its
entry's exact key and tolerances from qgen.answers, which the page's copy of the rule
(templates/html/accept.js, tested against `accepts`) compares with. Nothing is recomputed here.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import subprocess
import tempfile
import zlib
from importlib import resources
from pathlib import Path

import jinja2
import numpy as np

from qgen.answer_summary import answer_summary
from qgen.answers import Entry, rational
from qgen.diagram_text import describe
from qgen.diagrams import DiagramCache
from qgen.errors import QgenError
from qgen.latex_html import math, paragraphs, steps, to_html
from qgen.numbers import Ln, fraction_text
from qgen.page_hints import hints
from qgen.page_mistakes import mistaken_keys
from qgen.randomiser import Variant
from qgen.render import ENV as LATEX_ENV

_HTML = jinja2.Environment(
    loader=jinja2.PackageLoader("qgen.templates", "html"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)


def _font() -> bytes:
    """The page's own math font (templates/html/math-font.woff, built by qgen.math_font)."""
    return resources.files("qgen.templates").joinpath("html", "math-font.woff").read_bytes()


def _asset(name: str) -> str:
    return resources.files("qgen.templates").joinpath("html", name).read_text(encoding="utf-8")


def render_page(pools: list[list[Variant]], title: str, subtitle: str, diagrams: DiagramCache,
                conventions: str = "full") -> str:
    """The page's HTML text: each question with its pool of variants (the first is the sheet's),
    each variant rendered whole and carried deflated (its weight is a tenth), as are the pictures,
    drawn through `diagrams` (the LaTeX renders' cache). `conventions`: the level of the
    conventions box, as on the question sheet (--conventions)."""
    names = [[diagrams.add(v.draw.diagram) if v.draw.diagram else None for v in pool] for pool in pools]
    pictures = Pictures(diagrams)
    template = _HTML.get_template("variant.html")
    questions = [{"number": i, "kind": pool[0].kind,
                  "variants": [{"code": v.code, "data": _deflate(template.render(v=_question(i, v, name, pictures)))}
                               for v, name in zip(pool, pool_names)]}
                 for i, (pool, pool_names) in enumerate(zip(pools, names), start=1)]
    sheet = [pool[0] for pool in pools]
    page_id = hashlib.sha256(json.dumps([v.code for v in sheet] + [title, subtitle]).encode()).hexdigest()[:16]
    return _HTML.get_template("practice.html").render(
        title=title, subtitle=subtitle, questions=questions, page_id=page_id,
        **_asked([v for pool in pools for v in pool]),
        conventions=jinja2.filters.Markup(_conventions(conventions)),
        gate_table=jinja2.filters.Markup("" if conventions == "gate-table" else _gate_table()),
        sprite=_deflate(pictures.sprite()),
        css=jinja2.filters.Markup(_asset("practice.css")),
        math_font=base64.b64encode(_font()).decode("ascii"),
        script=jinja2.filters.Markup(_script("\n".join(_asset(f) for f in SCRIPTS))),
    )


def _deflate(text: str) -> str:
    """Raw deflate, base64: the page inflates it with the browser's own DecompressionStream."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(z.compress(text.encode()) + z.flush()).decode("ascii")


def inflate(data: str) -> str:
    """What `_deflate` carried (for tests and tools that read the page)."""
    return zlib.decompress(base64.b64decode(data), -15).decode()


def _asked(variants: list[Variant]) -> dict:
    """What the page's instructions mention: exact fractions, exact logarithms, 4-place decimals,
    options to choose (shapes ask whole numbers under their own instruction)."""
    entries = [e for v in variants for a in v.draw.answers if a.display not in ("shape", "choice") and v.kind != "shapes"
               for e in a.entries(v.draw.number_style)]
    return {"exact": any(e.precision.exact for e in entries), "decimal": any(not e.precision.exact for e in entries),
            "logarithm": any(isinstance(e.key, Ln) for e in entries),
            "choice": any(a.display == "choice" for v in variants for a in v.draw.answers)}


SCRIPTS = ("read.js", "accept.js", "choice.js", "practice.js")  # in this order, one <script>


def _conventions_blocks(level: str) -> list[str]:
    tex = LATEX_ENV.get_template("partials/conventions.tex").render(conventions=level)
    blocks = [b for p in paragraphs(tex) for b in p]
    return blocks[1:] if blocks and blocks[0] == "<p><strong>Conventions</strong></p>" else blocks


def _conventions(level: str) -> str:
    """The sheet's conventions box (templates/partials/conventions.tex) at the sheet's level."""
    return "\n".join(_conventions_blocks(level))


def _gate_table() -> str:
    """The note's gate table, as the box prints it at the gate-table level: on every page."""
    blocks = _conventions_blocks("gate-table")
    start = next(i for i, b in enumerate(blocks) if b.startswith("<p><strong>Gate table</strong>"))
    return "\n".join(blocks[start:])


def _script(js: str) -> str:
    return js.replace("</", "<\\/")  # nothing in a script may close the element early


def _question(number: int, v: Variant, name: str | None, pictures: Pictures) -> dict:
    kind = v.kind.replace("-", "_")

    def latex(side: str) -> str:
        context = v.draw.question if side == "question" else v.draw.solution
        return LATEX_ENV.get_template(f"kinds/{kind}_{side}.tex").render(
            number_style=v.draw.number_style, d=context, diagram=name, page=True)

    pictures.description = describe(v.kind, v.draw.params)
    mistakes = mistaken_keys(v)
    ladders = hints(v, {a.name: _form_id(number, a.name) for a in v.draw.answers})
    options = {a.name: _options(v, a, pictures) for a in v.draw.answers}
    return {
        "number": number, "code": v.code, "kind": v.kind,
        "body": jinja2.filters.Markup(to_html(latex("question"), pictures.show)),
        "asked": answer_summary(v.draw)["asked"],
        "answers": [{**_answer(number, a, v.draw.number_style, mistakes.get(a.name, []), ladders[a.name]),
                     "options": options[a.name], "right": options[a.name][int(a.value) - 1] if options[a.name] else None}
                    for a in v.draw.answers],
        "shapes": any(a.display == "shape" for a in v.draw.answers),
        "steps": [jinja2.filters.Markup(s) for s in own_steps(steps(latex("solution"), pictures.show))],
        "notes": list(v.draw.notes),
    }


def _options(v: Variant, answer, pictures: Pictures) -> list[dict]:
    """A choice answer's options, one radio button each: its number and the text the sheet lists
    (the kind's kinds/<kind>_option.tex on each of the question's `options`, math as MathML)."""
    if answer.display != "choice":
        return []
    template = LATEX_ENV.get_template(f"kinds/{v.kind.replace('-', '_')}_option.tex")
    shown = v.draw.question["options"]
    return [{"number": k, "label": label,
             "text": jinja2.filters.Markup(_inline(to_html(template.render(
                 o=o, d=v.draw.question, number_style=v.draw.number_style), pictures.show)))}
            for k, (label, o) in enumerate(zip(answer.choices, shown, strict=True), start=1)]


def _inline(block: str) -> str:
    """One paragraph's HTML without its <p> (an option's text sits inside its label)."""
    m = re.fullmatch(r"<p>(.*)</p>", block.strip(), flags=re.S)
    return m.group(1) if m and "<p>" not in m.group(1) else block


def own_steps(chunks: list[str]) -> list[str]:
    """A worked key that numbers its own steps ("Step 1: …") is revealed one of its steps at a time,
    so that the page's counter and the step's own number agree; others a paragraph at a time."""
    def number(chunk: str):
        m = re.match(r"Step (\d+)\b", re.sub(r"<[^>]+>", "", chunk).strip())
        return int(m.group(1)) if m else None

    chunks = _with_words(chunks)
    if not chunks or number(chunks[0]) != 1:
        return chunks
    out: list[str] = []
    for chunk in chunks:
        if number(chunk) == len(out) + 1 or not out:
            out.append(chunk)
        else:
            out[-1] += "\n" + chunk
    return out


def _with_words(chunks: list[str]) -> list[str]:
    """A chunk of only a picture or a formula goes with the words after it: a step says something."""
    out: list[str] = []
    waiting = ""
    for chunk in chunks:
        words = re.sub(r"<[^>]+>", "", re.sub(r"<math.*?</math>|<svg.*?</svg>", "", chunk, flags=re.S)).strip()
        if words:
            out.append(waiting + chunk)
            waiting = ""
        else:
            waiting += chunk + "\n"
    if waiting and out:
        out[-1] += "\n" + waiting
    elif waiting:
        out.append(waiting)
    return out


def _form_id(number: int, name: str) -> str:
    return f"q{number}-{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')}"


def _answer(number: int, answer, number_style: str, mistakes: list[dict], ladder: dict) -> dict:
    """An asked answer's inputs laid out like its value: one box, a column, a grid, or a shape's
    rows × columns; with the values its named mistakes give (qgen.page_mistakes)."""
    entries = answer.entries(number_style)
    shape = np.shape(np.asarray(answer.value, dtype=object))
    is_shape = answer.display == "shape"
    rows = [entries] if len(shape) == 0 or is_shape else (
        [[e] for e in entries] if len(shape) == 1 else
        [entries[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])])
    form_id = _form_id(number, answer.name)
    cells = iter(range(1, len(entries) + 1))
    return {
        "name": answer.name, "id": form_id,
        "label": jinja2.filters.Markup(math(answer.label)),
        "shape": "shape" if is_shape else "choice" if answer.display == "choice" else "scalar" if not shape else (
            "vector" if len(shape) == 1 else "matrix"),
        "rows": [[{**_entry(e, is_shape), "id": f"{form_id}-{next(cells)}"} for e in row] for row in rows],
        "mistakes": json.dumps(mistakes, ensure_ascii=False, separators=(",", ":")) if mistakes else "",
        "hint": _markup(ladder),
    }


def _markup(ladder: dict) -> dict:
    """The ladder's HTML pieces (MathML from the converter, text escaped) marked safe for the template."""
    safe = jinja2.filters.Markup
    return {**{k: safe(ladder[k]) for k in ("row", "formula", "solution")},
            "pieces": [{**p, "label": safe(p["label"]), "source": safe(p["source"]), "value": safe(p["value"])}
                       for p in ladder["pieces"]]}


def _entry(e: Entry, is_shape: bool = False) -> dict:
    where = ("" if not e.index else
             f", {'rows' if e.index[0] == 1 else 'columns'}" if is_shape else
             f", entry {e.index[0]}" if len(e.index) == 1 else f", row {e.index[0]}, column {e.index[1]}")
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
        self.description = "the diagram of the question"  # what a screen reader says: set per question
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

        return (f'<span class="picture"><svg role="img" aria-label="{html.escape(self.description)}" '
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
