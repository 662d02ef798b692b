"""The state of one desk process: the inbox, its cached reviews, and the per-file locks.

Every build call runs on ONE worker thread (it owns the translator, its SQLite memory
connection and the Korean analyser); the routes (:mod:`publisher.desk.app`) only ask.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .. import corrections as corr
from ..building import BuildReport, BuildSettings, build, corrections_path, default_glossary, expand_articles
from ..building.inbox import check_inside_inbox
from ..building.review import Review, open_review_translator, review_article
from ..document import BRIEF_JSON, Article, PublisherError
from ..fsutil import stat_stamp
from ..read import read_article

SNAPSHOTS_KEPT = 256
WARM_AFTER = 3.0  # seconds the background reviews wait for the first desk page
log = logging.getLogger(__name__)


@dataclass
class Entry:
    """One inbox file: its review, or (not reviewed yet) the article as read, or why it could not be read."""

    path: Path
    review: Review | None = None
    error: str | None = None
    article: Article | None = None  # read only (no review yet): the desk page fills in its state later

    @property
    def slug(self) -> str | None:
        art = self.review.article if self.review is not None else self.article
        return art.slug if art is not None else None


class Desk:
    """The state of one desk process."""

    def __init__(self, articles: list[Path], settings: BuildSettings):
        self.articles = [Path(a) for a in articles]
        self.settings = settings
        self.out_dir = Path(settings.out_dir)
        self.csrf = secrets.token_urlsafe(32)
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-build")
        self._translator = None
        self._reviews: dict[Path, tuple[tuple, Review]] = {}
        self._guard = threading.Lock()
        self._file_locks: dict[Path, threading.Lock] = {}
        self._snapshots: OrderedDict[tuple[Path, str], dict] = OrderedDict()
        self._slugs: dict[str, Path] = {}  # slug -> inbox file, from the last listing
        self.first_page = threading.Event()  # set once the desk page has been rendered
        self.port: int | None = None

    # ---------------------------------------------------------------- the build (worker thread)

    def open(self) -> None:
        """Load the model, glossary and memory (on the worker thread, which then owns them)."""
        files = expand_articles(self.articles)
        self._translator = open_review_translator(self.settings, files)
        self._glossary_stamp = self._glossary_state(files)

    def _glossary_state(self, files) -> tuple:
        glossary = self.settings.glossary or default_glossary(files)
        try:
            st = glossary.stat() if glossary else None
        except OSError:
            st = None
        return (str(glossary), st.st_mtime_ns if st else None, st.st_size if st else None)

    def _refresh_glossary(self) -> None:
        """An editor who changes the glossary while the desk runs sees its terms and flags."""
        files = expand_articles(self.articles)
        if self._glossary_state(files) != self._glossary_stamp:
            self.open()
            self._reviews.clear()

    def _stamp(self, path: Path, slug: str | None) -> tuple:
        """What a review depends on that can change while the desk runs."""
        glossary = self.settings.glossary or default_glossary([path])
        brief = self.out_dir / slug / BRIEF_JSON if slug else None
        return tuple(stat_stamp(p) for p in (path, corrections_path(path), glossary, brief))

    def scan(self) -> list[Entry]:
        """Every inbox article with a fresh review (worker thread)."""
        self._refresh_glossary()
        entries = []
        for path in expand_articles(self.articles):
            try:
                entries.append(Entry(path, review=self.review(path)))
            except PublisherError as exc:
                entries.append(Entry(path, error=str(exc)))
        return entries

    def warm(self, first_page_wait: float = WARM_AFTER) -> None:
        """Review every inbox article in the background (worker thread) once the desk page is
        out: the Korean analyser's first load (seconds, holding the GIL) and the model's first
        translations then delay no page the editor asked for but the article states, which
        the desk page fetches one by one."""
        self.first_page.wait(first_page_wait)
        time.sleep(0.2)  # let the desk page's response leave before the analyser holds the GIL
        try:
            self.scan()
        except Exception:  # noqa: BLE001 - a page asks again and shows the error
            log.warning("warming the desk's reviews failed", exc_info=True)

    def fresh_review(self, path: Path) -> Review:
        """:meth:`review`, after picking up a glossary the editor changed (worker thread)."""
        self._refresh_glossary()
        return self.review(path)

    def review(self, path: Path) -> Review:
        """A fresh review of one article (worker thread), cached until one of its inputs
        (article, corrections file, glossary, published brief.json) changes."""
        cached = self._reviews.get(path)
        guess = cached[1].article.slug if cached else None
        stamp = self._stamp(path, guess)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        review = review_article(path, self.settings, self._translator)
        if review.article.slug != guess:
            stamp = self._stamp(path, review.article.slug)
        self._reviews[path] = (stamp, review)
        return review

    def republish(self, path: Path) -> BuildReport:
        # The whole inbox is named so that a slug clash is caught and out/ stays a function
        # of the inbox; only this article is built.
        return build([path], self.settings, inbox=self.articles)

    # ---------------------------------------------------------------- lookups (any thread)

    def listing(self) -> list[Entry]:
        """Every inbox article, fast (any thread): its cached review when that is still
        current, otherwise the article as read (no segmenting, no translation)."""
        entries = []
        for path in expand_articles(self.articles):
            cached = self._reviews.get(path)
            if cached is not None and cached[0] == self._stamp(path, cached[1].article.slug):
                entry = Entry(path, review=cached[1])
            else:
                try:
                    check_inside_inbox(path)
                    entry = Entry(path, article=read_article(path))
                except PublisherError as exc:
                    entry = Entry(path, error=str(exc))
            if entry.slug:
                with self._guard:
                    self._slugs[entry.slug] = path
            entries.append(entry)
        return entries

    def path_for(self, slug: str) -> Path | None:
        """The inbox file a listing showed under this slug."""
        with self._guard:
            return self._slugs.get(slug)

    def changed(self, review: Review) -> bool:
        """True when the article (or the glossary) changed since this review was made."""
        cached = self._reviews.get(review.path)
        if cached is None:
            return True
        now = self._stamp(review.path, review.article.slug)
        return (now[0], now[2]) != (cached[0][0], cached[0][2])

    def find(self, slug: str) -> Review | None:
        """The cached review whose article has this slug (paths never come from the client)."""
        for _, review in list(self._reviews.values()):
            if review.article.slug == slug:
                return review
        return None

    def lock_for(self, path: Path) -> threading.Lock:
        with self._guard:
            return self._file_locks.setdefault(path, threading.Lock())

    def remember(self, path: Path, version: str, loaded: dict) -> None:
        with self._guard:
            self._snapshots[(path, version)] = loaded
            self._snapshots.move_to_end((path, version))
            while len(self._snapshots) > SNAPSHOTS_KEPT:
                self._snapshots.popitem(last=False)

    def snapshot(self, path: Path, version: str) -> dict | None:
        with self._guard:
            return self._snapshots.get((path, version))

    def corrections_now(self, path: Path) -> tuple[str, dict]:
        """(version, corrections by Korean) of an article's corrections file, from one read."""
        cpath = corrections_path(path)
        check_inside_inbox(cpath)  # a corrections file linked from elsewhere is not shown
        table = corr.read_table(cpath)
        loaded = table.corrected_by_korean()
        self.remember(cpath, table.version, loaded)
        return table.version, loaded
