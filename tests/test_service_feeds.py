"""The service follows the Korean site (issue 22): feeds polled on the timer, end to end.

The real `publisher service` process with a feed in its publisher.toml; the Korean site is
tests/test_sources.py's local HTTP server (the team's own sample pages and feed, ETag
honoured, every request counted).
"""

from __future__ import annotations

import json

import pytest

from conftest import wait_until
from test_service import ServiceProcess, assert_whole, feed_slugs, index_slugs, new_service  # noqa: F401 (a fixture)
from test_sources import serving_site

from publisher.sources.pages import article_file_name

pytestmark = [pytest.mark.slow, pytest.mark.service, pytest.mark.fixture_model, pytest.mark.timeout(300), pytest.mark.isa_neutral]

POLL = 10  # seconds: the shortest [service] poll_interval
RECHECK = 15  # seconds between two checks of a page: after the second poll, by the third


@pytest.fixture
def korean_site():
    with serving_site() as site:
        yield site


def polls(s: ServiceProcess) -> list[dict]:
    return [e for e in (json.loads(line) for line in s.log_lines() if line.startswith("{")) if e["message"].startswith("feeds polled")]


def stamps(s: ServiceProcess) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in s.inbox.iterdir()}


def test_a_feed_item_becomes_a_published_brief_a_second_poll_rebuilds_nothing_and_a_page_gone_later_is_unpublished(korean_site, new_service):
    config = f"""
[service]
debounce = 0.5
poll_interval = {POLL}
recheck_interval = {RECHECK}
host_delay = 0
fetch_timeout = 5

[[service.feeds]]
url = "{korean_site.base}/feed.xml"
"""
    s = new_service(config).start()
    if True:  # (the new_service fixture kills the service if an assertion fails)
        wait_until(lambda: polls(s), 60, "the first poll")
        written = sorted(p.name for p in s.inbox.iterdir() if not p.name.startswith("."))
        assert written, "the first poll wrote no article"
        wait_until(lambda: len(list(s.out.glob("*/brief.json"))) == len(written), 120, "the feed's articles published")
        health = s.idle()
        assert_whole(s.out, s.inbox)
        slugs = {p.parent.name for p in s.out.glob("*/brief.json")}
        assert slugs == index_slugs(s.out) == feed_slugs(s.out)
        pages = {p: n for p, n in korean_site.counts(200).items() if p.startswith("/news/")}
        assert pages and all(n == 1 for n in pages.values())
        builds = health["last_build"]["builds_total"]
        before = stamps(s)

        # The next poll, POLL seconds later: the feed answers 304 (ETag), no page is fetched,
        # nothing in the inbox changes, so nothing is built.
        wait_until(lambda: len(polls(s)) >= 2, POLL + 60, "the second poll", interval=0.2)
        assert korean_site.counts(304).get("/feed.xml", 0) >= 1
        assert {p: n for p, n in korean_site.counts(200).items() if p.startswith("/news/")} == pages
        assert sorted(p.name for p in s.inbox.iterdir() if not p.name.startswith(".")) == written
        assert polls(s)[1]["message"].startswith("feeds polled: 0 article(s) written, 0 removed")
        assert stamps(s) == before  # no file of the inbox was touched: the watcher has nothing to build
        assert s.health()["queue_depth"] == 0 and s.builds() == builds

        # A takedown on the Korean site: the page answers 410 when it is next checked (the third
        # poll, RECHECK seconds after the first), though its item stays in the feed. Its file
        # leaves the inbox, the watcher builds, and the brief leaves out/, the index and the feed.
        gone = s.inbox / article_file_name(f"{korean_site.base}/news/1002.html")
        assert gone.name in written
        korean_site.status["/news/1002.html"] = 410
        wait_until(lambda: not gone.exists(), 2 * RECHECK + 60, "the gone page's file removed from the inbox", interval=0.2)
        # (the poll logs its summary after it has removed the file)
        wait_until(lambda: any(p["message"].startswith("feeds polled: 0 article(s) written, 1 removed") for p in polls(s)), 30, "the poll's summary")
        wait_until(lambda: s.builds() > builds and s.health()["queue_depth"] == 0, 120, "the build after the takedown")
        s.idle()
        assert_whole(s.out, s.inbox)
        left = {p.parent.name for p in s.out.glob("*/brief.json")}
        assert len(slugs - left) == 1 and not left - slugs
        assert left == index_slugs(s.out) == feed_slugs(s.out)
    assert s.stop() == 0
