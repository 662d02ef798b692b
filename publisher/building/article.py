"""The per-article step, in pieces an executor can run where it likes.

read and segment (:func:`read_segmented`) -> load the editor's corrections
(:func:`prepare_article`) -> translate many articles at once (:func:`translate_prepared`,
which applies each one's corrections: :func:`finish_article`) -> summarise and render
(:func:`render_article`). Every command (brief, check, edits export, translate, the desk's
review) goes through these; a failure is reported against its article and the others go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..corrections import Correction, apply_corrections, read_table, summarize_stale
from ..document import ORIGIN_EDITED, TEST_MODEL_NOTICE, Article, Brief, ModelInfo, PublisherError
from ..read import read_article
from ..render import render_brief_files
from ..segment import segment_article
from ..summarize import summarize_article
from ..theme import Theme
from ..translate import Translator
from .inbox import check_inside_inbox, corrections_path


def read_segmented(path: Path) -> Article:
    """Read and segment one article file."""
    return segment_article(read_article(path))


@dataclass(frozen=True)
class PreparedArticle:
    """An article read and segmented, with its editor's corrections (not yet translated)."""

    path: Path
    article: Article
    corrections: tuple[Correction, ...] = ()
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
        return summarize_stale(corrections_path(self.path), self.stale)


def with_corrections(path: Path, article: Article) -> PreparedArticle:
    """A read article with its editor's corrections file loaded (PublisherError naming that file)."""
    found = read_table(corrections_path(path))
    return PreparedArticle(path=Path(path), article=article, corrections=found.corrections, warnings=found.warnings)


def prepare_article(path: Path) -> PreparedArticle:
    """The first half of the per-article step: check, read, segment, load the corrections.

    Raises PublisherError when the article or its corrections file cannot be used (a
    corrections-file error names that file; the caller names the article).
    """
    path = Path(path)
    check_inside_inbox(path)
    return with_corrections(path, read_segmented(path))


def finish_article(prepared: PreparedArticle, translated: Article) -> ArticleResult:
    """The second half: apply the article's own corrections to its translation."""
    try:
        article, _, stale = apply_corrections(translated, prepared.corrections)
    except PublisherError as exc:
        return ArticleResult(path=prepared.path, error=str(exc), warnings=prepared.warnings)
    return ArticleResult(path=prepared.path, article=article, stale=tuple(stale), warnings=prepared.warnings)


def translate_prepared(translator: Translator, prepared: Sequence[PreparedArticle]) -> list[ArticleResult]:
    """Translate prepared articles in one batch and apply each one's corrections."""
    if not prepared:
        return []
    translated = translator.translate_articles([p.article for p in prepared])
    return [finish_article(p, t) for p, t in zip(prepared, translated)]


def make_brief(article: Article, *, model_info: ModelInfo | None, inputs: str | None, count: int | None) -> Brief:
    """Summarise a translated article into a Brief; it is "edited" when any segment is an editor's."""
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


@dataclass(frozen=True)
class RenderRequest:
    """Everything rendering one brief needs: plain values, so it can travel to a Ray task."""

    article: Article
    model_info: ModelInfo | None
    inputs: str
    count: int | None
    layout: str
    theme: Theme = field(default_factory=Theme)  # the newsroom's templates folder and [site]


def render_article(request: RenderRequest) -> tuple[tuple[str, bytes], ...]:
    """Summarise and render one translated article: the files of its brief folder."""
    brief = make_brief(request.article, model_info=request.model_info, inputs=request.inputs, count=request.count)
    return render_brief_files(brief, request.layout, request.theme)
