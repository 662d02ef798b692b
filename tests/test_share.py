"""Links that look right when shared: a brief page's canonical URL, Open Graph and Twitter
card tags (parsed from the built page), its share image, and sitemap.xml."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from render_samples import put_brief, sample_article, sample_brief
from site_support import BASE, newsroom  # noqa: F401 - newsroom is a fixture

from publisher.config import SiteConfig
from publisher.theme import Theme
from publisher.document import read_brief
from publisher.render import render_html
from publisher.share import SITEMAP_NS, share_meta
from publisher.site import build_site

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("newsroom"), pytest.mark.isa_neutral]

SM = f"{{{SITEMAP_NS}}}"


def head(html: str) -> dict[str, str]:
    """The head's share tags: ``og:*``/``article:*`` properties, ``twitter:*`` names, and the
    canonical and PDF links, each once."""
    doc = BeautifulSoup(html, "html5lib")
    tags: dict[str, str] = {}
    for meta in doc.head.find_all("meta"):
        key = meta.get("property") or meta.get("name")
        if key and key.split(":")[0] in ("og", "twitter", "article"):
            assert key not in tags, f"{key} twice"
            tags[key] = meta["content"]
    for link in doc.head.find_all("link"):
        rel = " ".join(link.get("rel", []))
        if rel == "canonical" or (rel == "alternate" and link.get("type") == "application/pdf"):
            tags[rel] = link["href"]
    return tags


def test_a_brief_page_carries_its_share_tags(newsroom):
    for folder in newsroom.briefs():
        brief = read_brief(folder / "brief.json")
        tags = head((folder / "brief.html").read_text(encoding="utf-8"))
        here = f"{BASE}{folder.name}/"
        assert tags["canonical"] == tags["og:url"] == here + "brief.html"
        assert tags["alternate"] == here + "brief.pdf"
        assert tags["og:type"] == "article"
        assert tags["og:title"] == tags["twitter:title"] == brief.title_en
        assert tags["og:description"] == tags["twitter:description"] == brief.lead_en  # the lead English sentence
        assert brief.lead_en and tags["og:site_name"] == "publisher"
        assert tags["og:image"] == tags["twitter:image"] == here + "share.png"
        assert tags["twitter:card"] == "summary_large_image"
        assert tags["og:image:alt"] and tags["twitter:image:alt"]
        # with a base URL every URL a share tag carries is absolute
        for key in ("canonical", "alternate", "og:url", "og:image", "twitter:image"):
            assert tags[key].startswith(BASE), key


def test_the_share_image_is_the_top_of_the_first_page(newsroom):
    from PIL import Image

    png = (newsroom.out / "chip-factory" / "share.png").read_bytes()
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG" and im.width == 600 and im.height == round(600 / 1.91)
        # not blank: the page's title and summary are drawn on it
        low, high = im.convert("L").getextrema()
        assert high - low > 128


def test_the_sitemap_lists_every_page_with_absolute_urls(newsroom):
    root = ET.parse(newsroom.out / "sitemap.xml").getroot()
    assert root.tag == f"{SM}urlset"
    locs = [u.find(f"{SM}loc").text for u in root.findall(f"{SM}url")]
    expected = {BASE + p.name for p in newsroom.out.glob("*.html")}  # index and archive pages
    expected |= {f"{BASE}{d.name}/brief.html" for d in newsroom.briefs()}
    assert len(locs) == len(set(locs)) and set(locs) == expected
    assert {"index.html", "archive.html"} <= {p.name for p in newsroom.out.glob("*.html")}
    for u in root.findall(f"{SM}url"):
        lastmod = u.find(f"{SM}lastmod")
        if lastmod is not None:
            datetime.fromisoformat(lastmod.text.replace("Z", "+00:00"))  # a W3C datetime
    assert not any("editor.html" in loc for loc in locs)


def test_without_a_base_url_links_are_relative_and_absolute_only_tags_are_left_out(tmp_path):
    brief = sample_brief()
    tags = head(render_html(brief, share=share_meta(brief, SiteConfig(), "harbor-drones")))
    assert tags["canonical"] == "brief.html" and tags["alternate"] == "brief.pdf"
    assert "og:url" not in tags and "og:image" not in tags and "twitter:image" not in tags
    assert tags["twitter:card"] == "summary" and tags["og:title"] == "Drone deliveries over the harbour"
    # and no sitemap: sitemaps.org wants absolute URLs
    put_brief(tmp_path, brief)
    build_site(tmp_path, theme=Theme(site=SiteConfig(search=False)))
    assert not (tmp_path / "sitemap.xml").exists()
    build_site(tmp_path, theme=Theme(site=SiteConfig(search=False, base_url=BASE)))
    assert (tmp_path / "sitemap.xml").is_file()
    build_site(tmp_path, theme=Theme(site=SiteConfig(search=False)))  # the base URL is gone again: so is the sitemap
    assert not (tmp_path / "sitemap.xml").exists()


def test_a_png_logo_is_the_share_image_and_an_svg_one_is_not():
    brief = sample_brief(article=sample_article("harbor"))
    png = share_meta(brief, SiteConfig(base_url=BASE, logo=Path("/newsroom/logo.png")), "harbor", has_image=False)
    assert png.image == BASE + "assets/theme/logo.png" and png.card == "summary"
    svg = share_meta(brief, SiteConfig(base_url=BASE, logo=Path("/newsroom/logo.svg")), "harbor", has_image=True)
    assert svg.image == BASE + "harbor/share.png" and svg.card == "summary_large_image"
