"""Translation memory: an SQLite store of finished English segments.

Machine translations are keyed by (model key ``name@version#sha256``, normalised
source, glossary key); an editor's correction is keyed by the normalised source alone
and wins for *every* model and glossary, so the same sentence in another article gets
the editor's wording.

The file lives in the cache directory (``PUBLISHER_CACHE_DIR`` or
``~/.cache/publisher``), ``tm.sqlite``. It runs in WAL mode with a busy timeout, so two
builds can share it; every write is one transaction, so a process killed mid-write loses
at most that write. A damaged or locked store is *reported and bypassed*: methods log a
warning, set ``error`` and behave like an empty memory. The file is never deleted,
moved or rewritten because of an error.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .article import ORIGIN_EDITED, ORIGIN_MEMORY, OutputError

log = logging.getLogger(__name__)

FILENAME = "tm.sqlite"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 3000

_WS = re.compile(r"\s+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS translations (
    model_key TEXT NOT NULL,
    glossary_key TEXT NOT NULL,
    source TEXT NOT NULL,
    en TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (model_key, glossary_key, source)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS corrections (
    source TEXT PRIMARY KEY,
    en TEXT NOT NULL,
    machine_en TEXT,
    article TEXT,
    segment_id TEXT,
    created REAL NOT NULL
) WITHOUT ROWID;
"""


def normalize_source(text: str) -> str:
    """The memory's view of a source segment: NFC, whitespace collapsed, stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def default_cache_dir() -> Path:
    env = os.environ.get("PUBLISHER_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "publisher"


@dataclass(frozen=True)
class MemoryHit:
    en: str
    origin: str  # ORIGIN_MEMORY or ORIGIN_EDITED


class TranslationMemory:
    """SQLite translation memory. Open lazily; errors are reported, never raised (except
    by ``clear``, which an editor asks for explicitly)."""

    def __init__(self, path: Path | str | None = None, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        if path is None:
            path = default_cache_dir() / FILENAME
        path = Path(path)
        if path.is_dir():
            path = path / FILENAME
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self.error: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._broken = False

    @classmethod
    def open_default(cls) -> TranslationMemory:
        """The memory in the default cache directory (``PUBLISHER_CACHE_DIR`` or ~/.cache/publisher)."""
        return cls(default_cache_dir() / FILENAME)

    # ------------------------------------------------------------------ connection

    def _report(self, action: str, exc: BaseException) -> None:
        msg = f"translation memory {self.path} {action} failed ({exc}); continuing without it, file left untouched"
        if self.error is None:
            log.warning("%s", msg)
        self.error = msg

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if self._broken:
            return None
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                _check_header(self.path)  # a damaged file is reported before anything is created beside it
            # Opening sets WAL mode and may create the schema; two processes doing that at
            # once on a new file get "database is locked" without waiting, so they take turns.
            with FileLock(str(self.path) + ".lock", timeout=10 * self.busy_timeout_ms / 1000):
                conn = self._open()
        except (sqlite3.Error, OSError, ValueError, Timeout) as exc:
            self._broken = True
            self._report("open", exc)
            return None
        self._conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        if self.path.exists():
            _check_header(self.path)
        conn = sqlite3.connect(str(self.path), timeout=self.busy_timeout_ms / 1000, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            if not mode or str(mode[0]).lower() != "wal":
                log.info("translation memory %s: journal mode %s", self.path, mode)
            conn.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"meta", "translations", "corrections"} <= tables:
                # Only a new (or older) store needs a write lock to open.
                with _transaction(conn):
                    for stmt in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                        conn.execute(stmt)
                    conn.execute(
                        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
                    )
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def available(self) -> bool:
        return self._connect() is not None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reads

    def get_many(
        self, model_key: str, sources: Iterable[str | tuple[str, str]]
    ) -> dict[tuple[str, str], MemoryHit]:
        """Look up many segments at once.

        ``sources`` are source strings (glossary key "") or ``(source, glossary_key)``
        pairs. Returns ``{(normalised source, glossary_key): MemoryHit}`` for the hits; a
        correction (origin "edited") wins over a machine translation.
        """
        wanted = {_as_key(s) for s in sources}
        if not wanted:
            return {}
        conn = self._connect()
        if conn is None:
            return {}
        hits: dict[tuple[str, str], MemoryHit] = {}
        try:
            srcs = sorted({s for s, _ in wanted})
            corrections: dict[str, str] = {}
            for chunk in _chunks(srcs, 500):
                q = f"SELECT source, en FROM corrections WHERE source IN ({','.join('?' * len(chunk))})"
                corrections.update(conn.execute(q, chunk).fetchall())
            machine: dict[tuple[str, str], str] = {}
            # One query per glossary key, so that SQLite finds each row by the whole primary
            # key (model, glossary key, source). Without the glossary key it scans every row
            # of the model: 300 lookups/s at a million segments instead of thousands.
            by_gkey: dict[str, list[str]] = {}
            for src, gkey in wanted:
                by_gkey.setdefault(gkey, []).append(src)
            for gkey, group in sorted(by_gkey.items()):
                for chunk in _chunks(sorted(group), 500):
                    q = (
                        "SELECT source, en FROM translations WHERE model_key = ? AND glossary_key = ? "
                        f"AND source IN ({','.join('?' * len(chunk))})"
                    )
                    for src, en in conn.execute(q, [model_key, gkey, *chunk]):
                        machine[(src, gkey)] = en
        except sqlite3.Error as exc:
            self._report("read", exc)
            return {}
        for key in wanted:
            src, _ = key
            if src in corrections:
                hits[key] = MemoryHit(corrections[src], ORIGIN_EDITED)
            elif key in machine:
                hits[key] = MemoryHit(machine[key], ORIGIN_MEMORY)
        return hits

    def get(self, model_key: str, source: str, glossary_key: str = "") -> MemoryHit | None:
        return self.get_many(model_key, [(source, glossary_key)]).get((normalize_source(source), glossary_key))

    def corrections(self) -> list[dict]:
        """All stored corrections (source, en, machine_en, article, segment_id, created)."""
        conn = self._connect()
        if conn is None:
            return []
        try:
            cur = conn.execute(
                "SELECT source, en, machine_en, article, segment_id, created FROM corrections ORDER BY created"
            )
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]
        except sqlite3.Error as exc:
            self._report("read", exc)
            return []

    # ------------------------------------------------------------------ writes

    def put_many(self, model_key: str, rows: Iterable[tuple[str, str] | tuple[str, str, str]]) -> int:
        """Store machine translations: ``(source, en)`` or ``(source, glossary_key, en)``.

        One transaction: all rows are stored or none. Returns the number written (0 when
        the memory is unavailable).
        """
        data = []
        now = time.time()
        for row in rows:
            if len(row) == 2:
                src, en = row  # type: ignore[misc]
                gkey = ""
            else:
                src, gkey, en = row  # type: ignore[misc]
            data.append((model_key, gkey, normalize_source(src), en, now))
        return self._write_rows(
            "INSERT OR REPLACE INTO translations(model_key, glossary_key, source, en, created) VALUES (?, ?, ?, ?, ?)",
            data,
        )

    def put_correction(
        self,
        source: str,
        en: str,
        *,
        machine_en: str | None = None,
        article: str | None = None,
        segment_id: str | None = None,
    ) -> bool:
        """Store an editor's correction; it applies under every model and glossary."""
        return self.put_corrections([(source, en, machine_en, article, segment_id)]) == 1

    def put_corrections(self, rows: Iterable[tuple]) -> int:
        """Store many corrections in one transaction: ``(source, en[, machine_en, article, segment_id])``."""
        now = time.time()
        data = []
        for row in rows:
            src, en, *rest = row
            rest = list(rest) + [None] * (3 - len(rest))
            data.append((normalize_source(src), en, rest[0], rest[1], rest[2], now))
        return self._write_rows(
            "INSERT OR REPLACE INTO corrections(source, en, machine_en, article, segment_id, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            data,
        )

    def _write_rows(self, sql: str, data: list[tuple]) -> int:
        """``executemany`` in one transaction: all rows are stored or none. Returns how many."""
        if not data:
            return 0
        conn = self._connect()
        if conn is None:
            return 0
        try:
            with _transaction(conn):
                conn.executemany(sql, data)
        except sqlite3.Error as exc:
            self._report("write", exc)
            return 0
        return len(data)

    def delete_correction(self, source: str) -> bool:
        """Forget an editor's correction (e.g. removed from the corrections file)."""
        conn = self._connect()
        if conn is None:
            return False
        try:
            with _transaction(conn):
                cur = conn.execute("DELETE FROM corrections WHERE source = ?", (normalize_source(source),))
        except sqlite3.Error as exc:
            self._report("write", exc)
            return False
        return cur.rowcount > 0

    # ------------------------------------------------------------------ maintenance

    def stats(self) -> dict:
        """Counts for ``publisher cache stats``. On error: ``{"path", "error"}``."""
        info: dict = {"path": str(self.path)}
        if not self.path.exists():
            info.update(translations=0, corrections=0, models={}, bytes=0)
            return info
        conn = self._connect()
        if conn is None:
            info["error"] = self.error
            return info
        try:
            info["translations"] = conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]
            info["corrections"] = conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0]
            info["models"] = dict(
                conn.execute("SELECT model_key, COUNT(*) FROM translations GROUP BY model_key ORDER BY model_key")
            )
        except sqlite3.Error as exc:
            self._report("read", exc)
            info["error"] = self.error
            return info
        info["bytes"] = sum(
            p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists()
        )
        return info

    def clear(self, *, corrections: bool = False) -> dict:
        """Delete stored machine translations (and editor corrections if asked).

        Corrections are kept by default: they are an editor's work, and clearing a cache
        should not lose it. Raises OutputError when the store cannot be opened, with the
        file left as it is.
        """
        if not self.path.exists():
            return {"translations": 0, "corrections": 0}
        conn = self._connect()
        if conn is None:
            raise OutputError(
                f"cannot clear the translation memory {self.path}: {self.error}; "
                "move the file aside to start a new memory"
            )
        try:
            with _transaction(conn):
                n = conn.execute("DELETE FROM translations").rowcount
                m = conn.execute("DELETE FROM corrections").rowcount if corrections else 0
        except sqlite3.Error as exc:
            self._report("clear", exc)
            raise OutputError(f"cannot clear the translation memory {self.path}: {exc}; try again when no build is running") from None
        try:  # give the space back; harmless if another process holds the file open
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("VACUUM")
        except sqlite3.Error as exc:
            log.info("translation memory %s: not compacted (%s)", self.path, exc)
        return {"translations": n, "corrections": m}


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that is not an SQLite database before SQLite touches it."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head and head != _SQLITE_MAGIC:
        raise sqlite3.DatabaseError("file is not a database")


def _as_key(item: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(item, str):
        return normalize_source(item), ""
    src, gkey = item
    return normalize_source(src), gkey


def _chunks(seq: list, n: int):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
