"""Strict reading of typed answers (issue 14 item 2, issue 23 item 5): every case of the shared
specification tests/number_reading_vectors.json (which the practice page's JavaScript reads too)
reads to its value or is refused by its code, with a message saying how to write it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qgen.grade.values import CODES, Unreadable, parse_value, value_text
from qgen.numbers import MAX_NUMBER_TEXT

VECTORS = json.loads((Path(__file__).parent / "number_reading_vectors.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=lambda c: f"{c['text'][:24]!r}{'-comma' if c['decimal_comma'] else ''}")
def test_every_vector_reads_its_value_or_is_refused_by_its_code(case):
    assert (case["value"] is None) != (case["refused"] is None)
    if case["refused"] is None:
        assert value_text(parse_value(case["text"], case["decimal_comma"])) == case["value"]
    else:
        with pytest.raises(Unreadable) as e:
            parse_value(case["text"], case["decimal_comma"])
        assert e.value.code == case["refused"]
        message = str(e.value)
        assert message and "\n" not in message and len(message) < 200


def test_the_vectors_cover_every_code_both_options_and_the_boundaries():
    assert len(VECTORS) >= 60
    assert {c["refused"] for c in VECTORS} - {None} == set(CODES)
    assert {c["decimal_comma"] for c in VECTORS} == {False, True}
    lengths = {len(c["text"].strip()) for c in VECTORS}
    assert {MAX_NUMBER_TEXT, MAX_NUMBER_TEXT + 1} <= lengths
    texts = {c["text"] for c in VECTORS}
    assert {"1e30", "1e31", "1e-30", "1e-31", "2 1/2", "-0", "\u22120.5", "1 2", "3/0"} <= texts


def test_a_mixed_number_says_how_to_write_it():
    with pytest.raises(Unreadable, match="a mixed number: write 5/2 or 2.5"):
        parse_value("2 1/2")
    with pytest.raises(Unreadable, match="write 0.5 "):
        parse_value("0,5")


def test_huge_cells_are_refused_at_once():
    with pytest.raises(Unreadable) as e:
        parse_value("1" * 200_000)
    assert e.value.code == "too-long"
    with pytest.raises(Unreadable) as e:
        parse_value("1" + "0" * 400)
    assert e.value.code == "too-long"


def test_the_problems_list_is_recognised_as_qgens_own_by_its_header():
    """qgen/output.py recognises a problems list it may replace by the header qgen writes."""
    from qgen.grade.responses import PROBLEMS_HEADER
    from qgen.output import OWN_FILES

    assert OWN_FILES["problems-csv"][2]((",".join(PROBLEMS_HEADER) + "\n").encode())
    assert not OWN_FILES["problems-csv"][2](b"student_id,name\n")
