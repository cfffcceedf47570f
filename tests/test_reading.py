"""The one bounded reader (qgen/reading.py): regular files only, size limits, UTF-8, nesting; and no
other module of qgen opens a user's file."""

import ast
import os
import time
from pathlib import Path

import pytest

from qgen.errors import QgenError
from qgen.reading import LIMITS, nesting, read_bytes, read_json, read_text

QGEN = Path(__file__).parent.parent / "qgen"


def test_a_fifo_is_refused_at_once_also_behind_a_link(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "link.toml").symlink_to(fifo)
    for path in (fifo, tmp_path / "link.toml"):
        started = time.monotonic()
        with pytest.raises(QgenError, match="is a FIFO \\(named pipe\\), not a regular file; expected an EXAM.toml"):
            read_bytes(path, "config")
        assert time.monotonic() - started < 1


def test_devices_and_folders_are_refused(tmp_path):
    with pytest.raises(QgenError, match="/dev/zero: is a character device"):
        read_bytes(Path("/dev/zero"), "manifest")
    with pytest.raises(QgenError, match="is a folder"):
        read_bytes(tmp_path, "roster")


def test_a_regular_file_is_read_up_to_its_limit(tmp_path):
    limit = LIMITS["secret"][0]
    path = tmp_path / "exam.secret"
    path.write_bytes(b"a" * limit)
    assert read_bytes(path, "secret") == b"a" * limit
    with open(path, "ab") as f:
        f.truncate(10**12)  # sparse: a terabyte that takes no room, read only up to the limit
    with pytest.raises(QgenError, match=f"larger than {limit:,} bytes, too large for a qgen secret"):
        read_bytes(path, "secret")


def test_text_is_utf8_and_a_missing_file_says_what_to_do(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"id,name\ns1,Zo\xeb\n")
    with pytest.raises(QgenError, match="roster.csv: line 2: not UTF-8 text \\(byte 0xEB\\)"):
        read_text(path, "roster")
    path.write_bytes("\ufeffid,name\n".encode())
    assert read_text(path, "roster") == "id,name\n"
    with pytest.raises(QgenError, match="nothing.csv: write one first"):
        read_text(tmp_path / "nothing.csv", "roster", missing="write one first")


def test_nesting_is_counted_outside_strings_and_comments():
    assert nesting('{"a": [[1], "[[[[", {"b": "]]}"}]}', "json") == 3
    assert nesting('a = [[1]] # [[[[[\nb = "[[[[" \nc = \'\'\'[[[\'\'\'\n[t]\n', "toml") == 2
    assert nesting("[" * 100_000 + "]" * 100_000, "json") == 100_000


def test_deep_json_and_toml_are_one_line(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(QgenError, match="manifest.json: nested more than 64 levels deep"):
        read_json(path, "manifest")
    from qgen.exam.config import load_config

    config = tmp_path / "exam.toml"
    config.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(QgenError, match="exam.toml: nested more than 32 levels deep"):
        load_config(config)


# --- no module but the reader opens a user's file ---------------------------------------------

# Files qgen reads that are not the user's: its own templates and the output of its own LaTeX and
# pdftocairo runs in its temporary folders; and the secret it creates (written, never read).
ALLOWED = {
    "reading.py": "the reader",
    "render.py": "templates",
    "template_cache.py": "jinja's compiled templates in qgen's cache folder (jinja opens them)",
    "pdf_fonts.py": "streams of the PDFs qgen typeset itself (pikepdf objects, no file)",
    "pdf_shown.py": "content streams of the PDFs qgen typeset itself (pikepdf objects, no file)",
    "glyph_cache.py": "its own files in the cache folder (converted glyphs; a damaged one is ignored)",
    "page_hints.py": "templates (the hint rules, templates/html/hint_rules.json)",
    "html_page.py": "templates, and the SVG pdftocairo wrote in qgen's temporary folder",
    "build.py": "LaTeX's PDF and log in qgen's own build folder",
    "moodle/pictures.py": "the PNG pdftoppm wrote in qgen's temporary folder",
    "exam/secrets.py": "creates a new secret (O_EXCL, written, never read)",
    "exam/init.py": "creates the starter exam.toml and roster.csv (mode x: written, never read)",
    "tempdirs.py": "writes its registry entries (read back through the reader)",
    "picture_cache.py": "its own entries in cache_root()/pictures (PDFs qgen compiled), checked before use",
    "cache_files.py": "writes a cache entry whole (a temporary file it made, renamed), never reads one",
}
# path.open/read_text/read_bytes, json.load, tomllib.load, os.open/fdopen, click.File; and open()
METHODS = {"open", "read_text", "read_bytes", "load", "fdopen", "File", "FileType"}


def _opens_a_file(func) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "open"
    return isinstance(func, ast.Attribute) and func.attr in METHODS and getattr(func.value, "id", "") != "pikepdf"


def test_no_module_but_the_reader_opens_a_users_file():
    found = []
    for path in sorted(QGEN.rglob("*.py")):
        name = path.relative_to(QGEN).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _opens_a_file(node.func):
                found.append((name, node.lineno, ast.unparse(node.func)))
    unexpected = [f for f in found if f[0] not in ALLOWED]
    assert not unexpected, unexpected
    assert {f[0] for f in found} <= set(ALLOWED)
