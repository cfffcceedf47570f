"""qgen.template_cache: compiled templates kept in $QGEN_CACHE/templates give the same text as
templates compiled afresh; a corrupt file is compiled again, an unwritable folder is no error."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from qgen.render import _environment
from qgen.template_cache import cache_dir

NAMES = ["diagrams/mlp.tex", "partials/answer_summary.tex", "exam/grading.tex"]


def _render_mlp(env) -> str:
    return env.get_template("diagrams/mlp.tex").render(sizes=[2, 3, 2], acts=["relu", "identity"],
                                                       loss="half_sse", biases=[True, False])


def _values(env) -> str:
    return env.from_string("<< v|bmatrix >> << x|num >>").render(v=np.array([Fraction(1, 2), Fraction(3)]),
                                                                 x=Fraction(-7, 4), number_style="fraction")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path / "cache"))
    return cache_dir()


def test_cold_and_warm_give_the_same_text(cache):
    cold = _environment()
    first = _render_mlp(cold)
    files = sorted(cache.iterdir())
    assert files, "the compiled template was written"
    warm = _environment()  # a new process, in effect: nothing compiled in memory
    loaded = []
    real = warm.bytecode_cache.load_bytecode

    def spy(bucket):
        real(bucket)
        loaded.append(bucket.code is not None)

    warm.bytecode_cache.load_bytecode = spy
    assert _render_mlp(warm) == first
    assert loaded == [True]
    assert _values(warm) == _values(cold)
    for name in NAMES:
        assert warm.get_template(name).render is not None


def test_a_corrupt_file_is_compiled_again(cache):
    first = _render_mlp(_environment())
    for path in cache.iterdir():
        path.write_bytes(path.read_bytes()[:40])  # truncated inside the header or the code
    assert _render_mlp(_environment()) == first
    for path in cache.iterdir():
        path.write_bytes(b"not a compiled template at all")
    assert _render_mlp(_environment()) == first
    assert all(len(p.read_bytes()) > 100 for p in cache.iterdir())  # written again


def test_a_cache_path_that_is_a_file_still_renders(cache):
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the folder would be")
    assert "tikzpicture" in _render_mlp(_environment())


def test_other_settings_do_not_share_files(cache):
    env = _environment()
    _render_mlp(env)
    other = _environment()
    other.trim_blocks = False
    from qgen.template_cache import use_cache

    use_cache(other)
    assert other.bytecode_cache.pattern != env.bytecode_cache.pattern


def test_a_filter_that_takes_the_context_now_does_not_share_files(cache):
    """The compiler passes the context to a pass_context filter: compiled code made before such a
    change would call the filter wrongly, so the files are not shared."""
    import jinja2

    from qgen.template_cache import fingerprint

    env = _environment()
    before = fingerprint(env)
    env.filters["num"] = lambda x, answer=False: str(x)  # no longer @pass_context
    assert fingerprint(env) != before
    env = _environment()
    env.filters["shout"] = jinja2.pass_context(lambda ctx, x: x)  # a new filter
    assert fingerprint(env) != before


def test_no_filter_of_ours_is_run_by_the_compiler(cache):
    """A filter of qgen's applied to a constant is run when the template is rendered, not by the
    compiler into the compiled (and cached) code."""
    import jinja2

    from qgen.template_cache import use_cache

    calls = []

    def loud(text):
        calls.append(text)
        return text.upper()

    env = jinja2.Environment()
    env.filters["loud"] = loud
    use_cache(env)
    template = env.from_string('{{ "a & b"|loud }}{{ [3, 1]|sort|first }}')
    assert calls == []
    assert template.render() == "A & B1" and calls == ["a & b"]
    for name, function in _environment().filters.items():
        if not function.__module__.startswith("jinja2"):
            assert getattr(function, "jinja_pass_arg", None) is not None, name
