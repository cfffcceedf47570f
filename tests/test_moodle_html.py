"""The LaTeX-to-HTML conversion of the Moodle export: each construct the templates use, the
escaping, the errors, and every kind's question and key templates in every mode."""

import itertools
import re

import pytest
from lxml import etree

from qgen.kinds.base import DIFFICULTIES, MODES
from qgen.moodle.latex_html import LatexHtmlError, latex_to_html, math_to_mathjax
from qgen.randomiser import KIND_MODULES, child_seeds, draw_variant, resolve_options
from qgen.render import render

DELIMITERS = re.compile(r"\\[()\[\]]")


def parse(html: str):
    return etree.fromstring(f"<div>{html}</div>")


def math_balanced(text: str) -> bool:
    r"""\( \) and \[ \] alternate, open then close of the same kind, none left open."""
    open_ = None
    for token in DELIMITERS.findall(text):
        if token in (r"\(", r"\["):
            if open_ is not None:
                return False
            open_ = token
        elif open_ is None or {r"\(": r"\)", r"\[": r"\]"}[open_] != token:
            return False
        else:
            open_ = None
    return open_ is None


def text_nodes(element):
    """Every text and tail in the tree: MathJax finds math within one text node only."""
    for node in element.iter():
        yield node.text or ""
        yield node.tail or ""


def test_paragraphs_lists_and_math():
    html = latex_to_html("First $x < y$ and\n\\[ a \\& b \\]\n\nSecond.\n"
                         "\\begin{enumerate}[label=(\\alph*)]\n\\item One.\n\\item Two $z$.\n\\end{enumerate}")
    root = parse(html)
    assert [e.tag for e in root] == ["p", "p", "ol"]
    assert root[0].text == r"First \(x < y\) and \[ a \& b \]"
    assert "&lt;" in html  # the < of the math is escaped in the HTML source
    assert [li.text.strip() for li in root[2]] == ["One.", r"Two \(z\)."]
    assert root[2].get("type") == "a"


def test_sheet_macros_are_expanded_for_mathjax():
    assert math_to_mathjax(r"\pd{L}{W^{[1]}} \in \R^{2}, x\T") == \
        r"\frac{\partial L}{\partial W^{[1]}} \in \mathbb{R}^{2}, x^{\mathsf{T}}"
    assert math_to_mathjax(r"\pd{\pd{a}{b}}{c}") == r"\frac{\partial \frac{\partial a}{\partial b}}{\partial c}"
    assert math_to_mathjax(r"\tanh \Rightarrow \right)") == r"\tanh \Rightarrow \right)"  # no false hits
    # A row break before ( or [ would read as a math delimiter in the HTML.
    assert math_to_mathjax(r"a \\(b)") == r"a \\ (b)"


def test_align_becomes_aligned_display_math():
    html = latex_to_html("\\begin{align*}\nz &= 1 \\\\\na &= 2\n\\end{align*}")
    assert parse(html)[0].text == r"\[ \begin{aligned} z &= 1 \\ a &= 2 \end{aligned} \]"


def test_text_commands_styles_and_spacing():
    html = latex_to_html(r"\textbf{Step 1: $x$.} \emph{why}~now\ \textemdash{} a--b % a comment" "\n"
                         r"\vspace{3cm}\begingroup\renewcommand{\arraystretch}{1.35}end\endgroup\par next")
    root = parse(html)
    strong, em = root[0][0], root[0][1]
    assert (strong.tag, strong.text) == ("strong", r"Step 1: \(x\).")
    assert (em.tag, em.text) == ("em", "why")
    assert em.tail == "\u00a0now \u2014 a\u2013b end"
    assert root[1].text == "next"


def test_tabular_becomes_a_table_with_math_cells():
    html = latex_to_html(r"\begin{center}\begin{tabular}{lcc}\toprule $k$ & $1$ & $\begin{array}{l} a \\ b \end{array}$ \\"
                         "\n\\midrule text & 2 & 3 \\\\\n\\bottomrule\\end{tabular}\\end{center}")
    table = parse(html).find(".//table")
    rows = [[(td.text or "").strip() for td in tr] for tr in table]
    assert rows == [[r"\(k\)", r"\(1\)", r"\(\begin{array}{l} a \\ b \end{array}\)"], ["text", "2", "3"]]


def test_minipage_is_a_block():
    root = parse(latex_to_html(r"\par\noindent\begin{minipage}[t]{\linewidth}Kept $x$ together.\end{minipage}\par"))
    assert root[0].tag == "div" and root[0][0].text == r"Kept \(x\) together."


def test_pictures_come_from_the_given_files():
    html = latex_to_html(r"\begin{center}\includegraphics[scale=0.8]{tikz-1.pdf}\end{center}",
                         {"tikz-1.pdf": "@@PLUGINFILE@@/tikz-1.png"})
    assert parse(html).find(".//img").get("src") == "@@PLUGINFILE@@/tikz-1.png"
    with pytest.raises(LatexHtmlError, match="no picture"):
        latex_to_html(r"\includegraphics{other.pdf}", {})


@pytest.mark.parametrize("latex, message", [
    (r"\section{A}", r"\\section: text command not known"),
    (r"\begin{figure}x\end{figure}", r"\\begin\{figure\}: environment not known"),
    ("$x", "no closing"),
    ("a } b", "unbalanced"),
])
def test_unknown_or_broken_latex_is_an_error(latex, message):
    with pytest.raises(LatexHtmlError, match=message):
        latex_to_html(latex)


def test_user_text_is_escaped():
    html = latex_to_html(r"Ada \& <b>Bob</b> \$5")
    assert parse(html)[0].text == "Ada & <b>Bob</b> $5"
    assert latex_to_html(r"a $|v| \le 1$ & <") == r"<p>a \(|v| \le 1\) &amp; &lt;</p>"


@pytest.mark.parametrize("kind", list(KIND_MODULES))
def test_every_template_of_every_kind_converts(kind):
    """Each kind, difficulty and mode, question and key: well-formed HTML, math balanced within
    each text node, and no LaTeX text command left over."""
    for difficulty, mode in itertools.product(DIFFICULTIES, MODES):
        options = resolve_options(kind, difficulty, mode)
        for seed in child_seeds(31, 2):
            v = draw_variant(kind, seed, options)
            for side, context in (("question", v.draw.question), ("solution", v.draw.solution)):
                latex = render(f"kinds/{kind.replace('-', '_')}_{side}.tex", d=context,
                               number_style=v.draw.number_style, diagram="d.pdf" if v.draw.diagram else None)
                root = parse(latex_to_html(latex, {"d.pdf": "@@PLUGINFILE@@/d.png"}))
                for text in text_nodes(root):
                    assert math_balanced(text), (kind, difficulty, mode, side, text)
                    outside_math = re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]", "", text, flags=re.S)
                    assert not re.search(r"\\[A-Za-z]", outside_math), (kind, difficulty, mode, side, outside_math)
                    assert "$" not in outside_math
