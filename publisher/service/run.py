"""One running service: the queue, the worker, the watcher, the feed poller and the web server.

:func:`serve` opens everything (errors before anything listens), binds the socket (its real
port is announced, also for port 0), and runs uvicorn on that socket until SIGTERM or
SIGINT. uvicorn then stops taking requests; the watcher and poller stop; the worker finishes
the build in hand and records it; then the process exits.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..fsutil import cache_dir
from ..serve import listening_socket
from .inbox import ServiceInbox
from .queue import INBOX, JobQueue
from .tokens import RateLimiter, TokenStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceOptions:
    inbox: Path
    out_dir: Path
    settings: object  # BuildSettings
    host: str = "127.0.0.1"
    port: int = 8780


def queue_path(config: Config) -> Path:
    return config.service.queue_file or cache_dir("service") / "queue.sqlite"


def tokens_path(config: Config) -> Path:
    return config.service.tokens_file or cache_dir("service") / "tokens.json"


class Service:
    def __init__(self, config: Config, options: ServiceOptions):
        from ..site import site_url
        from .metrics import Metrics
        from .worker import Worker

        self.config = config
        self.options = options
        self.out_dir = Path(options.out_dir)
        self.base_url = site_url(config.site.base_url)
        self.max_body = config.service.max_body_bytes
        self.queue = JobQueue(queue_path(config))
        self.tokens = TokenStore(tokens_path(config))
        self.tokens.list()  # a broken tokens file is reported before anything listens
        self.limiter = RateLimiter(config.service.rate_limit)
        self.metrics = Metrics(self.queue)
        self.inbox = ServiceInbox(options.inbox)
        self.worker = Worker(self.queue, options.inbox, options.settings, self.metrics, config.service.max_attempts)
        self.watcher = None
        self.poll_lock = threading.Lock()
        self.poll_stop = threading.Event()
        self.poll_thread: threading.Thread | None = None

    def brief_url(self, slug: str) -> str:
        return f"{self.base_url}{slug}/brief.html" if self.base_url else f"/{slug}/brief.html"

    def list_briefs(self, since) -> list[dict]:
        from .app import brief_entries

        return brief_entries(self.out_dir, since, self.brief_url)

    # ------------------------------------------------------------------ sources of jobs

    def inbox_changed(self, paths: list[str]) -> None:
        job = self.queue.add(INBOX)
        log.info("queued job %s: build for %d inbox change(s)", job.id, len(paths))
        self.worker.wake.set()

    def poll_now(self) -> dict:
        """One poll of every configured feed (the sources package writes into the inbox)."""
        if not self.config.service.feeds:
            return {"written": [], "removed": [], "errors": [], "note": "no feeds configured ([service] feeds)"}
        from ..sources.follow import poll_feeds
        from ..sources.state import state_dir_for

        state_dir = state_dir_for(self.config)  # shared with 'publisher fetch'
        with self.poll_lock:
            result = poll_feeds(self.config.service, self.inbox.folder, state_dir)
        for err in result.errors:
            log.warning("feed: %s", err)
        log.info("feeds polled: %d article(s) written, %d removed, %d error(s)", len(result.written), len(result.removed), len(result.errors))
        return {"written": [p.name for p in result.written], "removed": [p.name for p in result.removed], "errors": list(result.errors)}

    def _poll_loop(self) -> None:
        while not self.poll_stop.is_set():
            try:
                self.poll_now()
            except ImportError as exc:
                log.error("feeds are configured but cannot be followed: %s", exc)
                return
            except Exception as exc:  # a bad poll is logged; the next one tries again
                log.error("feed poll failed: %s", exc)
            self.poll_stop.wait(self.config.service.poll_interval)

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        from .watch import InboxWatcher

        recovered = self.queue.recover()
        if recovered:
            log.info("%d job(s) of an interrupted build queued again", recovered)
        self.inbox.folder.mkdir(parents=True, exist_ok=True)
        self.queue.add(INBOX)  # what changed while the service was down is built now
        self.worker.start()
        self.watcher = InboxWatcher(self.inbox.folder, self.config.service.debounce, self.inbox_changed, self.inbox.is_own)
        self.watcher.start()
        self.watcher.ready.wait(10)
        if self.config.service.feeds:
            self.poll_thread = threading.Thread(target=self._poll_loop, name="feed-poller", daemon=True)
            self.poll_thread.start()

    def stop(self) -> None:
        log.info("stopping: finishing the build in hand")
        self.poll_stop.set()
        if self.watcher is not None:
            self.watcher.stop()
        self.worker.stop()
        self.queue.close()
        log.info("stopped")


def bind(host: str, port: int) -> socket.socket:
    return listening_socket(host, port, backlog=512)


def serve(config: Config, options: ServiceOptions, announce=print) -> None:
    import uvicorn

    from .app import Gate, create_app

    service = Service(config, options)
    sock = bind(options.host, options.port)
    if options.host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("listening on %s, not only this machine: serve it behind a TLS reverse proxy (docs/service.md)", options.host)
    host, port = sock.getsockname()[:2]
    service.start()
    try:
        app = Gate(create_app(service), service)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", log_config=None, access_log=False, lifespan="off", server_header=False,
                                               timeout_graceful_shutdown=10))
        # uvicorn re-raises the signal that stopped it once it has shut down; with these no-op
        # handlers in place that is harmless, and the worker gets to finish its build below.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        shown = f"[{host}]" if ":" in host else host
        announce(f"http://{shown}:{port}/")
        server.run(sockets=[sock])
    finally:
        service.stop()
