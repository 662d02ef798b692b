"""What the driver's batch threads share during one Ray build: the texts in flight, and
which memory entries this run made."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future

from ..document import ORIGIN_MACHINE, ORIGIN_MEMORY
from ..memory import MemoryHit, TranslationMemory
from ..text import normalize_text


class RunKeys:
    """The segments the model translated during this run, on disk (a run of 100,000 articles
    has millions): a segment that another batch of the same run translated first is "machine",
    as in a local build that translates the whole run in one batch, not "memory"."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="publisher-run-")
        self._conn = sqlite3.connect(os.path.join(self._dir.name, "run.sqlite"), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute("CREATE TABLE keys (k BLOB PRIMARY KEY) WITHOUT ROWID")
        self._lock = threading.Lock()

    @staticmethod
    def _key(model_key: str, source: str, glossary_key: str) -> bytes:
        return hashlib.blake2b(f"{model_key}\0{glossary_key}\0{source}".encode(), digest_size=16).digest()

    def add(self, model_key: str, keys: Iterable[tuple[str, str]]) -> None:
        rows = [(self._key(model_key, s, g),) for s, g in keys]
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT OR IGNORE INTO keys(k) VALUES (?)", rows)
            self._conn.execute("COMMIT")

    def contains(self, model_key: str, source: str, glossary_key: str) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM keys WHERE k = ?", (self._key(model_key, source, glossary_key),)).fetchone() is not None

    def close(self) -> None:
        self._conn.close()
        self._dir.cleanup()


class RunMemory:
    """The translation memory as one batch thread of a Ray build uses it: the memory itself,
    plus which of its entries this run made (those count as the model's, not the memory's)."""

    def __init__(self, memory: TranslationMemory, run_keys: RunKeys) -> None:
        self.memory = memory
        self.run_keys = run_keys

    @property
    def error(self) -> str | None:
        return self.memory.error

    def put_many(self, model_key: str, rows) -> int:
        rows = list(rows)
        n = self.memory.put_many(model_key, rows)
        self.run_keys.add(model_key, ((normalize_text(r[0]), r[1] if len(r) == 3 else "") for r in rows))
        return n

    def get_many(self, model_key: str, sources) -> dict[tuple[str, str], MemoryHit]:
        hits = self.memory.get_many(model_key, sources)
        for key, hit in hits.items():
            if hit.origin == ORIGIN_MEMORY and self.run_keys.contains(model_key, *key):
                hits[key] = MemoryHit(hit.en, ORIGIN_MACHINE)
        return hits


class SharedTexts:
    """The model inputs of this run's recent batches and their English, shared by the driver's
    batch threads, so that no text goes to the model twice.

    Two batches in flight can both miss the memory for a sentence that both contain (the
    same sentence in two articles). A local build translates the run in one batch and sends
    such a sentence once; here the first batch to claim it sends it and the other waits for
    that English. A finished text stays in a window of the last ``keep`` texts (its English,
    ~0.3 KB; by the time it drops out it is in the memory), so the driver's memory does not
    grow with the run. A text whose batch failed leaves the window and is tried again.
    """

    def __init__(self, keep: int = 16_384) -> None:
        self._entries: OrderedDict[str, str | Future] = OrderedDict()
        self._lock = threading.Lock()
        self.keep = keep

    def translate(self, texts: list[str], send: Callable[[list[str]], list[str]]) -> tuple[list[str], int]:
        """(English for ``texts``, how many were sent): ``send`` gets only the texts that no
        batch in the window has claimed; the others are waited for or reused."""
        mine: list[str] = []
        found: dict[str, str | Future] = {}
        with self._lock:
            for text in texts:
                entry = self._entries.get(text)
                if entry is None:
                    entry = self._entries[text] = Future()
                    mine.append(text)
                self._entries.move_to_end(text)
                found[text] = entry
            while len(self._entries) > self.keep:  # a waiter holds its own reference
                self._entries.popitem(last=False)
        if mine:
            try:
                english = send(mine)
            except BaseException as exc:
                self._settle(mine, found, None, exc)  # the batches waiting for these fail with this one
                raise
            self._settle(mine, found, english, None)
        # Each batch resolves the texts it claimed before it waits for others': no cycle.
        return [e if isinstance(e, str) else e.result() for e in (found[t] for t in texts)], len(mine)

    def _settle(self, mine: list[str], found: dict, english: list[str] | None, error: BaseException | None) -> None:
        with self._lock:
            for i, text in enumerate(mine):
                if self._entries.get(text) is found[text]:
                    if error is None:
                        self._entries[text] = english[i]
                    else:
                        del self._entries[text]
        for i, text in enumerate(mine):
            if error is None:
                found[text].set_result(english[i])
            else:
                found[text].set_exception(error)
