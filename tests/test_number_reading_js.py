"""The page's reader of typed numbers (templates/html/read.js) passes the shared number-reading
vectors (tests/number_reading_vectors.json, the same reading as qgen grade's), run by node's test
runner; and the page's acceptance rule refuses what the reader refuses."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "number_reading_vectors.json"


def test_the_vectors_have_the_agreed_format():
    cases = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    codes = {"mixed-number", "decimal-comma", "thousands-separator", "two-numbers", "exponent-range", "too-long",
             "non-ascii-digit", "zero-denominator", "not-a-number"}
    for c in cases:
        assert set(c) == {"text", "decimal_comma", "value", "refused"}, c
        assert (c["value"] is None) == (c["refused"] is not None), c
        assert c["refused"] is None or c["refused"] in codes, c
    assert codes <= {c["refused"] for c in cases}


def test_the_javascript_reader_passes_the_shared_vectors():
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "js" / "read.test.js")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout and "# pass 3" in result.stdout, result.stdout


def test_refused_texts_get_no_verdict():
    script = (f"const a = require({json.dumps(str(ROOT / 'templates' / 'html' / 'accept.js'))});"
              "const e = {key: '1/2', atol: '1/200', rtol: '0'};"
              "console.log(JSON.stringify(['2 1/2', '1e999999999', '0,5', '0.5', '1/2', 'ln(2)'].map(t => a.accepts(e, t))))")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert json.loads(out.stdout) == [None, None, None, True, True, False], out.stderr
