"""One build as its executor sees it, and the interface every executor implements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from ..document import PublisherError
from ..render import copy_assets
from ..theme import Theme
from ..translate import Translator
from .article import ArticleResult, RenderRequest
from .freshness import brief_inputs
from .publish import write_brief_folder
from .settings import BuildReport, BuildSettings, Item, Progress


class BuildJob:
    """One build as an executor sees it: the translator, and where each article's outcome goes.

    An executor calls :meth:`render_request` with each translated article, renders the
    request (anywhere: :func:`publisher.building.article.render_article`), then hands the
    files to :meth:`publish`; :meth:`fail` reports an article that went wrong at any step.
    ``done`` counts the articles settled (skipped, failed or published) for progress bars.
    """

    def __init__(self, settings: BuildSettings, translator: Translator, report: BuildReport, progress: Progress, total: int):
        self.settings, self.translator, self.report, self.progress, self.total = settings, translator, report, progress, total
        self.out_dir = Path(settings.out_dir)
        self.done = 0
        self._assets: str | None = None  # None: not copied yet; "": copied; else why not

    def skip(self, slug: str) -> None:
        self.report.skipped.append(slug)
        self.done += 1

    def fail(self, path: Path | str, message: str) -> None:
        self.report.failed.append((str(path), message))
        self.done += 1

    def render_request(self, item: Item, result: ArticleResult) -> RenderRequest | None:
        """What rendering the translated article needs (None: it failed, and was reported)."""
        self.report.warnings.extend(result.warnings)
        if not result.ok:
            self.fail(item.path, result.error)
            return None
        if result.stale_summary:
            self.report.stale_corrections.append(result.stale_summary)
        s = self.settings
        inputs = brief_inputs(item.base, self.translator.memory, result.article)
        return RenderRequest(result.article, self.translator.info, inputs, s.summary_count, s.layout, Theme.of(s))

    def publish(self, item: Item, files: Iterable[tuple[str, bytes]]) -> None:
        """Write a rendered brief into out/ (the site's assets first, once per build)."""
        try:
            if self._assets is None:
                try:
                    copy_assets(self.out_dir, Theme.of(self.settings))
                    self._assets = ""
                except PublisherError as exc:
                    self._assets = str(exc)
            if self._assets:
                raise PublisherError(self._assets)
            write_brief_folder(self.out_dir, item.slug, files)
        except PublisherError as exc:
            self.fail(item.path, str(exc))
            return
        self.report.built.append(item.slug)
        self.done += 1


class Executor(Protocol):
    """Where a build's per-article steps run. ``open`` happens before out/ is locked (e.g.
    connecting to a cluster), ``run`` builds every item of the plan into ``job`` (reading
    the plan lazily: skipping an article reads nothing), ``close`` always follows."""

    def open(self, job: BuildJob) -> None: ...

    def run(self, job: BuildJob, plan: Iterator[Item]) -> None: ...

    def close(self) -> None: ...
