"""A diagram's PDF (drawn by qgen.diagrams.DiagramCache) as a PNG for a Moodle question.

PNG rather than SVG: every browser and every Moodle shows it inline, with no filtering of SVG.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from qgen.errors import QgenError

DPI = 150  # sharp on a laptop screen, a few kB per diagram
TIMEOUT = 60


def pdf_to_png(pdf: bytes) -> bytes:
    """The first page of `pdf` as PNG bytes (poppler's pdftoppm)."""
    with tempfile.TemporaryDirectory(prefix="qgen-png-") as tmp:
        source = Path(tmp) / "diagram.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-singlefile", str(source), str(Path(tmp) / "diagram")],
                           check=True, capture_output=True, timeout=TIMEOUT)
        except FileNotFoundError:
            raise QgenError("pdftoppm: not found; install poppler (poppler-utils) to export diagrams") from None
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            raise QgenError(f"pdftoppm: could not convert a diagram to PNG ({e})") from None
        return (Path(tmp) / "diagram.png").read_bytes()
