"""The static site around the briefs: paginated index pages, monthly archives, the feed.

Everything is derived from the ``brief.json`` files alone, so the site always matches
what is on disk; a brief folder whose JSON cannot be read is skipped and logged.

It scales with the archive (100,000 briefs and more):

* ``index.html``, ``index-2.html``, ... list the briefs newest first, ``page_size`` per page;
* ``archive.html`` lists the months; ``archive-YYYY-MM.html`` (then ``-2``, ``-3`` ... when a
  month holds more than a page) lists one month: stable URLs that only change when a brief
  of that month does;
* ``feed.xml`` holds the latest ``feed_entries`` briefs (default 100,
  ``PUBLISHER_FEED_ENTRIES``).

Page files have a dot in their names, so they can never collide with a brief's folder (a
slug has none). One card per brief (titles, date, lead, PDF size) is kept in a card index
in the cache folder (``PUBLISHER_CACHE_DIR/site/``, one file per output folder, never in
``out/``), keyed by the brief.json's size and modification time: a build
parses only the brief.json files that changed, SQLite sorts (spilling to disk, not RAM),
pages are rendered from a cursor one page at a time, and a page is rewritten only when the
cards on it (or its neighbours) changed. Time is linear in the number of briefs and memory
is bounded by a page. The card index is derived data: delete it and the next build
recreates it from the brief.json files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .document import BRIEF_JSON, Brief, OutputError, PublisherError, read_brief
from .fsutil import cache_dir
from .render import TEMPLATES_DIR, TEST_MODEL_BANNER, copy_assets, render_template
from .text import no_bidi
from .urls import BadURL, check_http_url
from .wellformed import problem, write_checked

log = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:publisher:briefs"
FEED_ENTRIES_ENV = "PUBLISHER_FEED_ENTRIES"
DEFAULT_FEED_ENTRIES = 100
DEFAULT_PAGE_SIZE = 50
_CARD_SCHEMA = 2  # bump when the card's fields change: every card is recomputed


@dataclass(frozen=True)
class Entry:
    """One brief as the index pages and the feed show it (a "card": small and flat)."""

    folder: str  # the brief's folder name under out/ (links are built from it, not from JSON)
    title_ko: str
    title_en: str | None
    date: str | None
    lead_en: str | None
    updated: str  # RFC 3339
    pdf_size: int | None
    download_name: str
    test_model: bool = False  # made with the test fixture: said on the index and in the feed
    outlet: str | None = None
    author: str | None = None
    edited: bool = False  # an editor corrected the English: said on the index

    @property
    def html_href(self) -> str:
        return f"{quote(self.folder)}/brief.html"

    @property
    def pdf_href(self) -> str:
        return f"{quote(self.folder)}/brief.pdf"

    @property
    def month(self) -> str:
        """YYYY-MM of the article's date (else of its generation time): its archive page."""
        return (self.date or self.updated)[:7]

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.date or "", self.updated, self.folder)


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
    """A brief's card: what the brief itself says (titles, date, lead), no page view is built."""
    pdf = folder / "brief.pdf"
    try:
        size = pdf.stat().st_size if pdf.is_file() else None
    except OSError:
        size = None
    date = brief.date_iso
    prefix = date or (_rfc3339(brief.generated, None)[:10] if brief.generated else "undated")
    return Entry(
        folder=folder.name,
        title_ko=no_bidi(brief.title_ko),  # briefs built before titles were cleaned at the reader too
        title_en=no_bidi(brief.title_en),
        date=date,
        lead_en=brief.lead_en,
        updated=_rfc3339(brief.generated, date),
        pdf_size=size,
        download_name=f"{prefix}-{folder.name}.pdf",
        test_model=brief.test_model,
        outlet=brief.article.outlet,
        author=brief.article.byline.author,
        edited=bool(brief.edited),
    )


def read_entry(folder: Path) -> Entry | None:
    """The card of the brief in ``folder`` from its brief.json, or None (logged) when unreadable."""
    path = Path(folder) / BRIEF_JSON
    try:
        return _entry(path.parent, read_brief(path))
    except (OSError, ValueError, TypeError, AttributeError, KeyError, PublisherError) as exc:
        log.warning("skipping %s: %s", path, exc)
        return None


def _brief_folders(out_dir: Path) -> Iterator[os.DirEntry]:
    """The (non-hidden) folders of ``out_dir``, streamed: 100,000 are never listed at once."""
    with os.scandir(out_dir) as it:
        for d in it:
            if not d.name.startswith(".") and d.is_dir():
                yield d


# ------------------------------------------------------------------ pages


@dataclass(frozen=True)
class Pager:
    """Where a page sits: its heading and the links to its neighbours."""

    title: str = ""
    page: int = 1
    pages: int = 1
    newer: str | None = None
    older: str | None = None


def index_page_name(page: int) -> str:
    return "index.html" if page == 1 else f"index-{page}.html"


def month_page_name(month: str, page: int = 1) -> str:
    return f"archive-{month}.html" if page == 1 else f"archive-{month}-{page}.html"


def render_index(entries: list[Entry], pager: Pager | None = None) -> str:
    """One index (or month) page listing ``entries``."""
    return render_template("index.html.j2", entries=entries, assets="assets", pager=pager or Pager(), months=None)


def render_archive(months: list[tuple[str, int]]) -> str:
    """``archive.html``: every month with its number of briefs, newest first."""
    return render_template("index.html.j2", entries=[], assets="assets", pager=Pager(title="Archive by month"), months=months)


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


def validate_site_url(value: str) -> str:
    """``value`` as a checked base address ending in '/', or OutputError in one line (see :mod:`publisher.urls`)."""
    try:
        check_http_url(value, base=True)
    except BadURL as exc:
        raise OutputError(f"{SITE_URL_ENV}={value!r} {exc}; set it like https://news.example.com/briefs/") from None
    return value if value.endswith("/") else value + "/"


def feed_entries_setting(value: int | None = None) -> int:
    """How many briefs the feed lists: ``value``, else ``PUBLISHER_FEED_ENTRIES``, else 100."""
    if value is None:
        raw = (os.environ.get(FEED_ENTRIES_ENV) or "").strip()
        if not raw:
            return DEFAULT_FEED_ENTRIES
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise OutputError(f"{FEED_ENTRIES_ENV}={raw!r} is not a positive whole number; set it like {FEED_ENTRIES_ENV}=100")
    if value < 1:
        raise OutputError(f"the feed must list at least one brief (got {value})")
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
            el(entry, "published", _rfc3339(None, e.date))
        if e.author:
            el(el(entry, "author"), "name", e.author)
        el(entry, "link", rel="alternate", type="text/html", href=e.html_href)
        if e.pdf_size is not None:
            el(entry, "link", rel="enclosure", type="application/pdf", href=e.pdf_href, length=e.pdf_size, title=e.download_name)
        if e.lead_en:
            el(entry, "summary", f"{TEST_MODEL_BANNER}. {e.lead_en}" if e.test_model else e.lead_en)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


# ------------------------------------------------------------------ the card index


_ORDER = "sort_date DESC, updated DESC, folder DESC"  # = sorted(key=Entry.sort_key, reverse=True)

_INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
    folder TEXT PRIMARY KEY,
    sig TEXT NOT NULL,
    sort_date TEXT NOT NULL,
    updated TEXT NOT NULL,
    month TEXT NOT NULL,
    digest TEXT NOT NULL,
    card TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cards_order ON cards (sort_date DESC, updated DESC, folder DESC);
CREATE INDEX IF NOT EXISTS cards_month ON cards (month DESC, sort_date DESC, updated DESC, folder DESC);
CREATE TABLE IF NOT EXISTS pages (name TEXT PRIMARY KEY, digest TEXT NOT NULL);
"""


@dataclass
class SiteReport:
    """What a site build did."""

    briefs: int = 0
    parsed: int = 0  # brief.json files read because they were new or changed
    pages_written: list[str] = field(default_factory=list)
    pages_unchanged: int = 0
    pages_removed: list[str] = field(default_factory=list)


def card_index_path(out_dir: Path) -> Path:
    """Where the card index of ``out_dir`` lives: the cache folder, one file per output folder."""
    key = hashlib.sha256(str(Path(out_dir).resolve()).encode()).hexdigest()[:24]
    return cache_dir("site", f"{key}.sqlite")


def _open_index(out_dir: Path) -> sqlite3.Connection:
    """The card index, recreated from scratch when missing, damaged or of another version.

    A damaged file is deleted and rebuilt (it is derived from the brief.json files); an
    operational failure (a full disk, a lock) is reported and the file left as it is.
    """
    path = card_index_path(out_dir)
    version = f"{_CARD_SCHEMA}:{__version__}"
    for attempt in (1, 2):
        conn = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-16000")  # 16 MB; larger sorts spill to temporary files
            conn.executescript(_INDEX_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if row is None or row[0] != version:
                conn.executescript("BEGIN; DELETE FROM cards; DELETE FROM pages; COMMIT;")
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('version', ?)", (version,))
            return conn
        except (sqlite3.OperationalError, OSError) as exc:
            if conn is not None:
                conn.close()
            raise OutputError(f"cannot use the site's card index {path}: {exc}; the pages were not updated") from None
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if attempt == 2:
                raise OutputError(f"cannot use the site's card index {path}: {exc}; delete it and build again") from None
            log.warning("site index %s is damaged (%s); rebuilding it from the brief.json files", path, exc)
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass
    raise AssertionError("unreachable")


def _signature(folder: str) -> str | None:
    try:
        js = os.stat(os.path.join(folder, "brief.json"))
    except OSError:
        return None
    try:
        pdf = os.stat(os.path.join(folder, "brief.pdf"))
        pdf_sig = f"{pdf.st_size}:{pdf.st_mtime_ns}"
    except OSError:
        pdf_sig = "-"
    return f"{js.st_size}:{js.st_mtime_ns}:{pdf_sig}"


def _card_row(entry: Entry) -> tuple[str, str, str, str, str]:
    card = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True)
    return (entry.date or "", entry.updated, entry.month, hashlib.sha256(card.encode()).hexdigest(), card)


def _from_card(card: str) -> Entry:
    return Entry(**json.loads(card))


def _refresh_cards(conn: sqlite3.Connection, out_dir: Path, report: SiteReport) -> None:
    """Bring the cards in line with the brief folders: parse only new or changed brief.json files."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen (folder TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM seen")
    conn.execute("BEGIN")
    pending = 0
    for d in _brief_folders(out_dir):
        sig = _signature(d.path)
        if sig is None:
            continue
        row = conn.execute("SELECT sig FROM cards WHERE folder = ?", (d.name,)).fetchone()
        if row is not None and row[0] == sig:
            conn.execute("INSERT OR IGNORE INTO seen(folder) VALUES (?)", (d.name,))
            continue
        entry = read_entry(Path(d.path))
        report.parsed += 1
        if entry is None:
            continue  # unreadable: logged, left out, read again next time
        conn.execute("INSERT OR IGNORE INTO seen(folder) VALUES (?)", (d.name,))
        conn.execute(
            "INSERT OR REPLACE INTO cards(folder, sig, sort_date, updated, month, digest, card) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (d.name, sig, *_card_row(entry)),
        )
        pending += 1
        if pending >= 1000:  # bounded transactions; a killed build keeps what it parsed
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            pending = 0
    conn.execute("DELETE FROM cards WHERE folder NOT IN (SELECT folder FROM seen)")
    conn.execute("COMMIT")
    report.briefs = conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]


def _template_digest() -> str:
    h = hashlib.sha256(__version__.encode())
    h.update((TEMPLATES_DIR / "index.html.j2").read_bytes())
    return h.hexdigest()


def _culprit(name: str, entries: list[Entry], render) -> str:
    """Which brief makes a page fail to parse back (rendered alone), for the error message."""
    for e in entries:
        if problem(Path(name), render([e])) is not None:
            return f"article {e.folder}"
    return "the site"


class _PageWriter:
    """Writes a page only when what it shows changed (digest of its cards and its neighbours)."""

    def __init__(self, conn: sqlite3.Connection, out_dir: Path, report: SiteReport, salt: str) -> None:
        self.conn, self.out_dir, self.report, self.salt = conn, out_dir, report, salt
        self.produced: set[str] = set()

    def page(self, name: str, key_parts: Iterable[str], render, culprit=lambda: "the site") -> None:
        self.produced.add(name)
        h = hashlib.sha256(self.salt.encode())
        for part in key_parts:
            h.update(part.encode())
            h.update(b"\0")
        digest = h.hexdigest()
        row = self.conn.execute("SELECT digest FROM pages WHERE name = ?", (name,)).fetchone()
        if row is not None and row[0] == digest and (self.out_dir / name).is_file():
            self.report.pages_unchanged += 1
            return
        # Parsed back (HTML5 / XML) before it replaces the old page; a failure names the brief.
        write_checked(self.out_dir / name, render(), culprit)
        self.conn.execute("INSERT OR REPLACE INTO pages(name, digest) VALUES (?, ?)", (name, digest))
        self.report.pages_written.append(name)

    def remove_others(self) -> None:
        """Delete the pages this build no longer produces (e.g. fewer index pages than before)."""
        gone = [n for (n,) in self.conn.execute("SELECT name FROM pages") if n not in self.produced]
        for name in gone:
            try:
                (self.out_dir / name).unlink()
            except FileNotFoundError:
                pass
            self.conn.execute("DELETE FROM pages WHERE name = ?", (name,))
            self.report.pages_removed.append(name)


def _chunks(cursor, size: int) -> Iterator[list[tuple[str, str]]]:
    while rows := cursor.fetchmany(size):
        yield rows


def _pages_for(rows: Iterator[list[tuple[str, str]]], count: int, size: int, name, title: str, writer: _PageWriter) -> None:
    pages = max(1, -(-count // size))
    for page, chunk in enumerate(rows, start=1):
        pager = Pager(
            title=title,
            page=page,
            pages=pages,
            newer=name(page - 1) if page > 1 else None,
            older=name(page + 1) if page < pages else None,
        )
        # The key is what the page shows: its cards and whether it has neighbours. Not the
        # number of pages: a page does not say "of N", so one more page elsewhere leaves it be.
        key = [title, str(page), str(page < pages), *(d for d, _ in chunk)]
        entries = lambda chunk=chunk: [_from_card(c) for _, c in chunk]  # noqa: E731
        writer.page(
            name(page),
            key,
            lambda entries=entries, pager=pager: render_index(entries(), pager),
            lambda entries=entries, page=name(page), pager=pager: _culprit(page, entries(), lambda es: render_index(es, pager)),
        )


def build_site(out_dir: Path, *, feed_entries: int | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> SiteReport:
    """Write the index pages, the monthly archive pages and ``feed.xml`` from the briefs under ``out_dir``.

    Only pages whose content changed are rewritten. ``feed_entries`` (default: 100 or
    ``PUBLISHER_FEED_ENTRIES``) caps the feed; ``page_size`` the briefs per page.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder; build some briefs first ('publisher brief ARTICLE -o {out_dir}')")
    limit = feed_entries_setting(feed_entries)
    base = site_url()
    if page_size < 1:
        raise OutputError(f"a page must list at least one brief (got {page_size})")
    report = SiteReport()
    copy_assets(out_dir)
    conn = _open_index(out_dir)
    try:
        _refresh_cards(conn, out_dir, report)
        writer = _PageWriter(conn, out_dir, report, _template_digest())
        conn.execute("BEGIN")
        try:
            total = report.briefs
            if total == 0:
                writer.page("index.html", ["empty"], lambda: render_index([], Pager()))
            else:
                cur = conn.execute(f"SELECT digest, card FROM cards ORDER BY {_ORDER}")
                _pages_for(_chunks(cur, page_size), total, page_size, index_page_name, "", writer)
            months = conn.execute("SELECT month, COUNT(*) FROM cards GROUP BY month ORDER BY month DESC").fetchall()
            writer.page("archive.html", [f"{m}:{n}" for m, n in months], lambda: render_archive(months))
            for month, n in months:
                cur = conn.execute(f"SELECT digest, card FROM cards WHERE month = ? ORDER BY {_ORDER}", (month,))
                _pages_for(_chunks(cur, page_size), n, page_size, partial(month_page_name, month), month, writer)
            latest = conn.execute(f"SELECT digest, card FROM cards ORDER BY {_ORDER} LIMIT ?", (limit,)).fetchall()
            writer.page(
                "feed.xml",
                [base or "", *(d for d, _ in latest)],
                lambda: render_feed([_from_card(c) for _, c in latest], base=base),
                lambda: _culprit("feed.xml", [_from_card(c) for _, c in latest], lambda es: render_feed(es, base=base)),
            )
            writer.remove_others()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise OutputError(f"cannot update the site's card index {card_index_path(out_dir)}: {exc}; the pages were not all updated") from None
    finally:
        conn.close()
    log.info(
        "site: %d briefs, %d pages written, %d unchanged, %d brief.json read",
        report.briefs, len(report.pages_written), report.pages_unchanged, report.parsed,
    )
    return report


# ------------------------------------------------------------------ preview server


def make_server(out_dir: Path, port: int = 8000):
    """A threading HTTP server for ``out_dir`` bound to 127.0.0.1 only (port 0: any free port)."""
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
