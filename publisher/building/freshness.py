"""Is a brief up to date? The one rule, for the build (both executors) and the desk's review.

A brief is built from its article, its corrections file, the model (and decoding), the
glossary, the templates, the newsroom's theme (its templates folder, logo and ``[site]``
settings) and the build settings (:func:`inputs_digest`, the "base"), and
from what other articles' corrections files say about its sentences (``carried_digest``,
through the translation memory). ``brief.json`` records both as ``inputs = base+carried``
and is written last, so a brief whose recorded inputs equal today's is current.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..byline import STAFF_FILE
from ..corrections import carried_digest
from ..document import BRIEF_JSON, Article, InputError, load_document
from ..fsutil import MISSING, fingerprint
from ..text import normalize_text
from ..theme import Theme, theme_digest
from ..memory import TranslationMemory
from ..translate import Translator
from .inbox import corrections_path
from .settings import BuildSettings


@dataclass(frozen=True)
class BuildInputs:
    """What every brief of a build shares: model, glossary, templates and settings."""

    model_key: str
    glossary_version: str
    templates: str  # digest of the templates, stylesheets and fonts
    layout: str
    summary_count: int | None
    output_key: str  # the decoding settings that change what the model writes
    theme: str = ""  # digest of the theme folder, the logo and the [site] settings a brief shows

    @classmethod
    def of(cls, translator: Translator, settings: BuildSettings, templates: str) -> BuildInputs:
        glossary = translator.glossary
        return cls(
            model_key=translator.info.key,
            glossary_version=glossary.version if glossary is not None else MISSING,
            templates=templates,
            layout=settings.layout,
            summary_count=settings.summary_count,
            output_key=settings.decoding.output_key,
            theme=theme_digest(Theme.of(settings)),
        )


def inputs_digest(article_path: Path, shared: BuildInputs, corrections_print: str | None = None) -> str:
    """The "base" of an article's brief: everything it is built from but other files' corrections.

    ``corrections_print``: the corrections file's fingerprint when already taken (the build
    takes it once for the memory's sync and this digest).
    """
    if corrections_print is None:
        corrections_print = fingerprint(corrections_path(article_path))
    h = hashlib.sha256()
    for part in (
        __version__,
        fingerprint(article_path),
        corrections_print,
        fingerprint(Path(article_path).parent / STAFF_FILE),  # the byline's English names (publisher.byline)
        shared.model_key,
        shared.glossary_version,
        shared.templates,
        shared.layout,
        str(shared.summary_count),
        shared.output_key,
        shared.theme,
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class Published:
    """What the brief now in ``out/<slug>/`` was built from."""

    base: str
    carried: str
    sources: frozenset[str]  # its segments, normalized as the memory keys them


def published_brief(out_dir: Path, slug: str) -> Published | None:
    """The recorded inputs of the brief in ``out_dir/slug`` (None: missing or incomplete, rebuild it)."""
    d = Path(out_dir) / slug
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
    try:
        sources = frozenset(
            normalize_text(seg["text"]) for block in data["article"]["blocks"] for seg in block["segments"] if seg.get("text", "").strip()
        )
    except (KeyError, TypeError, AttributeError):
        return None
    return Published(base, carried, sources)


def article_sources(article: Article) -> frozenset[str]:
    """The article's segments in the memory's normalized form."""
    return frozenset(normalize_text(seg.text) for _, seg in article.iter_segments() if seg.text and seg.text.strip())


def carried_of(memory: TranslationMemory | None, sources: Iterable[str]) -> str:
    """``carried_digest`` of the memory's editor corrections of these (normalized) sources."""
    sources = frozenset(sources)
    found = memory.editor_corrections(sources, normalized=True) if memory is not None else {}
    return carried_digest(memory, sources, found)


def brief_inputs(base: str, memory: TranslationMemory | None, article: Article) -> str:
    """The ``inputs`` recorded in a newly built brief's brief.json."""
    return f"{base}+{carried_of(memory, article_sources(article))}"


def current_briefs(out_dir: Path, wanted: Iterable[tuple[str, str]], memory: TranslationMemory | None) -> set[str]:
    """The one freshness rule: the slugs among ``wanted`` (``(slug, base)`` pairs) whose brief
    in ``out_dir`` was built from exactly these inputs (the build skips them; the desk shows
    them as up to date). One memory query for all of them."""
    published = {}
    for slug, base in wanted:
        before = published_brief(out_dir, slug)
        if before is not None and before.base == base:
            published[slug] = before
    if not published:
        return set()
    sources = frozenset().union(*(p.sources for p in published.values()))
    found = memory.editor_corrections(sources, normalized=True) if memory is not None else {}
    return {slug for slug, p in published.items() if p.carried == carried_digest(memory, p.sources, found)}


def is_current(out_dir: Path, slug: str, base: str, memory: TranslationMemory | None) -> bool:
    """:func:`current_briefs` for one brief."""
    return slug in current_briefs(out_dir, [(slug, base)], memory)
