"""manifest.json as grading's input: sealed by `qgen exam` with its content hash, every field checked."""

import json
import time

import pytest

from gradebuild import make_build
from qgen.errors import QgenError
from qgen.grade.manifest import load_build, seal


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return make_build(tmp_path_factory.mktemp("manifest"), 2)


def write(path, doc):
    """The manifest as qgen writes it, with a forged (recomputed) hash: only the checks can catch it."""
    doc = {"qgen": doc["qgen"], "content_sha256": "0" * 64, **{k: v for k, v in doc.items() if k not in ("qgen", "content_sha256")}}
    path.write_bytes(seal((json.dumps(doc, indent=2) + "\n").encode()))


def test_a_build_reads_back_and_any_edit_is_refused(build, tmp_path):
    assert [s["student_id"] for s in load_build(build).students] == ["s001", "s002"]
    raw = (build / "manifest.json").read_bytes()
    (tmp_path / "manifest.json").write_bytes(raw.replace(b'"points": 10', b'"points": 11', 1))
    with pytest.raises(QgenError, match="changed since `qgen exam` wrote it .* build the exam again"):
        load_build(tmp_path)


def first_entry(doc):
    return doc["rows"][0]["answers"][0]["entries"][0]


@pytest.mark.parametrize("edit, message", [
    (lambda d: first_entry(d).update(exact="1e999999999"), "rows[0].answers[0].entries[0].exact: expected a number"),
    (lambda d: first_entry(d).update(places=1e999), "entries[0].places: expected a whole number from 0 to 10"),
    (lambda d: first_entry(d).update(atol=-1), "entries[0].atol: expected a number from 0 to 1"),
    (lambda d: d["rows"][0].update(points=-1e30), "rows[0].points: expected a number from 0 to 1000"),
    (lambda d: d["rows"][0].update(answers=[]), "rows[0].answers: expected a list of 1 to 1,000 items"),
    (lambda d: d["rows"][0]["answers"][0].update(entries=[]), "rows[0].answers[0].entries: expected a list"),
    (lambda d: d.update(rows=[r for r in d["rows"] if r["question"] != 2]), "student s001 is listed but has no row for question 2"),
    (lambda d: d.update(rows=[r for r in d["rows"] if r["student_id"] != "s002"]), "student s002 is listed but has no rows"),
    (lambda d: d["rows"][0].update(student_id="s999"), "rows[0].student_id: 's999' is not a listed student"),
    (lambda d: d["rows"][0]["parameters"].update(x=["1e99999999"]), "rows[0].parameters.x[0]: expected a number in qgen's range"),
    (lambda d: d.update(students="all"), "students: expected a list"),
])  # fmt: skip
def test_a_forged_manifest_is_refused_by_name_at_once(build, tmp_path, edit, message):
    doc = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    edit(doc)
    write(tmp_path / "manifest.json", doc)
    started = time.monotonic()
    with pytest.raises(QgenError, match=None) as error:
        load_build(tmp_path)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert time.monotonic() - started < 5


def test_a_huge_exponent_as_a_json_number_is_refused_before_conversion(build, tmp_path):
    raw = (build / "manifest.json").read_bytes().replace(b'"total_points": 20', b'"total_points": 1e999999999', 1)
    (tmp_path / "manifest.json").write_bytes(seal(raw.replace(raw[raw.index(b'"content_sha256": "') + 19:][:64],
                                                            b"0" * 64, 1)))
    with pytest.raises(QgenError, match="number out of range: exponent 999999999"):
        load_build(tmp_path)
