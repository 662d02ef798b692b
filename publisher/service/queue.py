"""The service's durable job queue: one SQLite file in WAL mode, beside the cache.

A job is accepted when its row is committed (WAL, ``synchronous=NORMAL``), before the client hears
``202``, so an accepted job survives a crash or ``kill -9``. Its life is
``queued -> running -> published | failed`` (``failed`` with the reason); a transient fault
puts it back to ``queued`` with a ``not_before`` time (backoff). On start, :meth:`JobQueue.recover`
puts the jobs of a build that never finished back in the queue: the build is incremental and
its briefs are swapped in whole, so building them again publishes each exactly once.

Every state change is also an ``events`` row, so "published exactly once" can be checked
from the file. The ``idempotency`` table keeps the first answer to a POST per
(token, Idempotency-Key).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..document import OutputError

QUEUED, RUNNING, PUBLISHED, FAILED = "queued", "running", "published", "failed"
STATES = (QUEUED, RUNNING, PUBLISHED, FAILED)
SUBMIT, TAKEDOWN, INBOX = "submit", "takedown", "inbox"

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, slug TEXT, state TEXT NOT NULL, reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, updated REAL NOT NULL,
    not_before REAL NOT NULL DEFAULT 0, build INTEGER);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, not_before);
CREATE TABLE IF NOT EXISTS events (job TEXT NOT NULL, state TEXT NOT NULL, at REAL NOT NULL, build INTEGER, reason TEXT);
CREATE INDEX IF NOT EXISTS events_by_job ON events(job);
CREATE TABLE IF NOT EXISTS builds (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL, finished REAL, state TEXT NOT NULL,
    jobs INTEGER NOT NULL, seconds REAL, built INTEGER, failed INTEGER, error TEXT);
CREATE TABLE IF NOT EXISTS idempotency (
    owner TEXT NOT NULL, key TEXT NOT NULL, request TEXT NOT NULL, status INTEGER NOT NULL,
    answer TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (owner, key));
"""


class DuplicateKey(Exception):
    """An Idempotency-Key stored by another request at the same moment (this job is not added)."""


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    slug: str | None
    state: str
    reason: str | None
    attempts: int
    created: float
    updated: float
    not_before: float
    build: int | None

    def as_dict(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "slug": self.slug, "state": self.state, "reason": self.reason,
            "attempts": self.attempts, "created": _iso(self.created), "updated": _iso(self.updated), "build": self.build,
        }


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


class JobQueue:
    """The queue file; every method is one transaction, safe to call from any thread."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives the process's death (kill -9) at once, and
            # the machine's crash once the WAL is checkpointed; no fsync per accepted POST.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the job queue {self.path}: {exc}; check the folder's permissions or set [service] queue_file") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ writing

    def _tx(self):
        return _Transaction(self._db, self._lock)

    def add(self, kind: str, slug: str | None = None, *, idempotency: tuple[str, str, str] | None = None, answer=None) -> Job:
        """A new queued job. With ``idempotency=(owner, key, request digest)`` and ``answer(job) ->
        (status, dict)``, the answer is stored in the same transaction as the job."""
        now = time.time()
        job = Job(uuid.uuid4().hex, kind, slug, QUEUED, None, 0, now, now, 0.0, None)
        with self._tx() as db:
            db.execute(
                "INSERT INTO jobs (id, kind, slug, state, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                (job.id, kind, slug, QUEUED, now, now),
            )
            db.execute("INSERT INTO events (job, state, at) VALUES (?, ?, ?)", (job.id, QUEUED, now))
            if idempotency is not None and answer is not None:
                status, body = answer(job)
                owner, key, digest = idempotency
                try:
                    db.execute(
                        "INSERT INTO idempotency (owner, key, request, status, answer, created) VALUES (?, ?, ?, ?, ?, ?)",
                        (owner, key, digest, status, json.dumps(body), now),
                    )
                except sqlite3.IntegrityError:
                    raise DuplicateKey(key) from None
        return job

    def claim(self) -> tuple[int, list[Job]] | None:
        """Every queued job that is due, now ``running`` under one new build: ``(build id, jobs)``."""
        now = time.time()
        with self._tx() as db:
            rows = db.execute("SELECT * FROM jobs WHERE state = ? AND not_before <= ? ORDER BY created", (QUEUED, now)).fetchall()
            if not rows:
                return None
            cur = db.execute("INSERT INTO builds (started, state, jobs) VALUES (?, ?, ?)", (now, RUNNING, len(rows)))
            build = cur.lastrowid
            ids = [r[0] for r in rows]
            db.executemany(
                "UPDATE jobs SET state = ?, attempts = attempts + 1, updated = ?, build = ? WHERE id = ?",
                [(RUNNING, now, build, i) for i in ids],
            )
            db.executemany("INSERT INTO events (job, state, at, build) VALUES (?, ?, ?, ?)", [(i, RUNNING, now, build) for i in ids])
            jobs = [self._job(r) for r in db.execute("SELECT * FROM jobs WHERE build = ? AND state = ?", (build, RUNNING))]
        return build, jobs

    def finish(self, build: int, outcomes: dict[str, tuple[str, str | None]], *, state: str, seconds: float,
               built: int = 0, failed: int = 0, error: str | None = None, delays: dict[str, float] | None = None) -> None:
        """Record each job's final (or retry) state and the build's summary, in one transaction.

        ``outcomes``: ``{job id: (state, reason)}``; ``delays``: for a ``queued`` outcome (a
        retry), the seconds before the job is due again.
        """
        now = time.time()
        delays = delays or {}
        with self._tx() as db:
            for job_id, (new_state, reason) in outcomes.items():
                not_before = now + delays[job_id] if job_id in delays else 0.0
                db.execute(
                    "UPDATE jobs SET state = ?, reason = ?, updated = ?, not_before = ? WHERE id = ? AND state = ?",
                    (new_state, reason, now, not_before, job_id, RUNNING),
                )
                db.execute("INSERT INTO events (job, state, at, build, reason) VALUES (?, ?, ?, ?, ?)", (job_id, new_state, now, build, reason))
            db.execute(
                "UPDATE builds SET finished = ?, state = ?, seconds = ?, built = ?, failed = ?, error = ? WHERE id = ?",
                (now, state, seconds, built, failed, error, build),
            )

    def recover(self) -> int:
        """After a crash: the jobs of a build that never finished are queued again (returns how many)."""
        now = time.time()
        with self._tx() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM jobs WHERE state = ?", (RUNNING,))]
            db.executemany("UPDATE jobs SET state = ?, reason = ?, updated = ?, not_before = 0 WHERE id = ?",
                           [(QUEUED, "the service stopped during its build; building again", now, i) for i in ids])
            db.executemany("INSERT INTO events (job, state, at, reason) VALUES (?, ?, ?, ?)",
                           [(i, QUEUED, now, "recovered after a stop") for i in ids])
            db.execute("UPDATE builds SET state = 'interrupted' WHERE state = ?", (RUNNING,))
        return len(ids)

    # ------------------------------------------------------------------ reading

    def _job(self, row) -> Job:
        return Job(*row)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return self._job(row) if row else None

    def answer(self, owner: str, key: str) -> tuple[str, int, dict] | None:
        """The stored first answer to (owner, Idempotency-Key): ``(request digest, status, body)``."""
        with self._lock:
            row = self._db.execute("SELECT request, status, answer FROM idempotency WHERE owner = ? AND key = ?", (owner, key)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None

    def depth(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM jobs WHERE state IN (?, ?)", (QUEUED, RUNNING)).fetchone()[0]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        return {s: 0 for s in STATES} | dict(rows)

    def next_due(self) -> float | None:
        """When the earliest queued job becomes due (epoch seconds), or None."""
        with self._lock:
            row = self._db.execute("SELECT min(not_before) FROM jobs WHERE state = ?", (QUEUED,)).fetchone()
        return row[0] if row and row[0] is not None else None

    def last_build(self) -> dict | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, started, finished, state, jobs, seconds, built, failed, error FROM builds "
                "WHERE state != ? ORDER BY id DESC LIMIT 1", (RUNNING,)).fetchone()
            total = self._db.execute("SELECT count(*) FROM builds").fetchone()[0]
        if row is None:
            return None
        keys = ("id", "started", "finished", "state", "jobs", "seconds", "built", "failed", "error")
        out = dict(zip(keys, row))
        out["started"] = _iso(out["started"])
        out["finished"] = _iso(out["finished"]) if out["finished"] else None
        out["builds_total"] = total
        return out


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` under the queue's thread lock (ROLLBACK on error)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock):
        self.db, self.lock = db, lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.lock.release()
