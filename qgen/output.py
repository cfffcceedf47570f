"""Putting finished files in place without ever losing the user's files or leaving a half-written mix.

Rules every command follows (the README's "Output folders and files"):
* A folder qgen writes carries MARKER, a line of JSON saying what wrote it. qgen writes into, or
  replaces, only a folder that is new, empty or marked, and never one that holds an input in use.
* A single file (solve --pdf) replaces only a regular file: never a folder, device, FIFO or socket,
  and never a symbolic link (qgen does not write through links).
* Files are written into a temporary folder where they will live (beside a new folder, inside an
  existing one, beside a single file) and renamed into place only when all of them are written;
  a failure on the way puts back what was there. Temporary folders name their process
  (qgen.tempdirs), so a killed run's are removed by the next one.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from pathlib import Path

from qgen import __version__, tempdirs
from qgen.errors import QgenError
from qgen.reading import read_bytes

MARKER = ".qgen-output"
NEW_INSIDE, OLD_INSIDE = ".qgen-new-", ".qgen-old-"  # temporary folders inside an output folder


def marker_bytes(command: str) -> bytes:
    return (json.dumps({"tool": "qgen", "version": __version__, "command": command}) + "\n").encode()


def is_marked(folder: Path) -> bool:
    """Whether qgen wrote this folder (it holds a MARKER saying so)."""
    try:
        if not stat.S_ISREG(os.lstat(folder / MARKER).st_mode):
            return False
        return json.loads(read_bytes(folder / MARKER, "marker")).get("tool") == "qgen"
    except (OSError, ValueError, AttributeError, QgenError, RecursionError):
        return False


def _entries(folder: Path) -> list[str]:
    """The folder's entries, without qgen's own temporary folders."""
    return [n for n in os.listdir(folder) if not n.startswith((NEW_INSIDE, OLD_INSIDE))]


def check_folder(out_dir: Path, option: str, inputs: tuple[Path, ...] = (), rule: str = "qgen writes only into") -> None:
    """Refuse an existing `out_dir` that qgen may not write into or replace: not a folder, a
    symbolic link, a folder holding one of `inputs`, or a non-empty folder without MARKER."""
    out_dir = Path(out_dir)
    if not os.path.lexists(out_dir):
        return
    if out_dir.is_symlink():
        raise QgenError(f"{option} {out_dir}: is a symbolic link; give the folder itself")
    if not out_dir.is_dir():
        raise QgenError(f"{option} {out_dir}: exists and is not a folder")
    here = out_dir.resolve()
    for path in inputs:
        if Path(path).resolve().is_relative_to(here):
            raise QgenError(f"{option} {out_dir}: holds {path}, an input of this run; "
                            f"qgen never replaces it: choose another {option}")
    try:
        empty = not _entries(out_dir)
    except OSError as e:
        raise QgenError(f"{option} {out_dir}: cannot read it ({e.strerror})") from None
    if not empty and not is_marked(out_dir):
        raise QgenError(f"{option} {out_dir}: not empty and not written by qgen (no {MARKER} file); "
                        f"{rule} a folder qgen wrote or an empty one: choose another {option}")


def check_file_target(target: Path, option: str) -> None:
    """Refuse a target that is anything but a regular file or nothing."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as e:
        raise QgenError(f"{option} {target}: cannot write there ({e.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise QgenError(f"{option} {target}: is a symbolic link; qgen does not write through links: give the file's own path")
    if not stat.S_ISREG(info.st_mode):
        raise QgenError(f"{option} {target}: is {_kind(info.st_mode)}, not a file; qgen replaces only regular files")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def move(source: Path, target: Path) -> None:
    """Rename `source` to `target`; across devices (EXDEV), copy beside `target` first, then rename."""
    try:
        os.replace(source, target)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        beside = tempdirs.make(f".{target.name}.copy-", target.parent)
        try:
            copy = beside / target.name
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, copy)
            os.replace(copy, target)
        finally:
            tempdirs.remove(beside)
        tempdirs.rmtree(source)


def swap_in(folder: Path, staged: Path, names: list[str], clear: bool) -> None:
    """Move staged/<name> to folder/<name> for every name, as one step that is undone on failure.
    The entries replaced (with `clear`: every entry of folder) are moved aside first, then deleted."""
    old = tempdirs.make(OLD_INSIDE, folder)
    moved_old: list[str] = []
    moved_new: list[str] = []
    try:
        for name in _entries(folder) if clear else [n for n in names if os.path.lexists(folder / n)]:
            os.rename(folder / name, old / name)
            moved_old.append(name)
        for name in names:
            move(staged / name, folder / name)
            moved_new.append(name)
    except BaseException:  # an error, or SIGINT/SIGTERM: put everything back
        try:
            for name in reversed(moved_new):
                os.rename(folder / name, staged / name)
            for name in reversed(moved_old):
                os.rename(old / name, folder / name)
        except OSError:
            tempdirs.forget(old)  # keep what could not be put back
            raise QgenError(f"{folder}: could not put the old files back; they are in {old}") from None
        tempdirs.remove(old)
        raise
    tempdirs.remove(old)


def publish(files: dict[str, bytes], out_dir: Path, command: str, option: str = "--out") -> list[Path]:
    """Write `files` (name -> bytes) into `out_dir`, all or nothing. Files of `out_dir` not named
    are left alone; `out_dir` must be new, empty or qgen's (check_folder), and each named entry
    absent or a regular file. `command` is recorded in MARKER."""
    out_dir = Path(out_dir)
    check_folder(out_dir, option)
    for name in files:
        check_file_target(out_dir / name, option)
    tempdirs.sweep((out_dir, NEW_INSIDE), (out_dir, OLD_INSIDE), (out_dir.parent, f".{out_dir.name}.new-"))
    names = [*files, MARKER] if not is_marked(out_dir) else list(files)
    staged = None
    try:
        if out_dir.is_dir():  # stage inside: the files' own device, writable parent not needed
            staged = tempdirs.make(NEW_INSIDE, out_dir)
        else:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            staged = tempdirs.make(f".{out_dir.name}.new-", out_dir.parent)
        for name, data in files.items():
            (staged / name).write_bytes(data)
        (staged / MARKER).write_bytes(marker_bytes(command))
        if out_dir.is_dir():
            swap_in(out_dir, staged, names, clear=False)
        else:
            os.chmod(staged, 0o777 & ~_umask())  # mkdtemp made it 0700
            os.rename(staged, out_dir)
            tempdirs.forget(staged)
            staged = None
        return [out_dir / name for name in files]
    except OSError as e:
        raise QgenError(f"{option} {out_dir}: cannot write there ({e.strerror})") from None
    finally:
        tempdirs.remove(staged)


def publish_file(data: bytes, target: Path, option: str) -> Path:
    """Write one file atomically: staged beside it, then renamed over it (check_file_target)."""
    target = Path(target)
    check_file_target(target, option)
    tempdirs.sweep((target.parent, f".{target.name}.new-"))
    staged = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = tempdirs.make(f".{target.name}.new-", target.parent)
        (staged / target.name).write_bytes(data)
        check_file_target(target, option)  # again: it may have changed meanwhile
        move(staged / target.name, target)
        return target
    except OSError as e:
        raise QgenError(f"{option} {target}: cannot write there ({e.strerror})") from None
    finally:
        tempdirs.remove(staged)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
