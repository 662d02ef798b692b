"""Feeds and pages into the inbox (publisher/sources/), against a real HTTP server on 127.0.0.1.

The Korean site is tests/sites/: the team's own sample pages (a nav bar, a related-articles
box, comments, share buttons and a footer around the article) and an RSS feed, served by a
thread with http.server that honours ETag/If-None-Match, can answer 404/410 for a page or
leave an item out of the feed, and records every request (path, status, time).
"""

from __future__ import annotations

from contextlib import contextmanager

import hashlib
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from publisher.config import FeedSource, ServiceConfig
from publisher.read import read_article
from publisher.segment import segment_article

SITES = Path(__file__).parent / "sites"
GOLD = SITES / "gold"
FIXTURE_MODEL = Path(__file__).parent / "fixture" / "ko_en_test.argosmodel"


class Site:
    """The sample site's state: what to serve, and every request seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[tuple[str, int, float, str]] = []  # (path, status, monotonic time, user agent)
            self.status: dict[str, int] = {}  # path -> forced status (404, 410)
            self.hidden: set[str] = set()  # pages left out of the feed
            self.edits: dict[str, tuple[str, str]] = {}  # path -> (old, new): the page changed on the site

    def counts(self, status: int | None = None) -> Counter:
        with self.lock:
            return Counter(p for p, s, _, _ in self.requests if status is None or s == status)

    def body(self, path: str, base: str) -> tuple[bytes, str] | None:
        name = path.lstrip("/")
        file = (SITES / name).resolve()
        if not name or SITES.resolve() not in file.parents or not file.is_file() or "gold" in file.parts:
            return None
        text = file.read_text(encoding="utf-8").replace("{base}", base)
        if path in self.edits:
            text = text.replace(*self.edits[path])
        if name == "feed.xml":
            for page in self.hidden:
                text = re.sub(r"<item>(?:(?!</item>).)*?" + re.escape(page) + r".*?</item>\s*", "", text, flags=re.S)
            return text.encode("utf-8"), "application/rss+xml; charset=utf-8"
        if "charset=euc-kr" in text:  # a legacy Korean page: served in its declared encoding
            return text.encode("cp949"), "text/html"
        return text.encode("utf-8"), "text/html; charset=utf-8"


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            status, body, ctype, etag = 200, b"", "text/html; charset=utf-8", None
            if path in site.status:
                status = site.status[path]
            elif path == "/moved":
                status = 301
            else:
                found = site.body(path, base)
                if found is None:
                    status = 404
                else:
                    body, ctype = found
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        status, body = 304, b""
            with site.lock:
                site.requests.append((path, status, time.monotonic(), self.headers.get("User-Agent", "")))
            self.send_response(status)
            if status == 301:
                self.send_header("Location", "/news/1003.html")
            if etag:
                self.send_header("ETag", etag)
            if status == 200:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def serving_site():
    """The Korean test site on 127.0.0.1 (a free port), counting requests; shut down after."""
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    site.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server():
    with serving_site() as site:
        yield site


@pytest.fixture()
def site(server):
    server.reset()
    return server


def service_for(site: Site, **changes) -> ServiceConfig:
    values = {"feeds": [FeedSource(url=f"{site.base}/feed.xml")], "host_delay": 0, "poll_interval": 60,
              "fetch_timeout": 5, "user_agent": "publisher-test/1.0"} | changes
    return ServiceConfig(**values)


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))


def segments_of(path: Path) -> list[str]:
    article = segment_article(read_article(path))
    return [seg.text for block in article.blocks for seg in block.segments]


def page(site: Site, number: str) -> str:
    return f"{site.base}/news/{number}.html"


# ------------------------------------------------------------------- one feed, followed


def test_feed_items_become_articles_equal_to_the_gold(site, tmp_path):
    from publisher.sources.follow import poll_feeds
    from publisher.sources.pages import article_file_name

    inbox, state = tmp_path / "articles", tmp_path / "state"
    result = poll_feeds(service_for(site), inbox, state)
    assert result.errors == [] and result.removed == []
    names = {article_file_name(page(site, n)) for n in ("1001", "1002", "1003")}
    assert {p.name for p in result.written} == names == {p.name for p in inbox.iterdir()}
    for number in ("1001", "1002"):
        want = gold(number)
        path = inbox / article_file_name(page(site, number))
        assert segments_of(path) == want["segments"], number
        article = read_article(path)
        assert (article.title, article.date, article.byline.author, article.outlet) == (
            want["title"], want["date"], want["author"], want["outlet"])
        assert article.url == page(site, number)
    text = (inbox / article_file_name(page(site, "1001"))).read_text(encoding="utf-8")
    for junk in ("관련 기사", "진해 군항제", "댓글", "반가운 소식", "페이스북", "URL 복사", "로그인", "무단 전재", "많이 본", "봄맞이 특가", "#벚꽃"):
        assert junk not in text, junk
    assert "ⓒ한빛일보>" in text  # the caption and its credit, in the reader's caption form
    assert {ua for _, _, _, ua in site.requests} == {"publisher-test/1.0"}


def test_polls_are_conditional_windows_are_not_inventories_and_takedowns_unpublish(site, tmp_path):
    from publisher.sources.follow import poll_feeds
    from publisher.sources.pages import article_file_name

    inbox, state = tmp_path / "articles", tmp_path / "state"
    service = service_for(site)
    t0 = time.time()
    first = poll_feeds(service, inbox, state, now=t0)
    assert len(first.written) == 3 and site.counts(200)["/feed.xml"] == 1

    # within the feed's interval: no request at all
    site.reset()
    assert poll_feeds(service, inbox, state, now=t0 + 30) == type(first)([], [], [])
    assert site.requests == []

    # the interval has passed: the feed answers 304 (ETag), no page is fetched again, nothing is written
    before = {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()}
    second = poll_feeds(service, inbox, state, now=t0 + 61)
    assert (second.written, second.removed, second.errors) == ([], [], [])
    assert site.counts() == Counter({"/feed.xml": 1}) and site.counts(304)["/feed.xml"] == 1
    assert {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()} == before

    # an item that leaves the feed stays published: feeds are windows
    site.hidden.add("/news/1002.html")
    third = poll_feeds(service, inbox, state, now=t0 + 122)
    assert site.counts(200)["/feed.xml"] == 1 and not any(p.startswith("/news/") for p in site.counts())
    assert (third.written, third.removed) == ([], []) and (inbox / article_file_name(page(site, "1002"))).exists()

    # pages re-checked later: 404 and 410 unpublish, unless an editor changed the file
    site.status.update({"/news/1002.html": 410, "/news/1003.html": 404, "/news/1001.html": 410})
    edited = inbox / article_file_name(page(site, "1001"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\n편집자가 덧붙인 문단이다.\n", encoding="utf-8")
    later = t0 + service.recheck_interval + 200
    fourth = poll_feeds(service, inbox, state, now=later)
    assert sorted(p.name for p in fourth.removed) == sorted(article_file_name(page(site, n)) for n in ("1002", "1003"))
    assert [p.name for p in inbox.iterdir()] == [edited.name]
    assert fourth.errors == []
    # gone pages are not asked for again
    site.reset()
    poll_feeds(service, inbox, state, now=later + 2 * service.recheck_interval)
    assert not any(p.startswith("/news/") for p in site.counts())


def test_a_corrected_page_rewrites_the_fetchers_file_only(site, tmp_path):
    from publisher.sources.follow import poll_feeds
    from publisher.sources.pages import article_file_name

    inbox, state = tmp_path / "articles", tmp_path / "state"
    service = service_for(site)
    t0 = time.time()
    assert len(poll_feeds(service, inbox, state, now=t0).written) == 3
    files = {n: inbox / article_file_name(page(site, n)) for n in ("1001", "1002", "1003")}
    before = {n: f.read_bytes() for n, f in files.items()}
    site.edits.update({
        "/news/1001.html": ("안내 요원 30명을", "안내 요원 50명을"),  # a correction on the Korean side
        "/news/1003.html": ("다섯 곳을", "여섯 곳을"),  # corrected, but the editor changed the file
    })
    site.edits["/news/1002.html"] = ('<div id="footer">', '<div id="footer">새 광고 문구 | ')  # only the footer changed
    files["1003"].write_text(before["1003"].decode() + "\n편집자가 고친 문단이다.\n", encoding="utf-8")
    edited = files["1003"].read_bytes()
    result = poll_feeds(service, inbox, state, now=t0 + service.recheck_interval + 200)
    assert (result.written, result.removed, result.errors) == ([files["1001"]], [], [])
    assert "안내 요원 50명을" in files["1001"].read_text(encoding="utf-8")
    assert files["1002"].read_bytes() == before["1002"] and files["1003"].read_bytes() == edited


def test_an_editors_file_is_never_overwritten(site, tmp_path):
    from publisher.sources.http import make_client
    from publisher.sources.pages import EditorFileError, article_file_name, fetch_article, write_article

    service = service_for(site)
    inbox = tmp_path / "articles"
    inbox.mkdir()
    mine = inbox / article_file_name(page(site, "1003"))
    mine.write_text("---\ntitle: 편집자의 글\n---\n\n편집자가 쓴 본문이다.\n", encoding="utf-8")
    with make_client(service) as client:
        article = fetch_article(page(site, "1003"), client=client, settings=service)
        with pytest.raises(EditorFileError):
            write_article(inbox, article, state_dir=tmp_path / "state")
        assert "편집자가 쓴 본문" in mine.read_text(encoding="utf-8")
        other = write_article(inbox, fetch_article(page(site, "1001"), client=client, settings=service), state_dir=tmp_path / "state")
    assert other.name == article_file_name(page(site, "1001")) and sorted(p.name for p in inbox.iterdir()) == sorted([mine.name, other.name])


def test_the_per_host_delay_is_kept(site, tmp_path):
    from publisher.sources.follow import poll_feeds

    delay = 0.3
    result = poll_feeds(service_for(site, host_delay=delay), tmp_path / "articles", tmp_path / "state")
    assert len(result.written) == 3
    times = [t for _, _, t, _ in site.requests]
    assert len(times) == 4  # the feed and three pages
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= delay - 0.02, gaps


def test_file_names_are_stable_and_safe():
    from publisher.sources.pages import article_file_name

    a = article_file_name("https://news.example.kr/news/articleView.html?idxno=1001")
    assert a == article_file_name("https://news.example.kr/news/articleView.html?idxno=1001#comments")
    assert a.startswith("news-articleview-idxno-1001-") and a.endswith(".ko.txt")
    assert a != article_file_name("https://news.example.kr/news/articleView.html?idxno=1002")
    for hostile in ("../../etc/passwd", "https://x.kr/%2e%2e/%2F..%2Fetc", "tag:x,2026:/../..", "", "\x00/\\"):
        name = article_file_name(hostile)
        assert "/" not in name and "\\" not in name and not name.startswith(".") and "\x00" not in name
    assert article_file_name("https://x.kr/뉴스/벚꽃-야간-개방").startswith("뉴스-벚꽃-야간-개방-")


# ---------------------------------------------------------------------- publisher fetch


def test_fetch_command_writes_files_and_one_error_line_per_bad_url(site, tmp_path):
    from publisher.sources.pages import article_file_name

    inbox = tmp_path / "articles"
    unreachable = "http://127.0.0.1:9/news/1.html"  # the discard port: nothing listens there
    urls = [page(site, "1001"), unreachable, f"{site.base}/section/politics.html", page(site, "1002")]
    done = subprocess.run([sys.executable, "-m", "publisher.cli", "fetch", *urls, "-o", str(inbox)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    errors = done.stderr.splitlines()
    assert len(errors) == 2 and all(e.startswith("Error: ") for e in errors), done.stderr
    assert unreachable in errors[0] and "no article text" in errors[1]
    written = [inbox / article_file_name(page(site, n)) for n in ("1001", "1002")]
    assert done.stdout.splitlines() == [str(p) for p in written]
    assert sorted(inbox.iterdir()) == sorted(written)
    assert segments_of(written[0]) == gold("1001")["segments"]
    assert segments_of(written[1]) == gold("1002")["segments"]  # an EUC-KR page


def test_gone_pages_redirect_loops_and_non_pages_are_refused(site, tmp_path):
    from publisher.sources.http import FetchError, PageGone, make_client
    from publisher.sources.pages import NotAnArticle, fetch_article

    service = service_for(site)
    site.status["/news/1003.html"] = 410
    with make_client(service) as client:
        with pytest.raises(PageGone):
            fetch_article(f"{site.base}/moved", client=client, settings=service)  # followed, then gone
        with pytest.raises(NotAnArticle, match="feed"):
            fetch_article(f"{site.base}/feed.xml", client=client, settings=service)
        with pytest.raises(FetchError, match="not an http"):
            fetch_article("file:///etc/passwd", client=client, settings=service)


def test_a_page_given_as_a_feed_is_one_error_line(site, tmp_path):
    from publisher.sources.follow import poll_feeds

    service = service_for(site, feeds=[FeedSource(url=page(site, "1003"))])
    result = poll_feeds(service, tmp_path / "articles", tmp_path / "state")
    assert result.written == [] and len(result.errors) == 1 and "not an RSS or Atom feed" in result.errors[0]


# ------------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def built(server, tmp_path_factory):
    """A feed item fetched by poll_feeds and built with `publisher brief` and the fixture model (once)."""
    from publisher.sources.follow import poll_feeds

    server.reset()
    root = tmp_path_factory.mktemp("e2e")
    inbox, out = root / "articles", root / "out"
    server.hidden.update({"/news/1002.html", "/news/1003.html"})  # one article: one brief to build
    result = poll_feeds(service_for(server), inbox, root / "state")
    server.reset()
    assert len(result.written) == 1
    from click.testing import CliRunner

    from publisher.cli import cli

    done = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL)])
    assert done.exit_code == 0, done.output
    return result.written[0], out


@pytest.mark.slow
@pytest.mark.fixture_model
def test_a_fetched_article_builds_into_a_brief_with_the_gold_segments(built):
    from publisher.document import read_brief
    from publisher.read import slug_for_path

    path, out = built
    folder = out / slug_for_path(path)
    brief = read_brief(folder / "brief.json")
    want = gold("1001")
    assert [seg.text for block in brief.article.blocks for seg in block.segments] == want["segments"]
    assert (brief.article.title, brief.article.date, brief.article.byline.author) == (want["title"], want["date"], want["author"])
    assert brief.article.url.endswith("/news/1001.html")
    assert [b.credit for b in brief.article.blocks if b.kind == "caption"] == [want["caption_credit"]]
    assert (folder / "brief.pdf").is_file() and slug_for_path(path) in (out / "index.html").read_text(encoding="utf-8")


# ----------------------------------------------------------------- the local HTML reader


def test_the_html_reader_drops_related_lists_comments_share_and_menus_as_a_class():
    from publisher.document import BODY, CAPTION

    article = read_article(SITES / "local" / "related-inside.html")
    body = [b.text for b in article.blocks if b.kind == BODY]
    assert body == [
        "충북 제천시는 의림지 얼음 썰매장을 3년 만에 다시 연다고 9일 밝혔다.",
        "썰매장은 얼음 두께가 20센티미터를 넘는 날에만 문을 열고, 안전 요원 열 명이 상주한다.",
        "입장료는 없으며 썰매는 현장에서 빌릴 수 있다.",
    ]
    assert [(b.text, b.credit) for b in article.blocks if b.kind == CAPTION] == [("얼어붙은 의림지에서 썰매를 타는 가족", "한빛일보")]
    # the article's own <header> is kept: its <h1> is the title, its byline the byline
    assert (article.title, article.title_source, article.byline.author, article.date) == (
        "제천 의림지, 겨울 썰매장 다시 연다", "html", "한지우", "2026-01-09")


def test_the_fetcher_and_the_local_reader_agree_on_a_page_with_boxes_inside_the_article(tmp_path):
    from publisher.sources.pages import article_file_text, extract_article

    page = SITES / "local" / "related-inside.html"
    fetched = tmp_path / "fetched.ko.txt"
    fetched.write_text(article_file_text(extract_article(page.read_text(encoding="utf-8"), url="https://news.example.kr/a")),
                       encoding="utf-8")
    assert segments_of(fetched) == segments_of(page)
    assert read_article(fetched).byline.author == "한지우"  # the "글:" label is not part of the name


def test_the_html_reader_on_a_saved_page_without_article_element(tmp_path):
    from publisher.document import BODY

    page = tmp_path / "market.html"
    page.write_bytes((SITES / "news" / "1002.html").read_text(encoding="utf-8").encode("cp949"))
    body = [b.text for b in read_article(page).blocks if b.kind == BODY]
    for junk in ("관련된 기사", "온누리상품권", "독자 의견", "자주 가는데", "스포츠", "공유하기", "등록번호"):
        assert not any(junk in text for text in body), junk
    assert body[-1] == "시는 다음 달부터 시장마다 사용법을 알려 주는 도우미를 두기로 했다."
