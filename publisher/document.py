"""The data model passed between stages, and the project's errors.

Every stage takes and returns these frozen values; a stage adds what it knows with
``dataclasses.replace``. They round-trip through JSON (``to_dict`` / ``*_from_dict``) so
that each stage can also be run alone from the command line on intermediate files.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .text import MARKER_RE

SCHEMA_VERSION = 1

# Block kinds, in the vocabulary the templates and the summarizer use.
TITLE = "title"
BODY = "body"
CAPTION = "caption"
PULLQUOTE = "pullquote"
FOOTNOTE = "footnote"

# Where an English segment came from.
ORIGIN_MACHINE = "machine"  # translated by the model in this run
ORIGIN_MEMORY = "memory"  # machine translation reused from the translation memory
ORIGIN_EDITED = "edited"  # an editor's correction (from a corrections file or the memory)


class PublisherError(Exception):
    """A foreseeable problem. The CLI prints ``Error: <message>`` and exits non-zero.

    Messages are one line and say how to fix the problem where we know how.
    """

    exit_code = 1


class InputError(PublisherError):
    """An article, corrections file or glossary that cannot be read."""

    exit_code = 2


class ModelError(PublisherError):
    """A translation model that is missing, damaged or of the wrong kind."""

    exit_code = 3


class OutputError(PublisherError):
    """An output that cannot be written."""

    exit_code = 4


class BuildFailed(PublisherError):
    """Some articles of a build failed (each was reported on its own line); the rest were built."""

    exit_code = 1


@dataclass(frozen=True)
class Segment:
    """One sentence (or a title, caption, quote or footnote sentence).

    ``id`` is stable for a given article text: ``<block id>.<n>`` with n from 1.
    ``refs`` are the footnote numbers referenced inside ``text`` (``[n]`` markers stay in
    the text). ``en`` is filled by the translate stage, ``flags`` by its checks.
    """

    id: str
    text: str
    refs: tuple[int, ...] = ()
    en: str | None = None
    flags: tuple[str, ...] = ()
    origin: str | None = None


@dataclass(frozen=True)
class Block:
    """A structural unit of the article.

    ``id`` is ``t`` for the title, ``p<n>`` for body paragraphs, ``c<n>`` captions,
    ``q<n>`` pull quotes and ``fn<n>`` footnotes (n = the footnote's own number).
    ``text`` is the block's Korean text as read; ``segments`` is filled by the segment
    stage. ``number`` is the footnote number, ``credit`` a caption's photo credit
    (e.g. ``서울디자인재단`` from ``ⓒ서울디자인재단``).
    """

    id: str
    kind: str
    text: str
    segments: tuple[Segment, ...] = ()
    number: int | None = None
    credit: str | None = None


@dataclass(frozen=True)
class Byline:
    author: str | None = None
    role: str | None = None
    email: str | None = None
    raw: str | None = None


@dataclass(frozen=True)
class Article:
    """An article as read from the editors' inbox.

    ``title_source`` says where the title came from: ``front-matter``, ``html``,
    ``heading`` (a Markdown ``#`` line), ``pull-quote`` (no title given: the first pull
    quote was used, and ``notes`` says so) or ``none``.
    ``notes`` are things the reader stage reports to the editor: dropped dateline noise,
    footnote references without a definition, definitions nobody references...
    """

    slug: str
    source: str
    title: str | None = None
    title_source: str = "none"
    date: str | None = None  # ISO 8601 date, YYYY-MM-DD
    byline: Byline = field(default_factory=Byline)
    outlet: str | None = None
    url: str | None = None
    language: str = "ko"
    blocks: tuple[Block, ...] = ()
    noise: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def iter_segments(self):
        for block in self.blocks:
            yield from ((block, seg) for seg in block.segments)

    def block(self, block_id: str) -> Block:
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(block_id)


@dataclass(frozen=True)
class ModelInfo:
    """Identity of the translation model that produced the English text."""

    name: str
    version: str
    sha256: str
    from_code: str = "ko"
    to_code: str = "en"
    test_fixture: bool = False
    path: str | None = None
    kind: str = "argos"  # models.kinds: argos, marian, m2m100 or nllb

    @property
    def key(self) -> str:
        """Names the model, its kind and its checksum (the translation memory keys by it)."""
        return f"{self.kind}:{self.name}@{self.version}#{self.sha256}"


TEST_MODEL_NOTICE = "Test model, not a translation: the English text was produced by a tiny test fixture model."


@dataclass(frozen=True)
class Brief:
    """Everything the renderer needs: the translated article, its summary, provenance."""

    article: Article
    summary: tuple[str, ...] = ()  # segment ids, in document order
    summary_note: str | None = None  # why there is no (or a one-sentence) summary
    model: ModelInfo | None = None
    generated: str | None = None  # ISO 8601 timestamp
    publisher_version: str | None = None
    edited: bool = False  # an editor's corrections were applied
    notices: tuple[str, ...] = ()  # shown prominently (e.g. the test model notice)
    inputs: str | None = None  # hash of everything the brief was built from (incremental builds)

    @property
    def title_ko(self) -> str:
        """The Korean title as readers see it (footnote markers removed); the slug when there is none."""
        art = self.article
        block = next((b for b in art.blocks if b.kind == TITLE), None)
        if block is not None and block.segments:
            text = " ".join(s.text for s in block.segments)
        else:
            text = art.title or (block.text if block else "") or art.slug
        return MARKER_RE.sub("", text).strip() or art.slug

    @property
    def title_en(self) -> str | None:
        """The English title (footnote markers removed), or None when the title has no English."""
        for b in self.article.blocks:
            if b.kind == TITLE:
                parts = [s.en for s in b.segments if s.en]
                return MARKER_RE.sub("", " ".join(parts)).strip() or None
        return None

    @property
    def date_iso(self) -> str | None:
        """The article's date as YYYY-MM-DD, or None when it has none or it is not a date."""
        value = self.article.date
        if not value:
            return None
        try:
            return datetime.strptime(value[:10], "%Y-%m-%d").date().isoformat()
        except ValueError:
            return None

    @property
    def test_model(self) -> bool:
        """Made with the test fixture model: every page and list must say so."""
        if self.model is not None and self.model.test_fixture:
            return True
        return any(n == TEST_MODEL_NOTICE or n.lower().startswith("test model") for n in self.notices)

    @property
    def lead_en(self) -> str | None:
        """The English sentence that introduces the brief in lists: the first summary sentence
        with English, else the first body sentence with English (markers removed, spaces collapsed)."""
        by_id = {s.id: s for _, s in self.article.iter_segments()}
        summary = [by_id[i] for i in self.summary if i in by_id]
        body = [s for b, s in self.article.iter_segments() if b.kind == BODY]
        for seg in summary + body:
            if seg.en:
                return " ".join(MARKER_RE.sub("", seg.en).split()) or None
        return None


# ---------------------------------------------------------------- JSON round trip


def to_dict(value: Any) -> Any:
    """A JSON-ready dict of any of the dataclasses above (tuples become lists)."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_dict(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_dict(v) for v in value]
    return value


def _build(cls, data: dict, **nested):
    if not isinstance(data, dict):
        raise InputError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, val in data.items():
        if key not in names:
            continue
        if key in nested:
            val = nested[key](val)
        elif isinstance(val, list):
            val = tuple(val)
        kwargs[key] = val
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise InputError(f"bad {cls.__name__} data: {exc}") from None


def segment_from_dict(d: dict) -> Segment:
    return _build(Segment, d)


def block_from_dict(d: dict) -> Block:
    return _build(Block, d, segments=lambda v: tuple(segment_from_dict(s) for s in v))


def article_from_dict(d: dict) -> Article:
    return _build(
        Article,
        d,
        byline=lambda v: _build(Byline, v or {}),
        blocks=lambda v: tuple(block_from_dict(b) for b in v),
    )


def model_info_from_dict(d: dict | None) -> ModelInfo | None:
    return None if d is None else _build(ModelInfo, d)


def brief_from_dict(d: dict) -> Brief:
    return _build(Brief, d, article=article_from_dict, model=model_info_from_dict)


def document(kind: str, value: Any) -> dict:
    """Wrap a value for writing as an intermediate JSON file."""
    return {"publisher": kind, "schema": SCHEMA_VERSION, "data": to_dict(value)}


def undocument(doc: Any, kind: str) -> dict:
    if not isinstance(doc, dict) or "data" not in doc:
        raise InputError(f"not a publisher {kind} file (no 'data' field)")
    if doc.get("publisher") not in (kind, None) and not (kind == "article" and doc.get("publisher") == "brief"):
        raise InputError(f"expected a {kind} file, got a {doc.get('publisher')} file")
    return doc["data"]


# ---------------------------------------------------------------- files

BRIEF_JSON = "brief.json"  # the published brief's data, beside its pages


def read_json_file(path: Path) -> Any:
    """The JSON value in ``path``, or InputError in one line."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def load_document(path: Path, kind: str) -> dict:
    """The data of an intermediate or published JSON file of ``kind`` (article, brief, ...)."""
    return undocument(read_json_file(path), kind)


def read_brief(path: Path) -> Brief:
    """A published ``brief.json`` (or a brief intermediate file) as a :class:`Brief`."""
    return brief_from_dict(load_document(path, "brief"))


def brief_json(brief: Brief) -> str:
    """The text of a brief's ``brief.json`` (what :func:`read_brief` reads back)."""
    return json.dumps(document("brief", brief), ensure_ascii=False, indent=1) + "\n"
