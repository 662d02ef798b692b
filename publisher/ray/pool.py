"""The translation actors, and the engine through which the driver's translators use them.

Each actor loads the model once (from the package bytes the driver put in the object
store once) and only turns prepared texts into raw English. Looking the memory up before,
and restoring markers, flagging and storing the English after, happen on the driver, in
the very :class:`~publisher.translate.Translator` a local build uses, composed with a
:class:`PoolEngine` instead of a CTranslate2 engine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import replace

from .. import __version__
from ..decoding import TranslateSettings
from ..document import ModelInfo, PublisherError
from ..engine import CT2Engine, open_engine
from ..models import LoadedModel, load_model
from ..engine import TranslationStats
from .cluster import ClusterError, RayOptions, peak_rss_mb, ray_module
from .shipping import package_blob, unpack_package
from .window import SharedTexts

log = logging.getLogger(__name__)


class TranslationWorker:
    """A Ray actor: one model, loaded once, turning prepared source texts into raw English.

    Every request carries a reference to the package bytes (a reference, not the bytes):
    the first request of each incarnation fetches them from the node's object store,
    checks them and loads the model; a restarted actor does the same on its first request.
    """

    def __init__(self, digest: str, settings: TranslateSettings, publisher_version: str) -> None:
        if publisher_version != __version__:
            raise ClusterError(
                f"this node runs publisher {__version__}, the driver {publisher_version}; "
                "install the same version on every node"
            )
        self.digest = digest
        self.settings = settings
        self.engine: CT2Engine | None = None
        self.calls = 0

    def _load(self, package: list) -> None:
        blob = ray_module().get(package[0])
        package_dir = unpack_package(blob, self.digest)
        del blob
        self.engine = open_engine(load_model(package_dir), self.settings)

    def translate(self, texts: list[str], package: list) -> tuple[list[str], int]:
        """(English for each text, this process's id: which incarnation did the work)."""
        if self.engine is None:
            self._load(package)
        self.calls += 1
        return self.engine.translate_texts(list(texts), TranslationStats()), os.getpid()

    def where(self) -> tuple[int, str]:
        return os.getpid(), ray_module().get_runtime_context().get_node_id()

    def peak_mb(self) -> float:
        return peak_rss_mb()


class TranslationPool:
    """The actors, and the one blocking call the driver's translators make: :meth:`translate`."""

    def __init__(self, model: LoadedModel, decoding: TranslateSettings | None, options: RayOptions) -> None:
        if model.layout is not None and model.layout.generator:
            # A decoder-only model translates each segment with the English of the ones before
            # it (publisher.prompts): the pool's shared window keys texts alone, without context.
            raise ClusterError(f"{model.info.name} is a {model.layout.label} model, which translates with article context; "
                               "the Ray executor does not run those yet: build it without --ray")
        ray = ray_module()
        self.settings = replace(decoding or TranslateSettings(), intra_threads=options.threads, inter_threads=1)
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
        ray = ray_module()
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
        ray = ray_module()
        try:
            return max(ray.get([a.peak_mb.remote() for a in self.actors], timeout=30), default=0.0)
        except Exception:  # noqa: BLE001 - a diagnostic only: a dead actor must not fail the build
            return 0.0

    def close(self) -> None:
        ray = ray_module()
        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone
                pass


class PoolEngine:
    """An engine (``publisher.engine.Engine``) whose model runs on the pool's actors.

    Texts that another batch of the run is translating, or translated lately, are taken
    from the shared window instead of being sent again; only what is sent counts as the
    model's work in ``stats``.
    """

    def __init__(self, pool: TranslationPool, shared: SharedTexts, info: ModelInfo, settings: TranslateSettings) -> None:
        self.pool, self.shared, self.info, self.settings = pool, shared, info, settings

    def translate_texts(self, texts: list[str], stats: TranslationStats) -> list[str]:
        if not texts:
            return []
        start = time.perf_counter()
        english, sent = self.shared.translate(list(texts), self.pool.translate)
        if sent:
            stats.model_seconds += time.perf_counter() - start
            stats.model_calls += 1
            stats.translated += sent
        return english
