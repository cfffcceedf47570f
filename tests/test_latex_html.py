"""The LaTeX → HTML step of the practice page: text macros, escaping, lists, tables, math through
math-core, and every kind's question and key converted with nothing left over."""

import re

import pytest

from qgen.latex_html import LatexHtmlError, math, paragraphs, steps, to_html
from qgen.practice import PracticeRequest, draw_practice
from qgen.render import ENV

KINDS = ("graph", "jacobian", "gates", "softmax-ce", "mlp", "shapes")


def test_text_is_escaped_and_styled():
    out = to_html(r"\textbf{Loss.} a < b & c \emph{x > 0} 50\% --- done~now")
    assert out == "<p><strong>Loss.</strong> a &lt; b &amp; c <em>x &gt; 0</em> 50% \u2014 done\u00a0now</p>"


def test_blank_lines_and_par_make_paragraphs_and_comments_end_macro_names():
    assert paragraphs("one\n\ntwo\\par three") == [["<p>one</p>"], ["<p>two</p>"], ["<p>three</p>"]]
    assert to_html("\\begingroup%\nA net") == "<p>A net</p>"


def test_inline_and_display_math_become_mathml():
    out = to_html(r"Take $x = \tfrac{1}{2}$: \[ \pd{L}{z} = \hat y - y \]")
    assert "<math><mi>x</mi><mo>=</mo><mfrac" in out
    assert '<div class="display"><math display="block"><mfrac><mrow><mi>∂</mi><mi>L</mi>' in out


def test_aligned_keeps_its_columns_and_boxed_is_a_box():
    out = math(r"\begin{aligned} z &= 1 \\ a &= \boxed{2} \end{aligned}", display=True)
    assert "&amp;" not in out and "&" not in out.replace("&ApplyFunction;", "")
    assert out.count("<mtr>") == 2 and out.count("<mtd") == 4
    assert '<menclose notation="box"><mn>2</mn></menclose>' in out


def test_lists_nest_and_tables_split_cells_outside_math():
    out = to_html("\\begin{enumerate}[label=(\\alph*)]\n\\item one\n\\begin{itemize}\\item inner\\end{itemize}\n"
                  "\\item two\n\\end{enumerate}")
    assert out.count("<li>") == 3 and out.startswith('<ol class="enumerate"><li><p>one</p>\n<ul class="itemize">')
    table = to_html(r"\begin{tabular}{l c}\toprule a & $\begin{array}[t]{@{}l@{}} x = 1 \\ y \end{array}$ \\ \midrule 1 & 2 \\ \bottomrule\end{tabular}")
    assert table.count("<tr>") == 2 and table.count("<th>") == 2 and table.count("<td>") == 2


def test_punctuation_stays_on_the_line_of_its_formula():
    assert to_html("so $x$; and $y$.") == ('<p>so <span class="nowrap"><math><mi>x</mi></math>;</span> and '
                                            '<span class="nowrap"><math><mi>y</mi></math>.</span></p>')


def test_unknown_macros_and_environments_are_errors():
    with pytest.raises(LatexHtmlError, match=r"\\section"):
        to_html(r"a \section{A} b")
    with pytest.raises(LatexHtmlError, match="figure"):
        to_html(r"\begin{figure}x\end{figure}")
    with pytest.raises(LatexHtmlError, match="no closing"):
        to_html(r"a $x")


def test_a_picture_goes_where_the_template_includes_it():
    out = to_html(r"\begin{center}\includegraphics[scale=0.8]{tikz-1.pdf}\end{center}",
                  picture=lambda name, options: f"<svg data-name='{name}' data-options='{options}'></svg>")
    assert out == "<div class=\"center\"><p><svg data-name='tikz-1.pdf' data-options='scale=0.8'></svg></p></div>"


def test_steps_end_at_paragraphs_and_after_displays_followed_by_text():
    assert steps(r"A \[ x \] B \[ y \] \[ z \] C" + "\n\nD") == [
        '<p>A</p>\n<div class="display"><math display="block"><mi>x</mi></math></div>',
        '<p>B</p>\n<div class="display"><math display="block"><mi>y</mi></math></div>\n'
        '<div class="display"><math display="block"><mi>z</mi></math></div>',
        "<p>C</p>", "<p>D</p>"]


def latex_words(latex: str) -> list[str]:
    """The words (5 letters or more) a reader sees in a LaTeX fragment's text, in order."""
    latex = re.sub(r"(?<!\\)%[^\n]*", "", latex)
    latex = re.sub(r"\$[^$]*\$|\\\[.*?\\\]|\\begin\{(align\*|array|bmatrix)\}.*?\\end\{\1\}", " ", latex, flags=re.S)
    latex = re.sub(r"\\renewcommand\s*\{[^}]*\}|\{pic\.pdf\}|\\begin\{tabular\}\{[^}]*\}", " ", latex)
    latex = re.sub(r"\\(begin|end)\{[a-z*]+\}(\[[^\]]*\])?|\\[A-Za-z]+(\[[^\]]*\])?", " ", latex)
    return re.findall(r"[A-Za-z]{5,}", latex)


def html_words(html: str) -> list[str]:
    return re.findall(r"[A-Za-z]{5,}", re.sub(r"<math.*?</math>|<[^>]+>", " ", html, flags=re.S))


@pytest.mark.parametrize("mode", ["exact", "given", "calculator"])
@pytest.mark.parametrize("difficulty", ["easy", "hard"])
def test_every_kind_converts_with_its_words_and_boxes(mode, difficulty):
    """Each kind's question and key convert; the words of the text are all there, in order, and
    the key's boxed answers stay boxed (as many menclose as \\boxed)."""
    for v in draw_practice(PracticeRequest(KINDS, 1, 5, difficulty, mode)):
        for side in ("question", "solution"):
            latex = ENV.get_template(f"kinds/{v.kind.replace('-', '_')}_{side}.tex").render(
                number_style=v.draw.number_style, d=getattr(v.draw, side), diagram="pic.pdf")
            out = to_html(latex, picture=lambda name, options: "<svg></svg>")
            assert html_words(out) == latex_words(latex), (v.kind, side)
            assert out.count("<menclose") == latex.count(r"\boxed"), (v.kind, side)
