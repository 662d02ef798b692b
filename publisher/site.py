"""The static site around the briefs: paginated index pages, monthly archives, the feed.

Everything is derived from the ``brief.json`` files alone, so the site always matches
what is on disk; a brief folder whose JSON cannot be read is skipped and logged.

It scales with the archive (100,000 briefs and more):

* ``index.html``, ``index-2.html``, ... list the briefs newest first, ``page_size`` per page;
* ``archive.html`` lists the months; ``archive-YYYY-MM.html`` (then ``-2``, ``-3`` ... when a
  month holds more than a page) lists one month: stable URLs that only change when a brief
  of that month does;
* ``feed.xml`` holds the latest ``feed_entries`` briefs (default 100,
  ``PUBLISHER_FEED_ENTRIES``; written by :mod:`publisher.feed`).

Page files have a dot in their names, so they can never collide with a brief's folder (a
slug has none). The briefs come from the card index (:mod:`publisher.cards`: one card per
brief, re-read only when its brief.json changed, sorted by SQLite); pages are rendered from
a cursor one page at a time, and a page is rewritten only when the cards on it (or its
neighbours) changed. Time is linear in the number of briefs and memory is bounded by a
page. :mod:`publisher.serve` previews the result.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from . import __version__
from .cards import CARD_ORDER, Entry, card_index_path, from_card, open_index, refresh_cards
from .document import OutputError
from .feed import feed_entries_setting, render_feed
from .render import TEMPLATES_DIR, check_templates, copy_assets, render_template
from .theme import Theme, site_view, theme_digest
from .urls import BadURL, check_http_url
from .wellformed import problem, write_checked

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50


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


def render_index(entries: list[Entry], pager: Pager | None = None, theme: Theme | None = None) -> str:
    """One index (or month) page listing ``entries``."""
    return render_template(
        "index.html.j2", theme, entries=entries, assets="assets", pager=pager or Pager(), months=None, site=site_view(theme, "assets", "index.html")
    )


def render_archive(months: list[tuple[str, int]], theme: Theme | None = None) -> str:
    """``archive.html``: every month with its number of briefs, newest first."""
    return render_template(
        "index.html.j2", theme, entries=[], assets="assets", pager=Pager(title="Archive by month"), months=months, site=site_view(theme, "assets", "index.html")
    )


def check_theme(theme: Theme | None) -> None:
    """Before a build: the theme's (and the package's) templates parse and render, the logo is
    there; else one OutputError line naming the template file and line (nothing is built)."""
    check_templates(theme)
    render_index([], Pager(), theme)
    render_archive([], theme)


SITE_URL_ENV = "PUBLISHER_SITE_URL"


def site_url(value: str | None = None) -> str | None:
    """The public address of ``out/`` (``PUBLISHER_SITE_URL``), for absolute feed links.

    publisher.toml's ``[site].base_url`` reaches this through the same variable: the command
    line sets it for the run (:func:`publisher.config.applied`), so the environment beats the file.

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


@dataclass
class SiteReport:
    """What a site build did."""

    briefs: int = 0
    parsed: int = 0  # brief.json files read because they were new or changed
    pages_written: list[str] = field(default_factory=list)
    pages_unchanged: int = 0
    pages_removed: list[str] = field(default_factory=list)


def _template_digest(theme: Theme | None = None) -> str:
    h = hashlib.sha256(__version__.encode())
    h.update((TEMPLATES_DIR / "index.html.j2").read_bytes())
    h.update((TEMPLATES_DIR / "_parts.html.j2").read_bytes())
    if theme is not None and not theme.is_default:
        h.update(theme_digest(theme).encode())  # a theme file or [site] setting changed: every page again
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


def _pages_for(rows: Iterator[list[tuple[str, str]]], count: int, size: int, name, title: str, writer: _PageWriter, theme: Theme | None = None) -> None:
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
        entries = lambda chunk=chunk: [from_card(c) for _, c in chunk]  # noqa: E731
        writer.page(
            name(page),
            key,
            lambda entries=entries, pager=pager: render_index(entries(), pager, theme),
            lambda entries=entries, page=name(page), pager=pager: _culprit(page, entries(), lambda es: render_index(es, pager, theme)),
        )


def build_site(out_dir: Path, *, feed_entries: int | None = None, page_size: int = DEFAULT_PAGE_SIZE, theme: Theme | None = None) -> SiteReport:
    """Write the index pages, the monthly archive pages and ``feed.xml`` from the briefs under ``out_dir``.

    Only pages whose content changed are rewritten. ``feed_entries`` (default: 100 or
    ``PUBLISHER_FEED_ENTRIES``) caps the feed; ``page_size`` the briefs per page; ``theme``
    the newsroom's templates folder and ``[site]`` (default: the packaged look), whose
    static files and logo are copied to ``assets/theme/``.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder; build some briefs first ('publisher brief ARTICLE -o {out_dir}')")
    limit = feed_entries_setting(feed_entries)
    base = site_url()
    if page_size < 1:
        raise OutputError(f"a page must list at least one brief (got {page_size})")
    report = SiteReport()
    copy_assets(out_dir, theme)
    conn = open_index(out_dir)
    try:
        report.briefs, report.parsed = refresh_cards(conn, out_dir)
        writer = _PageWriter(conn, out_dir, report, _template_digest(theme))
        conn.execute("BEGIN")
        try:
            total = report.briefs
            if total == 0:
                writer.page("index.html", ["empty"], lambda: render_index([], Pager(), theme))
            else:
                cur = conn.execute(f"SELECT digest, card FROM cards ORDER BY {CARD_ORDER}")
                _pages_for(_chunks(cur, page_size), total, page_size, index_page_name, "", writer, theme)
            months = conn.execute("SELECT month, COUNT(*) FROM cards GROUP BY month ORDER BY month DESC").fetchall()
            writer.page("archive.html", [f"{m}:{n}" for m, n in months], lambda: render_archive(months, theme))
            for month, n in months:
                cur = conn.execute(f"SELECT digest, card FROM cards WHERE month = ? ORDER BY {CARD_ORDER}", (month,))
                _pages_for(_chunks(cur, page_size), n, page_size, partial(month_page_name, month), month, writer, theme)
            latest = conn.execute(f"SELECT digest, card FROM cards ORDER BY {CARD_ORDER} LIMIT ?", (limit,)).fetchall()
            writer.page(
                "feed.xml",
                [base or "", *(d for d, _ in latest)],
                lambda: render_feed([from_card(c) for _, c in latest], base=base),
                lambda: _culprit("feed.xml", [from_card(c) for _, c in latest], lambda es: render_feed(es, base=base)),
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
