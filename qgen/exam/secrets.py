"""The instructor's secret and what is derived from it with HMAC-SHA256.

The secret file (EXAM.secret beside EXAM.toml) holds 32 random bytes as 64 hex digits, mode 0600.
From it and public facts (exam title, student id, question number):

    seed(k)      = first 63 bits of HMAC(secret, ["qgen-seed", title, id, k])
    version code = 40 bits of HMAC(secret, ["qgen-version", title, id]), 8 characters
    fingerprint  = 128 bits of HMAC(secret, ["qgen-secret-fingerprint"]), in manifest.json

HMAC is a pseudo-random function: without the secret, the code printed on a sheet says nothing
about the seeds, so the program and a sheet are not enough to regenerate a key. With the secret,
the grader regenerates any student's sheet and key. The secret itself is never printed or written
anywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets as _random
from pathlib import Path

from qgen.errors import QgenError
from qgen.reading import read_bytes
from qgen.randomiser import CODE_ALPHABET

SECRET_BYTES = 32
CODE_LENGTH = 8  # 40 bits: collisions in a class of 2,000 have probability ~2e-6
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def secret_path_for(config: Path) -> Path:
    """EXAM.toml -> EXAM.secret in the same folder."""
    config = Path(config)
    return config.with_name(config.stem + ".secret")


def create_secret(path: Path) -> None:
    """Write a new secret; never overwrites one (O_EXCL), readable by the owner only."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise QgenError(f"{path}: a secret exists already; it is never overwritten (keys made with it "
                        "could not be regenerated). Delete it yourself if you really mean to") from None
    except OSError as e:
        raise QgenError(f"{path}: cannot write the secret there ({e.strerror})") from None
    with os.fdopen(fd, "w") as f:
        f.write(_random.token_hex(SECRET_BYTES) + "\n")
    os.chmod(path, 0o600)  # the umask could have taken bits away, never added: make it exact


def load_secret(path: Path, config: Path | None = None) -> bytes:
    path = Path(path)
    try:
        text = read_bytes(path, "secret").decode("ascii").strip()
    except FileNotFoundError:
        where = f" beside {Path(config).name}" if config is not None else ""
        raise QgenError(f"{path}: no secret file{where}; run `qgen exam init {path.parent}` once to create it "
                        "(or give its place with --secret)") from None
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or "not a qgen secret"
        raise QgenError(f"{path}: cannot read the secret ({reason})") from None
    if not _HEX.match(text):
        raise QgenError(f"{path}: not a qgen secret (expected {2 * SECRET_BYTES} hex digits, as `qgen exam init` writes)")
    return bytes.fromhex(text)  # upper- or lower-case hex: the same 32 bytes


def _mac(secret: bytes, *parts) -> bytes:
    message = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).digest()


def question_seed(secret: bytes, title: str, student_id: str, question: int) -> int:
    """The 63-bit seed of one student's question (question numbers count from 1)."""
    return int.from_bytes(_mac(secret, "qgen-seed", title, student_id, question)[:8], "big") >> 1


def class_seed(secret: bytes, title: str, question: int) -> int:
    """The 63-bit seed of what a question shares across the class (e.g. a graph's structure)."""
    return int.from_bytes(_mac(secret, "qgen-class", title, question)[:8], "big") >> 1


def version_code(secret: bytes, title: str, student_id: str) -> str:
    """8 characters of base32 (no 0/O/1/I), printed as XXXX-XXXX."""
    value = int.from_bytes(_mac(secret, "qgen-version", title, student_id)[:5], "big")
    chars = "".join(CODE_ALPHABET[(value >> (5 * i)) & 31] for i in range(CODE_LENGTH))
    return f"{chars[:4]}-{chars[4:]}"


def secret_fingerprint(secret: bytes) -> str:
    """HMAC(secret, a fixed label), written into manifest.json so that a later command can tell
    whether it was given the secret the build was made with. Says nothing about the secret."""
    return _mac(secret, "qgen-secret-fingerprint").hex()[:32]


def moodle_seed(secret: bytes, title: str, question: int, variant: int) -> int:
    """The 63-bit seed of variant i of question k in a Moodle export: its own HMAC label, so no
    Moodle variant is any student's paper question."""
    return int.from_bytes(_mac(secret, "qgen-moodle", title, question, variant)[:8], "big") >> 1
