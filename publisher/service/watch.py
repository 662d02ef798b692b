"""The inbox watcher: a new, changed or deleted article, corrections file, glossary or staff list queues a build.

``watchfiles`` (the watcher uvicorn uses; inotify underneath) groups changes until the inbox
has been quiet for ``[service] debounce`` seconds (at most a minute of saving), so a burst of
50 saved files queues one build. Temporary and hidden files are ignored, and so are the
service's own writes (the API queued their job already).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ..building.inbox import CORRECTIONS_SUFFIX, GLOSSARY_NAME
from ..byline import STAFF_FILE
from ..read import ARTICLE_SUFFIXES

log = logging.getLogger(__name__)


def relevant(path: str) -> bool:
    """Whether a change to ``path`` can change what the build publishes."""
    name = Path(path).name
    if name.startswith(".") or name.endswith(".tmp"):
        return False
    return name in (GLOSSARY_NAME, STAFF_FILE) or name.endswith(CORRECTIONS_SUFFIX) or Path(name).suffix.lower() in ARTICLE_SUFFIXES


class InboxWatcher:
    """A thread that calls ``on_change(paths)`` once per quiet-after-a-burst of inbox changes."""

    def __init__(self, folder: Path, debounce: float, on_change: Callable[[list[str]], None], is_own: Callable[[Path], bool]):
        self.folder = Path(folder)
        self.step_ms = max(50, int(debounce * 1000))
        self.on_change = on_change
        self.is_own = is_own
        self.stop_event = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="inbox-watcher", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        from watchfiles import watch

        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            for changes in watch(
                self.folder,
                watch_filter=lambda _change, path: relevant(path),
                step=self.step_ms,
                debounce=max(60_000, self.step_ms * 2),
                rust_timeout=500,
                yield_on_timeout=True,
                stop_event=self.stop_event,
                recursive=False,
                raise_interrupt=False,
            ):
                self.ready.set()
                paths = sorted({p for _, p in changes if Path(p).parent == self.folder and not self.is_own(Path(p))})
                if paths:
                    log.info("inbox changed: %d file(s), e.g. %s", len(paths), Path(paths[0]).name)
                    self.on_change(paths)
        except Exception as exc:  # the watcher must not take the service down; say so and stop watching
            log.error("the inbox watcher stopped: %s", exc)
