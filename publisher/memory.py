"""Translation memory: an SQLite store of finished English segments.

Machine translations are keyed by (model key ``name@version#sha256``, normalized
source, glossary key). An editor's correction is keyed by (corrections file, normalized
source) and wins for *every* model and glossary, so the same sentence in another article
gets the editor's wording; when several files correct one sentence, the file whose path
sorts first wins. The corrections are a copy derived from the files
(``corrections.sync_memory``): ``sync_corrections`` replaces a file's rows with set-based
SQL, so a row, file or article that is gone is withdrawn on the next run.

The file lives in the cache directory (``PUBLISHER_CACHE_DIR``, else
``$XDG_CACHE_HOME/publisher``, else ``~/.cache/publisher``), ``tm.sqlite``. It runs in WAL mode with a busy timeout, so two
builds can share it; every write is one transaction, so a process killed mid-write loses
at most that write. A damaged or locked store is *reported and bypassed*: methods log a
warning, set ``error`` and behave like an empty memory. The file is never deleted,
moved or rewritten because of an error.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from .document import ORIGIN_EDITED, ORIGIN_MEMORY, OutputError
from .fsutil import cache_dir
from .text import normalize_text

log = logging.getLogger(__name__)

FILENAME = "tm.sqlite"
SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 3000


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
    file TEXT NOT NULL,
    source TEXT NOT NULL,
    en TEXT NOT NULL,
    machine_en TEXT,
    article TEXT,
    segment_id TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (file, source)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS corrections_by_source ON corrections(source, file);
CREATE TABLE IF NOT EXISTS correction_files (
    file TEXT PRIMARY KEY,
    article TEXT NOT NULL,
    stamp TEXT NOT NULL
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class MemoryHit:
    en: str
    origin: str  # ORIGIN_MEMORY or ORIGIN_EDITED


class TranslationMemory:
    """SQLite translation memory. Open lazily; errors are reported, never raised (except
    by ``clear``, which an editor asks for explicitly)."""

    def __init__(self, path: Path | str | None = None, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        if path is None:
            path = cache_dir(FILENAME)
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
        """The memory in the default cache directory (``fsutil.cache_dir``)."""
        return cls(cache_dir(FILENAME))

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
            if "corrections" in tables and "file" not in {r[1] for r in conn.execute("PRAGMA table_info(corrections)")}:
                # A version-1 store kept one correction per sentence, not per file. Its
                # corrections are a copy of the editors' files, so they are dropped and
                # read again from the files on the next build.
                with _transaction(conn):
                    conn.execute("DROP TABLE corrections")
                tables.discard("corrections")
                log.info("translation memory %s: corrections will be read again from the files", self.path)
            if not {"meta", "translations", "corrections", "correction_files"} <= tables:
                # Only a new (or older) store needs a write lock to open.
                with _transaction(conn):
                    for stmt in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                        conn.execute(stmt)
                    conn.execute(
                        "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
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
        pairs. Returns ``{(normalized source, glossary_key): MemoryHit}`` for the hits; a
        correction (origin "edited") wins over a machine translation.
        """
        return self._lookup(model_key, sources, with_corrections=True)

    def get_machine_many(self, model_key: str, sources: Iterable[str | tuple[str, str]]) -> dict[tuple[str, str], MemoryHit]:
        """:meth:`get_many` without the editors' corrections: what the model wrote (the
        editor's desk shows it beside the editor's English)."""
        return self._lookup(model_key, sources, with_corrections=False)

    def _lookup(self, model_key: str, sources, *, with_corrections: bool) -> dict[tuple[str, str], MemoryHit]:
        wanted = {_as_key(s) for s in sources}
        conn = self._connect() if wanted else None
        if conn is None:
            return {}
        try:
            corrections = self._editor_corrections(conn, sorted({s for s, _ in wanted})) if with_corrections else {}
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
        hits: dict[tuple[str, str], MemoryHit] = {}
        for key in wanted:
            if key[0] in corrections:
                hits[key] = MemoryHit(corrections[key[0]], ORIGIN_EDITED)
            elif key in machine:
                hits[key] = MemoryHit(machine[key], ORIGIN_MEMORY)
        return hits

    def get(self, model_key: str, source: str, glossary_key: str = "") -> MemoryHit | None:
        return self.get_many(model_key, [(source, glossary_key)]).get((normalize_text(source), glossary_key))

    def corrections(self) -> list[dict]:
        """All stored corrections (file, source, en, machine_en, article, segment_id, created)."""
        conn = self._connect()
        if conn is None:
            return []
        try:
            cur = conn.execute(
                "SELECT file, source, en, machine_en, article, segment_id, created FROM corrections ORDER BY created, file, source"
            )
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]
        except sqlite3.Error as exc:
            self._report("read", exc)
            return []

    @staticmethod
    def _editor_corrections(conn: sqlite3.Connection, srcs: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(srcs, 500):
            # The file whose path sorts first wins. With MIN(), SQLite takes the bare column
            # (en) from the row holding the minimum; the index (source, file) serves it.
            q = (
                "SELECT source, en, MIN(file) FROM corrections WHERE source IN "
                f"({','.join('?' * len(chunk))}) GROUP BY source"
            )
            found.update((src, en) for src, en, _ in conn.execute(q, chunk))
        return found

    def editor_corrections(self, sources: Iterable[str], *, normalized: bool = False) -> dict[str, str]:
        """``{normalized source: editor's English}`` for the sources that have a correction.

        ``normalized``: the sources are already in :func:`publisher.text.normalize_text` form.
        """
        srcs = set(sources) if normalized else {normalize_text(s) for s in sources}
        conn = self._connect()
        if conn is None or not srcs:
            return {}
        try:
            (stored,) = conn.execute("SELECT COUNT(*) FROM corrections").fetchone()
            if stored <= 2 * len(srcs):
                # Fewer corrections than sentences asked about: one pass over them is cheaper
                # than a search per sentence.
                q = "SELECT source, en, MIN(file) FROM corrections GROUP BY source"
                return {src: en for src, en, _ in conn.execute(q) if src in srcs}
            return self._editor_corrections(conn, sorted(srcs))
        except sqlite3.Error as exc:
            self._report("read", exc)
            return {}

    def correction_files(self) -> dict[str, tuple[str, str]]:
        """``{corrections file: (article, stamp)}`` for every file the corrections came from."""
        conn = self._connect()
        if conn is None:
            return {}
        try:
            return {f: (a, s) for f, a, s in conn.execute("SELECT file, article, stamp FROM correction_files")}
        except sqlite3.Error as exc:
            self._report("read", exc)
            return {}

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
            data.append((model_key, gkey, normalize_text(src), en, now))
        return self._write_rows(
            "INSERT OR REPLACE INTO translations(model_key, glossary_key, source, en, created) VALUES (?, ?, ?, ?, ?)",
            data,
        )

    def sync_corrections(
        self,
        replace: dict[str, tuple[str, str, list[tuple[str, str, str | None]]]],
        forget: Iterable[str] = (),
    ) -> bool:
        """Make the stored corrections of some files exactly what the files say (one transaction).

        ``replace``: ``{file: (article, stamp, [(source, en, segment_id), ...])}``: the
        file's stored rows become these rows (rows no longer in the file are deleted).
        ``forget``: files whose rows are all withdrawn. Set-based: the rows go into a
        temporary table and three statements do the rest. Returns False when the memory is
        unavailable or the write failed (reported, as every memory error).
        """
        forget = sorted(set(forget) - set(replace))
        if not replace and not forget:
            return True
        conn = self._connect()
        if conn is None:
            return False
        now = time.time()
        files = [(f, a, s) for f, (a, s, _) in replace.items()] + [(f, "", "") for f in forget]
        rows = {}
        for f, (article, _, items) in replace.items():
            for src, en, seg_id in items:
                rows[(f, normalize_text(src))] = (f, normalize_text(src), en, article, seg_id, now)
        try:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_files (file TEXT PRIMARY KEY, article TEXT, stamp TEXT)")
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS sync_rows (file TEXT, source TEXT, en TEXT, article TEXT, "
                "segment_id TEXT, created REAL, PRIMARY KEY (file, source))"
            )
            with _transaction(conn):
                conn.execute("DELETE FROM temp.sync_files")
                conn.execute("DELETE FROM temp.sync_rows")
                conn.executemany("INSERT INTO temp.sync_files VALUES (?, ?, ?)", files)
                conn.executemany("INSERT INTO temp.sync_rows VALUES (?, ?, ?, ?, ?, ?)", list(rows.values()))
                conn.execute(
                    "DELETE FROM corrections WHERE file IN (SELECT file FROM temp.sync_files) AND NOT EXISTS "
                    "(SELECT 1 FROM temp.sync_rows AS r WHERE r.file = corrections.file AND r.source = corrections.source "
                    "AND r.en = corrections.en)"
                )
                conn.execute(
                    "INSERT OR IGNORE INTO corrections(file, source, en, machine_en, article, segment_id, created) "
                    "SELECT file, source, en, NULL, article, segment_id, created FROM temp.sync_rows"
                )
                conn.execute("DELETE FROM correction_files WHERE file IN (SELECT file FROM temp.sync_files)")
                conn.execute(
                    "INSERT INTO correction_files(file, article, stamp) SELECT file, article, stamp "
                    "FROM temp.sync_files WHERE stamp != ''"
                )
                conn.execute("DELETE FROM temp.sync_files")
                conn.execute("DELETE FROM temp.sync_rows")
        except sqlite3.Error as exc:
            self._report("write", exc)
            return False
        return True

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
                if corrections:
                    conn.execute("DELETE FROM correction_files")
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
        return normalize_text(item), ""
    src, gkey = item
    return normalize_text(src), gkey


def _chunks(seq: list, n: int):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
