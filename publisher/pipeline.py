"""Runs the stages in order for one or many articles.

read -> segment -> (corrections) -> translate (one batch for the whole run) -> summarize
-> render -> site. An article that cannot be read is reported and skipped; the others are
published. Unchanged articles (same article, corrections, glossary, model, templates and
settings) are not rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .article import (
    ORIGIN_EDITED,
    TEST_MODEL_NOTICE,
    Article,
    Brief,
    InputError,
    OutputError,
    PublisherError,
)

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
GLOSSARY_NAME = "glossary.csv"
CORRECTIONS_SUFFIX = ".corrections.csv"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class BuildSettings:
    out_dir: Path = Path("out")
    model: str | None = None  # None: the installed ko->en package; else a .argosmodel path
    glossary: Path | None = None
    layout: str = "columns"
    summary_count: int | None = None
    decoding: object = None  # translate.TranslateSettings; None: the defaults
    force: bool = False  # rebuild even when nothing changed
    lock_timeout: float = 600.0


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    stale_corrections: list[str] = field(default_factory=list)
    translation: dict = field(default_factory=dict)
    model: str | None = None
    test_model: bool = False


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
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _templates_digest() -> str:
    h = hashlib.sha256()
    if TEMPLATES_DIR.is_dir():
        for p in sorted(TEMPLATES_DIR.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(TEMPLATES_DIR)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def _decoding_key(decoding) -> str:
    from .translate import TranslateSettings

    return (decoding or TranslateSettings()).output_key


def inputs_digest(article_path: Path, *, model_key: str, glossary_version: str, templates: str, settings: BuildSettings) -> str:
    h = hashlib.sha256()
    for part in (
        __version__,
        _file_digest(article_path),
        _file_digest(corrections_path(article_path)),
        model_key,
        glossary_version,
        templates,
        settings.layout,
        str(settings.summary_count),
        _decoding_key(settings.decoding),
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _existing_inputs(out_dir: Path, slug: str) -> str | None:
    d = out_dir / slug
    try:
        doc = json.loads((d / "brief.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not ((d / "brief.pdf").is_file() and (d / "brief.html").is_file()):
        return None
    data = doc.get("data") if isinstance(doc, dict) else None
    return data.get("inputs") if isinstance(data, dict) else None


# --------------------------------------------------------------------------- stages


def prepare(path: Path) -> Article:
    """Read and segment one article."""
    from .read import read_article
    from .segment import segment_article

    return segment_article(read_article(path))


def _lock(out_dir: Path, timeout: float):
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
    from .glossary import load_glossary
    from .memory import TranslationMemory
    from .models import install_from_file, load_model, status
    from .translate import Translator

    model = load_model(model_spec)
    if model_spec is not None and Path(model_spec).is_file() and not model.info.test_fixture:
        # A real model named on the command line is installed too, so the next plain
        # `make brief` finds it. Test fixtures are never installed.
        if not any(info.sha256 == model.info.sha256 for info in status()):
            install_from_file(Path(model_spec))
    glossary = load_glossary(glossary_path) if glossary_path is not None else None
    memory = TranslationMemory.open_default()
    return Translator(model, settings=decoding, memory=memory, glossary=glossary)


def build(paths: Iterable[Path], settings: BuildSettings = BuildSettings(), progress: Progress = _noop_progress) -> BuildReport:
    """Build briefs for ``paths`` into ``settings.out_dir`` and refresh the index and feed."""
    from .corrections import apply_corrections, load_corrections
    from .read import read_article
    from .segment import segment_article

    from .site import site_url

    report = BuildReport()
    site_url()  # a bad PUBLISHER_SITE_URL is reported before any work, not after it
    files = expand_articles(paths)
    if not files:
        raise InputError("no articles found (expected .txt, .md or .html files)")
    glossary_path = settings.glossary or default_glossary(files)

    # The model is loaded before anything else: without one there is nothing to do.
    translator = open_translator(settings.model, glossary_path, settings.decoding)
    model_info = translator.model.info
    report.model = f"{model_info.name} {model_info.version}"
    report.test_model = model_info.test_fixture
    glossary_version = translator.glossary.version if translator.glossary is not None else "-"
    templates = _templates_digest()
    out_dir = Path(settings.out_dir)

    lock = _lock(out_dir, settings.lock_timeout)
    try:
        clean_stale_temporaries(out_dir)
        todo: list[tuple[Path, Article, str, list]] = []
        for i, path in enumerate(files):
            progress("read", i, len(files))
            try:
                check_inside_inbox(path)
                digest = inputs_digest(
                    path, model_key=model_info.key, glossary_version=glossary_version, templates=templates, settings=settings
                )
                raw = read_article(path)
                if not settings.force and _existing_inputs(out_dir, raw.slug) == digest:
                    report.skipped.append(raw.slug)
                    continue
                article = segment_article(raw)
                corrections = load_corrections(corrections_path(path))
                translator.remember_corrections(corrections, article=str(Path(path).resolve()))
                todo.append((path, article, digest, corrections))
            except PublisherError as exc:
                report.failed.append((str(path), str(exc)))
        progress("read", len(files), len(files))

        if todo:
            progress("translate", 0, 1)
            translated = translator.translate_articles([a for _, a, _, _ in todo])
            progress("translate", 1, 1)
            report.translation = dict(translator.stats)

            from .render import write_brief

            for i, ((path, _, digest, corrections), article) in enumerate(zip(todo, translated)):
                progress("render", i, len(todo))
                try:
                    article, _, stale = apply_corrections(article, corrections)
                    report.stale_corrections.extend(f"{path}: {s}" for s in stale)
                    brief = make_brief(article, model_info=model_info, inputs=digest, count=settings.summary_count)
                    write_brief(brief, out_dir, layout=settings.layout)
                    report.built.append(article.slug)
                except PublisherError as exc:
                    report.failed.append((str(path), str(exc)))
            progress("render", len(todo), len(todo))

        from .site import build_site

        build_site(out_dir)
    finally:
        lock.release()
    return report


def translate_only(
    paths: Iterable[Path], model_spec: str | None, glossary: Path | None, decoding=None
) -> tuple[list[Article], list[tuple[str, str]], object]:
    """Read, segment, apply corrections and translate (for ``check`` and ``edits export``)."""
    from .corrections import apply_corrections, load_corrections

    files = expand_articles(paths)
    if not files:
        raise InputError("no articles found (expected .txt, .md or .html files)")
    translator = open_translator(model_spec, glossary or default_glossary(files), decoding)
    good: list[tuple[Path, Article]] = []
    failed: list[tuple[str, str]] = []
    for path in files:
        try:
            check_inside_inbox(path)
            good.append((path, prepare(path)))
        except PublisherError as exc:
            failed.append((str(path), str(exc)))
    translated = translator.translate_articles([a for _, a in good]) if good else []
    out = []
    for (path, _), article in zip(good, translated):
        article, _, _ = apply_corrections(article, load_corrections(corrections_path(path)))
        out.append(article)
    return out, failed, translator


# Public names for the Ray runner (publisher/ray_runner.py), which runs the same steps on a cluster.
existing_inputs = _existing_inputs
templates_digest = _templates_digest
lock_out_dir = _lock
