"""Putting finished files in place without ever losing the user's files or leaving a half-written mix.

Rules every command follows (the README's "Output folders and files"):
* A folder qgen writes carries MARKER, a line of JSON saying which command wrote it and every file
  it wrote. A command writes into, or replaces, only a folder that is new, empty or marked by the
  same command, and never one that holds an input in use. It replaces only files its marker lists:
  a command that replaces a whole folder (exam build, exam keys, grade) refuses a folder holding
  any other file, naming it; a command that adds files (generate, exam regen) keeps other files.
* A single file (solve --pdf, the Moodle export) replaces only a regular file qgen wrote of the same
  kind, recognised by its content; never an input of the run, a folder, device, FIFO, socket or
  symbolic link (qgen does not write through links).
* Files are written into a temporary folder where they will live (beside a new folder, inside an
  existing one, beside a single file) and renamed into place only when all of them are written;
  a failure on the way puts back what was there. Temporary folders name their process
  (qgen.tempdirs), so a killed run's are removed by a later one.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
from pathlib import Path

from qgen import __version__, tempdirs
from qgen.errors import QgenError
from qgen.reading import LIMITS, file_type, read_bytes, read_head

MARKER = ".qgen-output"
NEW_INSIDE, OLD_INSIDE = ".qgen-new-", ".qgen-old-"  # temporary folders inside an output folder


def marker_bytes(command: str, files=()) -> bytes:
    """MARKER's line: the tool, its version, the command and the files it wrote (relative paths)."""
    return (json.dumps({"tool": "qgen", "version": __version__, "command": command,
                        "files": sorted(files)}, ensure_ascii=False) + "\n").encode("utf-8")


def read_marker(folder: Path) -> dict | None:
    """The marker of a folder qgen wrote ({"command": …, "files": […] or None}), or None."""
    try:
        if not stat.S_ISREG(os.lstat(Path(folder) / MARKER).st_mode):
            return None
        doc = json.loads(read_bytes(Path(folder) / MARKER, "marker"))
    except (OSError, ValueError, QgenError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("tool") != "qgen":
        return None
    files = doc.get("files")
    if not (isinstance(files, list) and all(isinstance(f, str) for f in files)):
        files = None  # an older qgen's marker: which files it wrote is not known
    return {"command": str(doc.get("command", "")), "files": files}


def is_marked(folder: Path) -> bool:
    """Whether qgen wrote this folder (it holds a MARKER saying so)."""
    return read_marker(folder) is not None


def _entries(folder: Path) -> list[str]:
    """The folder's entries, without qgen's own temporary folders."""
    return [n for n in os.listdir(folder) if not n.startswith((NEW_INSIDE, OLD_INSIDE))]


def files_in(folder: Path) -> list[str]:
    """Every entry under `folder` that is not a folder, as relative paths (links not followed);
    an empty folder as 'name/'. qgen's temporary folders and MARKER are left out."""
    found = []
    for top, dirs, files in os.walk(folder):
        rel = Path(top).relative_to(folder)
        if rel == Path("."):
            dirs[:] = [d for d in dirs if not d.startswith((NEW_INSIDE, OLD_INSIDE))]
            files = [f for f in files if f != MARKER]
        found += [(rel / f).as_posix() for f in files]
        found += [(rel / d).as_posix() for d in dirs if os.path.islink(os.path.join(top, d))]
        if not files and not dirs and rel != Path("."):
            found.append(rel.as_posix() + "/")
    return sorted(found)


def _unlisted(folder: Path, listed) -> list[str]:
    listed = set(listed or ())
    return [f for f in files_in(folder) if f not in listed]


def check_folder(out_dir: Path, option: str, inputs: tuple[Path, ...] = (), rule: str = "qgen writes only into",
                 command: str | None = None, whole: bool = False) -> None:
    """Refuse an existing `out_dir` that qgen may not write into or replace: not a folder, a
    symbolic link, a folder holding one of `inputs`, a non-empty folder without MARKER or written
    by another command than `command`; with `whole` (the folder is replaced as a whole), also a
    folder holding a file its MARKER does not list."""
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
    if empty:
        return
    marker = read_marker(out_dir)
    if marker is None:
        raise QgenError(f"{option} {out_dir}: not empty and not written by qgen (no {MARKER} file); "
                        f"{rule} a folder qgen wrote or an empty one: choose another {option}")
    if command is not None and marker["command"] != command:
        raise QgenError(f"{option} {out_dir}: written by `qgen {marker['command']}`, not by `qgen {command}`; "
                        f"{rule} a folder the same command wrote or an empty one: choose another {option}")
    if whole:
        if marker["files"] is None:
            raise QgenError(f"{option} {out_dir}: written by an earlier qgen that did not list the files it wrote; "
                            f"qgen never deletes a file it did not write: move the folder away or choose another {option}")
        stray = _unlisted(out_dir, marker["files"])
        if stray:
            raise QgenError(f"{option} {out_dir}: holds {stray[0]}, which `qgen {marker['command']}` did not write; "
                            f"qgen never deletes a file it did not write: move it away or choose another {option}")


def check_names(out_dir: Path, names, option: str) -> None:
    """Each of `names` in `out_dir` is absent, or a regular file its MARKER lists (qgen wrote it)."""
    out_dir = Path(out_dir)
    marker = read_marker(out_dir) if out_dir.is_dir() else None
    listed = set((marker or {}).get("files") or ())
    for name in names:
        check_file_target(out_dir / name, option)
        if os.path.lexists(out_dir / name) and name not in listed:
            raise QgenError(f"{option} {out_dir}: holds {name}, which qgen did not write; qgen never replaces "
                            f"a file it did not write: move it away or choose another {option}")


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
        raise QgenError(f"{option} {target}: is {file_type(info.st_mode)}, not a file; qgen replaces only regular files")


# Single-file outputs, recognised by their content: (what it is, test on the file's bytes, bytes to read)
OWN_FILES = {
    "moodle-xml": ("a Moodle XML file qgen wrote", 4096, lambda head: head.startswith(
        b"<?xml version='1.0' encoding='UTF-8'?>\n<quiz>\n  <question type=\"category\">\n    <category>\n"
        b"      <text>$course$/top/qgen/")),
    "moodle-answers": ("the answers of a Moodle export qgen wrote", 4096,
                       lambda head: re.match(rb'\{\s*"qgen": "[^"\n]*",\s*"format": "moodle",', head) is not None),
    "problems-csv": ("a problems list qgen wrote", 64,  # qgen.grade.responses.PROBLEMS_HEADER
                     lambda head: head.startswith(b"row,student_id,column,text,problem\n")),
    "solve-pdf": ("a PDF `qgen solve --pdf` wrote", LIMITS["output"][0],
                  lambda data: data.startswith(b"%PDF-") and b"/Creator (qgen solve --pdf)" in data),
}


def check_own_file(target: Path, option: str, kind: str, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse to replace anything but nothing or a regular file qgen wrote of this `kind` (OWN_FILES),
    and never one of `inputs` (the config, roster or secret of the run, compared as files)."""
    target = Path(target)
    check_file_target(target, option)
    if not os.path.lexists(target):
        return
    for path in inputs:
        try:
            same = os.path.samefile(path, target)
        except OSError:
            same = False
        if same:
            raise QgenError(f"{option} {target}: is {path}, an input of this run; qgen never replaces it: "
                            f"choose another {option}")
    what, size, test = OWN_FILES[kind]
    head = read_head(target, size)
    if head is None or not test(head):
        raise QgenError(f"{option} {target}: exists and is not {what}; qgen replaces only its own files: "
                        f"choose another name, or move the file away")


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


def check_publish(out_dir: Path, names, option: str, command: str, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse early what publish() would refuse: the folder (check_folder) and each name (check_names)."""
    check_folder(out_dir, option, inputs, command=command)
    check_names(out_dir, names, option)


def publish(files: dict[str, bytes], out_dir: Path, command: str, option: str = "--out",
            inputs: tuple[Path, ...] = ()) -> list[Path]:
    """Write `files` (name -> bytes) into `out_dir`, all or nothing. Files of `out_dir` not named
    are left alone; `out_dir` must be new, empty or written by `command`, and each named entry
    absent or a file it lists (check_publish). MARKER records `command` and every file qgen wrote there."""
    out_dir = Path(out_dir)
    check_publish(out_dir, files, option, command, inputs)
    tempdirs.sweep((out_dir, NEW_INSIDE), (out_dir, OLD_INSIDE), (out_dir.parent, f".{out_dir.name}.new-"))
    marker = read_marker(out_dir) if out_dir.is_dir() else None
    kept = [f for f in (marker or {}).get("files") or () if os.path.lexists(out_dir / f)]
    names = [*files, MARKER]
    staged = None
    try:
        if out_dir.is_dir():  # stage inside: the files' own device, writable parent not needed
            staged = tempdirs.make(NEW_INSIDE, out_dir)
        else:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            staged = tempdirs.make(f".{out_dir.name}.new-", out_dir.parent)
        for name, data in files.items():
            (staged / name).write_bytes(data)
        (staged / MARKER).write_bytes(marker_bytes(command, set(kept) | set(files)))
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


def publish_file(data: bytes, target: Path, option: str, kind: str, inputs: tuple[Path, ...] = ()) -> Path:
    """Write one file atomically: staged beside it, then renamed over it; it may replace only a
    file qgen wrote of the same `kind` (check_own_file)."""
    target = Path(target)
    check_own_file(target, option, kind, inputs)
    tempdirs.sweep((target.parent, f".{target.name}.new-"))
    staged = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = tempdirs.make(f".{target.name}.new-", target.parent)
        (staged / target.name).write_bytes(data)
        check_own_file(target, option, kind, inputs)  # again: it may have changed meanwhile
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
