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
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..corrections import read_table, sync_memory
from ..decoding import TranslateSettings
from ..document import InputError, PublisherError
from ..engine import open_engine
from ..fsutil import MISSING, fingerprint
from ..glossary import load_glossary
from ..memory import TranslationMemory
from ..models import load_model
from ..read import slug_for_path
from ..render import templates_digest
from ..site import build_site, check_theme, site_url
from ..theme import Theme
from ..translate import Translator
from .freshness import BuildInputs, current_briefs, inputs_digest
from .inbox import NO_ARTICLES, check_inside_inbox, check_regular, corrections_path, default_glossary, expand_articles, scan_inbox, strict_error
from .job import BuildJob, Executor
from .local import LocalExecutor
from .publish import assign_slugs, clean_leftovers, lock_out_dir, unpublish_removed
from .settings import BuildReport, BuildSettings, Item, Progress, no_progress

log = logging.getLogger(__name__)


def open_translator(model_spec: str | None, glossary_path: Path | None, decoding: TranslateSettings | None = None) -> Translator:
    """The model, glossary and translation memory of a run (model errors surface first)."""
    if glossary_path is not None:
        check_regular(glossary_path, "glossary")  # a FIFO would block the build when opened
    model = load_model(model_spec)
    glossary = load_glossary(glossary_path) if glossary_path is not None else None
    return Translator(open_engine(model, decoding), memory=TranslationMemory.open_default(), glossary=glossary)


def sync_corrections(translator: Translator, files: Iterable[Path], prints: dict[Path, str] | None = None):
    """Bring the memory's copy of the editors' corrections in line with the files (see corrections.py)."""
    result = sync_memory(translator.memory, [(f, corrections_path(f)) for f in files], prints)
    for err in result.errors:
        log.info("corrections not taken into the memory: %s", err)
    return result


PLAN_CHUNK = 256  # articles decided together: one memory query each, a bounded look-ahead


def plan(job: BuildJob, slugs: dict[Path, str], prints: dict[Path, str], shared: BuildInputs) -> Iterator[Item]:
    """The articles to build, decided a chunk at a time as the executor asks: a current
    brief is skipped without reading its article."""
    pending = list(slugs.items())
    for start in range(0, len(pending), PLAN_CHUNK):
        chunk: list[Item] = []
        for path, slug in pending[start : start + PLAN_CHUNK]:
            try:
                check_inside_inbox(path)
                corrections = corrections_path(path)
                if prints[corrections] == MISSING and os.path.lexists(corrections):
                    read_table(corrections)  # there, but unreadable: says why instead of skipping it
                chunk.append(Item(Path(path), slug, inputs_digest(path, shared, prints[corrections])))
            except PublisherError as exc:
                job.fail(path, str(exc))
        current = set() if job.settings.force else current_briefs(job.out_dir, [(i.slug, i.base) for i in chunk], job.translator.memory)
        for item in chunk:
            if item.slug in current:
                job.skip(item.slug)
            else:
                yield item


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
    check_theme(Theme.of(settings))  # a broken theme template: one line naming it, nothing built
    scan = scan_inbox(paths)  # decided from lstat/stat alone: nothing is opened yet
    if settings.strict and scan.ignored:
        raise strict_error(scan)
    files = list(scan.articles)
    if not files:
        raise InputError(f"{scan.refused[0][0]}: {scan.refused[0][1]}" if scan.refused else NO_ARTICLES)
    translator = open_translator(settings.model, settings.glossary or default_glossary(files), settings.decoding)
    info = translator.info
    report = BuildReport(model=f"{info.name} {info.version}", test_model=info.test_fixture)
    report.ignored.extend((str(p), why) for p, why in scan.ignored)
    report.failed.extend((str(p), why) for p, why in scan.refused)  # their published briefs stay
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
                removed, failed = unpublish_removed(out_dir, {slug_for_path(p) for p in everything + [p for p, _ in scan.refused]})
                report.removed.extend(removed)
                report.failed.extend(failed)
            try:
                build_site(out_dir, theme=Theme.of(settings))
            except PublisherError as exc:
                report.site_error = str(exc)
        finally:
            lock.release()
    finally:
        executor.close()
    return report
