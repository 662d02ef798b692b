"""What the fetcher remembers between polls: one small SQLite file (WAL) in a state folder.

* ``feeds``: per feed URL, the validators of the last answer (ETag, Last-Modified) and when
  it was last polled (wall-clock seconds);
* ``items``: every feed item seen (feed, key = id or link), its page address and whether its
  page was fetched (``pending`` items are retried on the next poll, even after a 304);
* ``written``: every article file the fetcher wrote (inbox folder, file name), the sha256 of
  the bytes it wrote, the page address and its validators, when it was last re-checked and
  whether the page is gone. A file in the inbox whose bytes differ from what is recorded
  here is an editor's file: never overwritten, never removed.

SQLite because a service timer and an editor's ``publisher fetch`` may use the same state
at once; each call opens its own connection.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..document import OutputError

STATE_NAME = "sources.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, last_poll REAL, last_status INTEGER);
CREATE TABLE IF NOT EXISTS items (
    feed TEXT NOT NULL, key TEXT NOT NULL, link TEXT NOT NULL, first_seen REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (feed, key));
CREATE TABLE IF NOT EXISTS written (
    inbox TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, url TEXT NOT NULL, item_id TEXT,
    etag TEXT, last_modified TEXT, written_at REAL NOT NULL, last_checked REAL NOT NULL, gone INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (inbox, name));
"""


@dataclass(frozen=True)
class Written:
    """One file the fetcher wrote."""

    inbox: str
    name: str
    digest: str
    url: str
    item_id: str | None
    etag: str | None
    last_modified: str | None
    written_at: float
    last_checked: float


class SourceState:
    """The fetcher's memory in ``<state_dir>/sources.sqlite``; use as a context manager."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / STATE_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the fetcher's state {self.path}: {exc}; check the cache folder's permissions") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SourceState:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ feeds

    def feed(self, url: str) -> tuple[str | None, str | None, float | None]:
        """(etag, last_modified, last_poll) of a feed; Nones when never polled."""
        row = self.db.execute("SELECT etag, last_modified, last_poll FROM feeds WHERE url=?", (url,)).fetchone()
        return tuple(row) if row else (None, None, None)

    def feed_polled(self, url: str, when: float, status: int, etag: str | None = None, last_modified: str | None = None,
                    keep_validators: bool = False) -> None:
        if keep_validators:
            self.db.execute(
                "INSERT INTO feeds(url, last_poll, last_status) VALUES (?,?,?) "
                "ON CONFLICT(url) DO UPDATE SET last_poll=excluded.last_poll, last_status=excluded.last_status",
                (url, when, status),
            )
        else:
            self.db.execute(
                "INSERT OR REPLACE INTO feeds(url, etag, last_modified, last_poll, last_status) VALUES (?,?,?,?,?)",
                (url, etag, last_modified, when, status),
            )

    # ------------------------------------------------------------------ items

    def add_item(self, feed: str, key: str, link: str, when: float) -> bool:
        """Remember an item; True when it was not seen before."""
        cur = self.db.execute("INSERT OR IGNORE INTO items(feed, key, link, first_seen) VALUES (?,?,?,?)", (feed, key, link, when))
        return cur.rowcount == 1

    def pending_items(self, feed: str, max_attempts: int) -> list[tuple[str, str]]:
        """(key, link) of the items whose page is still to be fetched, oldest first."""
        rows = self.db.execute(
            "SELECT key, link FROM items WHERE feed=? AND status='pending' AND attempts<? ORDER BY first_seen, rowid",
            (feed, max_attempts),
        )
        return [tuple(r) for r in rows]

    def item_done(self, feed: str, key: str, status: str) -> None:
        self.db.execute("UPDATE items SET status=? WHERE feed=? AND key=?", (status, feed, key))

    def item_failed(self, feed: str, key: str) -> None:
        self.db.execute("UPDATE items SET attempts=attempts+1 WHERE feed=? AND key=?", (feed, key))

    # ---------------------------------------------------------------- written

    def written(self, inbox: Path, name: str) -> Written | None:
        row = self.db.execute(
            "SELECT inbox, name, digest, url, item_id, etag, last_modified, written_at, last_checked FROM written "
            "WHERE inbox=? AND name=?",
            (_key(inbox), name),
        ).fetchone()
        return Written(*row) if row else None

    def record_written(self, inbox: Path, name: str, digest: str, url: str, item_id: str | None,
                       etag: str | None, last_modified: str | None, when: float | None = None) -> None:
        when = time.time() if when is None else when
        self.db.execute(
            "INSERT OR REPLACE INTO written(inbox, name, digest, url, item_id, etag, last_modified, written_at, last_checked, gone) "
            "VALUES (?,?,?,?,?,?,?,?,?,0)",
            (_key(inbox), name, digest, url, item_id, etag, last_modified, when, when),
        )

    def due_for_check(self, inbox: Path, *, written_since: float, checked_before: float, limit: int) -> list[Written]:
        """Files written since ``written_since`` and not checked since ``checked_before``, least recently checked first."""
        rows = self.db.execute(
            "SELECT inbox, name, digest, url, item_id, etag, last_modified, written_at, last_checked FROM written "
            "WHERE inbox=? AND gone=0 AND written_at>=? AND last_checked<? ORDER BY last_checked, name LIMIT ?",
            (_key(inbox), written_since, checked_before, limit),
        )
        return [Written(*r) for r in rows]

    def checked(self, inbox: Path, name: str, when: float) -> None:
        self.db.execute("UPDATE written SET last_checked=? WHERE inbox=? AND name=?", (when, _key(inbox), name))

    def mark_gone(self, inbox: Path, name: str, when: float) -> None:
        self.db.execute("UPDATE written SET gone=1, last_checked=? WHERE inbox=? AND name=?", (when, _key(inbox), name))


def state_dir_for(config) -> Path:
    """The fetcher's state folder for a :class:`publisher.config.Config`: ``<[paths].cache>/sources``,
    else ``fsutil.cache_dir("sources")``. The service and ``publisher fetch`` share it, so each
    knows the files the other wrote."""
    from ..fsutil import cache_dir

    cache = getattr(config.paths, "cache", None)
    return Path(cache) / "sources" if cache else cache_dir("sources")


def _key(inbox: Path) -> str:
    return str(Path(inbox).resolve())
