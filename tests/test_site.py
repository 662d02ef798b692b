"""The static site: index page, Atom feed and the 127.0.0.1 preview server."""

from __future__ import annotations

import json
import threading
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from render_samples import hostile_brief, put_brief, sample_article, sample_brief, three_briefs

from publisher.cards import read_entry
from publisher.document import OutputError
from publisher.feed import ATOM_NS
from publisher.serve import make_server
from publisher.site import build_site

A = f"{{{ATOM_NS}}}"


def load_entries(out_dir: Path) -> list:
    """Every brief's card under ``out_dir``, newest first: what the index must list, worked
    out here from each brief.json (the site build streams its cards instead)."""
    entries = [read_entry(d) for d in sorted(Path(out_dir).iterdir()) if not d.name.startswith(".") and (d / "brief.json").is_file()]
    return sorted((e for e in entries if e is not None), key=lambda e: e.sort_key, reverse=True)


def test_index_lists_briefs_newest_first_with_download_names(tmp_path):
    three_briefs(tmp_path)
    build_site(tmp_path)
    doc = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "html.parser")
    items = doc.select("li.brief-item")
    assert [i.select_one("a.read")["href"] for i in items] == ["newest/brief.html", "older-regenerated/brief.html", "older/brief.html"]
    downloads = [(a["href"], a["download"]) for a in doc.select("a.pdf")]
    assert downloads == [
        ("newest/brief.pdf", "2026-11-25-newest.pdf"),
        ("older-regenerated/brief.pdf", "2026-10-01-older-regenerated.pdf"),
        ("older/brief.pdf", "2026-10-01-older.pdf"),
    ]
    first = items[0]
    assert first.select_one(".title-ko").get_text() == "항구 위를 나는 드론 택배"
    assert first.select_one(".title-en").get_text() == "Drone deliveries over the harbour"
    assert first.find("time")["datetime"] == "2026-11-25"
    assert first.select_one(".item-lead").get_text() == "A drone delivery pilot has started at Incheon port."
    for link in doc.select("link[href], a[href]"):
        assert "://" not in link["href"], "index must link locally"
    assert (tmp_path / "assets" / "css" / "site.css").is_file()
    assert (tmp_path / "assets" / "fonts" / "BriefGothic-Regular.ttf").is_file()


def test_feed_is_valid_atom_with_pdf_enclosures(tmp_path):
    three_briefs(tmp_path)
    build_site(tmp_path)
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{A}{tag}") is not None and root.find(f"{A}{tag}").text
    assert root.find(f"{A}author/{A}name").text
    assert root.find(f"{A}updated").text == "2026-11-21T08:00:00Z"
    entries = root.findall(f"{A}entry")
    assert len(entries) == 3
    ids = [e.find(f"{A}id").text for e in entries]
    assert len(set(ids)) == 3
    for e in entries:
        for tag in ("id", "title", "updated"):
            assert e.find(f"{A}{tag}").text, tag
        assert e.find(f"{A}updated").text.endswith("Z")
        links = {l.get("rel"): l for l in e.findall(f"{A}link")}
        assert links["alternate"].get("href").endswith("/brief.html")
        enc = links["enclosure"]
        assert enc.get("type") == "application/pdf"
        folder = enc.get("href").split("/")[0]
        assert int(enc.get("length")) == (tmp_path / folder / "brief.pdf").stat().st_size
    assert entries[0].find(f"{A}title").text == "Drone deliveries over the harbour / 항구 위를 나는 드론 택배"
    assert entries[0].find(f"{A}summary").text == "A drone delivery pilot has started at Incheon port."


def test_hostile_text_is_escaped_in_index_and_feed(tmp_path):
    put_brief(tmp_path, hostile_brief())
    build_site(tmp_path)
    doc = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "html.parser")
    # The only scripts are the search box's own (Pagefind's UI and the line that starts it).
    scripts = doc.find_all("script")
    assert all(s.get("src") == "pagefind/0/pagefind-ui.js" or s.string.strip().startswith("new PagefindUI(") for s in scripts)
    assert doc.find("img") is None and doc.find("b") is None and "__pwned" not in "".join(str(s) for s in scripts)
    assert "<script>window.__pwned = 1</script>" in doc.select_one(".item-lead").get_text()
    root = ET.parse(tmp_path / "feed.xml").getroot()  # still well-formed XML
    assert "<script>" in root.find(f"{A}entry/{A}summary").text


def test_unreadable_briefs_are_skipped_and_logged(tmp_path, caplog):
    put_brief(tmp_path, sample_brief())
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "brief.json").write_text("{not json", encoding="utf-8")
    wrong = tmp_path / "wrong-kind"
    wrong.mkdir()
    (wrong / "brief.json").write_text(json.dumps({"publisher": "glossary", "data": {}}), encoding="utf-8")
    build_site(tmp_path)
    assert [e.folder for e in load_entries(tmp_path)] == ["harbor-drones"]
    assert "broken/brief.json" in caplog.text and "wrong-kind/brief.json" in caplog.text
    assert "harbor-drones/brief.html" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_empty_site_and_missing_folder(tmp_path):
    build_site(tmp_path)
    assert "No briefs yet" in (tmp_path / "index.html").read_text(encoding="utf-8")
    root = ET.parse(tmp_path / "feed.xml").getroot()
    assert root.findall(f"{A}entry") == [] and root.find(f"{A}updated").text
    with pytest.raises(OutputError, match="is not a folder"):
        build_site(tmp_path / "nope")


def test_undated_brief_uses_generation_date_in_download_name(tmp_path):
    put_brief(tmp_path, sample_brief(article=replace(sample_article("undated"), date=None)))
    build_site(tmp_path)
    doc = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert doc.select_one("a.pdf")["download"] == "2026-11-20-undated.pdf"


def test_server_binds_loopback_only_and_serves_pdf_type(tmp_path):
    put_brief(tmp_path, sample_brief())
    build_site(tmp_path)
    server = make_server(tmp_path, 0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/harbor-drones/brief.pdf", timeout=10) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/pdf"
            assert resp.read().startswith(b"%PDF")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.headers["Content-Type"].startswith("text/html")
            assert b"harbor-drones/brief.html" in resp.read()
    finally:
        server.shutdown()
        server.server_close()


def test_server_on_a_busy_port_is_a_clear_error(tmp_path):
    first = make_server(tmp_path, 0)
    try:
        with pytest.raises(OutputError, match="cannot listen on 127.0.0.1:.*try another --port"):
            make_server(tmp_path, first.server_address[1])
    finally:
        first.server_close()


def test_briefs_made_with_the_test_model_say_so_in_the_index_and_feed(tmp_path):
    from publisher.document import ModelInfo
    from publisher.building.publish import publish_brief as write_brief

    real = sample_brief()
    fixture = replace(
        real,
        article=replace(real.article, slug="fixture-made"),
        model=ModelInfo("publisher-test-fixture", "0.1.0", "ab" * 32, test_fixture=True),
        notices=(),
    )
    real = replace(real, model=ModelInfo("translate-ko_en", "1.1", "cd" * 32), notices=())
    write_brief(real, tmp_path)
    write_brief(fixture, tmp_path)
    build_site(tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.count("Test model, not a translation") == 1
    item = index.split('class="item-test-model"')[1].split("</li>")[0]
    assert "fixture-made/brief.pdf" in item
    feed = ET.parse(tmp_path / "feed.xml").getroot()
    titles = [e.findtext(f"{{{ATOM_NS}}}title") for e in feed.findall(f"{{{ATOM_NS}}}entry")]
    assert sum(t.startswith("[Test model, not a translation]") for t in titles) == 1


def test_a_site_address_makes_the_feed_links_absolute(tmp_path, monkeypatch):
    from urllib.parse import urljoin

    put_brief(tmp_path, sample_brief())
    monkeypatch.setenv("PUBLISHER_SITE_URL", "https://news.example.com/briefs")
    build_site(tmp_path)
    root = ET.parse(tmp_path / "feed.xml").getroot()
    base = root.get("{http://www.w3.org/XML/1998/namespace}base")
    assert base == "https://news.example.com/briefs/"
    enclosure = root.find(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}link[@rel='enclosure']")
    assert urljoin(base, enclosure.get("href")).startswith("https://news.example.com/briefs/")
    assert urljoin(base, enclosure.get("href")).endswith("/brief.pdf")


def test_a_bad_site_address_is_a_clear_error(tmp_path, monkeypatch):
    put_brief(tmp_path, sample_brief())
    monkeypatch.setenv("PUBLISHER_SITE_URL", "javascript:alert(1)")
    with pytest.raises(OutputError, match="PUBLISHER_SITE_URL"):
        build_site(tmp_path)


# ------------------------------------------------------------------ scaling (issue 16)


def _synthetic(out, n, *, start=0, month_of=lambda i: f"2025-{1 + i % 12:02d}"):
    """n minimal but genuine brief.json folders (the render path's own document format)."""
    from publisher.document import document

    base = sample_brief()
    for i in range(start, start + n):
        day = 1 + i % 28
        art = replace(base.article, slug=f"b{i:05d}", date=f"{month_of(i)}-{day:02d}")
        brief = replace(base, article=art, generated=f"{month_of(i)}-{day:02d}T0{i % 10}:00:00+00:00")
        folder = out / art.slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "brief.json").write_text(json.dumps(document("brief", brief), ensure_ascii=False), encoding="utf-8")


def _page_items(path):
    doc = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return [a["href"].split("/")[0] for a in doc.select("li.brief-item a.read")], doc


def test_index_is_paginated_newest_first_and_pages_link_each_other(tmp_path):
    _synthetic(tmp_path, 23)
    report = build_site(tmp_path, page_size=10)
    expected = [e.folder for e in load_entries(tmp_path)]
    names = ["index.html", "index-2.html", "index-3.html"]
    seen = []
    for i, name in enumerate(names):
        items, doc = _page_items(tmp_path / name)
        assert len(items) == (10 if i < 2 else 3)
        seen += items
        nav = {a["rel"][0]: a["href"] for a in doc.select("nav.pager a")}
        assert nav.get("prev") == (names[i - 1] if i else None)
        assert nav.get("next") == (names[i + 1] if i < 2 else None)
    assert seen == expected  # one global newest-first order, cut into pages
    assert not (tmp_path / "index-4.html").exists()
    assert report.briefs == 23 and report.parsed == 23


def test_month_archive_pages_hold_each_month_and_the_archive_lists_them(tmp_path):
    _synthetic(tmp_path, 30, month_of=lambda i: "2025-03" if i < 25 else "2024-12")
    build_site(tmp_path, page_size=10)
    archive = BeautifulSoup((tmp_path / "archive.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in archive.select("ul.months a")] == ["archive-2025-03.html", "archive-2024-12.html"]
    march = []
    for name in ("archive-2025-03.html", "archive-2025-03-2.html", "archive-2025-03-3.html"):
        items, _ = _page_items(tmp_path / name)
        march += items
    everything = load_entries(tmp_path)
    assert march == [e.folder for e in everything if e.date.startswith("2025-03")]
    assert len(march) == 25 and not (tmp_path / "archive-2025-03-4.html").exists()
    # 2024-12-28, -27, -26, then 2024-12-02 and -01
    assert _page_items(tmp_path / "archive-2024-12.html")[0] == ["b00027", "b00026", "b00025", "b00029", "b00028"]


def test_feed_holds_the_latest_n_entries(tmp_path, monkeypatch):
    _synthetic(tmp_path, 12)
    build_site(tmp_path, feed_entries=5)
    ids = [e.find(f"{A}id").text for e in ET.parse(tmp_path / "feed.xml").getroot().findall(f"{A}entry")]
    assert ids == [f"urn:publisher:brief:{e.folder}" for e in load_entries(tmp_path)[:5]]
    monkeypatch.setenv("PUBLISHER_FEED_ENTRIES", "3")
    build_site(tmp_path)
    assert len(ET.parse(tmp_path / "feed.xml").getroot().findall(f"{A}entry")) == 3
    monkeypatch.setenv("PUBLISHER_FEED_ENTRIES", "lots")
    with pytest.raises(OutputError, match="PUBLISHER_FEED_ENTRIES"):
        build_site(tmp_path)


def test_only_changed_pages_are_rewritten_and_only_changed_briefs_are_read(tmp_path):
    _synthetic(tmp_path, 40, month_of=lambda i: "2025-01" if i < 20 else "2025-02")
    first = build_site(tmp_path, page_size=10)
    assert first.parsed == 40 and "feed.xml" in first.pages_written
    again = build_site(tmp_path, page_size=10)
    assert again.parsed == 0 and again.pages_written == [] and again.pages_unchanged == len(first.pages_written)
    # A back-filled brief in January: January's pages and the later index pages change,
    # February's month pages do not, and only the new brief.json is read.
    _synthetic(tmp_path, 1, start=40, month_of=lambda i: "2025-01")
    third = build_site(tmp_path, page_size=10)
    assert third.parsed == 1
    assert "archive-2025-01.html" in third.pages_written or "archive-2025-01-2.html" in third.pages_written
    assert not any(n.startswith("archive-2025-02") for n in third.pages_written)
    assert "index-5.html" in third.pages_written  # 41 briefs: a fifth index page
    # Pages whose briefs did not move are left alone: the newest February briefs stay on index.html.
    assert "index.html" not in third.pages_written and "index-2.html" not in third.pages_written
    # Removing briefs removes the pages that no longer exist.
    import shutil

    for i in range(20, 41):
        shutil.rmtree(tmp_path / f"b{i:05d}")
    fourth = build_site(tmp_path, page_size=10)
    assert {"archive-2025-02.html", "archive-2025-02-2.html", "index-3.html", "index-4.html", "index-5.html"} <= set(fourth.pages_removed)
    assert not (tmp_path / "archive-2025-02.html").exists() and not (tmp_path / "index-3.html").exists()
    assert [e.folder for e in load_entries(tmp_path)] == _page_items(tmp_path / "index.html")[0] + _page_items(tmp_path / "index-2.html")[0]


def test_a_damaged_card_index_is_rebuilt_from_the_briefs(tmp_path, caplog):
    _synthetic(tmp_path, 3)
    build_site(tmp_path)
    from publisher.cards import card_index_path

    index = card_index_path(tmp_path)
    assert index.is_file() and not list(tmp_path.glob(".*"))  # derived data lives in the cache, not in out/
    index.write_bytes(b"garbage, not sqlite" * 100)
    for suffix in ("-wal", "-shm"):
        index.with_name(index.name + suffix).unlink(missing_ok=True)
    report = build_site(tmp_path)
    assert report.briefs == 3 and report.parsed == 3
    assert len(_page_items(tmp_path / "index.html")[0]) == 3
