"""A whole output folder at once: built where it will live, then moved into place.

    with Staging(out_dir, force, inputs=(config, roster, secret)) as stage:   # refuses early
        stage.write("students/a-questions.pdf", data)
        ...
        stage.commit()                         # the only moment out_dir changes

Without commit() (an error, SIGINT, SIGTERM), the staging folder is removed and out_dir is as it
was. The folder gets qgen.output.MARKER, naming the command and every file written. With force,
an existing out_dir is replaced only if it is empty, or was written by the same command and holds
only files its marker lists, and never if it holds one of `inputs` (qgen.output.check_folder).

Where it is staged: beside out_dir (.NAME.new-<pid>-…) when out_dir is new, or when its parent is
writable and on the same device; then the old folder is renamed aside, the new one renamed in, the
old one deleted, so at every instant out_dir is the complete old or the complete new folder.
Otherwise (a read-only parent, out_dir the top of a mounted disk) it is staged inside out_dir and
its entries are swapped in one step that is undone on failure (qgen.output.swap_in).
"""

from __future__ import annotations

import os
from pathlib import Path

from qgen import tempdirs
from qgen.errors import QgenError
from qgen.output import MARKER, NEW_INSIDE, OLD_INSIDE, check_folder, files_in, marker_bytes, swap_in


def check_target(out_dir: Path, force: bool, inputs: tuple[Path, ...] = (), command: str = "exam build") -> None:
    """Refuse early (before any work) what commit() would refuse."""
    out_dir = Path(out_dir)
    if os.path.lexists(out_dir) and not force:
        raise QgenError(f"{out_dir}: exists already; use --force to replace it, or --out for another folder")
    check_folder(out_dir, "--out", inputs, rule="--force replaces only", command=command, whole=True)


def _stage_beside(out_dir: Path) -> bool:
    """Stage beside out_dir (and swap whole folders) rather than inside it?"""
    if not out_dir.exists():
        return True
    parent = out_dir.parent
    return os.access(parent, os.W_OK | os.X_OK) and os.stat(parent).st_dev == os.stat(out_dir).st_dev


class Staging:
    def __init__(self, out_dir: Path, force: bool = False, inputs: tuple[Path, ...] = (), command: str = "exam build"):
        self.out_dir = Path(out_dir)
        self.force = force
        self.inputs = tuple(inputs)
        self.command = command
        self.path: Path | None = None
        self.beside = True

    def __enter__(self) -> Staging:
        check_target(self.out_dir, self.force, self.inputs, self.command)
        out = self.out_dir
        tempdirs.sweep((out.parent, f".{out.name}.new-"), (out.parent, f".{out.name}.old-"),
                       (out, NEW_INSIDE), (out, OLD_INSIDE))
        try:
            self.beside = _stage_beside(out)
            if self.beside:
                try:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    self.path = tempdirs.make(f".{out.name}.new-", out.parent)
                except OSError:
                    if not out.is_dir():
                        raise
                    self.beside = False  # e.g. a read-only parent that access() did not reveal
            if not self.beside:
                self.path = tempdirs.make(NEW_INSIDE, out)
        except OSError as e:
            raise QgenError(f"{out}: cannot write there ({e.strerror})") from None
        return self

    def write(self, name: str, data: bytes) -> None:
        target = self.path / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as e:
            raise QgenError(f"{self.out_dir}: cannot write {name} ({e.strerror})") from None

    def commit(self) -> None:
        check_target(self.out_dir, self.force, self.inputs, self.command)  # again: it may have changed meanwhile
        self.write(MARKER, marker_bytes(self.command, files_in(self.path)))
        try:
            if self.beside:
                self._rename_whole_folder()
            else:
                swap_in(self.out_dir, self.path, sorted(os.listdir(self.path)), clear=True)
                tempdirs.remove(self.path)
        except OSError as e:
            raise QgenError(f"{self.out_dir}: cannot move the new folder into place ({e.strerror})") from None
        self.path = None

    def _rename_whole_folder(self) -> None:
        os.chmod(self.path, 0o777 & ~_umask())  # mkdtemp made it 0700
        old = None
        try:
            if self.out_dir.exists():
                old = tempdirs.make(f".{self.out_dir.name}.old-", self.out_dir.parent)
                os.rename(self.out_dir, old / "folder")
            os.rename(self.path, self.out_dir)
            tempdirs.forget(self.path)
        except BaseException:  # an error, or SIGINT/SIGTERM between the two renames
            if old is not None and (old / "folder").exists() and not self.out_dir.exists():
                os.rename(old / "folder", self.out_dir)  # put the old one back
            raise
        finally:
            if old is not None and (old / "folder").exists() and not self.out_dir.exists():
                tempdirs.forget(old)  # could not be put back: keep it rather than lose it
            else:
                tempdirs.remove(old)  # read-only old files included

    def __exit__(self, *exc) -> bool:
        tempdirs.remove(self.path)
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
