"""responses.csv of an exam build: the empty sheet the graders fill in for `qgen grade`."""

from __future__ import annotations

import json

from qgen.grade.manifest import build_from_doc
from qgen.grade.responses import responses_template


def responses_csv(manifest_json: bytes) -> bytes:
    """One row per student (student_id, name, version_code), one empty column per answer entry."""
    return responses_template(build_from_doc(json.loads(manifest_json)))
