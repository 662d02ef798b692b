"""The site's cards: one small, flat record per brief, and the card index that keeps them.

A card (:class:`Entry`: titles, date, lead, PDF size) is read from a brief's ``brief.json``
alone; a brief folder whose JSON cannot be read is skipped and logged. The card index lives
in the cache folder (``PUBLISHER_CACHE_DIR/site/``, one SQLite file per output folder, never
in ``out/``), keyed by the brief.json's size and modification time, so a build parses only
the brief.json files that changed, and SQLite sorts the cards (spilling to disk, not RAM)
for the pages and the feed; it also keeps the digest of every page the site wrote (table
``pages``, for :mod:`publisher.site`). The index is derived data: delete it and the next
build recreates it from the brief.json files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .document import BRIEF_JSON, Brief, OutputError, PublisherError, read_brief
from .fsutil import cache_dir
from .text import no_bidi

log = logging.getLogger(__name__)

_CARD_SCHEMA = 2  # bump when the card's fields change: every card is recomputed
CARD_ORDER = "sort_date DESC, updated DESC, folder DESC"  # = sorted(key=Entry.sort_key, reverse=True)


@dataclass(frozen=True)
class Entry:
    """One brief as the index pages and the feed show it (a "card": small and flat)."""

    folder: str  # the brief's folder name under out/ (links are built from it, not from JSON)
    title_ko: str
    title_en: str | None
    date: str | None
    lead_en: str | None
    updated: str  # RFC 3339
    pdf_size: int | None
    download_name: str
    test_model: bool = False  # made with the test fixture: said on the index and in the feed
    outlet: str | None = None
    author: str | None = None
    edited: bool = False  # an editor corrected the English: said on the index

    @property
    def html_href(self) -> str:
        return f"{quote(self.folder)}/brief.html"

    @property
    def pdf_href(self) -> str:
        return f"{quote(self.folder)}/brief.pdf"

    @property
    def month(self) -> str:
        """YYYY-MM of the article's date (else of its generation time): its archive page."""
        return (self.date or self.updated)[:7]

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.date or "", self.updated, self.folder)


def rfc3339(generated: str | None, date: str | None) -> str:
    for value in (generated, f"{date}T00:00:00+00:00" if date else None):
        if not value:
            continue
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            continue
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "1970-01-01T00:00:00Z"


def _entry(folder: Path, brief: Brief) -> Entry:
    """A brief's card: what the brief itself says (titles, date, lead), no page view is built."""
    pdf = folder / "brief.pdf"
    try:
        size = pdf.stat().st_size if pdf.is_file() else None
    except OSError:
        size = None
    date = brief.date_iso
    prefix = date or (rfc3339(brief.generated, None)[:10] if brief.generated else "undated")
    return Entry(
        folder=folder.name,
        title_ko=no_bidi(brief.title_ko),  # briefs built before titles were cleaned at the reader too
        title_en=no_bidi(brief.title_en),
        date=date,
        lead_en=brief.lead_en,
        updated=rfc3339(brief.generated, date),
        pdf_size=size,
        download_name=f"{prefix}-{folder.name}.pdf",
        test_model=brief.test_model,
        outlet=brief.article.outlet,
        author=brief.article.byline.author,
        edited=bool(brief.edited),
    )


def read_entry(folder: Path) -> Entry | None:
    """The card of the brief in ``folder`` from its brief.json, or None (logged) when unreadable."""
    path = Path(folder) / BRIEF_JSON
    try:
        return _entry(path.parent, read_brief(path))
    except (OSError, ValueError, TypeError, AttributeError, KeyError, PublisherError) as exc:
        log.warning("skipping %s: %s", path, exc)
        return None


def _brief_folders(out_dir: Path) -> Iterator[os.DirEntry]:
    """The (non-hidden) folders of ``out_dir``, streamed: 100,000 are never listed at once."""
    with os.scandir(out_dir) as it:
        for d in it:
            if not d.name.startswith(".") and d.is_dir():
                yield d


# ------------------------------------------------------------------ the card index


_INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
    folder TEXT PRIMARY KEY,
    sig TEXT NOT NULL,
    sort_date TEXT NOT NULL,
    updated TEXT NOT NULL,
    month TEXT NOT NULL,
    digest TEXT NOT NULL,
    card TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cards_order ON cards (sort_date DESC, updated DESC, folder DESC);
CREATE INDEX IF NOT EXISTS cards_month ON cards (month DESC, sort_date DESC, updated DESC, folder DESC);
CREATE TABLE IF NOT EXISTS pages (name TEXT PRIMARY KEY, digest TEXT NOT NULL);
"""


def card_index_path(out_dir: Path) -> Path:
    """Where the card index of ``out_dir`` lives: the cache folder, one file per output folder."""
    key = hashlib.sha256(str(Path(out_dir).resolve()).encode()).hexdigest()[:24]
    return cache_dir("site", f"{key}.sqlite")


def open_index(out_dir: Path) -> sqlite3.Connection:
    """The card index, recreated from scratch when missing, damaged or of another version.

    A damaged file is deleted and rebuilt (it is derived from the brief.json files). The index
    is an optimisation: when it cannot be written (a read-only cache folder, a full disk), a
    warning is logged once and an index in memory is built from scratch for this build.
    """
    path = card_index_path(out_dir)
    version = f"{_CARD_SCHEMA}:{__version__}"
    for attempt in (1, 2):
        conn = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-16000")  # 16 MB; larger sorts spill to temporary files
            conn.executescript(_INDEX_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if row is None or row[0] != version:
                conn.executescript("BEGIN; DELETE FROM cards; DELETE FROM pages; COMMIT;")
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('version', ?)", (version,))
            conn.execute("BEGIN IMMEDIATE")  # can it be written? (a read-only file opens for reading)
            conn.execute("ROLLBACK")
            return conn
        except (sqlite3.OperationalError, OSError) as exc:
            if conn is not None:
                conn.close()
            return _index_in_memory(path, exc, version)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if attempt == 2:
                raise OutputError(f"cannot use the site's card index {path}: {exc}; delete it and build again") from None
            log.warning("site index %s is damaged (%s); rebuilding it from the brief.json files", path, exc)
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass
    raise AssertionError("unreachable")


_WARNED: set[str] = set()


def _index_in_memory(path: Path, exc: BaseException, version: str) -> sqlite3.Connection:
    """A fresh card index in memory, for a build whose cache folder cannot be written."""
    if str(path) not in _WARNED:
        _WARNED.add(str(path))
        log.warning("cannot write the site's card index %s (%s); building the index from scratch in memory", path, exc)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(_INDEX_SCHEMA)
    conn.execute("INSERT INTO meta(key, value) VALUES ('version', ?)", (version,))
    return conn


def _signature(folder: str) -> str | None:
    try:
        js = os.stat(os.path.join(folder, "brief.json"))
    except OSError:
        return None
    try:
        pdf = os.stat(os.path.join(folder, "brief.pdf"))
        pdf_sig = f"{pdf.st_size}:{pdf.st_mtime_ns}"
    except OSError:
        pdf_sig = "-"
    return f"{js.st_size}:{js.st_mtime_ns}:{pdf_sig}"


def _card_row(entry: Entry) -> tuple[str, str, str, str, str]:
    card = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True)
    return (entry.date or "", entry.updated, entry.month, hashlib.sha256(card.encode()).hexdigest(), card)


def from_card(card: str) -> Entry:
    return Entry(**json.loads(card))


def refresh_cards(conn: sqlite3.Connection, out_dir: Path) -> tuple[int, int]:
    """Bring the cards in line with the brief folders: parse only new or changed brief.json files.

    Returns (cards now in the index, brief.json files read).
    """
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen (folder TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM seen")
    conn.execute("BEGIN")
    pending = parsed = 0
    for d in _brief_folders(out_dir):
        sig = _signature(d.path)
        if sig is None:
            continue
        row = conn.execute("SELECT sig FROM cards WHERE folder = ?", (d.name,)).fetchone()
        if row is not None and row[0] == sig:
            conn.execute("INSERT OR IGNORE INTO seen(folder) VALUES (?)", (d.name,))
            continue
        entry = read_entry(Path(d.path))
        parsed += 1
        if entry is None:
            continue  # unreadable: logged, left out, read again next time
        conn.execute("INSERT OR IGNORE INTO seen(folder) VALUES (?)", (d.name,))
        conn.execute(
            "INSERT OR REPLACE INTO cards(folder, sig, sort_date, updated, month, digest, card) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (d.name, sig, *_card_row(entry)),
        )
        pending += 1
        if pending >= 1000:  # bounded transactions; a killed build keeps what it parsed
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            pending = 0
    conn.execute("DELETE FROM cards WHERE folder NOT IN (SELECT folder FROM seen)")
    conn.execute("COMMIT")
    return conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0], parsed
