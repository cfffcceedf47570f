"""Putting finished files into an output folder without ever leaving a half-written mix."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from qgen.errors import QgenError


def publish(files: dict[str, bytes], out_dir: Path, option: str = "--out") -> list[Path]:
    """Write `files` (name -> bytes) into `out_dir`: first all into a temporary folder beside it,
    then each moved into place with an atomic rename. Files of `out_dir` not named are left alone.
    `option` names the command-line option the folder came from, for the error message."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    except OSError as e:
        raise QgenError(f"{option} {out_dir}: cannot write there ({e.strerror})") from None
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        paths = []
        for name in files:
            os.replace(staging / name, out_dir / name)
            paths.append(out_dir / name)
        return paths
    except OSError as e:
        raise QgenError(f"{option} {out_dir}: cannot write there ({e.strerror})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
