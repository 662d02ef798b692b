"""The desk's review of one inbox article: its machine English beside the editor's, and
whether its published brief is current (the build's own freshness rule)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..checks import describe_flag
from ..document import BRIEF_JSON, ORIGIN_EDITED, Article, InputError
from ..glossary import Glossary
from ..memory import MemoryHit, TranslationMemory
from ..render import templates_digest
from ..translate import Translator
from .article import finish_article, prepare_article
from .freshness import BuildInputs, inputs_digest, is_current
from .inbox import default_glossary
from .run import open_translator
from .settings import BuildSettings


class MachineOnlyMemory:
    """The translation memory as the desk's review sees it: machine translations only.

    An editor's correction in the memory would otherwise stand in for the machine's
    English, and the review page shows both side by side. ``editors`` is the memory
    itself, for what the editors' corrections say (freshness).
    """

    def __init__(self, memory: TranslationMemory):
        self.editors = memory

    @property
    def error(self) -> str | None:
        return self.editors.error

    def get_many(self, model_key: str, sources) -> dict[tuple[str, str], MemoryHit]:
        return self.editors.get_machine_many(model_key, sources)

    def put_many(self, model_key: str, rows) -> int:
        return self.editors.put_many(model_key, rows)


def open_review_translator(settings: BuildSettings, paths: Iterable[Path] = ()) -> Translator:
    """A translator for reviews: the build's model, glossary and memory, corrections left out."""
    files = list(paths)
    translator = open_translator(settings.model, settings.glossary or default_glossary(files), settings.decoding)
    translator.memory = MachineOnlyMemory(translator.memory) if translator.memory is not None else None
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
    glossary: Glossary | None = None

    def terms(self, text: str) -> tuple:
        """The glossary entries (``.ko``, ``.en``) whose Korean occurs in ``text``."""
        return self.glossary.find(text) if self.glossary is not None else ()

    @staticmethod
    def reasons(flags) -> list[str]:
        """Each quality flag in plain words."""
        return [describe_flag(f) for f in flags]

    @property
    def flagged(self) -> int:
        """Segments whose machine English is flagged and that no correction replaces."""
        return sum(1 for _, s in self.article.iter_segments() if s.flags and s.id not in self.corrected)


def review_article(path: Path, settings: BuildSettings, translator: Translator) -> Review:
    """Read, segment and machine-translate one inbox article, with its corrections and build state.

    The same per-article step as every command (:func:`prepare_article`,
    :func:`finish_article`); the review keeps the machine's English beside the editor's.
    """
    prepared = prepare_article(path)
    [machine] = translator.translate_articles([prepared.article])
    result = finish_article(prepared, machine)
    if not result.ok:
        raise InputError(result.error)
    corrected = {s.id: s.en for _, s in result.article.iter_segments() if s.origin == ORIGIN_EDITED}
    base = inputs_digest(prepared.path, BuildInputs.of(translator, settings, templates_digest()))
    slug = prepared.article.slug
    out_dir = Path(settings.out_dir)
    memory = getattr(translator.memory, "editors", translator.memory)
    return Review(
        path=prepared.path,
        article=machine,
        corrected=corrected,
        corrections=len(prepared.corrections),
        stale=result.stale,
        built=(out_dir / slug / BRIEF_JSON).is_file(),
        up_to_date=is_current(out_dir, slug, base, memory),
        glossary=translator.glossary,
    )
