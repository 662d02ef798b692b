"""One poll of one RSS/Atom feed: a conditional GET, feedparser, and the pages of new items.

The feed's ETag and Last-Modified are kept in the state and sent back (``If-None-Match``,
``If-Modified-Since``), so a feed that did not change costs one 304 and nothing else. An
item is new when its key (the entry's id, else its link) was never seen for this feed; its
page is fetched with :func:`.pages.fetch_article`. A page that cannot be fetched for a
passing reason (timeout, 5xx) stays pending and is tried again on the next polls (even
when the feed answers 304), up to :data:`MAX_ATTEMPTS` times; a page that is gone or holds
no article is not tried again. Items that leave the feed are simply no longer listed:
feeds are windows, not inventories.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from ..urls import BadURL, check_http_url
from .http import MAX_FEED_BYTES, FetchError, NotAnArticle, PageGone, get
from .pages import FetchedArticle, fetch_article
from .state import SourceState

log = logging.getLogger(__name__)

MAX_ITEMS = 500  # entries read from one feed answer
MAX_ATTEMPTS = 5  # tries for a page that fails for a passing reason
MAX_PAGES_PER_POLL = 50  # pages fetched in one poll of one feed; the rest wait for the next poll


@dataclass(frozen=True)
class FeedItem:
    key: str  # the entry's id, else its link
    link: str
    title: str | None = None


@dataclass(frozen=True)
class FeedPoll:
    """What one poll of a feed gave."""

    feed: str  # the feed's URL
    status: int | None  # 200, 304, or None when the feed could not be fetched
    items: tuple[FeedItem, ...] = ()  # the entries in the feed's window (empty on 304)
    new: tuple[FetchedArticle, ...] = ()  # articles of items whose page was fetched in this poll
    errors: tuple[str, ...] = ()


def poll_feed(feed, state: SourceState, *, client, settings, now: float | None = None) -> FeedPoll:
    """Poll ``feed`` (a :class:`publisher.config.FeedSource`) once and fetch the pages of its new items."""
    now = time.time() if now is None else now
    url = feed.url
    errors: list[str] = []
    etag, last_modified, _ = state.feed(url)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    status: int | None = None
    items: list[FeedItem] = []
    try:
        answer = get(client, url, settings, headers=headers, max_bytes=MAX_FEED_BYTES)
    except FetchError as exc:
        errors.append(f"feed {exc}")
        state.feed_polled(url, now, exc.status or 0, keep_validators=True)
    else:
        status = answer.status
        if answer.not_modified:
            state.feed_polled(url, now, 304, keep_validators=True)
        else:
            try:
                items = parse_feed(answer.content, answer.final_url, answer.headers.get("content-type"))
            except FetchError as exc:
                errors.append(str(exc))
                state.feed_polled(url, now, status, keep_validators=True)
            else:
                state.feed_polled(url, now, status, answer.headers.get("etag"), answer.headers.get("last-modified"))
                for item in items:
                    if state.add_item(url, item.key, item.link, now):
                        log.info("feed %s: new item %s", url, item.link)
    new: list[FetchedArticle] = []
    for key, link in state.pending_items(url, MAX_ATTEMPTS)[:MAX_PAGES_PER_POLL]:
        try:
            new.append(fetch_article(link, client=client, settings=settings, item_id=key))
        except (PageGone, NotAnArticle) as exc:
            state.item_done(url, key, "skipped")
            errors.append(str(exc))
        except FetchError as exc:
            state.item_failed(url, key)
            errors.append(f"{exc} (will try again)")
        else:
            state.item_done(url, key, "fetched")
    return FeedPoll(url, status, tuple(items), tuple(new), tuple(errors))


def parse_feed(content: bytes, url: str, content_type: str | None = None) -> list[FeedItem]:
    """The entries of an RSS/Atom document (relative links resolved against ``url``)."""
    import feedparser  # lazy: ~0.1 s

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(content, response_headers=headers)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = type(parsed.get("bozo_exception")).__name__ if parsed.bozo else "no entries"
        raise FetchError(f"feed {url}: not an RSS or Atom feed ({reason})")
    items: list[FeedItem] = []
    for entry in parsed.entries[:MAX_ITEMS]:
        link = (entry.get("link") or "").strip()
        if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
            link = entry["id"].strip()
        try:
            check_http_url(link)
        except BadURL as exc:
            log.warning("feed %s: entry %r skipped: its link %s", url, entry.get("title"), exc)
            continue
        key = str(entry.get("id") or link).strip()
        items.append(FeedItem(key=key, link=link, title=entry.get("title")))
    return items
