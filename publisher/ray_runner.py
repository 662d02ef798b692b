"""``publisher brief --ray ADDRESS``: the same build on a Ray cluster (imported only with --ray).

Who does what:

* **The driver** (the ``publisher brief`` process) lists the articles, hashes their inputs,
  loads editors' corrections, owns the translation memory and the glossary, decides what is
  skipped, and writes every output file. It keeps at most ``max_in_flight`` articles between
  "sent to be read" and "written" (backpressure): an archive of 100,000 articles streams
  through it, and its memory does not grow with the archive.
* **Tasks** read and segment an article (``_prepare_task``: the driver ships the article's
  bytes, so the nodes need no shared storage) and summarise and render a translated one
  (``_render_task``: the brief's files come back as bytes).
* **A pool of translation actors** each load the model once. The driver zips the model's
  package folder once, puts it in the object store once, and every actor checks the bytes
  it receives against their sha256 before it unpacks them (once per node) and loads them.
  Actors get ``threads`` CTranslate2 threads each; they only turn prepared texts into raw
  English: looking up the memory before, and restoring markers, flagging and storing the
  English after, happen on the driver through the very ``Translator.translate_articles``
  that a local build uses, so a re-run translates nothing that any node translated before.
* **Output** is written by the driver, with the same atomic writes as a local build and
  ``brief.json`` last: one writer keeps the ``out/`` lock and the "inputs hash written last"
  rule meaningful, needs no shared file system, and makes "published exactly once" hold
  however often Ray retries a task (a result is written when the driver receives it, once).
* **Failures**: an article that cannot be read or rendered is reported exactly as in a local
  build and the others go on. A task whose worker or node dies is retried by Ray
  (``max_retries``); a translation actor that dies is restarted by Ray (``max_restarts``)
  and its pending request retried (``max_task_retries``); when an actor is gone for good
  its request goes to another actor of the pool. Only when no actor is left does the build
  stop, with the reason.

The CPU accounting: actors reserve no CPU of Ray's (``num_cpus=0``) and are spread over the
nodes; each read or render task reserves one. On a machine that runs both, declare its Ray
CPUs as its cores minus the translation threads it hosts (``ray start --num-cpus``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, replace
from pathlib import Path

from . import __version__
from .document import InputError, ModelError, PublisherError

log = logging.getLogger(__name__)

LOCAL = "local"


class ClusterError(PublisherError):
    """The Ray cluster cannot be reached or cannot do the work."""

    exit_code = 5


@dataclass(frozen=True)
class RayOptions:
    """How to run on Ray.

    ``address``: ``local`` (start Ray in this process with this machine's CPUs), ``auto``
    (the cluster this machine belongs to), ``ray://host:10001`` (Ray Client) or a head
    node's ``host:6379``. ``actors`` translation actors with ``threads`` CTranslate2
    threads each. ``max_in_flight``: articles between reading and writing (default
    ``max(16, 3 * actors * batch_articles)``: a batch translating, one waiting, one being
    read or rendered). ``batch_articles``: articles per request to
    an actor. ``max_restarts``: how often Ray restarts a dead actor (and retries its
    request) before the pool gives up on it.
    """

    address: str = LOCAL
    actors: int = 1
    threads: int = 2
    max_in_flight: int | None = None
    batch_articles: int = 8
    max_restarts: int = 3
    task_retries: int = 3
    local_cpus: int | None = None  # default: the cores the translation threads leave free (at least 1)

    def __post_init__(self) -> None:
        if self.actors < 1 or self.threads < 1 or self.batch_articles < 1:
            raise InputError("--actors, --threads and the batch size must be at least 1")
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise InputError("--in-flight must be at least 1")

    @property
    def window(self) -> int:
        return self.max_in_flight or max(16, 3 * self.actors * self.batch_articles)


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError("--ray needs Ray, which is not installed; run: pip install 'publisher[ray]'") from None
    return ray


def connect(address: str, local_cpus: int | None = None) -> bool:
    """Connect to (or, for ``local``, start) Ray. Returns whether we started it (and must stop it).

    ``local_cpus``: the CPUs a local Ray offers to read and render tasks. A Ray already
    initialised in this process (a notebook, a test) is used as it is.
    """
    ray = _ray()
    if ray.is_initialized():
        return False
    kwargs = dict(include_dashboard=False, logging_level=logging.WARNING, configure_logging=False)
    try:
        if address == LOCAL:
            ray.init(address="local", num_cpus=local_cpus or os.cpu_count() or 1, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(
            f"cannot connect to the Ray cluster at {address!r} ({first}); start one with 'ray start --head' "
            "or run with --ray local"
        ) from None
    return True


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM; 0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ------------------------------------------------------------------ model shipping


def package_blob(package_dir: Path) -> bytes:
    """The model's package folder as one deterministic zip (stored, fixed dates, sorted names).

    Built in a temporary file, so the driver holds the package's bytes once, not twice.
    """
    package_dir = Path(package_dir)
    with tempfile.TemporaryFile() as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for p in sorted(package_dir.rglob("*")):
                if p.is_file():
                    info = zipfile.ZipInfo(f"{package_dir.name}/{p.relative_to(package_dir).as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
                    info.external_attr = 0o644 << 16
                    with open(p, "rb") as src, zf.open(info, "w") as dst:
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
        fh.seek(0)
        return fh.read()


def unpack_package(blob: bytes, digest: str, root: Path | None = None) -> Path:
    """Check ``blob`` against ``digest`` and unpack it once per node; return the package folder."""
    from filelock import FileLock

    from .model_store import cache_root

    got = hashlib.sha256(blob).hexdigest()
    if got != digest:
        raise ModelError(
            f"the model package reached this node damaged (sha256 {got[:16]}..., expected {digest[:16]}...); "
            "the build cannot trust this node's translations"
        )
    root = Path(root) if root is not None else cache_root() / "ray"
    final = root / digest
    try:
        root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(root / f".{digest}.lock"), timeout=600):
            if not (final / ".complete").exists():
                staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
                with zipfile.ZipFile(io.BytesIO(blob)) as zf:
                    zf.extractall(staging)
                (staging / ".complete").write_text(digest + "\n", encoding="utf-8")
                if final.exists():
                    import shutil

                    shutil.rmtree(final)
                os.rename(staging, final)
    except OSError as exc:
        raise ModelError(f"cannot unpack the model into {root}: {exc.strerror or exc}; set PUBLISHER_CACHE_DIR to a writable folder") from None
    tops = [p for p in final.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise ModelError(f"the unpacked model in {final} has {len(tops)} top folders; delete {final} and run again")
    return tops[0]


class TranslationWorker:
    """A Ray actor: one model, loaded once, turning prepared source texts into raw English.

    Every request carries a reference to the package bytes (a reference, not the bytes):
    the first request of each incarnation fetches them from the node's object store,
    checks them and loads the model; a restarted actor does the same on its first request.
    """

    def __init__(self, digest: str, settings, publisher_version: str) -> None:
        if publisher_version != __version__:
            raise ClusterError(
                f"this node runs publisher {__version__}, the driver {publisher_version}; "
                "install the same version on every node"
            )
        self.digest = digest
        self.settings = settings
        self.engine = None
        self.stats = None
        self.calls = 0

    def _load(self, package: list) -> None:
        import ray

        from .engine import CT2Engine, TranslationStats
        from .model_store import load_model

        blob = ray.get(package[0])
        package_dir = unpack_package(blob, self.digest)
        del blob
        self.engine = CT2Engine(load_model(package_dir), self.settings)
        self.stats = TranslationStats()

    def translate(self, texts: list[str], package: list) -> tuple[list[str], int]:
        """(English for each text, this process's id: which incarnation did the work)."""
        if self.engine is None:
            self._load(package)
        self.calls += 1
        return self.engine.translate_texts(list(texts), self.stats), os.getpid()

    def where(self) -> tuple[int, str]:
        import ray

        return os.getpid(), ray.get_runtime_context().get_node_id()

    def peak_mb(self) -> float:
        return peak_rss_mb()


class TranslationPool:
    """The actors, and the one blocking call the driver's translators make: :meth:`translate`."""

    def __init__(self, model, decoding, options: RayOptions) -> None:
        ray = _ray()
        from .decoding import TranslateSettings

        base = decoding or TranslateSettings()
        self.settings = replace(base, intra_threads=options.threads, inter_threads=1)
        blob = package_blob(model.package_dir)
        self.digest = hashlib.sha256(blob).hexdigest()
        self.package_bytes = len(blob)
        ref = ray.put(blob)  # once: every node fetches it from the object store once
        del blob
        worker = ray.remote(TranslationWorker).options(
            num_cpus=0,
            max_restarts=options.max_restarts,
            max_task_retries=options.max_restarts,
            scheduling_strategy="SPREAD",
        )
        self.actors = [worker.remote(self.digest, self.settings, __version__) for _ in range(options.actors)]
        # The reference travels inside a list, so Ray hands each request the reference, not
        # the bytes; the pool keeps it alive for restarted actors.
        self.package = [ref]
        self._load = [0] * len(self.actors)
        self._dead: set[int] = set()
        self._lock = threading.Lock()
        self.retried = 0
        self.pids: set[int] = set()

    def _pick(self) -> int:
        with self._lock:
            alive = [i for i in range(len(self.actors)) if i not in self._dead]
            if not alive:
                raise ClusterError("every translation actor has died and cannot be restarted; see the Ray logs, then run again (finished briefs are kept)")
            i = min(alive, key=lambda k: self._load[k])
            self._load[i] += 1
            return i

    def translate(self, texts: list[str]) -> list[str]:
        ray = _ray()
        from ray.exceptions import RayActorError, RayTaskError

        while True:
            i = self._pick()
            try:
                english, pid = ray.get(self.actors[i].translate.remote(texts, self.package))
                self.pids.add(pid)
                return english
            except RayActorError as exc:
                cause = getattr(exc, "cause", None) or getattr(exc, "error_msg", None)
                if isinstance(cause, RayTaskError) and isinstance(cause.cause, PublisherError):
                    raise cause.cause from None  # the actor could not start: the model is unusable
                log.warning("translation actor %d is gone (%s); its request goes to another actor", i, type(exc).__name__)
                with self._lock:
                    self._dead.add(i)
                self.retried += 1
            except RayTaskError as exc:
                if isinstance(exc.cause, PublisherError):
                    raise exc.cause from None
                raise ClusterError(f"translation failed on the cluster: {type(exc.cause).__name__}: {exc.cause}") from None
            finally:
                with self._lock:
                    self._load[i] -= 1

    def actor_peak_mb(self) -> float:
        """The largest peak memory of the live actors (0 when none answers)."""
        ray = _ray()
        try:
            return max(ray.get([a.peak_mb.remote() for a in self.actors], timeout=30), default=0.0)
        except Exception:  # noqa: BLE001 - a diagnostic only: a dead actor must not fail the build
            return 0.0

    def close(self) -> None:
        ray = _ray()
        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone
                pass


class RunKeys:
    """The segments the model translated during this run, on disk (a run of 100,000 articles
    has millions): a segment that another batch of the same run translated first is "machine",
    as in a local build that translates the whole run in one batch, not "memory"."""

    def __init__(self) -> None:
        import sqlite3

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


class PoolEngine:
    """The actor pool as the driver's translators see it: an ``engine.Engine`` whose texts go
    through ``shared`` (no text of the run goes to the model twice) to the pool. Only what is
    actually sent counts in the stats; a text another batch sent is waited for, not counted."""

    def __init__(self, info, settings, pool: TranslationPool, shared: SharedTexts) -> None:
        self.info, self.settings = info, settings  # the driver's: the memory keys as a local build's
        self.pool, self.shared = pool, shared

    def translate_texts(self, texts: list[str], stats) -> list[str]:
        if not texts:
            return []
        start = time.perf_counter()
        english, sent = self.shared.translate(list(texts), self.pool.translate)
        if sent:
            stats.model_seconds += time.perf_counter() - start
            stats.model_calls += 1
            stats.translated += sent
        return english


def _remote_translator(base, pool: TranslationPool, memory_path, run_keys: RunKeys, shared: SharedTexts):
    """A driver-side Translator whose model calls go to the pool (memory and glossary stay here)."""
    from .document import ORIGIN_MACHINE, ORIGIN_MEMORY
    from .memory import MemoryHit, TranslationMemory
    from .text import normalize_text
    from .translate import Translator

    class RunMemory(TranslationMemory):
        """The translation memory, plus which of its entries this run made."""

        def put_many(self, model_key, rows):
            rows = list(rows)
            n = super().put_many(model_key, rows)
            run_keys.add(model_key, ((normalize_text(r[0]), r[1] if len(r) == 3 else "") for r in rows))
            return n

        def get_many(self, model_key, sources):
            hits = super().get_many(model_key, sources)
            for key, hit in hits.items():
                if hit.origin == ORIGIN_MEMORY and run_keys.contains(model_key, *key):
                    hits[key] = MemoryHit(hit.en, ORIGIN_MACHINE)
            return hits

    memory = RunMemory(memory_path) if memory_path is not None else None
    return Translator(PoolEngine(base.info, base.settings, pool, shared), memory=memory, glossary=base.glossary)


# ------------------------------------------------------------------ tasks


def _relocate(article, temp: str, source: str):
    """Replace the temporary path the task read from by the article's real path, everywhere."""
    from .document import article_from_dict, to_dict

    raw = json.dumps(to_dict(article), ensure_ascii=False)
    if temp not in raw:
        return article
    return article_from_dict(json.loads(raw.replace(json.dumps(temp)[1:-1], json.dumps(source)[1:-1])))


def _prepare_task(source: str, data: bytes) -> tuple:
    """Read and segment one article from its bytes: ("ok", article) or ("failed", message)."""
    from .pipeline import prepare

    with tempfile.TemporaryDirectory(prefix="publisher-read-") as tmp:
        path = Path(tmp) / Path(source).name
        path.write_bytes(data)
        try:
            article = prepare(path)
        except PublisherError as exc:
            return ("failed", str(exc).replace(str(path), source))
        return ("ok", _relocate(article, str(path), source))


_render_root: Path | None = None


def _render_dir() -> Path:
    """This worker's scratch output folder, made once per worker process."""
    global _render_root
    if _render_root is None or not _render_root.is_dir():
        import atexit
        import shutil

        _render_root = Path(tempfile.mkdtemp(prefix="publisher-render-"))
        atexit.register(shutil.rmtree, _render_root, True)
    return _render_root


def _render_task(article, model_info, inputs: str, count, layout: str, slug: str) -> tuple:
    """Summarise and render one translated article: ("ok", {file: bytes}, worker peak MB) or
    ("failed", message). The files are those ``pipeline.write_brief_folder`` writes."""
    import shutil

    from .pipeline import make_brief
    from .render import write_brief_files

    folder = _render_dir() / slug
    try:
        brief = make_brief(article, model_info=model_info, inputs=inputs, count=count)
        write_brief_files(brief, folder, layout)
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}
    except PublisherError as exc:
        return ("failed", str(exc).replace(str(folder), slug))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return ("ok", files, peak_rss_mb())


# ------------------------------------------------------------------ the driver


@dataclass
class _Item:
    path: Path
    slug: str
    base: str
    prepared: object = None  # pipeline.PreparedArticle


RayProgress = Callable[[str, int, int], None]


class _Driver:
    """The streaming loop: reads as tasks, translation in driver threads (memory here, model
    on the actors), renders as tasks, writes here; at most ``window`` articles in between."""

    def __init__(self, todo, total, settings, options, report, translator, pool, progress):
        ray = _ray()
        self.todo, self.total, self.settings, self.options, self.report = todo, total, settings, options, report
        self.translator, self.pool, self.progress = translator, pool, progress
        self.out_dir = Path(settings.out_dir)
        self.prepare = ray.remote(_prepare_task).options(num_cpus=1, max_retries=options.task_retries)
        self.render = ray.remote(_render_task).options(num_cpus=1, max_retries=options.task_retries)
        self._local = threading.local()
        self._translators = []
        self._tlock = threading.Lock()
        self.done = 0
        self.run_keys = RunKeys()
        self.shared = SharedTexts()
        self.task_peak_mb = 0.0

    # --- translation: the memory on the driver, the model on the actors

    def _thread_translator(self):
        t = getattr(self._local, "translator", None)
        if t is None:
            memory = self.translator.memory
            t = _remote_translator(self.translator, self.pool, memory.path if memory is not None else None, self.run_keys, self.shared)
            self._local.translator = t
            with self._tlock:
                self._translators.append(t)
        return t

    def _translate(self, prepared: list) -> list:
        from .pipeline import translate_prepared

        return translate_prepared(self._thread_translator(), prepared)

    def translation_stats(self) -> dict:
        from .engine import TranslationStats

        return TranslationStats.total(t.stats for t in self._translators).as_dict()

    # --- per-article steps (the same as pipeline.build's)

    def _fail(self, path, message: str) -> None:
        self.report.failed.append((str(path), message))
        self._finish()

    def _finish(self) -> None:
        self.done += 1
        self.progress("publish", self.done, self.total)

    def _submit_prepare(self, item: _Item):
        try:
            data = Path(item.path).read_bytes()
        except OSError:
            data = None  # the task reports it as a local build would (read_article's message)
        if data is None:
            from .pipeline import prepare

            try:
                prepare(item.path)
            except PublisherError as exc:
                self._fail(item.path, str(exc))
                return None
        return self.prepare.remote(str(item.path), data)

    def _prepared(self, item: _Item, result) -> bool:
        """Whether the article goes on to translation (else it failed, reported)."""
        from .corrections import read_file
        from .pipeline import PreparedArticle, corrections_path

        if result[0] == "failed":
            self._fail(item.path, result[1])
            return False
        try:
            found = read_file(corrections_path(item.path))  # an editor's file: read here, on the driver
        except PublisherError as exc:
            self._fail(item.path, str(exc))
            return False
        item.prepared = PreparedArticle(path=Path(item.path), article=result[1], corrections=found.corrections, warnings=found.warnings)
        return True

    def _submit_render(self, item: _Item, result, model_info):
        from .corrections import carried_digest, summarize_stale
        from .pipeline import article_sources, corrections_path, memory_corrections

        item.prepared = None
        self.report.warnings.extend(result.warnings)
        if not result.ok:
            self._fail(item.path, result.error)
            return None
        stale = summarize_stale(corrections_path(item.path), result.stale)
        if stale:
            self.report.stale_corrections.append(stale)
        memory = self.translator.memory
        sources = article_sources(result.article)
        inputs = f"{item.base}+{carried_digest(memory, sources, memory_corrections(memory, sources))}"
        return self.render.remote(result.article, model_info, inputs, self.settings.summary_count, self.settings.layout, item.slug)

    def _rendered(self, item: _Item, result) -> None:
        """Write the brief's files into a staging folder in out/ and swap it in whole."""
        import shutil

        from .fsutil import atomic_write_bytes, replace_dir

        if result[0] == "failed":
            self._fail(item.path, result[1])
            return
        _, files, worker_peak = result
        self.task_peak_mb = max(self.task_peak_mb, worker_peak)
        try:
            try:
                staging = Path(tempfile.mkdtemp(prefix=f".staging-{item.slug}-", dir=self.out_dir))
            except OSError as exc:
                raise PublisherError(f"cannot write {self.out_dir / item.slug}: {exc.strerror or exc}") from None
            try:
                for name in sorted(files, key=lambda n: (n == "brief.json", n)):  # brief.json last
                    atomic_write_bytes(staging / name, files[name])
                os.chmod(staging, 0o755)
                replace_dir(staging, self.out_dir / item.slug)
            finally:
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
        except PublisherError as exc:
            self._fail(item.path, str(exc).replace(str(staging), str(self.out_dir / item.slug)))
            return
        self.report.built.append(item.slug)
        self._finish()

    # --- the loop

    def run(self, model_info) -> None:
        window = self.options.window
        slots = 2 * len(self.pool.actors)
        todo = iter(self.todo)
        refs: dict = {}  # ObjectRef -> (stage, item)
        ready: deque[_Item] = deque()
        jobs: dict[Future, list[_Item]] = {}
        in_flight = 0
        exhausted = False
        self.progress("publish", self.done, self.total)
        with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="translate") as threads:
            while True:
                while not exhausted and in_flight < window:
                    item = next(todo, None)
                    if item is None:
                        exhausted = True
                        break
                    ref = self._submit_prepare(item)
                    if ref is not None:
                        refs[ref] = ("prepare", item)
                        in_flight += 1
                # A full batch goes as soon as a slot is free; a partial one only when the
                # actors would otherwise idle, or when nothing more is coming.
                reading = sum(1 for stage, _ in refs.values() if stage == "prepare")
                while ready and len(jobs) < slots and (
                    len(ready) >= self.options.batch_articles or len(jobs) < len(self.pool.actors) or (exhausted and not reading)
                ):
                    batch = [ready.popleft() for _ in range(min(self.options.batch_articles, len(ready)))]
                    jobs[threads.submit(self._translate, [i.prepared for i in batch])] = batch
                if not refs and not jobs:
                    if exhausted and not ready:
                        break
                    continue
                if jobs:
                    in_flight -= self._collect_batches(jobs, refs, model_info)
                if refs:
                    in_flight -= self._collect_tasks(refs, ready, waiting=bool(jobs))

    def _collect_batches(self, jobs: dict, refs: dict, model_info) -> int:
        """Send the articles of finished translation batches on to rendering; returns how many left the flight."""
        left = 0
        finished, _ = wait_futures(list(jobs), timeout=0 if refs else None, return_when=FIRST_COMPLETED)
        for fut in finished:
            batch = jobs.pop(fut)
            try:
                results = fut.result()
            except ClusterError:
                raise
            except PublisherError as exc:
                for item in batch:
                    self._fail(item.path, str(exc))
                left += len(batch)
                continue
            for item, result in zip(batch, results):
                ref = self._submit_render(item, result, model_info)
                if ref is None:
                    left += 1
                else:
                    refs[ref] = ("render", item)
        return left

    def _collect_tasks(self, refs: dict, ready: deque, waiting: bool) -> int:
        """Take finished read and render tasks: read articles queue for translation; returns how many left the flight."""
        ray = _ray()
        from ray.exceptions import RayError

        left = 0
        done, _ = ray.wait(list(refs), num_returns=1, timeout=0.05 if waiting else None)
        for ref in done:
            stage, item = refs.pop(ref)
            try:
                result = ray.get(ref)
            except RayError as exc:  # the task failed for good (retries spent)
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                self._fail(item.path, f"failed on the cluster ({type(exc).__name__}: {first})")
                left += 1
                continue
            if stage == "prepare":
                if self._prepared(item, result):
                    ready.append(item)
                else:
                    left += 1
            else:
                self._rendered(item, result)
                left += 1
        return left


def build(paths: Iterable[Path], settings, options: RayOptions = RayOptions(), progress: RayProgress | None = None):
    """The Ray counterpart of :func:`publisher.pipeline.build`: same inputs, same report, same files.

    The decisions are the local build's, taken on the driver in the same order: slugs and
    their clashes, the corrections synced into the memory, skipping by inputs hash (before
    anything is read), unpublishing removed articles, the site.
    """
    from .corrections import file_stamp
    from .fsutil import clean_staging
    from .pipeline import assign_slugs, clean_stale_temporaries, corrections_path, lock_out_dir, start_build, sync_corrections, unpublish_removed
    from .read import slug_for_path
    from .render import copy_assets
    from .site import build_site

    progress = progress or (lambda stage, done, total: None)
    _ray()
    files, translator, report = start_build(paths, settings)
    out_dir = Path(settings.out_dir)
    slugs, clashes = assign_slugs(files, out_dir)
    report.failed.extend(clashes)
    # On one machine the actors' threads and the tasks share the cores: tasks get what the
    # translation threads leave (oversubscribed CTranslate2 threads slow down sharply).
    local_cpus = options.local_cpus or max(1, (os.cpu_count() or 1) - options.actors * options.threads)
    started = connect(options.address, local_cpus)
    pool = driver = None
    lock = lock_out_dir(out_dir, settings.lock_timeout)
    try:
        clean_stale_temporaries(out_dir)
        clean_staging(out_dir)
        stamps = {corrections_path(p): file_stamp(corrections_path(p)) for p in files}
        sync_corrections(translator, files, {Path(k).resolve(): v for k, v in stamps.items()})
        copy_assets(out_dir)
        pool = TranslationPool(translator.engine.model, settings.decoding, options)
        items = _decisions(slugs, stamps, settings, translator, report, lambda: driver)
        driver = _Driver(items, len(slugs), settings, options, report, translator, pool, progress)
        t0 = time.perf_counter()
        driver.run(translator.info)
        _record_stats(report, driver, pool, time.perf_counter() - t0)
        if not settings.keep_removed:
            unpublish_removed(out_dir, {slug_for_path(p) for p in files}, report)
        try:
            build_site(out_dir)
        except PublisherError as exc:
            report.site_error = str(exc)
    finally:
        lock.release()
        if pool is not None:
            pool.close()
        if driver is not None:
            driver.run_keys.close()
        if started:
            _ray().shutdown()
    return report


def _decisions(slugs: dict, stamps: dict, settings, translator, report, driver_of) -> Iterator:
    """The articles to build, decided one at a time as the driver asks (skipping reads nothing)."""
    from .corrections import carried_digest
    from .pipeline import check_inside_inbox, corrections_path, existing_brief, inputs_digest, memory_corrections, templates_digest

    memory, out_dir = translator.memory, Path(settings.out_dir)
    glossary_version = translator.glossary.version if translator.glossary is not None else "-"
    templates = templates_digest()
    for path, slug in slugs.items():
        try:
            check_inside_inbox(path)
            base = inputs_digest(
                path, model_key=translator.info.key, glossary_version=glossary_version, templates=templates,
                settings=settings, corrections_stamp=stamps[corrections_path(path)] or "-",
            )
            before = None if settings.force else existing_brief(out_dir, slug)
            if before is not None and before.base == base:
                carried = carried_digest(memory, before.sources, memory_corrections(memory, before.sources))
                if before.carried == carried:
                    report.skipped.append(slug)
                    driver_of()._finish()
                    continue
        except PublisherError as exc:
            driver_of()._fail(path, str(exc))
            continue
        yield _Item(Path(path), slug, base)


def _record_stats(report, driver, pool, seconds: float) -> None:
    report.translation = driver.translation_stats()
    report.translation["wall_seconds"] = seconds
    report.translation["actors_given_up"] = pool.retried
    report.translation["translation_processes"] = len(pool.pids)  # > actors: some were restarted
    report.translation["actor_peak_mb"] = round(pool.actor_peak_mb())
    report.translation["task_worker_peak_mb"] = round(driver.task_peak_mb)
    report.translation["driver_peak_mb"] = round(peak_rss_mb())
