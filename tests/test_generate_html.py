"""`qgen generate --format`: practice.html beside (or instead of) the PDFs, from the same draw."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from click.testing import CliRunner

from qgen.cli import main
from qgen.html_page import inflate


def run(*args):
    return CliRunner().invoke(main, ["generate", *args])


def variants(html: str) -> list[list[tuple[str, str]]]:
    """Each question's pool as the page carries it: (variant code, its inflated HTML), in order."""
    out = []
    for section in re.findall(r'<section class="question".*?</section>', html, re.S):
        out.append([(code, inflate(data)) for code, data in
                    re.findall(r'<template class="variant" data-code="([^"]+)">([^<]*)</template>', section)])
    return out


class Inputs(HTMLParser):
    """A variant's answer boxes: (question code, entry name, key text), in page order."""

    def __init__(self, code=None):
        super().__init__()
        self.code, self.boxes, self.tags = code, [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "input":
            self.boxes.append((self.code, a["name"], a["data-key-text"]))
        for name in ("src", "href"):  # nothing to load: no script, style, font or picture file
            assert name not in a or a[name].startswith("#"), (tag, a)


def test_html_and_pdf_from_one_draw_hold_the_same_keys(tmp_path):
    result = run("--kind", "softmax-ce", "--kind", "mlp", "--kind", "graph", "--seed", "5",
                 "--mode", "given", "--format", "pdf,html", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".qgen-output", "answers.json", "answers.pdf", "answers.tex", "practice.html", "questions.pdf",
                     "questions.tex"]
    html = (tmp_path / "practice.html").read_text(encoding="utf-8")
    whole = Inputs()
    whole.feed(html)  # the page itself loads nothing
    pools = variants(html)
    data = json.loads((tmp_path / "answers.json").read_text())
    boxes = []
    for pool in pools:
        for code, variant in pool:
            page = Inputs(code)
            page.feed(variant)
            boxes.append(page.boxes)
            assert {"math", "form", "input"} <= page.tags  # MathML, the answer boxes
    keys = [[(v["code"], e["name"], e["key"]) for a in v["answers"] for e in a["entries"]]
            for q, first in zip(data["pool"], data["variants"]) for v in [first] + q["variants"]]
    assert boxes == keys  # the sheet's variant first, then its pool, as answers.json lists them
    assert [len(p) for p in pools] == [10] * 3  # --pool: 10 by default
    assert {"script", "style", "template"} <= whole.tags


def test_each_picture_and_glyph_is_on_the_page_once(tmp_path):
    """graph shows its picture on the question and again in the key: one <symbol>, used twice."""
    result = run("--kind", "graph", "--kind", "mlp", "--seed", "5", "--format", "html", "--pool", "1",
                 "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "practice.html").read_text(encoding="utf-8")
    sprite = inflate(re.search(r'<template id="sprite-data">([^<]*)</template>', page).group(1))
    html = sprite + "".join(v for pool in variants(page) for _, v in pool[:1])  # the sheet's variants
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    pictures = re.findall(r'<symbol id="(p\d+)"', html)
    assert len(pictures) == 2  # a graph and a network
    uses = [re.findall(rf'<use href="#{p}"/>', html) for p in pictures]
    assert sorted(len(u) for u in uses) == [1, 2]  # the network on the question, the graph on both
    glyphs = re.findall(r'<symbol overflow="visible" id="g\d+"><path[^>]*/>', html)
    assert len(glyphs) == len(set(g.split(">", 1)[1] for g in glyphs))  # each glyph outline once


def test_html_alone_writes_no_pdf(tmp_path):
    result = run("--kind", "shapes", "--seed", "1", "--format", "html", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".qgen-output", "answers.json", "practice.html"]
    assert "practice.html" in result.output


def test_an_unknown_format_is_one_line_and_status_2(tmp_path):
    result = run("--kind", "shapes", "--seed", "1", "--format", "pdf,docx", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["qgen: --format pdf,docx: expected pdf, html or pdf,html"]
    assert not (tmp_path / "answers.json").exists()
    assert re.search("Traceback", result.output) is None


class Conventions(HTMLParser):
    """The words of the page's conventions box and of its gate table (text outside math)."""

    def __init__(self):
        super().__init__()
        self.where, self.math, self.words = None, 0, {"conventions": [], "gate-table": []}

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class", "")
        if tag == "details" and cls in self.words:
            self.where = cls
        self.math += tag == "math"

    def handle_endtag(self, tag):
        self.math -= tag == "math"
        if tag == "details":
            self.where = None

    def handle_data(self, data):
        if self.where and not self.math:
            self.words[self.where] += re.findall(r"[A-Za-z]{3,}", data)


def test_the_page_carries_the_sheets_conventions_at_its_level_and_the_gate_table(tmp_path):
    from tests.pdftext import page_texts

    for level in ("notation", "full"):
        out = tmp_path / level
        result = run("--kind", "shapes", "--seed", "1", "--format", "pdf,html", "--conventions", level, "--out", str(out))
        assert result.exit_code == 0, result.output
        html = (out / "practice.html").read_text(encoding="utf-8")
        assert '<details class="conventions" open>' in html and '<details class="gate-table" open>' in html
        found = Conventions()
        found.feed(html)
        sheet = re.sub(r"\s+", " ", page_texts(out / "questions.pdf")[0])
        words = [w for w in found.words["conventions"] if w != "Conventions"]
        assert len(words) > 30
        assert [w for w in words if w not in sheet] == []  # the sheet's own words, at this level
        assert {"Gate", "Gradient", "elementwise"} <= set(found.words["gate-table"])


def test_a_pool_out_of_range_is_one_line_and_status_2(tmp_path):
    result = run("--kind", "shapes", "--seed", "1", "--format", "html", "--pool", "0", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["qgen: --pool: expected a whole number from 1 to 50, got 0"]
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
