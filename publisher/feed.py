"""The Atom feed of the site (RFC 4287): the latest briefs, each with its PDF as an enclosure.

Built from the cards (:mod:`publisher.cards`) alone; ``feed_entries_setting`` says how many
briefs it lists (default 100, ``PUBLISHER_FEED_ENTRIES``).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from urllib.parse import quote

from .cards import Entry, rfc3339
from .document import OutputError
from .render import TEST_MODEL_BANNER
from .text import no_bidi

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:publisher:briefs"
FEED_ENTRIES_ENV = "PUBLISHER_FEED_ENTRIES"
DEFAULT_FEED_ENTRIES = 100


MAX_FEED_ENTRIES = 100_000  # the range of publisher.toml's [site].feed_entries (publisher.config.SiteConfig)


def feed_entries_setting(value: int | None = None) -> int:
    """How many briefs the feed lists: ``value``, else ``PUBLISHER_FEED_ENTRIES``, else 100.

    The command line loads publisher.toml first and hands its ``[site].feed_entries`` to this
    through the same variable (:func:`publisher.config.applied`), so the environment beats the
    file; both are checked, with this range, before a build starts (:func:`publisher.config.load_config`).
    """
    if value is None:
        raw = (os.environ.get(FEED_ENTRIES_ENV) or "").strip()
        if not raw:
            return DEFAULT_FEED_ENTRIES
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= MAX_FEED_ENTRIES:
            raise OutputError(f"{FEED_ENTRIES_ENV}={raw!r} is not a whole number from 1 to {MAX_FEED_ENTRIES}; set it like {FEED_ENTRIES_ENV}=100")
    if not 1 <= value <= MAX_FEED_ENTRIES:
        raise OutputError(f"the feed lists from 1 to {MAX_FEED_ENTRIES} briefs (got {value})")
    return value


def render_feed(entries: list[Entry], title: str = "Bilingual briefs", base: str | None = None) -> str:
    """An Atom 1.0 feed (RFC 4287): one entry per brief, the PDF as an enclosure.

    With ``base`` (the site's public address) the feed carries ``xml:base`` so that every
    link resolves to an absolute address.
    """
    ET.register_namespace("", ATOM_NS)

    def el(parent, tag, text=None, **attrs):
        # Feed readers show titles and summaries without bidi isolation: no bidi controls.
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: no_bidi(str(v)) for k, v in attrs.items()})
        if text is not None:
            node.text = no_bidi(text)
        return node

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    if base:
        feed.set("{http://www.w3.org/XML/1998/namespace}base", base)
    el(feed, "id", FEED_ID)
    el(feed, "title", title)
    el(feed, "updated", max((e.updated for e in entries), default="1970-01-01T00:00:00Z"))
    author = el(feed, "author")
    el(author, "name", "publisher")
    el(feed, "generator", "publisher")
    el(feed, "link", rel="alternate", type="text/html", href="index.html")
    el(feed, "link", rel="self", type="application/atom+xml", href="feed.xml")
    for e in entries:
        entry = el(feed, "entry")
        el(entry, "id", f"urn:publisher:brief:{quote(e.folder)}")
        title = f"{e.title_en} / {e.title_ko}" if e.title_en else e.title_ko
        el(entry, "title", f"[{TEST_MODEL_BANNER}] {title}" if e.test_model else title)
        el(entry, "updated", e.updated)
        if e.date:
            el(entry, "published", rfc3339(None, e.date))
        if e.author:
            el(el(entry, "author"), "name", e.author)
        el(entry, "link", rel="alternate", type="text/html", href=e.html_href)
        if e.pdf_size is not None:
            el(entry, "link", rel="enclosure", type="application/pdf", href=e.pdf_href, length=e.pdf_size, title=e.download_name)
        if e.lead_en:
            el(entry, "summary", f"{TEST_MODEL_BANNER}. {e.lead_en}" if e.test_model else e.lead_en)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
