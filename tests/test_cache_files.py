"""qgen.cache_files: an entry written whole or not at all, only stale temporaries swept, only
the caller's own entries pruned (oldest first)."""

from __future__ import annotations

import os
import time

import pytest

from qgen import cache_files
from qgen.cache_files import keep_newest, write_whole


def test_write_whole_sweeps_only_stale_temporaries(tmp_path):
    stale, fresh, foreign = tmp_path / ".old.abc.tmp", tmp_path / ".new.def.tmp", tmp_path / "notes.tmp"
    for path in (stale, fresh, foreign):
        path.write_bytes(b"x")
    hours_ago = time.time() - 2 * cache_files.STALE
    os.utime(stale, (hours_ago, hours_ago))
    write_whole(tmp_path / "entry", b"new")
    assert (tmp_path / "entry").read_bytes() == b"new"
    assert not stale.exists() and fresh.exists() and foreign.read_bytes() == b"x"


def test_a_failed_write_keeps_the_old_entry_and_leaves_nothing(tmp_path, monkeypatch):
    entry = tmp_path / "entry"
    entry.write_bytes(b"old")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_files.os, "replace", full_disk)
    with pytest.raises(OSError):
        write_whole(entry, b"new")
    assert entry.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]


def test_keep_newest_removes_the_oldest_of_its_own_entries(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.fmt").write_bytes(b"f")
        os.utime(tmp_path / f"{i}.fmt", ns=(i * 10**9, i * 10**9))
    (tmp_path / "old-but-not-ours.txt").write_bytes(b"t")
    os.utime(tmp_path / "old-but-not-ours.txt", ns=(0, 0))
    keep_newest(tmp_path, lambda name: name.endswith(".fmt"), 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3.fmt", "4.fmt", "old-but-not-ours.txt"]
