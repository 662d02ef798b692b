"""Following the Korean site: every feed polled on its interval, new articles written into
the inbox, and pages fetched before re-checked so that a takedown unpublishes.

:func:`poll_feeds` is what the service calls on a timer; it only changes files in the
inbox (the service's watcher then builds). What it decides:

* a feed is polled when its interval (``FeedSource.interval``, else
  ``ServiceConfig.poll_interval``) has passed since its last poll, recorded in the state;
* each new item's article is written with :func:`.pages.write_with_state` (never over an
  editor's file);
* up to :data:`RECHECK_MAX` pages written in the last :data:`RECHECK_DAYS` days, each at
  most once every ``ServiceConfig.recheck_interval`` seconds (an hour unless the newsroom
  says otherwise), are asked again (conditional GET): a page
  that answers 404 or 410 has its file removed from the inbox, unless an editor changed
  the file; a page whose article changed (a correction on the Korean side) has its file
  rewritten, again only when the editor did not change it (an unchanged article, even on
  a page whose ads changed, writes nothing). A page that now answers 200 without an
  article (a "deleted article" notice) is reported, not removed. An item that merely left
  the feed is kept (feeds are windows, not inventories).
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from .feeds import poll_feed
from .http import FetchError, PageGone, get, make_client
from .pages import EditorFileError, article_from_answer, remove_if_unchanged, write_with_state
from .state import SourceState

log = logging.getLogger(__name__)

RECHECK_DAYS = 7.0  # pages written this recently are re-checked for a takedown
RECHECK_MAX = 10  # pages re-checked per poll (the least recently checked first)


@dataclass(frozen=True)
class PollResult:
    """What a poll changed in the inbox, and what went wrong (one line each)."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def poll_feeds(service, inbox: Path, state_dir: Path, *, now: float | None = None, client=None) -> PollResult:
    """Poll every feed of ``service`` (a :class:`publisher.config.ServiceConfig`) that is due, once.

    ``now`` (wall-clock seconds) stands for the current time in the interval and age
    arithmetic; ``client`` is an ``httpx.Client`` to use instead of one made from ``service``.
    """
    now = time.time() if now is None else now
    inbox = Path(inbox)
    written: list[Path] = []
    removed: list[Path] = []
    errors: list[str] = []
    own = client is None
    with SourceState(state_dir) as state, (make_client(service) if own else contextlib.nullcontext(client)) as http:
        for feed in service.feeds:
            interval = feed.interval or service.poll_interval
            _, _, last = state.feed(feed.url)
            if last is not None and now - last < interval:
                continue
            poll = poll_feed(feed, state, client=http, settings=service, now=now)
            errors.extend(poll.errors)
            for article in poll.new:
                try:
                    path, changed = write_with_state(inbox, article, state, when=now)
                except EditorFileError as exc:
                    errors.append(str(exc))
                    continue
                if changed:
                    written.append(path)
        rewritten, gone = recheck_pages(inbox, state, http, service, now, errors)
        written.extend(rewritten)
        removed.extend(gone)
    return PollResult(written, removed, errors)


def recheck_pages(inbox: Path, state: SourceState, client, settings, now: float, errors: list[str]) -> tuple[list[Path], list[Path]]:
    """Ask again for the pages of recently written files (bounded): ``(files rewritten, files removed)``."""
    written: list[Path] = []
    removed: list[Path] = []
    due = state.due_for_check(inbox, written_since=now - RECHECK_DAYS * 86_400, checked_before=now - settings.recheck_interval, limit=RECHECK_MAX)
    for record in due:
        headers = {}
        if record.etag:
            headers["If-None-Match"] = record.etag
        if record.last_modified:
            headers["If-Modified-Since"] = record.last_modified
        try:
            answer = get(client, record.url, settings, headers=headers)
            if not answer.not_modified:
                article = article_from_answer(answer, item_id=record.item_id)
                path, changed = write_with_state(inbox, article, state, name=record.name, when=now)
                if changed:
                    written.append(path)
        except EditorFileError:
            pass  # the editor's version stands
        except PageGone:
            path = remove_if_unchanged(inbox, record.name, state, now)
            if path is not None:
                removed.append(path)
            continue
        except FetchError as exc:
            errors.append(f"re-check of {exc}")
        state.checked(inbox, record.name, now)
    return written, removed
