"""One stage at a time, for the CLI's stage commands and the commands that translate
without publishing (check, edits export, translate): each a library function."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..corrections import export_file
from ..decoding import TranslateSettings
from ..document import (
    Article,
    Brief,
    InputError,
    ModelInfo,
    PublisherError,
)
from ..read import decode_file
from ..segment import split_sentences
from ..site import build_site
from ..summarize import rank_sentences, summary_length
from ..translate import Translator
from .article import ArticleResult, PreparedArticle, make_brief, prepare_article, read_segmented, translate_prepared
from .inbox import corrections_path, default_glossary, inbox_articles
from .publish import lock_out_dir, publish_brief
from .run import open_translator, sync_corrections
from .stage_input import load_article_or_brief, load_brief


def open_run(paths: Iterable[Path], model_spec: str | None, glossary: Path | None, decoding: TranslateSettings | None = None):
    """(article files, translator) for a command, with the memory's corrections brought up to date."""
    files = inbox_articles(paths)
    translator = open_translator(model_spec, glossary or default_glossary(files), decoding)
    sync_corrections(translator, files)
    return files, translator


def translate_files(
    paths: Iterable[Path], model_spec: str | None, glossary: Path | None, decoding: TranslateSettings | None = None
) -> tuple[list[ArticleResult], Translator]:
    """Read, segment, apply corrections and translate: each article's result (with its stale
    and duplicate-correction warnings, failures isolated, in order), and the translator."""
    files, translator = open_run(paths, model_spec, glossary, decoding)
    results: dict[int, ArticleResult] = {}
    good: list[tuple[int, PreparedArticle]] = []
    for i, path in enumerate(files):
        try:
            good.append((i, prepare_article(path)))
        except PublisherError as exc:
            results[i] = ArticleResult(path=Path(path), error=str(exc))
    for (i, _), result in zip(good, translate_prepared(translator, [p for _, p in good])):
        results[i] = result
    return [results[i] for i in range(len(files))], translator


def translate_one(path: Path, model_spec: str | None, glossary: Path | None, decoding: TranslateSettings | None = None) -> tuple[Article, Translator]:
    """One article file translated as in a build (its corrections applied); InputError naming it."""
    [result], translator = translate_files([path], model_spec, glossary, decoding)
    if not result.ok:
        raise InputError(f"{result.path}: {result.error}")
    return result.article, translator


def load_stage_input(path: Path) -> tuple[Article, ModelInfo | None]:
    """``(article, model info or None)`` from an intermediate JSON file, or from an article file.

    A translated article's JSON carries the identity of the model that translated it, so
    that a brief built stage by stage keeps its provenance (and the test-model notice).
    The JSON is validated first (:mod:`.stage_input`): a bad field is refused by its path.
    """
    if Path(path).suffix.lower() == ".json":
        return load_article_or_brief(path)
    return prepare_named(Path(path)), None


def prepare_named(path: Path) -> Article:
    """Read and segment one article file, the file named in an error."""
    try:
        return read_segmented(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def translate_file(path: Path, model_spec: str | None, glossary: Path | None, decoding: TranslateSettings | None = None) -> tuple[Article, ModelInfo]:
    """``(translated article, model info)`` for an article file (its corrections applied, as in a
    build) or for the JSON of ``publisher segment --json``."""
    if Path(path).suffix.lower() == ".json":
        article, _ = load_stage_input(path)
        translator = open_translator(model_spec, glossary, decoding)
        [done] = translator.translate_articles([article])
        return done, translator.info
    article, translator = translate_one(path, model_spec, glossary, decoding)
    return article, translator.info


def summarize_file(path: Path, count: int | None = None) -> Brief:
    """The brief (summary chosen) of a translated article's JSON."""
    article, model_info = load_stage_input(path)
    if model_info is None or any(seg.en is None for _, seg in article.iter_segments()):
        raise InputError(f"{path}: not a translated article; run 'publisher translate' on it first")
    return make_brief(article, model_info=model_info, inputs=None, count=count)


def _text_of(path: Path) -> str:
    try:
        return decode_file(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def split_text_file(path: Path) -> list[str]:
    """The sentences of a file of running text (no article structure)."""
    return split_sentences(_text_of(path))


def summarize_lines_file(path: Path, count: int | None = None) -> list[int]:
    """The 0-based indices of the summary sentences of a file holding one sentence per line."""
    lines = [line.strip() for line in _text_of(path).splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{path}: no sentences")
    return rank_sentences(lines, summary_length(len(lines), count))


def render_brief_file(path: Path, out_dir: Path, layout: str = "columns", lock_timeout: float = 600.0, theme=None) -> Path:
    """Publish the brief JSON at ``path`` into ``out_dir`` as a build does: under the out/
    lock, its folder swapped in whole, the assets copied and the index and feed rebuilt."""
    brief = load_brief(path)
    out_dir = Path(out_dir)
    lock = lock_out_dir(out_dir, lock_timeout)
    try:
        folder = publish_brief(brief, out_dir, layout, theme)
        build_site(out_dir, theme=theme)
    finally:
        lock.release()
    return folder


def export_corrections(article: Path, model_spec: str | None, glossary: Path | None, output: Path | None = None) -> Path:
    """Write a fresh corrections file for ``article`` (default: beside it); never over an existing file."""
    target = Path(output) if output is not None else corrections_path(Path(article))
    if target.exists() or target.is_symlink():
        raise InputError(f"{target} already exists and is never overwritten; edit it, or export elsewhere with --output FILE")
    translated, _ = translate_one(article, model_spec, glossary)
    return export_file(translated, target)
