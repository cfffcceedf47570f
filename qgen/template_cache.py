"""jinja's compiled templates kept in qgen's cache folder, so that a process (each worker of a
build, each command) loads them instead of compiling every template again.

The files are in $QGEN_CACHE/templates (default ~/.cache/qgen/templates, next to the LaTeX
formats of qgen.tex_formats), read at each process's first use of a template. jinja checks each
file against the template's source (a checksum) and its own version and Python's; the file
names here also hold a fingerprint of the environment's settings (delimiters, whitespace
control, jinja's and Python's versions) and of its filters and tests, which change the compiled
code but not the source.
The cache never fails a run: a missing, unreadable or corrupt file is compiled again, and a
folder that cannot be written is left as it is (the template is compiled in each process).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from qgen.cache_files import cache_root

SETTINGS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
            "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
            "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
            "autoescape", "undefined", "extensions", "finalize", "enable_async")


def cache_dir() -> Path:
    """$QGEN_CACHE/templates, else ~/.cache/qgen/templates (read each time: tests change it)."""
    return cache_root() / "templates"


def fingerprint(env: jinja2.Environment) -> str:
    """What, besides a template's source, its compiled code depends on: the settings, and the
    filters and tests by name with what each is passed first (the compiler writes `context, `
    into a call of a pass_context filter)."""
    settings = [(name, repr(getattr(env, name, None))) for name in SETTINGS]
    functions = [(kind, name, repr(getattr(f, "jinja_pass_arg", None)))
                 for kind, table in (("filter", env.filters), ("test", env.tests)) for name, f in sorted(table.items())]
    text = repr((jinja2.__version__, sys.version, settings, functions))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """FileSystemBytecodeCache in cache_dir(), made when first written; errors are ignored."""

    def __init__(self, env_fingerprint: str):
        super().__init__(directory=str(cache_dir()), pattern=f"{env_fingerprint}-%s.cache")

    def _get_cache_filename(self, bucket: Bucket) -> str:
        return os.path.join(cache_dir(), self.pattern % (bucket.key,))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a corrupt file (truncated, another format): compiled again, and rewritten
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            cache_dir().mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:  # a read-only or full disk: the next process compiles the template too
            pass


def use_cache(env: jinja2.Environment) -> jinja2.Environment:
    """env, keeping its compiled templates in cache_dir() (call it once its settings and filters
    are final). jinja's compiler writes the result of a filter applied to a constant (`"a"|esc`)
    into the compiled code; so that a cached template never holds an older version's result, each
    of env's own filters and tests (not jinja's built-in ones) that takes no context is given one,
    which keeps the compiler from calling it (the same result, at render time)."""
    for table in (env.filters, env.tests):
        for name, function in list(table.items()):
            if getattr(function, "jinja_pass_arg", None) is None and not function.__module__.startswith("jinja2"):
                table[name] = _at_render_time(function)
    env.bytecode_cache = TemplateCache(fingerprint(env))
    return env


def _at_render_time(function):
    @jinja2.pass_context
    def call(_context, *args, **kwargs):
        return function(*args, **kwargs)

    call.__wrapped__ = function
    return call
