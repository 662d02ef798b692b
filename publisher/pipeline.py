"""Runs the stages in order for one or many articles.

read -> segment -> (corrections) -> translate (one batch for the whole run) -> summarize
-> render -> site. Every command (brief, check, edits export, translate) goes through the
same per-article step, :func:`prepare_article` then :func:`translate_prepared`; a failure
is reported against its article and the others go on.

``out/`` is a function of the inbox: an article's brief folder appears whole or not at all
(built in a staging folder inside out/ and swapped in), a brief whose article left the
inbox is removed (unless ``keep_removed``), two articles that would share a folder are both
refused, and the index and feed are replaced only once complete. Unchanged articles (same
article, corrections, glossary, model, templates and settings, and the same corrections of
their sentences in other articles' files) are not rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .decoding import TranslateSettings
from .document import (
    BRIEF_JSON,
    ORIGIN_EDITED,
    TEST_MODEL_NOTICE,
    Article,
    Brief,
    InputError,
    OutputError,
    PublisherError,
    load_document,
)
from .fsutil import file_sha256
from .read import ARTICLE_SUFFIXES  # the readers' file extensions
from .render import templates_digest

log = logging.getLogger(__name__)

GLOSSARY_NAME = "glossary.csv"
CORRECTIONS_SUFFIX = ".corrections.csv"


@dataclass(frozen=True)
class BuildSettings:
    out_dir: Path = Path("out")
    model: str | None = None  # None: the installed ko->en package; else a .argosmodel path
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


def _noop_progress(stage: str, done: int, total: int) -> None:
    pass


# --------------------------------------------------------------------------- inputs


def expand_articles(paths: Iterable[Path]) -> list[Path]:
    """Article files named directly, or found in named directories (sorted).

    A directory contributes its ``.txt``, ``.md`` and ``.html`` files; the glossary,
    corrections files and hidden files are not articles.
    """
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.name.startswith(".") or child.name.endswith(CORRECTIONS_SUFFIX):
                    continue
                if child.suffix.lower() in ARTICLE_SUFFIXES and (child.is_file() or child.is_symlink()):
                    found.append(child)
        elif p.exists():
            found.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return found


def check_inside_inbox(path: Path) -> None:
    """Refuse an article that is a symlink leading out of its folder.

    Publishing whatever a link in the inbox points at would let anyone who can drop a
    file there publish any file the editor's account can read.
    """
    if not path.is_symlink():
        return
    folder = path.parent.resolve()
    target = path.resolve()
    if folder not in target.parents:
        raise InputError(f"{path} is a symlink to a file outside {path.parent}/; copy the article into the folder instead")


def clean_stale_temporaries(out_dir: Path) -> None:
    """Remove temporary files left by a build that was killed (called under the lock)."""
    for p in out_dir.rglob(".*.tmp"):
        try:
            p.unlink()
        except OSError:
            pass


def corrections_path(article_path: Path) -> Path:
    """``articles/x.ko.txt`` -> ``articles/x.ko.corrections.csv``."""
    return article_path.with_name(article_path.name.rsplit(".", 1)[0] + CORRECTIONS_SUFFIX)


def default_glossary(paths: Iterable[Path]) -> Path | None:
    """The ``glossary.csv`` beside the first article, if there is one."""
    for p in paths:
        candidate = Path(p).parent / GLOSSARY_NAME
        if candidate.is_file():
            return candidate
    return None


def _file_digest(path: Path | None) -> str:
    if path is None or not Path(path).exists():
        return "-"
    return file_sha256(path)


def inputs_digest(
    article_path: Path,
    *,
    model_key: str,
    glossary_version: str,
    templates: str,
    settings: BuildSettings,
    corrections_stamp: str | None = None,
) -> str:
    """What an article's brief is built from, except other files' corrections (see ``carried_digest``)."""
    h = hashlib.sha256()
    if corrections_stamp is None:
        corrections_stamp = _file_digest(corrections_path(article_path))
    for part in (
        __version__,
        _file_digest(article_path),
        corrections_stamp,
        model_key,
        glossary_version,
        templates,
        settings.layout,
        str(settings.summary_count),
        settings.decoding.output_key,
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class _Existing:
    base: str
    carried: str
    sources: frozenset[str]  # normalized


def existing_brief(out_dir: Path, slug: str) -> _Existing | None:
    """What the brief now in ``out_dir/slug`` was built from (None: rebuild it)."""
    d = out_dir / slug
    try:
        data = load_document(d / BRIEF_JSON, "brief")
    except InputError:
        return None
    if not ((d / "brief.pdf").is_file() and (d / "brief.html").is_file()):
        return None
    inputs = data.get("inputs") if isinstance(data, dict) else None
    if not isinstance(inputs, str) or "+" not in inputs:
        return None
    base, carried = inputs.split("+", 1)
    from .text import normalize_text

    try:
        sources = frozenset(
            normalize_text(seg["text"]) for block in data["article"]["blocks"] for seg in block["segments"] if seg.get("text", "").strip()
        )
    except (KeyError, TypeError, AttributeError):
        return None
    return _Existing(base, carried, sources)


def memory_corrections(memory, sources: Iterable[str]) -> dict[str, str]:
    """The memory's editor corrections for many (normalized) sources at once."""
    return memory.editor_corrections(sources, normalized=True) if memory is not None else {}


def article_sources(article: Article) -> frozenset[str]:
    """The article's segments in the memory's normalized form."""
    from .text import normalize_text

    return frozenset(normalize_text(seg.text) for _, seg in article.iter_segments() if seg.text and seg.text.strip())


# --------------------------------------------------------------------------- stages


def prepare(path: Path) -> Article:
    """Read and segment one article."""
    from .read import read_article
    from .segment import segment_article

    return segment_article(read_article(path))


@dataclass(frozen=True)
class PreparedArticle:
    """An article read and segmented, with its editor's corrections (not yet translated)."""

    path: Path
    article: Article
    corrections: tuple = ()  # corrections.Correction
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleResult:
    """One article after the per-article step: translated with corrections applied, or an error."""

    path: Path
    article: Article | None = None
    error: str | None = None
    stale: tuple[str, ...] = ()  # one message per stale correction
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def stale_summary(self) -> str | None:
        from .corrections import summarize_stale

        return summarize_stale(corrections_path(self.path), self.stale)


def prepare_article(path: Path) -> PreparedArticle:
    """The first half of the per-article step: check, read, segment, load the corrections.

    Raises PublisherError when the article or its corrections file cannot be used (a
    corrections-file error names that file; the caller names the article).
    """
    from .corrections import read_file

    path = Path(path)
    check_inside_inbox(path)
    article = prepare(path)
    found = read_file(corrections_path(path))
    return PreparedArticle(path=path, article=article, corrections=found.corrections, warnings=found.warnings)


def finish_article(prepared: PreparedArticle, translated: Article) -> ArticleResult:
    """The second half: apply the article's own corrections to its translation."""
    from .corrections import apply_corrections

    try:
        article, _, stale = apply_corrections(translated, prepared.corrections)
    except PublisherError as exc:
        return ArticleResult(path=prepared.path, error=str(exc), warnings=prepared.warnings)
    return ArticleResult(path=prepared.path, article=article, stale=tuple(stale), warnings=prepared.warnings)


def translate_prepared(translator, prepared: Sequence[PreparedArticle]) -> list[ArticleResult]:
    """Translate prepared articles in one batch and apply each one's corrections."""
    if not prepared:
        return []
    translated = translator.translate_articles([p.article for p in prepared])
    return [finish_article(p, t) for p, t in zip(prepared, translated)]


def process_articles(files: Sequence[Path], translator, progress: Progress = _noop_progress) -> list[ArticleResult]:
    """The per-article step for many articles: one result per file, in order, failures isolated."""
    results: dict[int, ArticleResult] = {}
    good: list[tuple[int, PreparedArticle]] = []
    for i, path in enumerate(files):
        progress("read", i, len(files))
        try:
            good.append((i, prepare_article(path)))
        except PublisherError as exc:
            results[i] = ArticleResult(path=Path(path), error=str(exc))
    progress("read", len(files), len(files))
    progress("translate", 0, 1)
    for (i, _), result in zip(good, translate_prepared(translator, [p for _, p in good])):
        results[i] = result
    progress("translate", 1, 1)
    return [results[i] for i in range(len(files))]


def sync_corrections(translator, files: Iterable[Path], stamps: dict | None = None):
    """Bring the memory's copy of the editors' corrections in line with the files (see corrections.py)."""
    from .corrections import sync_memory

    result = sync_memory(getattr(translator, "memory", None), [(f, corrections_path(f)) for f in files], stamps)
    for err in result.errors:
        log.info("corrections not taken into the memory: %s", err)
    return result


def assign_slugs(
    files: Sequence[Path], out_dir: Path, only: Sequence[Path] | None = None
) -> tuple[dict[Path, str], list[tuple[str, str]]]:
    """Each article's brief folder; articles that would share one are refused, all of them.

    Returns ``{path: slug}`` for the articles that may be published and one failure per
    clash, naming every file in it. Refusing (rather than numbering) keeps every URL a
    function of its own file name: adding an article never moves another one. ``only``:
    the articles being built (default: all of ``files``); clashes among the others are
    not reported and the others get no slug.
    """
    from .read import slug_for_path

    wanted = {Path(p) for p in (files if only is None else only)}
    by_slug: dict[str, list[Path]] = {}
    for path in files:
        by_slug.setdefault(slug_for_path(path), []).append(Path(path))
    ok: dict[Path, str] = {}
    failed: list[tuple[str, str]] = []
    for slug, paths in by_slug.items():
        if not wanted.intersection(paths):
            continue
        if slug in RESERVED_SLUGS:
            failed.append((str(paths[0]), f"would be published as {out_dir / slug}/, which holds the site's own files; rename the article"))
            for extra in paths[1:]:
                failed.append((str(extra), f"would be published as {out_dir / slug}/, which holds the site's own files; rename the article"))
        elif len(paths) > 1:
            paths = sorted(paths, key=str)  # the same line however the run named the files
            names = " and ".join(str(p) for p in paths) if len(paths) == 2 else ", ".join(str(p) for p in paths)
            failed.append((names, f"would all be published as {out_dir / slug}/; rename one of them (none of them is published)"))
        else:
            ok[paths[0]] = slug
    return ok, failed


RESERVED_SLUGS = frozenset({"assets"})


def write_brief_folder(brief: Brief, out_dir: Path, slug: str, layout: str) -> Path:
    """Write a brief into a staging folder inside ``out_dir``, then swap it in whole."""
    import os
    import shutil
    import tempfile

    from .fsutil import replace_dir
    from .render import write_brief_files

    try:
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{slug}-", dir=out_dir))
    except OSError as exc:
        raise OutputError(f"cannot write {out_dir / slug}: {exc.strerror or exc}") from None
    try:
        try:
            write_brief_files(brief, staging, layout)
        except OutputError as exc:
            raise OutputError(str(exc).replace(str(staging), str(out_dir / slug))) from None
        os.chmod(staging, 0o755)
        replace_dir(staging, out_dir / slug)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir / slug


def unpublish_removed(out_dir: Path, keep: set[str], report: BuildReport) -> None:
    """Remove the brief folders of articles that are not in the inbox any more."""
    from .fsutil import remove_dir

    try:
        folders = sorted(p for p in out_dir.iterdir() if p.is_dir())
    except OSError as exc:
        report.failed.append((str(out_dir), f"cannot list: {exc.strerror or exc}"))
        return
    for d in folders:
        if d.name.startswith(".") or d.name in keep or d.name in RESERVED_SLUGS or not (d / BRIEF_JSON).exists():
            continue
        try:
            remove_dir(d)
            report.removed.append(d.name)
        except PublisherError as exc:
            report.failed.append((str(d), str(exc)))


def lock_out_dir(out_dir: Path, timeout: float):
    """Hold ``out_dir/.publisher.lock`` (every writer of out/ takes it); release the returned lock."""
    from filelock import FileLock, Timeout

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    lock = FileLock(str(out_dir / ".publisher.lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise OutputError(f"another build holds {out_dir}/.publisher.lock; try again when it has finished") from None
    except OSError as exc:
        raise OutputError(f"cannot lock {out_dir}: {exc.strerror or exc}") from None
    return lock


def make_brief(article: Article, *, model_info, inputs: str | None, count: int | None) -> Brief:
    """Summarise a translated article into a Brief; it is "edited" when any segment is an editor's."""
    from .summarize import summarize_article

    ids, note = summarize_article(article, count=count)
    notices = (TEST_MODEL_NOTICE,) if model_info is not None and model_info.test_fixture else ()
    return Brief(
        article=article,
        summary=tuple(ids),
        summary_note=note,
        model=model_info,
        generated=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        publisher_version=__version__,
        edited=any(seg.origin == ORIGIN_EDITED for _, seg in article.iter_segments()),
        notices=notices,
        inputs=inputs,
    )


def open_translator(model_spec: str | None, glossary_path: Path | None, decoding=None):
    """The model, glossary and translation memory for a run (model errors surface first)."""
    from .engine import CT2Engine
    from .glossary import load_glossary
    from .memory import TranslationMemory
    from .model_store import install_from_file, load_model, status
    from .translate import Translator

    model = load_model(model_spec)
    if model_spec is not None and Path(model_spec).is_file() and not model.info.test_fixture:
        # A real model named on the command line is installed too, so the next plain
        # `make brief` finds it. Test fixtures are never installed.
        if not any(info.sha256 == model.info.sha256 for info in status()):
            install_from_file(Path(model_spec))
    glossary = load_glossary(glossary_path) if glossary_path is not None else None
    memory = TranslationMemory.open_default()
    return Translator(CT2Engine(model, decoding), memory=memory, glossary=glossary)


@dataclass
class _Run:
    """What every step of one build needs."""

    settings: BuildSettings
    translator: object  # translate.Translator
    report: BuildReport
    progress: Progress
    templates: str  # digest of the templates, stylesheets and fonts

    @property
    def out_dir(self) -> Path:
        return Path(self.settings.out_dir)


def start_build(paths: Iterable[Path], settings: BuildSettings):
    """``(article files, translator, report)`` for a build, local or on Ray.

    What can stop a build is checked before any work: the site address, the inbox, then the
    model (without one there is nothing to do).
    """
    from .site import site_url

    site_url()  # a bad PUBLISHER_SITE_URL is reported before any work, not after it
    files = expand_articles(paths)
    if not files:
        raise InputError("no articles found (expected .txt, .md or .html files)")
    translator = open_translator(settings.model, settings.glossary or default_glossary(files), settings.decoding)
    info = translator.info
    report = BuildReport(model=f"{info.name} {info.version}", test_model=info.test_fixture)
    return files, translator, report


def build(
    paths: Iterable[Path],
    settings: BuildSettings = BuildSettings(),
    progress: Progress = _noop_progress,
    *,
    inbox: Iterable[Path] | None = None,
) -> BuildReport:
    """Build briefs for ``paths`` into ``settings.out_dir`` and refresh the index and feed.

    ``inbox``: the whole inbox when ``paths`` is only part of it (the desk republishing one
    article): slug clashes are checked, and briefs unpublished, against the whole inbox.
    Default: ``paths`` are the inbox.

    Per-article problems (unreadable article or corrections file, a full disk while writing
    one brief, a slug clash) are collected in the report, never raised, so that the report
    can always name every failed article.
    """
    from .corrections import file_stamp
    from .fsutil import clean_staging
    from .read import slug_for_path
    from .site import build_site

    files, translator, report = start_build(paths, settings)
    run = _Run(settings, translator, report, progress, templates_digest())
    everything = list(files)
    if inbox is not None:  # the rest of the inbox, each file once however it was named
        seen = {p.resolve() for p in files}
        everything += [p for p in expand_articles(inbox) if p.resolve() not in seen]
    slugs, clashes = assign_slugs(everything, run.out_dir, only=files)
    run.report.failed.extend(clashes)
    lock = lock_out_dir(run.out_dir, settings.lock_timeout)
    try:
        clean_stale_temporaries(run.out_dir)
        clean_staging(run.out_dir)
        stamps = {corrections_path(p): file_stamp(corrections_path(p)) for p in files}
        sync_corrections(translator, files, {Path(k).resolve(): v for k, v in stamps.items()})
        todo = _to_rebuild(run, slugs, stamps)
        if todo:
            _build_briefs(run, todo)
        if not settings.keep_removed:
            unpublish_removed(run.out_dir, {slug_for_path(p) for p in everything}, run.report)
        try:
            build_site(run.out_dir)
        except PublisherError as exc:
            run.report.site_error = str(exc)
    finally:
        lock.release()
    return run.report


def _to_rebuild(run: _Run, slugs: dict[Path, str], stamps: dict) -> list[tuple[PreparedArticle, str, str]]:
    """``(prepared article, slug, inputs digest)`` of each brief to build; unchanged ones are reported skipped."""
    from .corrections import carried_digest

    translator, settings, report = run.translator, run.settings, run.report
    memory = translator.memory
    glossary_version = translator.glossary.version if translator.glossary is not None else "-"
    # Other files' corrections of the published briefs' sentences: one query for all.
    existing = {} if settings.force else {slug: existing_brief(run.out_dir, slug) for slug in slugs.values()}
    carried = memory_corrections(memory, {src for e in existing.values() if e is not None for src in e.sources})
    todo: list[tuple[PreparedArticle, str, str]] = []
    for i, (path, slug) in enumerate(slugs.items()):
        run.progress("read", i, len(slugs))
        try:
            check_inside_inbox(path)
            base = inputs_digest(
                path,
                model_key=translator.info.key,
                glossary_version=glossary_version,
                templates=run.templates,
                settings=settings,
                corrections_stamp=stamps[corrections_path(path)] or "-",
            )
            before = existing.get(slug)
            if before is not None and before.base == base and before.carried == carried_digest(memory, before.sources, carried):
                report.skipped.append(slug)
                continue
            todo.append((prepare_article(path), slug, base))
        except PublisherError as exc:
            report.failed.append((str(path), str(exc)))
    run.progress("read", len(slugs), len(slugs))
    return todo


def _build_briefs(run: _Run, todo: list[tuple[PreparedArticle, str, str]]) -> None:
    """Translate every article of ``todo`` in one batch, then summarize and write each brief."""
    from .corrections import carried_digest, summarize_stale
    from .render import copy_assets

    translator, report = run.translator, run.report
    run.progress("translate", 0, 1)
    results = translate_prepared(translator, [p for p, _, _ in todo])
    run.progress("translate", 1, 1)
    report.translation = translator.stats.as_dict()
    carried = memory_corrections(translator.memory, {src for r in results if r.ok for src in article_sources(r.article)})
    assets_error = None
    try:
        copy_assets(run.out_dir)
    except PublisherError as exc:
        assets_error = str(exc)
    for i, ((prepared, slug, base), result) in enumerate(zip(todo, results)):
        run.progress("render", i, len(todo))
        report.warnings.extend(result.warnings)
        if not result.ok:
            report.failed.append((str(prepared.path), result.error))
            continue
        stale = summarize_stale(corrections_path(prepared.path), result.stale)
        if stale:
            report.stale_corrections.append(stale)
        try:
            if assets_error is not None:
                raise OutputError(assets_error)
            inputs = f"{base}+{carried_digest(translator.memory, article_sources(result.article), carried)}"
            brief = make_brief(result.article, model_info=translator.info, inputs=inputs, count=run.settings.summary_count)
            write_brief_folder(brief, run.out_dir, slug, run.settings.layout)
            report.built.append(slug)
        except PublisherError as exc:
            report.failed.append((str(prepared.path), str(exc)))
    run.progress("render", len(todo), len(todo))


def open_run(paths: Iterable[Path], model_spec: str | None, glossary: Path | None, decoding=None):
    """(article files, translator) for a command, with the memory's corrections brought up to date."""
    files = expand_articles(paths)
    if not files:
        raise InputError("no articles found (expected .txt, .md or .html files)")
    translator = open_translator(model_spec, glossary or default_glossary(files), decoding)
    sync_corrections(translator, files)
    return files, translator


def translate_files(
    paths: Iterable[Path], model_spec: str | None, glossary: Path | None, decoding=None
) -> tuple[list[ArticleResult], object]:
    """Read, segment, apply corrections and translate: each article's result (with its stale
    and duplicate-correction warnings), and the translator."""
    files, translator = open_run(paths, model_spec, glossary, decoding)
    return process_articles(files, translator), translator


def read_and_translate(
    paths: Iterable[Path], model_spec: str | None, glossary: Path | None, decoding=None
) -> tuple[list[Article], list[tuple[str, str]], object]:
    """:func:`translate_files` for ``edits export`` and ``translate``: the translated
    articles, ``(path, message)`` for each article that failed, and the translator.
    """
    results, translator = translate_files(paths, model_spec, glossary, decoding)
    good = [r.article for r in results if r.ok]
    failed = [(str(r.path), r.error) for r in results if not r.ok]
    return good, failed, translator


# ----------------------------------------------------------------- the editor's desk


class _MachineOnlyMemory:
    """The translation memory as the desk's review sees it: machine translations only.

    An editor's correction in the memory would otherwise stand in for the machine's
    English, and the review page shows both side by side.
    """

    def __init__(self, memory):
        self._memory = memory

    @property
    def error(self):
        return getattr(self._memory, "error", None)

    def get_many(self, model_key, sources):
        from .memory import get_machine_many

        return get_machine_many(self._memory, model_key, sources)

    def put_many(self, model_key, rows):
        return self._memory.put_many(model_key, rows)

    @property
    def editors(self):
        """The memory itself, for what the editors' corrections say (``review_article``)."""
        return self._memory


def open_review_translator(settings: BuildSettings, paths: Iterable[Path] = ()):
    """A translator for reviews: the build's model, glossary and memory, corrections left out."""
    files = list(paths)
    translator = open_translator(settings.model, settings.glossary or default_glossary(files), settings.decoding)
    translator.memory = _MachineOnlyMemory(translator.memory) if translator.memory is not None else None
    return translator


@dataclass(frozen=True)
class Review:
    """One inbox article as the desk shows it.

    ``article`` carries the machine English and its flags (corrections not applied);
    ``corrected`` maps segment ids to the editor's English from the corrections file;
    ``stale`` are the file's corrections whose Korean no longer stands in the article.
    """

    path: Path
    article: Article
    corrected: dict
    corrections: int
    stale: tuple[str, ...]
    built: bool
    up_to_date: bool
    glossary: object = None  # glossary.Glossary or None

    def terms(self, text: str) -> tuple:
        """The glossary entries (``.ko``, ``.en``) whose Korean occurs in ``text``."""
        return self.glossary.find(text) if self.glossary is not None else ()

    @staticmethod
    def reasons(flags) -> list[str]:
        """Each quality flag in plain words."""
        from .checks import describe_flag

        return [describe_flag(f) for f in flags]

    @property
    def flagged(self) -> int:
        """Segments whose machine English is flagged and that no correction replaces."""
        return sum(1 for _, s in self.article.iter_segments() if s.flags and s.id not in self.corrected)


def review_article(path: Path, settings: BuildSettings, translator) -> Review:
    """Read, segment and machine-translate one inbox article, with its corrections and build state.

    The same per-article step as every command (:func:`prepare_article`,
    :func:`finish_article`); the review keeps the machine's English beside the editor's.
    """
    from .corrections import carried_digest

    prepared = prepare_article(path)
    [machine] = translator.translate_articles([prepared.article])
    result = finish_article(prepared, machine)
    if not result.ok:
        raise InputError(result.error)
    corrected = {s.id: s.en for _, s in result.article.iter_segments() if s.origin == ORIGIN_EDITED}
    glossary_version = translator.glossary.version if translator.glossary is not None else "-"
    digest = inputs_digest(
        prepared.path, model_key=translator.info.key, glossary_version=glossary_version, templates=templates_digest(), settings=settings
    )
    slug = prepared.article.slug
    existing = existing_brief(Path(settings.out_dir), slug)
    memory = getattr(translator.memory, "editors", translator.memory)
    up_to_date = (
        existing is not None and existing.base == digest and existing.carried == carried_digest(memory, existing.sources)
    )
    return Review(
        path=prepared.path,
        article=machine,
        corrected=corrected,
        corrections=len(prepared.corrections),
        stale=result.stale,
        built=(Path(settings.out_dir) / slug / BRIEF_JSON).is_file(),
        up_to_date=up_to_date,
        glossary=translator.glossary,
    )


# ------------------------------------------------------ one stage at a time (the CLI's stage commands)


def load_stage_input(path: Path) -> tuple[Article, object]:
    """``(article, model info or None)`` from an intermediate JSON file, or from an article file.

    A translated article's JSON carries the identity of the model that translated it, so
    that a brief built stage by stage keeps its provenance (and the test-model notice).
    """
    from .document import article_from_dict, brief_from_dict, model_info_from_dict, read_json_file, undocument

    if Path(path).suffix.lower() == ".json":
        doc = read_json_file(path)
        data = undocument(doc, "article")
        if "article" in data and "summary" in data:
            brief = brief_from_dict(data)
            return brief.article, brief.model
        return article_from_dict(data), model_info_from_dict(doc.get("model"))
    return prepare_named(Path(path)), None


def prepare_named(path: Path) -> Article:
    """:func:`prepare`, with the file named in an error."""
    try:
        return prepare(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def translate_file(path: Path, model_spec: str | None, glossary: Path | None, decoding=None) -> tuple[Article, object]:
    """``(translated article, model info)`` for an article file (its corrections applied, as in a
    build) or for the JSON of ``publisher segment --json``."""
    if Path(path).suffix.lower() == ".json":
        article, _ = load_stage_input(path)
        translator = open_translator(model_spec, glossary, decoding)
        [done] = translator.translate_articles([article])
        return done, translator.info
    translated, failed, translator = read_and_translate([path], model_spec, glossary, decoding)
    if failed:
        raise InputError(f"{failed[0][0]}: {failed[0][1]}")
    return translated[0], translator.info


def summarize_file(path: Path, count: int | None = None) -> Brief:
    """The brief (summary chosen) of a translated article's JSON."""
    article, model_info = load_stage_input(path)
    if model_info is None or any(seg.en is None for _, seg in article.iter_segments()):
        raise InputError(f"{path}: not a translated article; run 'publisher translate' on it first")
    return make_brief(article, model_info=model_info, inputs=None, count=count)


def _text_of(path: Path) -> str:
    from .read import decode_file

    try:
        return decode_file(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def split_text_file(path: Path) -> list[str]:
    """The sentences of a file of running text (no article structure)."""
    from .segment import split_sentences

    return split_sentences(_text_of(path))


def summarize_lines_file(path: Path, count: int | None = None) -> list[int]:
    """The 0-based indices of the summary sentences of a file holding one sentence per line."""
    from .summarize import rank_sentences, summary_length

    lines = [line.strip() for line in _text_of(path).splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{path}: no sentences")
    return rank_sentences(lines, summary_length(len(lines), count))


def render_brief_file(path: Path, out_dir: Path, layout: str = "columns", lock_timeout: float = 600.0) -> Path:
    """Publish the brief JSON at ``path`` into ``out_dir`` as a build does: under the out/
    lock, its folder swapped in whole, the assets copied and the index and feed rebuilt."""
    from .document import read_brief
    from .fsutil import safe_slug
    from .render import copy_assets
    from .site import build_site

    brief = read_brief(path)
    out_dir = Path(out_dir)
    lock = lock_out_dir(out_dir, lock_timeout)
    try:
        copy_assets(out_dir)
        folder = write_brief_folder(brief, out_dir, safe_slug(brief.article.slug), layout)
        build_site(out_dir)
    finally:
        lock.release()
    return folder


def export_corrections(article: Path, model_spec: str | None, glossary: Path | None, output: Path | None = None) -> Path:
    """Write a fresh corrections file for ``article`` (default: beside it); never over an existing file."""
    from .corrections import export_file

    target = Path(output) if output is not None else corrections_path(Path(article))
    if target.exists() or target.is_symlink():
        raise InputError(f"{target} already exists and is never overwritten; edit it, or export elsewhere with -o PATH")
    translated, failed, _ = read_and_translate([article], model_spec, glossary)
    if failed:
        raise InputError(f"{failed[0][0]}: {failed[0][1]}")
    return export_file(translated[0], target)
