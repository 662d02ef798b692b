"""Small filesystem helpers: atomic writes and safe names.

Every file the publisher writes goes through ``atomic_write_*``: the bytes land in a
temporary file in the same directory, are flushed to disk, and only then replace the
target with ``os.replace``. A reader (or a build killed half-way) sees either the old
file or the new one, never a truncated one.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .article import OutputError
from .text import HANGUL_SYLLABLES


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def atomic_write_text(path: Path, text: str, *, mode: int = 0o644) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def write_new_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` only if nothing is there yet (an editor's file is never overwritten)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise OutputError(f"{path} already exists; it is an editor's file and is never overwritten") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


_SLUG_DROP = re.compile(f"[^a-z0-9{HANGUL_SYLLABLES}]+")


def safe_slug(name: str, fallback: str = "article") -> str:
    """A file-name-safe slug: lower-case ASCII letters, digits, Hangul syllables and '-'.

    Path separators, dots, NUL and everything else collapse to '-', so a slug can never
    name a path outside the output directory.
    """
    text = unicodedata.normalize("NFC", name).lower()
    slug = _SLUG_DROP.sub("-", text).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)[:80].strip("-")
    return slug or fallback
