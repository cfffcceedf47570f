"""`qgen generate --format`: practice.html beside (or instead of) the PDFs, from the same draw."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from click.testing import CliRunner

from qgen.cli import main


def run(*args):
    return CliRunner().invoke(main, ["generate", *args])


class Inputs(HTMLParser):
    """The page's answer boxes: (question code, entry name, key text), in page order."""

    def __init__(self):
        super().__init__()
        self.code, self.boxes, self.tags = None, [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "section" and "data-code" in a:  # a question (the last section is the practice record)
            self.code = a["data-code"]
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
    page = Inputs()
    page.feed((tmp_path / "practice.html").read_text(encoding="utf-8"))
    data = json.loads((tmp_path / "answers.json").read_text())
    expected = [(v["code"], e["name"], e["key"]) for v in data["variants"] for a in v["answers"] for e in a["entries"]]
    assert page.boxes == expected
    assert {"math", "svg", "script", "style"} <= page.tags  # MathML, inline pictures, inline code


def test_each_picture_and_glyph_is_on_the_page_once(tmp_path):
    """graph shows its picture on the question and again in the key: one <symbol>, used twice."""
    result = run("--kind", "graph", "--kind", "mlp", "--seed", "5", "--format", "html",
                 "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "practice.html").read_text(encoding="utf-8")
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
