"""An OS lock on a folder, for a read-check-write of a file in it that is replaced by rename.

A file that is written by writing a temporary file and renaming it over the old one cannot
carry its own lock (the rename swaps the inode); a lock file beside it would be left among
an editor's files. ``flock`` on the folder leaves nothing behind and is released when the
process ends, however it ends. Where there is no ``fcntl``, a hidden lock file beside the
file (``.NAME.lock``, the ``filelock`` package) stands in.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

from .document import InputError


@contextmanager
def folder_lock(path: Path, timeout: float, busy: str):
    """Hold the exclusive lock of ``path``'s folder (InputError ``busy`` after ``timeout`` s).
    Threads of one process exclude each other too (each call opens its own descriptor)."""
    path = Path(path)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux or macOS
        with _lock_file(path, timeout, busy):
            yield
        return
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError as exc:
        raise InputError(f"{path}: cannot lock it for writing: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise InputError(busy) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _lock_file(path: Path, timeout: float, busy: str):  # pragma: no cover - not on Linux or macOS
    from filelock import FileLock, Timeout

    lock = FileLock(str(path.with_name(f".{path.name}.lock")), is_singleton=False)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise InputError(busy) from None
    try:
        yield
    finally:
        lock.release()
