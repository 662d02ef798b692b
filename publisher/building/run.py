"""The one build skeleton: which briefs to build, in what order the steps come, who writes.

:func:`build` decides (inbox, slugs and their clashes, the editors' corrections synced into
the memory, which briefs are current) and publishes (the out/ lock, each brief folder
swapped in whole, unpublishing, the index and feed). Where the per-article steps run is the
executor's choice: :class:`~publisher.building.local.LocalExecutor` reads everything, translates
in one batch and renders here; the Ray executor (:mod:`publisher.ray`) streams them through
a cluster. Both hand each result back to the same :class:`BuildJob`, so both give the same
``out/``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..corrections import read_table, sync_memory
from ..decoding import TranslateSettings
from ..document import PublisherError
from ..engine import CT2Engine
from ..fsutil import MISSING, fingerprint
from ..glossary import load_glossary
from ..memory import TranslationMemory
from ..models import load_model
from ..read import slug_for_path
from ..render import copy_assets, templates_digest
from ..site import build_site, site_url
from ..translate import Translator
from .article import ArticleResult, RenderRequest
from .freshness import BuildInputs, brief_inputs, inputs_digest, is_current
from .inbox import check_inside_inbox, corrections_path, default_glossary, expand_articles, inbox_articles
from .local import LocalExecutor
from .publish import assign_slugs, clean_leftovers, lock_out_dir, unpublish_removed, write_brief_folder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildSettings:
    out_dir: Path = Path("out")
    model: str | None = None  # None: the installed ko->en model; else a model file or folder
    glossary: Path | None = None
    layout: str = "columns"
    summary_count: int | None = None
    decoding: TranslateSettings = field(default_factory=TranslateSettings)  # None is taken as the defaults
    force: bool = False  # rebuild even when nothing changed
    lock_timeout: float = 600.0
    keep_removed: bool = False  # keep briefs whose article is not in this run's inbox

    def __post_init__(self) -> None:
        if self.decoding is None:  # the one place where "no decoding settings" becomes the defaults
            object.__setattr__(self, "decoding", TranslateSettings())


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # briefs unpublished: their article left the inbox
    stale_corrections: list[str] = field(default_factory=list)  # one summary line per corrections file
    warnings: list[str] = field(default_factory=list)
    site_error: str | None = None  # the index or feed could not be written (the previous ones stay)
    translation: dict = field(default_factory=dict)
    model: str | None = None
    test_model: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and self.site_error is None


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    pass


def open_translator(model_spec: str | None, glossary_path: Path | None, decoding: TranslateSettings | None = None) -> Translator:
    """The model, glossary and translation memory of a run (model errors surface first)."""
    model = load_model(model_spec)
    glossary = load_glossary(glossary_path) if glossary_path is not None else None
    return Translator(CT2Engine(model, decoding), memory=TranslationMemory.open_default(), glossary=glossary)


def sync_corrections(translator: Translator, files: Iterable[Path], prints: dict[Path, str] | None = None):
    """Bring the memory's copy of the editors' corrections in line with the files (see corrections.py)."""
    result = sync_memory(translator.memory, [(f, corrections_path(f)) for f in files], prints)
    for err in result.errors:
        log.info("corrections not taken into the memory: %s", err)
    return result


@dataclass(frozen=True)
class Item:
    """One article to build: its file, its brief's folder and the digest of its inputs."""

    path: Path
    slug: str
    base: str


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
        return RenderRequest(result.article, self.translator.info, inputs, s.summary_count, s.layout)

    def publish(self, item: Item, files: Iterable[tuple[str, bytes]]) -> None:
        """Write a rendered brief into out/ (the site's assets first, once per build)."""
        try:
            if self._assets is None:
                try:
                    copy_assets(self.out_dir)
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


def plan(job: BuildJob, slugs: dict[Path, str], prints: dict[Path, str], shared: BuildInputs) -> Iterator[Item]:
    """The articles to build, decided one at a time as the executor asks: a current brief
    is skipped without reading its article."""
    for path, slug in slugs.items():
        try:
            check_inside_inbox(path)
            corrections = corrections_path(path)
            if prints[corrections] == MISSING and os.path.lexists(corrections):
                read_table(corrections)  # there, but unreadable: says why instead of skipping it
            base = inputs_digest(path, shared, prints[corrections])
            if not job.settings.force and is_current(job.out_dir, slug, base, job.translator.memory):
                job.skip(slug)
                continue
        except PublisherError as exc:
            job.fail(path, str(exc))
            continue
        yield Item(Path(path), slug, base)


def build(
    paths: Iterable[Path],
    settings: BuildSettings = BuildSettings(),
    progress: Progress = no_progress,
    *,
    inbox: Iterable[Path] | None = None,
    executor: Executor | None = None,
) -> BuildReport:
    """Build briefs for ``paths`` into ``settings.out_dir`` and refresh the index and feed.

    ``inbox``: the whole inbox when ``paths`` is only part of it (the desk republishing one
    article): slug clashes are checked, and briefs unpublished, against the whole inbox.
    Default: ``paths`` are the inbox. ``executor``: where the steps run (default: here,
    :class:`~publisher.building.local.LocalExecutor`).

    What can stop a build is checked before any work (the site address, the inbox, the
    model). Per-article problems (unreadable article or corrections file, a full disk while
    writing one brief, a slug clash) are collected in the report, never raised, so that the
    report can always name every failed article.
    """
    site_url()  # a bad PUBLISHER_SITE_URL is reported before any work, not after it
    files = inbox_articles(paths)
    translator = open_translator(settings.model, settings.glossary or default_glossary(files), settings.decoding)
    info = translator.info
    report = BuildReport(model=f"{info.name} {info.version}", test_model=info.test_fixture)
    everything = list(files)
    if inbox is not None:  # the rest of the inbox, each file once however it was named
        seen = {p.resolve() for p in files}
        everything += [p for p in expand_articles(inbox) if p.resolve() not in seen]
    out_dir = Path(settings.out_dir)
    slugs, clashes = assign_slugs(everything, out_dir, only=files)
    report.failed.extend(clashes)
    job = BuildJob(settings, translator, report, progress, len(slugs))
    executor = executor or LocalExecutor()
    try:
        executor.open(job)
        lock = lock_out_dir(out_dir, settings.lock_timeout)
        try:
            clean_leftovers(out_dir)
            prints = {corrections_path(p): fingerprint(corrections_path(p)) for p in files}
            sync_corrections(translator, files, {k.resolve(): v for k, v in prints.items()})
            executor.run(job, plan(job, slugs, prints, BuildInputs.of(translator, settings, templates_digest())))
            if not settings.keep_removed:
                removed, failed = unpublish_removed(out_dir, {slug_for_path(p) for p in everything})
                report.removed.extend(removed)
                report.failed.extend(failed)
            try:
                build_site(out_dir)
            except PublisherError as exc:
                report.site_error = str(exc)
        finally:
            lock.release()
    finally:
        executor.close()
    return report
