"""Moodle XML: N verified variants of each question, one question category each, as cloze questions.

Each question k of a practice set or an exam becomes the category $course$/top/qgen/<title>/q<k>
holding N variants that share the question's structure (class_options, drawn once per question)
and differ in their numbers, so a quiz slot "random question from category" gives every student a
personal variant of the same amount of work. A variant is a cloze (multianswer) question: the
kind's question as HTML, one NUMERICAL sub-question per answer entry (qgen.moodle.cloze), the
worked key as general feedback, the diagram embedded as a PNG file, and an idnumber that names it
in the answers file written beside the XML (<stem>-answers.json).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jinja2
import numpy as np
from lxml import etree
from markupsafe import Markup

from qgen import __version__
from qgen.answer_summary import answer_entries
from qgen.answers import Entry, Precision, decimal_text
from qgen.errors import QgenError
from qgen.exam.config import ExamConfig, points_json
from qgen.exam.draw import acceptor, class_windows
from qgen.exam.run import shared_structures
from qgen.exam.secrets import moodle_seed
from qgen.moodle.cloze import box_width, sub_questions
from qgen.moodle.latex_html import latex_to_html, math_to_mathjax
from qgen.moodle.pictures import pdf_to_png
from qgen.output import check_own_file, publish_file
from qgen.practice import PracticeRequest, new_diagram_cache
from qgen.randomiser import Variant, child_seeds, draw_variant, kind_module, options_json
from qgen.render import render, template_dir

PENALTY = "0.3333333"  # Moodle's default penalty for a wrong try in interactive mode

HTML = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir()), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class QuizQuestion:
    """One question of the quiz: its category and its variants."""

    number: int
    kind: str
    points: Decimal | None  # the exam's points (None for a practice set)
    options: dict  # the structure every variant shares
    variants: tuple[Variant, ...]


# -- drawing ----------------------------------------------------------------------------------

def draw_question(number: int, kind: str, points, options: dict, seeds: list[int], accept=None,
                  loosen: str = "") -> QuizQuestion:
    """N variants of one question; accept: a check each must pass (an exam's class window), and
    loosen: what the user can change when too few variants pass it."""
    seen: set[str] = set()  # no two identical variants in one category
    variants = []
    for seed in seeds:
        try:
            variants.append(draw_variant(kind, seed, options, avoid=seen, accept=accept))
        except QgenError as e:  # most often: a small structure has fewer distinct variants than asked
            fewer = f"--count {len(variants)} or fewer" if variants else "fewer variants (--count)"
            raise QgenError(f"question {number} ({kind}), variant {len(variants) + 1} of {len(seeds)}: {e}; "
                            f"ask for {fewer}{loosen}") from None
    return QuizQuestion(number, kind, points, options, tuple(variants))


def class_structure(kind: str, options: dict, rng: np.random.Generator) -> dict:
    """The options with the question's structure fixed (kinds.<kind>.class_options)."""
    hook = getattr(kind_module(kind), "class_options", None)
    return hook(rng, options) if hook is not None else options


def practice_quiz(request: PracticeRequest, count: int) -> list[QuizQuestion]:
    """Question k is request.kinds[k]: its structure from the k-th child seed of the master seed,
    its N variants from that seed's own children."""
    options = request.options_by_kind()
    questions = []
    for k, (kind, seed) in enumerate(zip(request.kinds, child_seeds(request.seed, len(request.kinds))), start=1):
        structure = class_structure(kind, options[kind], np.random.default_rng(seed))
        questions.append(draw_question(k, kind, None, structure, child_seeds(seed, count)))
    return questions


def exam_quiz(config: ExamConfig, secret: bytes, count: int) -> list[QuizQuestion]:
    """Each exam question with the structure the paper exam gives it (from the secret), and N
    variants whose seeds come from the secret under their own HMAC label; each inside the class's
    window (exam.spread), as the paper exam's students are: the quiz is as fair as the paper."""
    config = class_windows(shared_structures(config, secret), secret)
    return [draw_question(q.number, q.kind, q.points, q.options,
                          [moodle_seed(secret, config.title, q.number, i) for i in range(1, count + 1)],
                          accept=acceptor(q.window),
                          loosen=f", or loosen exam.spread (now {config.spread!r})" if q.window else "")
            for q in config.questions]


# -- HTML -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RenderedVariant:
    name: str
    idnumber: str
    question_html: str
    feedback_html: str
    pictures: dict[str, str]  # PNG file name -> the diagram's PDF name in the cache


def idnumber(question: int, index: int, variant: Variant) -> str:
    return f"q{question}-v{index}-{variant.code}"


def render_variant(question: QuizQuestion, index: int, variant: Variant, diagrams, width: int) -> RenderedVariant:
    """One variant as HTML; every answer box `width` characters wide (cloze.box_width)."""
    draw = variant.draw
    pdf_name = diagrams.add(draw.diagram) if draw.diagram else None
    png_name = pdf_name.removesuffix(".pdf") + ".png" if pdf_name else None
    urls = {pdf_name: f"@@PLUGINFILE@@/{png_name}"} if pdf_name else {}
    template = question.kind.replace("-", "_")

    def html(side: str, context: dict, diagram: str | None) -> Markup:
        latex = render(f"kinds/{template}_{side}.tex", d=context, number_style=draw.number_style, diagram=diagram)
        return Markup(latex_to_html(latex, urls))

    subs = sub_questions(draw.answers, draw.number_style)
    answers = []
    for answer, entries in zip(draw.answers, subs):
        markers = np.array([s.marker(width) for s in entries], dtype=object).reshape(np.shape(answer.value))
        rows = None if markers.ndim == 0 else markers.reshape(markers.shape[0], -1).tolist()
        answers.append({"label": math_to_mathjax(answer.label), "marker": markers.flat[0], "rows": rows})
    asks = _asks([s.entry.precision for es in subs for s in es if not s.choices])  # a menu needs no typing rule
    question_html = HTML.get_template("moodle/question.html").render(
        body=html("question", draw.question, pdf_name), asks=asks, answers=answers)
    # The key as Moodle takes it: every entry a decimal at the asked places (Moodle reads no
    # fraction); the exact values are in the worked solution above it.
    key = [{"label": math_to_mathjax(a["label"]), "text": math_to_mathjax(a["text"])}
           for a in answer_entries(draw.answers, draw.number_style, entry_text=_typed)]
    feedback_html = HTML.get_template("moodle/feedback.html").render(
        # The feedback is shown under the question, picture and all: the key need not repeat it.
        body=html("solution", draw.solution, None), notes=[Markup(latex_to_html(n)) for n in draw.notes],
        answers=key, asks=asks)
    name = f"q{question.number} {question.kind}, variant {index} ({variant.code})"
    return RenderedVariant(name, idnumber(question.number, index, variant), question_html, feedback_html,
                           {png_name: pdf_name} if pdf_name else {})


def _typed(entry: Entry) -> str:
    """An entry as a student types it into Moodle: a decimal at the asked places (3, -0.75, 0.8755)."""
    return decimal_text(entry.key, entry.precision.places)


def question_width(question: QuizQuestion) -> int:
    """One box width for every sub-question of every variant of the question (cloze.box_width)."""
    return box_width([s for v in question.variants
                      for es in sub_questions(v.draw.answers, v.draw.number_style) for s in es])


def _asks(precisions: list[Precision]) -> list[dict]:
    """How to type the answers and what Moodle accepts, once per kind of precision the question asks."""
    asks = []
    for p in precisions:
        kind = ("exact" if not p.rtol else "log") if p.exact else "decimal"
        ask = {"kind": kind, "places": p.places, "atol": format(float(p.atol), "g"), "rtol": format(float(p.rtol), "g")}
        if ask not in asks:
            asks.append(ask)
    return asks


# -- XML --------------------------------------------------------------------------------------

# Moodle stores each name of a category path as clean_param(trim(name), PARAM_TEXT)
# (question/format.php, qformat_default::split_category_path; the same in Moodle 4.x and 5.x), and
# PARAM_TEXT is fix_utf8 (drops NUL, U+FFFE, U+FFFF) then strip_tags (clean_param in
# lib/moodlelib.php; lib/classes/param.php since 4.4): "Backprop & <Gradients>" is stored as
# "Backprop & ". A name without NUL, U+FFFE, U+FFFF, < and >, and without spaces at its ends is
# stored as written, so the file, the bank and the answers file name the same category.
_MOODLE_CLEANS = str.maketrans({"<": "\u2039", ">": "\u203a", "\0": None, "\ufffe": None, "\uffff": None})


def category_name(title: str) -> str:
    """The title as a category name Moodle stores unchanged: < and > become ‹ and ›."""
    return title.translate(_MOODLE_CLEANS).strip()


def category_path(title: str, question: int) -> str:
    """$course$/top/qgen/<title>/q<k>, the title as category_name. A / in a name is written //
    and a name that starts or ends with / gets a space there (Moodle's escape,
    qformat_default::assemble_category_path; the space is trimmed on import)."""
    name = category_name(title).replace("/", "//")
    name = (" " if name.startswith("/") else "") + name + (" " if name.endswith("/") else "")
    return f"$course$/top/qgen/{name}/q{question}"


def _text(parent, tag: str, text: str, **attrib):
    """<tag><text>…</text></tag>; CDATA when the text holds markup, as Moodle writes it."""
    element = etree.SubElement(parent, tag, **attrib)
    etree.SubElement(element, "text").text = etree.CDATA(text) if ("<" in text or "&" in text) else text
    return element


def _files(element, html: str, pictures: dict[str, str], pngs: dict[str, bytes]) -> None:
    """The pictures this text shows, as files of its own file area (Moodle keeps one per text)."""
    for png_name, pdf_name in pictures.items():
        if f"@@PLUGINFILE@@/{png_name}" not in html:
            continue
        file = etree.SubElement(element, "file", name=png_name, path="/", encoding="base64")
        file.text = base64.b64encode(pngs[pdf_name]).decode("ascii")


def quiz_xml(title: str, questions: list[QuizQuestion], rendered: list[list[RenderedVariant]],
             pngs: dict[str, bytes]) -> bytes:
    quiz = etree.Element("quiz")
    for question, variants in zip(questions, rendered):
        category = etree.SubElement(quiz, "question", type="category")
        _text(category, "category", category_path(title, question.number))
        points = "" if question.points is None else f", {points_json(question.points)} points"
        _text(category, "info", f"{question.kind}{points}: {len(variants)} variants", format="html")
        etree.SubElement(category, "idnumber")
        for variant in variants:
            element = etree.SubElement(quiz, "question", type="cloze")
            _text(element, "name", variant.name)
            for field, html in (("questiontext", variant.question_html), ("generalfeedback", variant.feedback_html)):
                _files(_text(element, field, html, format="html"), html, variant.pictures, pngs)
            etree.SubElement(element, "penalty").text = PENALTY
            etree.SubElement(element, "hidden").text = "0"
            etree.SubElement(element, "idnumber").text = variant.idnumber
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def answers_json(title: str, questions: list[QuizQuestion], source: dict) -> bytes:
    """Every variant's seed, parameters and answers, under the idnumber the XML gives it."""
    doc = {"qgen": __version__, "format": "moodle", "title": title, **source, "questions": [
        {"question": q.number, "kind": q.kind, "category": category_path(title, q.number),
         "points": None if q.points is None else points_json(q.points),
         "options": options_json(q.options),
         "variants": [{"variant": i, "idnumber": idnumber(q.number, i, v), **v.to_json()}
                      for i, v in enumerate(q.variants, start=1)]}
        for q in questions]}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def build_quiz(title: str, questions: list[QuizQuestion]) -> bytes:
    """The Moodle XML of the drawn questions (diagrams drawn once each, then embedded)."""
    diagrams = new_diagram_cache()
    rendered = [[render_variant(q, i, v, diagrams, question_width(q)) for i, v in enumerate(q.variants, start=1)]
                for q in questions]
    pngs = {name: pdf_to_png(pdf) for name, pdf in diagrams.files().items()}
    return quiz_xml(title, questions, rendered, pngs)


def quiz_targets(out: Path, inputs: tuple[Path, ...] = ()) -> tuple[Path, Path]:
    """quiz.xml and quiz-answers.json beside it, each new or a file qgen wrote of the same kind
    (never an input of the run): refused before any work otherwise."""
    out = Path(out)
    answers = out.with_name(f"{out.stem}-answers.json")
    check_own_file(out, "--out", "moodle-xml", inputs)
    check_own_file(answers, "--out", "moodle-answers", inputs)
    return out, answers


def write_quiz(title: str, questions: list[QuizQuestion], out: Path, source: dict,
               inputs: tuple[Path, ...] = ()) -> list[Path]:
    """quiz.xml and, beside it, quiz-answers.json; each file replaced atomically, and only when
    everything is built (qgen.output.publish_file)."""
    out, answers = quiz_targets(out, inputs)
    xml = build_quiz(title, questions)
    data = answers_json(title, questions, source)
    return [publish_file(xml, out, "--out", "moodle-xml", inputs),
            publish_file(data, answers, "--out", "moodle-answers", inputs)]


# Moodle keeps a category name in a column of 255 characters (question_categories.name): a longer
# name makes the import fail. Exam titles are bounded by exam.title's check; a practice title is
# made to fit.
MAX_CATEGORY_NAME = 255


def practice_title(request: PracticeRequest) -> str:
    """The practice set's category name: its kinds, each once, and how they were drawn."""
    drawn = f"({request.difficulty}, {request.mode}, seed {request.seed})"
    kinds = list(dict.fromkeys(request.kinds))
    named = f"practice {', '.join(kinds)} {drawn}"
    return named if len(named) <= MAX_CATEGORY_NAME else f"practice, {len(kinds)} kinds {drawn}"
