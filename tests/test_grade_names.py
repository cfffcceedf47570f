"""Entries named as the sheet names them (issue 14 item 8): the kinds' answer symbols, not the
response columns."""

import pytest

from qgen.grade.names import entry_latex


@pytest.mark.parametrize("column,kind,latex", [
    ("q1.dL/dW1[2,3]", "mlp", r"$\partial L/\partial W^{[1]}${[}2{,}3{]}"),
    ("q1.delta2[1]", "mlp", r"$\delta^{[2]}${[}1{]}"),
    ("q1.updated b2[1]", "mlp", r"$b^{[2]}_{\mathrm{new}}${[}1{]}"),
    ("q1.dL/dyhat[1]", "mlp", r"$\partial L/\partial \hat y${[}1{]}"),
    ("q1.L", "mlp", "$L$"),
    ("q3.df/dn3", "graph", r"$\partial f/\partial n_{3}$"),
    ("q3.n2", "graph", "$n_{2}$"),
    ("q2.dL/dz[1]", "softmax-ce", r"$\partial L/\partial z${[}1{]}"),
    ("q4.f'(x)[1]", "gates", "$f'(x)${[}1{]}"),
    ("q5.shape dL/dW layer 1", "shapes", r"\texttt{shape dL/dW layer 1}"),
])
def test_entries_are_named_by_their_symbols(column, kind, latex):
    assert entry_latex(column, kind) == latex
