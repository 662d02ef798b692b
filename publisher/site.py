"""The static site around the briefs: out/index.html, out/feed.xml and a local preview server.

The index and the feed are rebuilt from the ``brief.json`` files alone, so they always
match what is on disk; a brief folder whose JSON cannot be read is skipped and logged.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlsplit

from .article import Brief, OutputError, PublisherError, brief_from_dict, undocument
from .text import no_bidi
from .wellformed import problem, write_checked

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
        title_ko=no_bidi(view.title_ko),  # briefs built before titles were cleaned at the reader too
        title_en=no_bidi(view.title_en),
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
    return validate_site_url(value)


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_URL_UNSAFE = set("\"'<>\\^`{|}")


def validate_site_url(value: str) -> str:
    """``value`` as a checked base address ending in '/', or OutputError in one line.

    Parsed with urllib.parse: scheme http or https, a valid host name or IP address, a
    port from 1 to 65535, no user name, query or fragment, and no control, bidi, space or
    other invisible characters anywhere.
    """
    fix = "set it like https://news.example.com/briefs/"
    for ch in value:
        cat = unicodedata.category(ch)
        if cat[0] in "CZ" or ch in _URL_UNSAFE:  # controls, format (bidi) characters, spaces
            name = unicodedata.name(ch, "a control character")
            raise OutputError(f"{SITE_URL_ENV}={value!r} contains U+{ord(ch):04X} ({name}); {fix}")
    try:
        parts = urlsplit(value)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise OutputError(f"{SITE_URL_ENV}={value!r} is not a valid address ({exc}); {fix}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise OutputError(f"{SITE_URL_ENV}={value!r} is not an http(s) address; {fix}")
    if not host:
        raise OutputError(f"{SITE_URL_ENV}={value!r} has no host name; {fix}")
    if parts.username is not None or parts.password is not None:
        raise OutputError(f"{SITE_URL_ENV}={value!r} carries a user name; a public address has none; {fix}")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise OutputError(f"{SITE_URL_ENV}={value!r} has a query or fragment; give the folder's address; {fix}")
    if port is not None and port == 0:
        raise OutputError(f"{SITE_URL_ENV}={value!r} has port 0; {fix}")
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise OutputError(f"{SITE_URL_ENV}={value!r} has an invalid IPv6 address; {fix}") from None
    else:
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            try:
                ascii_host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise OutputError(f"{SITE_URL_ENV}={value!r} has an invalid host name; {fix}") from None
            labels = ascii_host.rstrip(".").split(".")
            if len(ascii_host) > 253 or not all(_HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
                raise OutputError(f"{SITE_URL_ENV}={value!r} has an invalid host name; {fix}")
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


def _culprit(entries: list[Entry], render) -> str:
    """Which brief makes a page fail to parse back (rendered alone), for the error message."""
    name = "index.html" if render is render_index else "feed.xml"
    for e in entries:
        if problem(Path(name), render([e])) is not None:
            return f"article {e.folder}"
    return "the site"


def build_site(out_dir: Path) -> None:
    """Write ``out_dir/index.html`` and ``out_dir/feed.xml`` from the briefs under ``out_dir``."""
    from .render import copy_assets

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder; build some briefs first ('publisher brief ARTICLE -o {out_dir}')")
    entries = load_entries(out_dir)
    copy_assets(out_dir)
    write_checked(out_dir / "index.html", render_index(entries), lambda: _culprit(entries, render_index))
    write_checked(out_dir / "feed.xml", render_feed(entries, base=site_url()), lambda: _culprit(entries, render_feed))
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
