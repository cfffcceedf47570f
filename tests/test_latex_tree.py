"""The one reader of the templates' LaTeX (qgen.latex_tree): the tree both HTML writers get."""

import pytest

from qgen.latex_tree import (Box, Break, Display, LatexHtmlError, Line, ListBlock, Math, Picture, Style, Text, read)


def test_paragraphs_lines_and_displays():
    assert read("A $x$; b\n\n\\[ y \\] c\\par d") == (
        (Line((Text("A "), Math("x", ";"), Text(" b"))),),
        (Display(" y "), Line((Text(" c"),))),
        (Line((Text("d"),)),))


def test_as_tex_reads_it_comments_spaces_and_ligatures():
    # a comment eats its line break and the next indent; spaces after a command word are skipped
    assert read("one%note\n    two \\quad   three --- four -- ``q''") == (
        (Line((Text("onetwo \u2003three \u2014 four \u2013 \u201cq\u201d"),)),),)


def test_styles_breaks_and_pictures_are_inline():
    assert read(r"\textbf{Step $1$.} x\\[2pt] \includegraphics[scale=0.5]{d.pdf}") == (
        (Line((Style("strong", (Text("Step "), Math("1", "."))), Text(" x"), Break(), Text(" "),
               Picture("d.pdf", "scale=0.5"))),),)


def test_lists_boxes_and_tables_hold_documents():
    doc = read("\\begin{enumerate}[label=(\\alph*)]\n\\item one\n\\item two\n\\end{enumerate}"
               "\\begin{center}c\\end{center}"
               "\\begin{tabular}{ll}\\toprule a & $b \\\\ c$ \\\\ \\midrule 1 & \\end{tabular}")
    (lst, box, table), = doc
    assert lst == ListBlock(True, (((Line((Text("one "),)),),), ((Line((Text("two "),)),),)))
    assert box == Box("center", ((Line((Text("c"),)),),))
    assert table.rows == (((( Line((Text("a"),)),),), ((Line((Math(r"b \\ c"),)),),)),
                          (((Line((Text("1"),)),),), ()))


def test_aligned_environments_are_displays():
    assert read(r"\begin{align*} a &= 1 \end{align*}") == ((Display(r"\begin{aligned}  a &= 1  \end{aligned}"),),)


@pytest.mark.parametrize("latex, message", [
    (r"\section{A}", r"\\section: text command not known"),
    (r"\begin{figure}x\end{figure}", r"\\begin\{figure\}: environment not known"),
    (r"\begin{center}x", "without its"),
    ("$x", "no closing"),
    ("a } b", "unbalanced"),
    (r"\textbf{a \[ x \] b}", r"inside \\textbf"),
    (r"\begin{itemize} stray \item a\end{itemize}", "before its first"),
])
def test_what_the_reader_does_not_know_is_an_error(latex, message):
    with pytest.raises(LatexHtmlError, match=message):
        read(latex)
