"""Small filesystem helpers: atomic writes, safe names, content digests, the cache folder.

Every file the publisher writes goes through ``atomic_write_*``: the bytes land in a
temporary file in the same directory, are flushed to disk, and only then replace the
target with ``os.replace``. A reader (or a build killed half-way) sees either the old
file or the new one, never a truncated one.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .document import OutputError
from .text import HANGUL_SYLLABLES


_CHUNK = 1 << 20


def _feed(digest, path: Path) -> None:
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read a chunk at a time (model archives are ~120 MB)."""
    digest = hashlib.sha256()
    _feed(digest, Path(path))
    return digest.hexdigest()


MISSING = "-"  # the fingerprint of a file that is not there or cannot be read


def fingerprint(path: Path | None) -> str:
    """What a file holds, for deciding whether something built from it is up to date: the
    sha256 of its bytes, or :data:`MISSING` when there is no such file or it cannot be read
    (whoever needs its content reports why when reading it). The one file fingerprint."""
    if path is None:
        return MISSING
    try:
        if not_regular(path):  # never opened: a FIFO would block the build
            return MISSING
        return file_sha256(path)
    except OSError:
        return MISSING


def stat_stamp(path: Path | None) -> tuple[int, int, int] | None:
    """``(mtime in ns, size, inode)`` of ``path``, or None when it cannot be stat'ed: whether a
    file changed since it was last seen, without reading it (an atomic replace changes the inode)."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def not_regular(path: Path) -> str | None:
    """What ``path`` is when it exists but is not a regular file (``a FIFO``, ``a socket``,
    ``a device``, ``a folder``; a symlink is followed), else None. Decided by ``stat``: the
    file is never opened, so a FIFO cannot block the caller."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def fingerprint_of(data: bytes) -> str:
    """What :func:`fingerprint` gives for a file that holds ``data``, for a caller that has
    the bytes in hand (read or about to be written) and must not read the file again."""
    return hashlib.sha256(data).hexdigest()


def tree_sha256(root: Path, *, skip: tuple[str, ...] = ("__pycache__",)) -> str:
    """A digest of every file under ``root``: relative names and contents, in sorted order.

    Files or folders named in ``skip`` are left out (bookkeeping, not content).
    """
    root = Path(root)
    digest = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and not set(rel.parts) & set(skip):
            digest.update(str(rel).encode() + b"\0")
            _feed(digest, p)
    return digest.hexdigest()


def cache_dir(*parts: str) -> Path:
    """The publisher's cache folder: ``$PUBLISHER_CACHE_DIR``, else ``$XDG_CACHE_HOME/publisher``,
    else ``~/.cache/publisher`` (joined with ``parts``). The one rule for every cached file.

    publisher.toml's ``[paths].cache`` reaches this through the same variable: the command line
    sets it for the run (:func:`publisher.config.applied`), so Ray's local workers inherit it too."""
    env = os.environ.get("PUBLISHER_CACHE_DIR")
    if env:
        base = Path(env).expanduser()
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "publisher"
    return base.joinpath(*parts)


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


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless the file already holds exactly these bytes
    (assets copied into out/ on every build keep their time stamps); True when written."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


class FileTaken(OutputError):
    """The name is taken: whatever is there (an editor's file) is never overwritten."""


def write_new_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` only if nothing is there yet (an editor's file is never overwritten)."""
    return write_new_bytes(path, text.encode("utf-8"))


def write_new_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` only if nothing is there yet; :class:`FileTaken` otherwise.

    Atomic as well: the bytes are written and flushed to a temporary file first, then linked
    into place (``link`` fails when the name is taken, even by a file that appears meanwhile).
    A full disk leaves no file behind, so a truncated file can never be mistaken for the editor's.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise FileTaken(f"{path} already exists; it is an editor's file and is never overwritten")
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
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
    except FileExistsError:
        raise FileTaken(f"{path} already exists; it is an editor's file and is never overwritten") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return path


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directory entries in one step (Linux renameat2); False when not supported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(staging: Path, target: Path) -> None:
    """Put the finished folder ``staging`` at ``target`` whole, replacing what was there.

    With Linux's atomic exchange a reader sees the old folder or the new one, never a mix;
    elsewhere the old folder is moved aside first and put back at once if the new one
    cannot take its place (``clean_staging`` puts it back if the process dies in between).
    The old folder is then deleted.
    """
    staging, target = Path(staging), Path(target)
    try:
        if not target.exists():
            os.rename(staging, target)
            return
        if _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)
            return
        aside = target.with_name(f".old-{target.name}")
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(target, aside)
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(aside, target)  # the working folder goes back
            raise
        shutil.rmtree(aside, ignore_errors=True)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None


@contextmanager
def staged_dir(target: Path, *, prefix: str = ".staging-", mode: int = 0o755) -> Iterator[Path]:
    """Build a folder beside ``target`` and swap it in whole: the one way a folder is replaced.

    Yields a new empty folder in ``target``'s parent (named ``prefix`` + the target's name +
    a random tail, so ``clean_staging`` recognises leftovers); when the block ends without an
    error, the folder gets ``mode`` and replaces ``target`` (:func:`replace_dir`). When the
    block raises, the folder is removed and ``target`` is untouched. Errors name ``target``,
    never the staging folder.

        with staged_dir(out_dir / slug) as folder:
            write_files(folder)
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{prefix}{target.name}-", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        try:
            yield staging
        except OutputError as exc:
            raise OutputError(str(exc).replace(str(staging), str(target))) from None
        try:
            os.chmod(staging, mode)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        replace_dir(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def remove_dir(target: Path) -> None:
    """Delete a folder so that it disappears at once (renamed aside, then deleted)."""
    target = Path(target)
    aside = target.with_name(f".removed-{target.name}")
    try:
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(target, aside)
    except OSError as exc:
        raise OutputError(f"cannot remove {target}: {exc.strerror or exc}") from None
    shutil.rmtree(aside, ignore_errors=True)


def clean_staging(out_dir: Path) -> None:
    """Tidy after a build that died: drop staging folders, restore a folder left aside."""
    out_dir = Path(out_dir)
    for p in out_dir.glob(".staging-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out_dir.glob(".removed-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out_dir.glob(".old-*"):
        target = out_dir / p.name[len(".old-") :]
        if target.exists():
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.rename(p, target)
            except OSError:
                pass


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
