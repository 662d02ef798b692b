"""The service's writes into the inbox: an article from the API becomes a file, a takedown removes it.

The file name comes from the slug alone (``<slug>.ko.txt`` or ``<slug>.ko.html``), never
from a path the client sent; the slug is either the client's (checked to be a slug already:
``../x`` is refused) or derived from the source URL, or the title and date. Text goes out
with YAML front matter, HTML as a document with its ``<meta>`` tags: the same files an
editor would save, so ``publisher brief`` on the inbox builds the same briefs.

An editor's own file is never overwritten or removed by a submission: a slug held by a file
the service did not name is a conflict. The watcher is told about every write made here
(:meth:`ServiceInbox.is_own`) so the service's own writes queue no second build.
"""

from __future__ import annotations

import hashlib
import html
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..building.inbox import CORRECTIONS_SUFFIX
from ..building.publish import RESERVED_SLUGS
from ..document import PublisherError
from ..fsutil import atomic_write_bytes, safe_slug, stat_stamp
from ..read import ARTICLE_SUFFIXES, slug_for_path
from ..read.frontmatter import front_matter_block

SUFFIXES = (".ko.txt", ".ko.html")


class SlugTaken(PublisherError):
    """The slug belongs to an editor's file in the inbox."""


@dataclass(frozen=True)
class Submission:
    title: str
    body: str
    format: str = "text"  # "text" | "html"
    date: str | None = None  # YYYY-MM-DD
    byline: str | None = None
    source_url: str | None = None
    slug: str | None = None


def check_slug(slug: str) -> str:
    """``slug`` if it is already a slug (what ``safe_slug`` leaves unchanged), else ValueError."""
    if not slug or slug != safe_slug(slug, fallback="") or slug in RESERVED_SLUGS:
        raise ValueError("must be lower-case letters, digits, Hangul and single '-' (at most 80), e.g. 2026-12-06-seoul-office")
    return slug


def derive_slug(sub: Submission) -> str:
    """The client's slug, else a stable one: the date and a digest of the source URL (or of the title)."""
    if sub.slug:
        return check_slug(sub.slug)
    key = sub.source_url or f"{sub.title}\n{sub.date or ''}"
    tag = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    return f"{sub.date}-{tag}" if sub.date else f"article-{tag}"


def render_file(sub: Submission) -> tuple[str, bytes]:
    """(suffix, file content) for a submission."""
    if sub.format == "html":
        head = [f"<title>{html.escape(sub.title)}</title>", f'<meta property="og:title" content="{html.escape(sub.title)}">']
        if sub.date:
            head.append(f'<meta name="date" content="{html.escape(sub.date)}">')
        if sub.byline:
            head.append(f'<meta name="author" content="{html.escape(sub.byline)}">')
        if sub.source_url:
            head.append(f'<link rel="canonical" href="{html.escape(sub.source_url)}">')
        doc = (
            "<!doctype html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n" + "\n".join(head)
            + f"\n</head>\n<body>\n<article>\n<h1>{html.escape(sub.title)}</h1>\n{sub.body}\n</article>\n</body>\n</html>\n"
        )
        return ".ko.html", doc.encode("utf-8")
    front = front_matter_block({"title": sub.title, "date": sub.date, "author": sub.byline, "url": sub.source_url})
    body = sub.body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return ".ko.txt", f"{front}{body}\n".encode("utf-8")


class ServiceInbox:
    """The inbox folder as the API writes to it (one writer at a time)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._locks = [threading.Lock() for _ in range(64)]
        self._own: dict[str, object] = {}  # file name -> its stamp after our write (None: we removed it)

    def _holders(self, slug: str) -> list[Path]:
        """The inbox's article files whose slug is ``slug`` (names only: one directory read, no stat each)."""
        try:
            names = [e.name for e in os.scandir(self.folder)]
        except OSError:
            return []
        return sorted(
            self.folder / n for n in names
            if not n.startswith(".") and not n.endswith(CORRECTIONS_SUFFIX) and Path(n).suffix.lower() in ARTICLE_SUFFIXES
            and slug_for_path(Path(n)) == slug
        )

    def lock(self, slug: str) -> threading.Lock:
        """The lock of one slug: writes of different articles go ahead side by side."""
        return self._locks[int(hashlib.sha256(slug.encode("utf-8")).hexdigest()[:8], 16) % len(self._locks)]

    def write(self, sub: Submission, slug: str) -> Path:
        """Write the article (atomically) as ``slug``; call under :meth:`lock` of the slug."""
        suffix, content = render_file(sub)
        ours = {slug + s for s in SUFFIXES}
        holders = self._holders(slug)
        foreign = [p for p in holders if p.name not in ours]
        if foreign:
            raise SlugTaken(f"the slug {slug!r} belongs to {foreign[0].name}, an editor's file in the inbox; choose another slug")
        path = self.folder / (slug + suffix)
        atomic_write_bytes(path, content)
        self._own[path.name] = stat_stamp(path)
        for other in holders:  # the same slug sent before in the other format
            if other.name != path.name:
                self._unlink(other)
        return path

    def remove(self, slug: str) -> list[Path]:
        """Take every article file with this slug out of the inbox; call under :meth:`lock` of the slug."""
        removed = []
        for p in self._holders(slug):
            self._unlink(p)
            removed.append(p)
        return removed

    def _unlink(self, path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        self._own[path.name] = None

    def is_own(self, path: Path) -> bool:
        """Whether ``path`` is as the service's last write or removal left it (not an editor's change)."""
        name = Path(path).name
        if name not in self._own:
            return False
        return self._own.get(name, False) == stat_stamp(self.folder / name)
