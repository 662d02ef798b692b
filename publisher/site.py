"""The static site around the briefs: out/index.html, out/feed.xml and a local preview server.

The index and the feed are rebuilt from the ``brief.json`` files alone, so they always
match what is on disk; a brief folder whose JSON cannot be read is skipped and logged.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlsplit

from .article import Brief, OutputError, PublisherError, brief_from_dict, undocument
from .fsutil import atomic_write_text

log = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:publisher:briefs"


@dataclass
class Entry:
    """One brief as the index and the feed show it."""

    folder: str  # the brief's folder name under out/ (links are built from it, not from JSON)
    brief: Brief
    title_ko: str
    title_en: str | None
    date: str | None
    lead_en: str | None
    updated: str  # RFC 3339
    pdf_size: int | None
    download_name: str
    test_model: bool = False  # made with the test fixture: said on the index and in the feed

    @property
    def html_href(self) -> str:
        return f"{quote(self.folder)}/brief.html"

    @property
    def pdf_href(self) -> str:
        return f"{quote(self.folder)}/brief.pdf"


def _rfc3339(generated: str | None, date: str | None) -> str:
    for value in (generated, f"{date}T00:00:00+00:00" if date else None):
        if not value:
            continue
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            continue
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "1970-01-01T00:00:00Z"


def _entry(folder: Path, brief: Brief) -> Entry:
    from .render import build_view

    view = build_view(brief)
    lead = next((s for s in view.summary if s.en), None)
    if lead is None:
        lead = next((s for b in view.blocks if b.kind == "body" for s in b.segments if s.en), None)
    lead_en = lead.en.striptags() if lead is not None else None
    pdf = folder / "brief.pdf"
    try:
        size = pdf.stat().st_size if pdf.is_file() else None
    except OSError:
        size = None
    date = view.date_iso
    prefix = date or (_rfc3339(brief.generated, None)[:10] if brief.generated else "undated")
    return Entry(
        folder=folder.name,
        brief=brief,
        title_ko=view.title_ko,
        title_en=view.title_en,
        date=date,
        lead_en=lead_en,
        updated=_rfc3339(brief.generated, date),
        pdf_size=size,
        download_name=f"{prefix}-{folder.name}.pdf",
        test_model=view.test_model,
    )


def load_entries(out_dir: Path) -> list[Entry]:
    """Every readable brief under ``out_dir``, newest first (article date, then generation time)."""
    entries = []
    for path in sorted(Path(out_dir).glob("*/brief.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            brief = brief_from_dict(undocument(doc, "brief"))
            entries.append(_entry(path.parent, brief))
        except (OSError, ValueError, TypeError, AttributeError, KeyError, PublisherError) as exc:
            log.warning("skipping %s: %s", path, exc)
    entries.sort(key=lambda e: (e.date or "", e.updated, e.folder), reverse=True)
    return entries


def render_index(entries: list[Entry]) -> str:
    from .render import _render

    return _render("index.html.j2", entries=entries, assets="assets")


SITE_URL_ENV = "PUBLISHER_SITE_URL"


def site_url(value: str | None = None) -> str | None:
    """The public address of ``out/`` (``PUBLISHER_SITE_URL``), for absolute feed links.

    Without it the feed's links are relative to the feed itself, which feed readers that
    fetched it from the site resolve correctly.
    """
    value = (value or os.environ.get(SITE_URL_ENV) or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in value for c in "\"'<> "):
        raise OutputError(f"{SITE_URL_ENV}={value!r} is not an http(s) address; set it like https://news.example.com/briefs/")
    return value if value.endswith("/") else value + "/"


def render_feed(entries: list[Entry], title: str = "Bilingual briefs", base: str | None = None) -> str:
    """An Atom 1.0 feed (RFC 4287): one entry per brief, the PDF as an enclosure.

    With ``base`` (the site's public address) the feed carries ``xml:base`` so that every
    link resolves to an absolute address.
    """
    import xml.etree.ElementTree as ET

    from .render import TEST_MODEL_BANNER

    ET.register_namespace("", ATOM_NS)

    def el(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
        if text is not None:
            node.text = text
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
            el(entry, "published", _rfc3339(None, e.date))
        art = e.brief.article
        if art.byline.author:
            el(el(entry, "author"), "name", art.byline.author)
        el(entry, "link", rel="alternate", type="text/html", href=e.html_href)
        if e.pdf_size is not None:
            el(entry, "link", rel="enclosure", type="application/pdf", href=e.pdf_href, length=e.pdf_size, title=e.download_name)
        if e.lead_en:
            el(entry, "summary", f"{TEST_MODEL_BANNER}. {e.lead_en}" if e.test_model else e.lead_en)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def build_site(out_dir: Path) -> None:
    """Write ``out_dir/index.html`` and ``out_dir/feed.xml`` from the briefs under ``out_dir``."""
    from .render import copy_assets

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder; build some briefs first ('publisher brief ARTICLE -o {out_dir}')")
    entries = load_entries(out_dir)
    copy_assets(out_dir)
    atomic_write_text(out_dir / "index.html", render_index(entries))
    atomic_write_text(out_dir / "feed.xml", render_feed(entries, base=site_url()))
    log.info("index and feed list %d briefs", len(entries))


# ------------------------------------------------------------------ preview server


def make_server(out_dir: Path, port: int = 8000):
    """A threading HTTP server for ``out_dir`` bound to 127.0.0.1 only (port 0: any free port)."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder; build some briefs first ('make brief')")

    class Handler(SimpleHTTPRequestHandler):
        extensions_map = {
            **SimpleHTTPRequestHandler.extensions_map,
            ".pdf": "application/pdf",
            ".html": "text/html; charset=utf-8",
            ".css": "text/css; charset=utf-8",
            ".json": "application/json",
            ".xml": "application/atom+xml; charset=utf-8",
            ".ttf": "font/ttf",
            ".txt": "text/plain; charset=utf-8",
            ".md": "text/markdown; charset=utf-8",
        }

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
            log.debug("%s %s", self.address_string(), format % args)

        def end_headers(self):
            self.send_header("X-Content-Type-Options", "nosniff")
            super().end_headers()

        def send_head(self):
            # A symlink inside out/ that leads out of it is not followed: 404, as if absent.
            root = os.path.realpath(self.directory)
            real = os.path.realpath(self.translate_path(self.path))
            if real != root and not real.startswith(root + os.sep):
                self.send_error(404, "File not found")
                return None
            return super().send_head()

    try:
        return ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=os.fspath(out_dir)))
    except OSError as exc:
        raise OutputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}; try another --port") from None


def serve(out_dir: Path, port: int = 8000) -> None:
    """Serve ``out_dir`` on http://127.0.0.1:<port>/ until interrupted."""
    server = make_server(out_dir, port)
    host, real_port = server.server_address[:2]
    log.info("serving %s on http://%s:%d/", out_dir, host, real_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
