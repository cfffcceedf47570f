"""qgen.picture_cache: a group of pictures compiled once per machine, the same bytes cold or warm,
a damaged entry compiled again, an unwritable cache skipped, only its own entries pruned."""

from __future__ import annotations

import os

import pytest

from qgen import diagrams, picture_cache
from qgen.diagrams import DiagramCache

PICTURES = [
    r"\begin{tikzpicture}\draw (0,0) -- (1,1) node[right] {$x_1$};\end{tikzpicture}",
    r"\begin{tikzpicture}\draw (0,0) circle (0.5) node {$\sigma$};\end{tikzpicture}",
]


@pytest.fixture
def compiles(monkeypatch, tmp_path):
    """QGEN_CACHE in a fresh folder; counts the pdflatex runs of qgen.diagrams."""
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path / "cache"))
    runs = []
    real = diagrams.compile_pdf

    def counted(tex, **options):
        runs.append(options.get("jobname"))
        return real(tex, **options)

    monkeypatch.setattr(diagrams, "compile_pdf", counted)
    return runs


def _draw() -> dict[str, bytes]:
    cache = DiagramCache()
    for source in PICTURES:
        cache.add(source)
    return cache.files()


def test_warm_cache_gives_the_same_bytes_without_pdflatex(compiles, tmp_path):
    cold = _draw()
    assert compiles == ["diagrams"]
    assert len(list((tmp_path / "cache" / "pictures").glob("*.pdf"))) == 1
    warm = _draw()
    assert compiles == ["diagrams"]  # no second run
    assert warm == cold and all(pdf.startswith(b"%PDF") for pdf in warm.values())


def test_damaged_entry_is_compiled_again_and_replaced(compiles, tmp_path):
    cold = _draw()
    (entry,) = (tmp_path / "cache" / "pictures").glob("*.pdf")
    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 3])  # truncated: a full disk, a killed copy
    assert _draw() == cold
    assert len(compiles) == 2
    assert entry.read_bytes() == whole


def test_unwritable_cache_still_draws(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be\n")
    monkeypatch.setenv("QGEN_CACHE", str(blocker))
    pictures = _draw()
    assert len(pictures) == 2 and all(pdf.startswith(b"%PDF") for pdf in pictures.values())
    assert blocker.read_text() == "a file where the cache folder would be\n"


def test_prune_removes_only_the_oldest_entries(monkeypatch, tmp_path):
    monkeypatch.setenv("QGEN_CACHE", str(tmp_path))
    monkeypatch.setattr(picture_cache, "MAX_GROUPS", 3)
    folder = picture_cache.picture_folder()
    folder.mkdir(parents=True)
    foreign = folder / "notes.pdf"
    foreign.write_bytes(b"not ours")
    names = []
    for i in range(5):
        tex = f"document {i}"
        name = f"{picture_cache.format_key(tex, 0)}.pdf"
        names.append(name)
        picture_cache.cached_group(tex, 0, lambda i=i: b"%PDF " + bytes([48 + i]), lambda pdf: True)
        os.utime(folder / name, ns=(i * 10**9, i * 10**9))  # a clear order, whatever the clock
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == sorted(names[2:] + ["notes.pdf"])
    assert foreign.read_bytes() == b"not ours"
