"""The Ray executor: the build's per-article steps streamed through a cluster.

* **The driver** (the ``publisher brief`` process) runs the build skeleton
  (:func:`publisher.building.build`): it decides what is built, owns the translation memory and
  the glossary, and writes every output file. It keeps at most ``max_in_flight`` articles
  between "sent to be read" and "written" (backpressure): an archive of 100,000 articles
  streams through it, and its memory does not grow with the archive.
* **Tasks** read and segment an article (the driver ships the article's bytes, so the nodes
  need no shared storage) and summarise and render a translated one (the brief's files come
  back as bytes): :mod:`publisher.ray.tasks`.
* **A pool of translation actors** (:mod:`publisher.ray.pool`) each load the model once;
  the driver's batch threads translate through :class:`~publisher.ray.pool.PoolEngine`.
* **Output** is written by the driver through the build's one writer, ``brief.json`` last:
  one writer keeps the ``out/`` lock and the "inputs hash written last" rule meaningful,
  needs no shared file system, and makes "published exactly once" hold however often Ray
  retries a task (a result is written when the driver receives it, once).
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

import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from pathlib import Path

from ..building.article import PreparedArticle, read_segmented, translate_prepared, with_corrections
from ..building.job import BuildJob
from ..building.settings import Item
from ..document import PublisherError
from ..memory import TranslationMemory
from ..engine import TranslationStats
from ..translate import Translator
from .cluster import ClusterError, RayOptions, connect, peak_rss_mb, ray_module
from .pool import PoolEngine, TranslationPool
from .tasks import prepare_task, render_task
from .window import RunKeys, RunMemory, SharedTexts


@dataclass
class _InFlight:
    item: Item
    prepared: PreparedArticle | None = None


class RayExecutor:
    """Reads as tasks, translation in driver threads (memory here, model on the actors),
    renders as tasks, writes here; at most ``options.window`` articles in between."""

    def __init__(self, options: RayOptions = RayOptions()) -> None:
        ray_module()  # a missing Ray is said before any work
        self.options = options
        self.started = False
        self.pool: TranslationPool | None = None
        self.run_keys: RunKeys | None = None
        self.task_peak_mb = 0.0

    # --- the executor interface

    def open(self, job: BuildJob) -> None:
        # On one machine the actors' threads and the tasks share the cores: tasks get what the
        # translation threads leave (oversubscribed CTranslate2 threads slow down sharply).
        o = self.options
        local_cpus = o.local_cpus or max(1, (os.cpu_count() or 1) - o.actors * o.threads)
        self.started = connect(o.address, local_cpus, o.timeout)

    def run(self, job: BuildJob, plan: Iterator[Item]) -> None:
        ray = ray_module()
        base = job.translator
        self.job = job
        self.pool = TranslationPool(base.engine.model, base.settings, self.options)
        self.run_keys = RunKeys()
        self.shared = SharedTexts()
        self.prepare = ray.remote(prepare_task).options(num_cpus=1, max_retries=self.options.task_retries)
        self.render = ray.remote(render_task).options(num_cpus=1, max_retries=self.options.task_retries)
        self._local = threading.local()
        self._translators: list[Translator] = []
        self._tlock = threading.Lock()
        t0 = time.perf_counter()
        self._loop(plan)
        stats = TranslationStats.total(t.stats for t in self._translators).as_dict()
        stats.update(
            wall_seconds=time.perf_counter() - t0,
            actors_given_up=self.pool.retried,
            translation_processes=len(self.pool.pids),  # > actors: some were restarted
            actor_peak_mb=round(self.pool.actor_peak_mb()),
            task_worker_peak_mb=round(self.task_peak_mb),
            driver_peak_mb=round(peak_rss_mb()),
        )
        job.report.translation = stats

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.run_keys is not None:
            self.run_keys.close()
        if self.started:
            ray_module().shutdown()
        self.pool = self.run_keys = None
        self.started = False

    # --- translation: the memory on the driver, the model on the actors

    def _thread_translator(self) -> Translator:
        t = getattr(self._local, "translator", None)
        if t is None:
            base = self.job.translator
            engine = PoolEngine(self.pool, self.shared, base.info, base.settings)
            memory = RunMemory(TranslationMemory(base.memory.path), self.run_keys) if base.memory is not None else None
            t = self._local.translator = Translator(engine, memory=memory, glossary=base.glossary)
            with self._tlock:
                self._translators.append(t)
        return t

    def _translate(self, prepared: list[PreparedArticle]):
        return translate_prepared(self._thread_translator(), prepared)

    # --- per-article steps

    def _settled(self) -> None:
        self.job.progress("publish", self.job.done, self.job.total)

    def _fail(self, path, message: str) -> None:
        self.job.fail(path, message)
        self._settled()

    def _submit_prepare(self, item: Item):
        try:
            data = Path(item.path).read_bytes()
        except OSError:
            try:  # reported as a local build would (the reader's message)
                read_segmented(item.path)
            except PublisherError as exc:
                self._fail(item.path, str(exc))
                return None
            raise
        return self.prepare.remote(str(item.path), data)

    def _prepared(self, entry: _InFlight, result: tuple) -> bool:
        """Whether the article goes on to translation (else it failed, reported)."""
        if result[0] == "failed":
            self._fail(entry.item.path, result[1])
            return False
        try:
            entry.prepared = with_corrections(entry.item.path, result[1])  # an editor's file: read here, on the driver
        except PublisherError as exc:
            self._fail(entry.item.path, str(exc))
            return False
        return True

    def _submit_render(self, entry: _InFlight, result):
        entry.prepared = None
        request = self.job.render_request(entry.item, result)
        if request is None:
            self._settled()
            return None
        return self.render.remote(request)

    def _rendered(self, entry: _InFlight, result: tuple) -> None:
        if result[0] == "failed":
            self._fail(entry.item.path, result[1])
            return
        _, files, worker_peak = result
        self.task_peak_mb = max(self.task_peak_mb, worker_peak)
        self.job.publish(entry.item, files)
        self._settled()

    # --- the loop

    def _loop(self, plan: Iterator[Item]) -> None:
        window = self.options.window
        slots = 2 * len(self.pool.actors)
        refs: dict = {}  # ObjectRef -> (stage, entry)
        ready: deque[_InFlight] = deque()
        jobs: dict[Future, list[_InFlight]] = {}
        in_flight = 0
        exhausted = False
        self._settled()
        with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="translate") as threads:
            while True:
                while not exhausted and in_flight < window:
                    item = next(plan, None)
                    self._settled()
                    if item is None:
                        exhausted = True
                        break
                    ref = self._submit_prepare(item)
                    if ref is not None:
                        refs[ref] = ("prepare", _InFlight(item))
                        in_flight += 1
                # A full batch goes as soon as a slot is free; a partial one only when the
                # actors would otherwise idle, or when nothing more is coming.
                reading = sum(1 for stage, _ in refs.values() if stage == "prepare")
                while ready and len(jobs) < slots and (
                    len(ready) >= self.options.batch_articles or len(jobs) < len(self.pool.actors) or (exhausted and not reading)
                ):
                    batch = [ready.popleft() for _ in range(min(self.options.batch_articles, len(ready)))]
                    jobs[threads.submit(self._translate, [e.prepared for e in batch])] = batch
                if not refs and not jobs:
                    if exhausted and not ready:
                        break
                    continue
                if jobs:
                    in_flight -= self._collect_batches(jobs, refs)
                if refs:
                    in_flight -= self._collect_tasks(refs, ready, waiting=bool(jobs))

    def _collect_batches(self, jobs: dict, refs: dict) -> int:
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
                for entry in batch:
                    self._fail(entry.item.path, str(exc))
                left += len(batch)
                continue
            for entry, result in zip(batch, results):
                ref = self._submit_render(entry, result)
                if ref is None:
                    left += 1
                else:
                    refs[ref] = ("render", entry)
        return left

    def _collect_tasks(self, refs: dict, ready: deque, waiting: bool) -> int:
        """Take finished read and render tasks: read articles queue for translation; returns how many left the flight."""
        ray = ray_module()
        from ray.exceptions import RayError

        left = 0
        done, _ = ray.wait(list(refs), num_returns=1, timeout=0.05 if waiting else None)
        for ref in done:
            stage, entry = refs.pop(ref)
            try:
                result = ray.get(ref)
            except RayError as exc:  # the task failed for good (retries spent)
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                self._fail(entry.item.path, f"failed on the cluster ({type(exc).__name__}: {first})")
                left += 1
                continue
            if stage == "prepare":
                if self._prepared(entry, result):
                    ready.append(entry)
                else:
                    left += 1
            else:
                self._rendered(entry, result)
                left += 1
        return left
