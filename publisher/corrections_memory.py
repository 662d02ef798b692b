"""The translation memory's copy of the editors' corrections files (see :mod:`publisher.corrections`).

The file is the truth: :func:`sync_memory` makes the memory's corrections equal to the files
on disk on each run; :func:`carried_digest` is the part of a brief's inputs that other
articles' corrections of its sentences make up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .corrections import read_table
from .document import InputError
from .fsutil import MISSING, fingerprint
from .text import normalize_text


@dataclass(frozen=True)
class SyncResult:
    updated: int = 0  # files whose rows were (re)stored
    forgotten: int = 0  # files whose rows were withdrawn
    errors: tuple[str, ...] = ()


def sync_memory(memory, pairs: Iterable[tuple[Path, Path]], stamps: dict[Path, str] | None = None) -> SyncResult:
    """Make the memory's corrections equal to the corrections files on disk.

    ``pairs`` are ``(article, corrections file)`` of this run. Every file the memory already
    knows is checked as well: a file (or its article) that is gone or unreadable is
    forgotten, a changed one is read again, one that cannot be used is forgotten (its rows
    cannot be trusted). Files that did not change cost one hash and no write. ``stamps``:
    fingerprints (``fsutil.fingerprint``) already computed.
    """
    if memory is None or not memory.available:
        return SyncResult()
    stamps = stamps or {}
    known = memory.correction_files()  # {file: (article, stamp)}
    wanted: dict[str, str] = {}  # corrections file -> article
    for article, cfile in pairs:
        wanted[str(Path(cfile).resolve())] = str(Path(article).resolve())
    for cfile, (article, _) in known.items():
        wanted.setdefault(cfile, article)

    replace: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {}
    forget: list[str] = []
    errors: list[str] = []
    for cfile, article in wanted.items():
        s = stamps[Path(cfile)] if Path(cfile) in stamps else fingerprint(Path(cfile))
        if s == MISSING or not Path(article).exists():
            if cfile in known:
                forget.append(cfile)
            continue
        if cfile in known and known[cfile] == (article, s):
            continue
        try:
            table = read_table(Path(cfile))
        except InputError as exc:
            errors.append(str(exc))
            if cfile in known:
                forget.append(cfile)
            continue
        replace[cfile] = (article, s, [(c.korean, c.english, c.id) for c in table.corrections])
    if replace or forget:
        memory.sync_corrections(replace, forget)
    return SyncResult(updated=len(replace), forgotten=len(forget), errors=tuple(errors))


def carried_digest(memory, sources: Iterable[str], found: dict[str, str] | None = None) -> str:
    """A hash of the memory's corrections for these sources (what other files say about them).

    Part of what a brief is built from: when a correction in another article's file is
    added, changed or withdrawn, the briefs whose sentences it touches are rebuilt.
    ``found``: the memory's answer (``memory.editor_corrections``) for at least these
    sources, fetched once for many articles; the sources are then taken as normalized.
    """
    if found is None:
        sources = {normalize_text(s) for s in sources}
        found = memory.editor_corrections(sources, normalized=True) if memory is not None else {}
    keys = sorted(found.keys() & set(sources))
    if not keys:
        return "-"
    h = hashlib.sha256()
    for src in keys:
        h.update(src.encode())
        h.update(b"\0")
        h.update(found[src].encode())
        h.update(b"\0")
    return h.hexdigest()
