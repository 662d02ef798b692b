"""The service's one worker: every due job of the queue, built together by the normal build.

One thread takes all due jobs at once (consecutive jobs coalesce into one build; the build
is incremental by itself, so only new or changed articles are translated) and runs
:func:`publisher.building.run.build` on the whole inbox, exactly as ``publisher brief INBOX -o
OUT`` would, with its lock, staging and unpublish rules. The build runs in a child process
(one, kept between builds), so that rendering PDFs never holds the web server's interpreter:
accepting an article never waits on a build.

Each job's outcome is read from the build's report: an article in the report's failed list
fails its job with the reason (a permanent fault: bad encoding, a clash), and the others are
published. A transient fault (out/ locked by another build, the model not there yet, the
child process lost) puts the jobs back with backoff, up to ``max_attempts`` tries. On stop
(SIGTERM), the build in hand finishes and is recorded; the child ignores SIGTERM and SIGINT
so that a signal to the whole process group does not cut it short.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..document import ModelError, PublisherError
from .queue import FAILED, PUBLISHED, QUEUED, SUBMIT, TAKEDOWN, Job, JobQueue

log = logging.getLogger(__name__)

LOCK_WAIT = 15.0  # seconds a build waits for out/'s lock before it counts as a transient fault
GATHER_QUIET = 0.3  # a build starts once no job has arrived for this long ...
GATHER_MAX = 2.0  # ... or this long after the first one: a burst of POSTs becomes one build


class Transient(PublisherError):
    """A fault that may pass: try again later."""


# -------------------------------------------------------------------- in the child process


def _child_init() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the parent decides when to stop: after this build
    try:  # the build is background work: a request to the API gets a CPU first
        os.nice(5)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # die with the parent (a kill -9 of the service must not leave a build running on)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    import publisher.building.run  # noqa: F401  (the heavy imports, once, before the first build)


def _warm_up(model: str | None) -> None:
    """Load the build's libraries and the model once, before the first build (which they would slow)."""
    import weasyprint

    from ..models import load_model
    from ..segment import kiwi

    load_model(model)  # first: a model that cannot be loaded is reported before anything else
    kiwi()  # the Korean analyser's dictionaries
    weasyprint.HTML(string="<p>가 A</p>").write_pdf()  # fontconfig's first font lookup takes seconds


def build_inbox(inbox: str, settings) -> dict:
    """One build of the whole inbox (in the child): the report as a dict, plus its seconds."""
    from ..building.inbox import expand_articles
    from ..building.publish import OutDirLocked
    from ..building.run import build

    started = time.monotonic()
    try:
        if expand_articles([Path(inbox)]):
            report = dataclasses.asdict(build([Path(inbox)], settings))
        else:
            report = _unpublish_all(Path(settings.out_dir), settings.lock_timeout)
    except (OutDirLocked, ModelError) as exc:
        raise Transient(str(exc)) from None
    report["seconds"] = time.monotonic() - started
    return report


def _unpublish_all(out_dir: Path, lock_timeout: float) -> dict:
    """An empty inbox publishes nothing: every brief leaves out/ (``publisher brief`` refuses an empty inbox)."""
    from ..building.publish import lock_out_dir, unpublish_removed
    from ..building.settings import BuildReport
    from ..site import build_site

    report = BuildReport()
    lock = lock_out_dir(out_dir, lock_timeout)
    try:
        removed, failed = unpublish_removed(out_dir, set())
        report.removed.extend(removed)
        report.failed.extend(failed)
        build_site(out_dir)
    finally:
        lock.release()
    return dataclasses.asdict(report)


# -------------------------------------------------------------------- in the service


def outcomes(jobs: list[Job], report: dict, out_dir: Path) -> dict[str, tuple[str, str | None]]:
    """Each job's final state from a finished build's report."""
    from ..read import slug_for_path

    failed: dict[str, str] = {}
    for where, message in report.get("failed", []):
        for part in str(where).replace(", ", " and ").split(" and "):
            failed.setdefault(slug_for_path(Path(part.strip())), message)
    result = {}
    for job in jobs:
        published = job.slug is not None and (out_dir / job.slug / "brief.json").is_file()
        if job.kind == SUBMIT:
            if job.slug in failed:
                result[job.id] = (FAILED, failed[job.slug])
            elif published:
                result[job.id] = (PUBLISHED, None)
            else:
                result[job.id] = (FAILED, "withdrawn before it was published: the article left the inbox")
        elif job.kind == TAKEDOWN:
            result[job.id] = (FAILED, "the article is back in the inbox: its brief stays published") if published else (PUBLISHED, None)
        else:  # INBOX: the inbox as it is, published
            if report.get("site_error"):
                result[job.id] = (FAILED, f"index and feed not updated: {report['site_error']}")
            elif failed:
                result[job.id] = (FAILED, "; ".join(f"{s}: {m}" for s, m in sorted(failed.items()))[:2000])
            else:
                result[job.id] = (PUBLISHED, None)
    return result


class Worker:
    def __init__(self, queue: JobQueue, inbox: Path, settings, metrics, max_attempts: int = 5):
        self.queue = queue
        self.inbox = Path(inbox)
        self.settings = dataclasses.replace(settings, lock_timeout=LOCK_WAIT)
        self.metrics = metrics
        self.max_attempts = max_attempts
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="build-worker", daemon=True)
        self.pool: ProcessPoolExecutor | None = None
        self.busy = False

    def start(self) -> None:
        """Start the build process and check the model: a model named on the command line that
        cannot be loaded is an error now; the installed model missing is a transient fault
        (it may be being installed), retried by each job."""
        self.pool = self._new_pool()
        try:
            self.pool.submit(_warm_up, self.settings.model).result()
        except ModelError as exc:
            if self.settings.model is not None:
                self.pool.shutdown(wait=True)
                raise
            log.warning("%s (jobs wait and retry until it is there)", exc)
        self.thread.start()

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing

        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_child_init)

    def stop(self, timeout: float | None = None) -> None:
        """Finish the build in hand (if any), record it, and stop."""
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout)
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            due = self.queue.next_due()
            wait = 5.0 if due is None else max(0.0, min(5.0, due - time.time()))
            if wait > 0:
                self.wake.wait(wait)
            self.wake.clear()
            if self.stopping.is_set():
                break
            self._gather()
            try:
                self.run_once()
            except Exception:  # never let one bad build kill the worker thread
                log.exception("build worker error")
                time.sleep(1)

    def _gather(self) -> None:
        """Let a burst of submissions finish arriving, so that it is built once, not twice."""
        deadline = time.monotonic() + GATHER_MAX
        while not self.stopping.is_set() and time.monotonic() < deadline:
            if not self.wake.wait(GATHER_QUIET):
                return
            self.wake.clear()

    def run_once(self) -> bool:
        claimed = self.queue.claim()
        if claimed is None:
            return False
        build_id, jobs = claimed
        self.busy = True
        log.info("build %d started: %d job(s)", build_id, len(jobs))
        started = time.monotonic()
        try:
            report = self.pool.submit(build_inbox, str(self.inbox), self.settings).result()
        except (Transient, BrokenProcessPool) as exc:
            if isinstance(exc, BrokenProcessPool):
                self.pool = self._new_pool()
            self._retry(build_id, jobs, str(exc) or "the build process was lost", time.monotonic() - started)
            return True
        except PublisherError as exc:
            self._fail_all(build_id, jobs, str(exc), "build", time.monotonic() - started)
            return True
        except Exception as exc:
            self._fail_all(build_id, jobs, f"internal error ({type(exc).__name__}: {exc})", "internal", time.monotonic() - started)
            return True
        finally:
            self.busy = False
        results = outcomes(jobs, report, Path(self.settings.out_dir))
        seconds = report.get("seconds", time.monotonic() - started)
        state = "failed" if report.get("failed") or report.get("site_error") else "published"
        self.queue.finish(build_id, results, state=state, seconds=seconds, built=len(report.get("built", [])),
                          failed=len(report.get("failed", [])), error=report.get("site_error"))
        self.metrics.build_done(seconds, report)
        log.info("build %d finished in %.1f s: %d built, %d unchanged, %d removed, %d failed", build_id, seconds,
                 len(report.get("built", [])), len(report.get("skipped", [])), len(report.get("removed", [])), len(report.get("failed", [])))
        for job in jobs:
            state_, reason = results[job.id]
            if state_ == FAILED:
                self.metrics.failure("article")
                log.info("job %s %s (%s): failed: %s", job.id, job.kind, job.slug or "inbox", reason)
            else:
                log.info("job %s %s (%s): %s", job.id, job.kind, job.slug or "inbox", state_)
        return True

    def _retry(self, build_id: int, jobs: list[Job], reason: str, seconds: float) -> None:
        self.metrics.failure("transient")
        results, delays = {}, {}
        for job in jobs:
            if job.attempts >= self.max_attempts:
                results[job.id] = (FAILED, f"gave up after {job.attempts} tries: {reason}")
            else:
                delays[job.id] = min(60.0, 2.0 ** job.attempts)
                results[job.id] = (QUEUED, f"retrying in {delays[job.id]:.0f} s: {reason}")
        self.queue.finish(build_id, results, state="retry", seconds=seconds, error=reason, delays=delays)
        log.warning("build %d: transient fault, jobs queued again with backoff: %s", build_id, reason)

    def _fail_all(self, build_id: int, jobs: list[Job], reason: str, kind: str, seconds: float) -> None:
        self.metrics.failure(kind)
        self.queue.finish(build_id, {j.id: (FAILED, reason) for j in jobs}, state="failed", seconds=seconds, error=reason)
        log.error("build %d failed: %s", build_id, reason)
