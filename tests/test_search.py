"""Readers search the archive in both languages: Pagefind's index of the brief pages and the
search box of the index page, in headless Chromium against the site served on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
import urllib.request
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import chromium_driver, requested_urls, wait_until
from render_samples import put_brief, sample_article, sample_brief
from site_support import english_words, newsroom  # noqa: F401 - newsroom is a fixture

import publisher.site
from publisher.config import SiteConfig
from publisher.theme import Theme
from publisher.render import render_html
from publisher.search import NOT_INSTALLED, SEARCH_DIR
from publisher.serve import make_server
from publisher.site import build_site

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("newsroom"), pytest.mark.isa_neutral]


class Requests(logging.Handler):
    """The request lines the preview server logs: what every client asked it for, the page
    and its web workers alike (a worker's requests are not in the page's network log)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def served(newsroom):
    server = make_server(newsroom.out, 0)
    requests = Requests()
    logger = logging.getLogger("publisher.serve")
    level = logger.level
    logger.addHandler(requests)
    logger.setLevel(logging.DEBUG)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    wait_until(lambda: urllib.request.urlopen(base + "index.html", timeout=2).status == 200, 10, "the preview server")
    yield base, requests
    server.shutdown()
    server.server_close()
    logger.removeHandler(requests)
    logger.setLevel(level)


@pytest.fixture(scope="module")
def browser(newsroom, tmp_path_factory):
    yield from chromium_driver(tmp_path_factory.mktemp("chrome-profile"))


def search(driver, words: str) -> set[str]:
    """Type ``words`` into the index page's search box: the paths of the results (a brief's
    sub-results, its headings, link to the same page)."""
    from selenium.webdriver.common.by import By

    box = wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#search input"), 20, "the search box")[0]
    box.clear()
    box.send_keys(words)

    def results():
        # Read in one script: the UI re-renders its results while they load.
        message, links = driver.execute_script(
            "const m = document.querySelector('#search .pagefind-ui__message');"
            "return [m ? m.textContent : '', [...document.querySelectorAll('#search .pagefind-ui__result-link')].map(a => a.href)];"
        )
        if words not in message:  # "1 result for WORDS": this search's results are in
            return None
        return {urlsplit(href).path for href in links}

    return wait_until(results, 20, f"results for {words!r}")


INTERNAL = ("chrome:", "chrome-extension:", "data:", "blob:", "about:")  # the browser's own, never the network


@pytest.mark.browser
def test_a_korean_word_and_an_english_word_each_find_their_brief(newsroom, served, browser):
    site, requests = served
    chip = (newsroom.out / "chip-factory" / "brief.html").read_text(encoding="utf-8")
    seoul = (newsroom.out / "seoul-office" / "brief.html").read_text(encoding="utf-8")
    # An English word the model wrote for one brief only (whatever it wrote).
    only_seoul = sorted(english_words(seoul) - english_words(chip) - {"brief", "translation", "machine"})
    assert only_seoul, "the two briefs' English share every word"
    assert "반도체" in chip and "반도체" not in seoul
    requested_urls(browser)  # forget the log so far
    browser.get(site + "index.html")
    # 삼성전자 is written 삼성전자는 (with its particle): Pagefind's prefix match finds it.
    assert search(browser, "삼성전자") == {"/chip-factory/brief.html"}
    assert search(browser, "반도체") == {"/chip-factory/brief.html"}
    assert search(browser, only_seoul[0]) == {"/seoul-office/brief.html"}
    # Every request of the page went to the site itself (Chromium resolves no other host anyway) ...
    urls = [u for u in requested_urls(browser) if not u.startswith(INTERNAL)]
    assert site + "pagefind/0/pagefind-ui.js" in urls and site + "pagefind/0/pagefind.js" in urls
    assert all(u.startswith(site) for u in urls), [u for u in urls if not u.startswith(site)]
    # ... and the search's own data (its web workers fetch it) came from the site's pagefind/,
    # from both bundles: the Korean word's brief is in bundle 0, the English word's in 1.
    asked = " ".join(requests.lines)
    assert "GET /pagefind/0/wasm.en.pagefind" in asked  # one search engine, loaded once
    for bundle in ("0", "1"):
        for part in (".pf_meta", ".pf_index", ".pf_fragment"):
            assert any(f"GET /pagefind/{bundle}/" in line and part in line for line in requests.lines), (bundle, part)


def test_the_index_pages_carry_the_search_box_and_the_index_covers_the_brief_pages_only(newsroom):
    doc = BeautifulSoup((newsroom.out / "index.html").read_text(encoding="utf-8"), "html5lib")
    assert doc.select_one("#search[role=search]") is not None
    assert [s["src"] for s in doc.select("script[src]")] == ["pagefind/0/pagefind-ui.js"]
    assert doc.select_one('link[href="pagefind/0/pagefind-ui.css"]') is not None
    pagefind = newsroom.out / SEARCH_DIR
    assert sorted(p.name for p in pagefind.iterdir()) == ["0", "1"]
    for bundle in ("0", "1"):
        assert (pagefind / bundle / "pagefind.js").is_file() and (pagefind / bundle / "pagefind-ui.js").is_file()
        assert len(list((pagefind / bundle / "fragment").iterdir())) == 1  # one brief.html each: no editor or index page


def test_search_off_or_not_installed_leaves_no_index_and_no_box(tmp_path, monkeypatch):
    folder = put_brief(tmp_path, sample_brief())
    (folder / "brief.html").write_text(render_html(sample_brief()), encoding="utf-8")
    report = build_site(tmp_path)
    assert report.search is not None and report.search.pages == 1 and (tmp_path / SEARCH_DIR / "0" / "pagefind.js").is_file()
    assert build_site(tmp_path).search.rebuilt is False  # nothing changed: not rebuilt
    report = build_site(tmp_path, theme=Theme(site=SiteConfig(search=False)))
    assert report.search is None and not report.warnings and not (tmp_path / SEARCH_DIR).exists()
    assert "PagefindUI" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    monkeypatch.setattr(publisher.site, "pagefind_executable", lambda: None)
    report = build_site(tmp_path)
    assert report.warnings == [NOT_INSTALLED] and "PagefindUI" not in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_only_the_bundles_whose_pages_changed_are_reindexed(tmp_path, monkeypatch):
    import publisher.search as search

    monkeypatch.setattr(search, "SHARD_PAGES", 2)
    page = render_html(sample_brief())
    for i in range(5):
        folder = put_brief(tmp_path, sample_brief(article=sample_article(f"b{i}")))
        (folder / "brief.html").write_text(page.replace("harbour", f"harbour b{i}"), encoding="utf-8")
    first = build_site(tmp_path, theme=Theme(site=SiteConfig())).search
    assert first.pages == first.reindexed == 5 and len(first.shards) > 1  # 5 pages, at most 2 a bundle: 4 bundles
    assert sorted(p.name for p in (tmp_path / SEARCH_DIR).iterdir()) == list(first.shards)
    changed = tmp_path / "b3" / "brief.html"
    changed.write_text(changed.read_text(encoding="utf-8").replace("harbour b3", "harbour b3 again"), encoding="utf-8")
    second = build_site(tmp_path, theme=Theme(site=SiteConfig())).search
    same_bundle = [f"b{i}" for i in range(5) if search.shard_of(f"b{i}", 4) == search.shard_of("b3", 4)]
    assert second.reindexed == len(same_bundle) < 5 and second.shards == first.shards
    assert build_site(tmp_path, theme=Theme(site=SiteConfig())).search.reindexed == 0


def test_the_index_is_built_for_an_output_folder_given_as_a_relative_path(tmp_path, monkeypatch):
    """`make brief` passes `-o out`: Pagefind runs in a folder of its own, so every path it gets
    must be absolute (it once got the relative ones and indexed nothing)."""
    from pathlib import Path

    from publisher.search import build_search_index, pagefind_executable

    executable = pagefind_executable()
    if executable is None:
        pytest.skip("Pagefind is not installed (the search extra)")
    page = tmp_path / "out" / "one-brief"
    page.mkdir(parents=True)
    page.joinpath("brief.html").write_text(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main data-pagefind-body>'
        "<h1>Harbour cranes</h1><p lang=\"ko\">항만 크레인이 늘었다.</p></main></body></html>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report, _ = build_search_index(Path("out"), executable)
    assert report.reindexed == 1
    assert (tmp_path / "out" / SEARCH_DIR / "0" / "pagefind.js").is_file()
