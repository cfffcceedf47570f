"""qgen.render's environment: a dict's key looked up first (jinja tries the attribute first),
with the same results as jinja's own lookup, and templates compiled once per process."""

from __future__ import annotations

import jinja2
import pytest

from qgen.render import ENV

PLAIN = jinja2.Environment(undefined=jinja2.StrictUndefined, block_start_string="<%", block_end_string="%>",
                           variable_start_string="<<", variable_end_string=">>",
                           comment_start_string="<#", comment_end_string="#>")

CASES = [
    ("<< d.a >>", {"d": {"a": 1}}),
    ("<< d.items is callable >>", {"d": {"items": [1, 2, 3], "b": 2}}),  # the method, as jinja gives it
    ("<% for k, v in d.items() %><< k >>=<< v >>;<% endfor %>", {"d": {"items": 5, "x": 1}}),
    ("<< d.get('x', 0) >>", {"d": {"get": 1, "x": 2}}),
    ("<< d.values is defined >>", {"d": {}}),
    ("<< d['items'] >> << d.keys()|list >>", {"d": {"items": 7}}),
    ("<< o.real >> << o.imag >>", {"o": 3}),  # not a dict: attributes as before
    ("<< d.a.b >>", {"d": {"a": {"b": None}}}),  # a None value is a value, not a missing key
    ("<< s.upper() >>", {"s": "abc"}),
]


@pytest.mark.parametrize("source, context", CASES)
def test_lookup_gives_what_jinja_gives(source, context):
    assert ENV.from_string(source).render(**context) == PLAIN.from_string(source).render(**context)


@pytest.mark.parametrize("source, context", [("<< d.missing >>", {"d": {"a": 1}}), ("<< d.a.b >>", {"d": {"a": {}}})])
def test_a_missing_key_is_still_an_error(source, context):
    with pytest.raises(jinja2.UndefinedError):
        ENV.from_string(source).render(**context)
    with pytest.raises(jinja2.UndefinedError):
        PLAIN.from_string(source).render(**context)


def test_templates_are_compiled_once():
    assert ENV.auto_reload is False
    assert ENV.get_template("diagrams/mlp.tex") is ENV.get_template("diagrams/mlp.tex")
