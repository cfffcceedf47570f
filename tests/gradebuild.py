"""A class exam's manifest.json and responses.csv without typesetting (for the grading tests), and
responses filled in from the manifest's keys."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from qgen.exam.config import load_config
from qgen.exam.manifest import manifest_json
from qgen.exam.prepare import prepare_class
from qgen.exam.responses import responses_csv
from qgen.exam.roster import load_roster
from qgen.exam.run import shared_structures
from qgen.exam.secrets import secret_fingerprint

SECRET = bytes(range(32))
CONFIG = """
[exam]
title = "Grading test"
course = "CS 101"
date = "2026-03-14"
duration = 90

[[questions]]
kind = "mlp"
points = 10

[[questions]]
kind = "softmax-ce"
points = 3
mode = "given"

[[questions]]
kind = "graph"
points = 4

[[questions]]
kind = "gates"
points = 3
"""


def make_build(folder: Path, students: int, config: str = CONFIG) -> Path:
    """BUILD_DIR with manifest.json and responses.csv for `students` students s001, s002, …"""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exam.toml").write_text(config, encoding="utf-8")
    roster = "id,name\n" + "".join(f"s{i:03d},Student {i}\n" for i in range(1, students + 1))
    (folder / "roster.csv").write_text(roster, encoding="utf-8")
    cfg = shared_structures(load_config(folder / "exam.toml"), SECRET)
    prepared = prepare_class(cfg, SECRET, load_roster(folder / "roster.csv"), workers=1)
    build = folder / "build"
    build.mkdir(exist_ok=True)
    manifest = manifest_json(cfg, [row for p in prepared for row in p.rows], secret_fingerprint(SECRET))
    (build / "manifest.json").write_bytes(manifest)
    (build / "responses.csv").write_bytes(responses_csv(manifest))
    return build


def read_table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def key_responses(build: Path, change=None) -> bytes:
    """responses.csv filled with every student's key as the sheet asks it; change(student_id,
    column, key_text) may return another text for a cell."""
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    keys = {}
    for row in doc["rows"]:
        for a in row["answers"]:
            for e in a["entries"]:
                keys[(row["student_id"], f"q{row['question']}.{e['name']}")] = e["key"]
    table = read_table((build / "responses.csv").read_bytes())
    header = table[0]
    for line in table[1:]:
        for i, column in enumerate(header[3:], start=3):
            key = keys.get((line[0], column), "")
            line[i] = change(line[0], column, key) if change else key
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue().encode("utf-8")
