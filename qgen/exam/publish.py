"""A whole output folder at once: built beside its final place, then renamed into it.

    with Staging(out_dir, force) as stage:     # refuses an existing out_dir unless force
        stage.write("students/a-questions.pdf", data)
        ...
        stage.commit()                         # the only moment out_dir changes

Without commit() (an error on the way), the staging folder is removed and out_dir is as it was.
With force, the old folder is renamed aside first, the new one renamed in, then the old deleted:
at every instant out_dir is either the complete old folder or the complete new one (absent for
the instant between the two renames).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from qgen.errors import QgenError


def check_target(out_dir: Path, force: bool) -> None:
    """Refuse early (before any work) what commit() would refuse."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        raise QgenError(f"{out_dir}: exists already; use --force to replace it, or --out for another folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise QgenError(f"{out_dir}: exists and is not a folder")


class Staging:
    def __init__(self, out_dir: Path, force: bool = False):
        self.out_dir = Path(out_dir)
        self.force = force
        self.path: Path | None = None

    def __enter__(self) -> Staging:
        check_target(self.out_dir, self.force)
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))
        except OSError as e:
            raise QgenError(f"{self.out_dir}: cannot write there ({e.strerror})") from None
        return self

    def write(self, name: str, data: bytes) -> None:
        target = self.path / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as e:
            raise QgenError(f"{self.out_dir}: cannot write {name} ({e.strerror})") from None

    def commit(self) -> None:
        check_target(self.out_dir, self.force)  # again: another run may have made it meanwhile
        os.chmod(self.path, 0o755 & ~_umask())  # mkdtemp made it 0700
        old = None
        try:
            if self.out_dir.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-", dir=self.out_dir.parent))
                os.rename(self.out_dir, old / "folder")
            os.rename(self.path, self.out_dir)
        except OSError as e:
            if old is not None and (old / "folder").exists() and not self.out_dir.exists():
                os.rename(old / "folder", self.out_dir)  # put the old one back
            raise QgenError(f"{self.out_dir}: cannot move the new folder into place ({e.strerror})") from None
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        self.path = None

    def __exit__(self, *exc) -> bool:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
