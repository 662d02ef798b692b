"""The brief's view model: everything the page and PDF templates show, built from a Brief.

Every piece of article text is escaped here (markupsafe), and footnote markers become
noteref links only after escaping, so nothing an article contains can turn into markup, a
template expression or a script when :mod:`publisher.render` fills the templates. Dates,
bylines, model labels and the PDF's metadata (:func:`document_meta`) are worded here too,
and :func:`keep_words` glues Korean words for WeasyPrint, which ignores ``keep-all``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from .document import (
    BODY,
    CAPTION,
    FOOTNOTE,
    ORIGIN_EDITED,
    PULLQUOTE,
    TEST_MODEL_NOTICE,
    TITLE,
    Brief,
    Segment,
)
from .byline import byline_texts, load_names
from .models import KIND_LABELS
from .text import EMAIL_FULL_RE, HANGUL_CLASS, MARKER_RE, graphemes, no_bidi
from .urls import safe_link

MT_NOTICE = "Machine-translated from Korean"
MT_NOTICE_EDITED = "Machine-translated, edited"


_REF = MARKER_RE
_EMAIL = EMAIL_FULL_RE
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


@dataclass
class SegView:
    id: str
    ko: Any  # markupsafe.Markup
    en: Any  # Markup, or None when the segment has no English
    flags: tuple[str, ...] = ()
    edited: bool = False


@dataclass
class BlockView:
    id: str
    kind: str
    segments: list[SegView]
    credit: str | None = None


@dataclass
class NoteView:
    number: int
    segments: list[SegView]
    ref_ko: bool = False  # a reference to it exists in the Korean text
    ref_en: bool = False
    anchor: str = ""  # the element id; "fn-<n>" unless the number is a duplicate

    def __post_init__(self) -> None:
        self.anchor = self.anchor or f"fn-{self.number}"


@dataclass
class View:
    """Everything a template needs, already escaped where it matters."""

    slug: str
    title_ko: str
    title_en: str | None
    date_iso: str | None
    date_en: str | None
    date_ko: str | None
    author: str | None  # as the article gives it (Hangul): the Korean side of the byline
    role: str | None
    role_en: str | None
    author_en: str | None  # romanised, or as the editor's staff list / glossary spells it
    email: str | None
    outlet: str | None
    source_url: str | None  # only http(s); anything else is shown as text, never linked
    source_text: str | None
    summary: list[SegView]
    summary_note: str | None
    blocks: list[BlockView]
    notes: list[NoteView]
    flagged: list[tuple[SegView, str]]  # (segment, where) for the editor view
    test_model: bool
    notices: list[str]
    model_name: str | None
    model_version: str | None
    model_sha: str | None
    model_kind: str | None
    publisher_version: str | None
    generated_iso: str | None
    generated_text: str | None
    edited: bool
    mt_notice: str
    article_notes: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)


def _with_refs(text: str, lang: str, known: set[int], seen: set[int], link: bool = True) -> Any:
    """Escape ``text`` and turn ``[n]`` markers of known footnotes into noteref links.

    The first reference to note n in each language gets the id the note's back link
    points to (``fnref-<n>-<lang>``).
    """
    out = []
    pos = 0
    for m in _REF.finditer(text):
        n = int(m.group(1))
        if n not in known:
            continue
        out.append(escape(text[pos : m.start()]))
        pos = m.end()
        if not link:
            continue  # summaries drop the markers
        anchor = ""
        if n not in seen:
            seen.add(n)
            anchor = f' id="fnref-{n}-{lang}"'
        out.append(
            Markup(
                '<sup class="noteref"><a href="#fn-{n}"{anchor} role="doc-noteref" '
                'aria-label="Note {n}">[{n}]</a></sup>'
            ).format(n=n, anchor=Markup(anchor))
        )
    out.append(escape(text[pos:]))
    result = Markup("").join(out)
    return result if link else Markup(re.sub(r"\s{2,}", " ", str(result)).strip())


def _seg_view(seg: Segment, known: set[int], seen: dict[str, set[int]], link: bool = True) -> SegView:
    ko = _with_refs(seg.text, "ko", known, seen["ko"], link)
    en = None
    if seg.en:
        en = _with_refs(seg.en, "en", known, seen["en"], link)
        if link:
            # Footnote markers the translation dropped are put back at the end.
            present = {int(m.group(1)) for m in _REF.finditer(seg.en)}
            missing = [n for n in seg.refs if n in known and n not in present]
            if missing:
                en = en + _with_refs("".join(f"[{n}]" for n in missing), "en", known, seen["en"])
    return SegView(id=seg.id, ko=ko, en=en, flags=tuple(seg.flags), edited=seg.origin == ORIGIN_EDITED)


_TOKENS = re.compile(r"(<[^>]*>)|([^<]+)")
_WORD = re.compile(r"\S+")
_HANGUL_CHAR = re.compile(f"[{HANGUL_CLASS}]")
WORD_JOINER = "\u2060"
KEEP_WORD_MAX = 24  # longer "words" (text without spaces) may still break anywhere


def keep_words(markup: Any) -> Any:
    """Glue each Korean word of escaped ``markup`` together with WORD JOINERs (U+2060).

    WeasyPrint ignores ``word-break: keep-all`` and breaks Korean between any two
    syllables. A word joiner between the characters of a word (Hangul next to anything
    but a space) forbids those breaks, so lines break only at spaces, which is what
    keep-all means. The joiner is invisible and is not part of the extracted text. Words
    longer than ``KEEP_WORD_MAX`` characters are left breakable so they cannot overflow
    the column. Browsers get the real ``word-break: keep-all``: this is for the PDF only.
    """

    def join(word: re.Match) -> str:
        w = word.group(0)
        if len(w) > KEEP_WORD_MAX or not _HANGUL_CHAR.search(w):
            return w
        # Joiners go between grapheme clusters only, never inside one (conjoining jamo,
        # an emoji ZWJ sequence, a flag).
        clusters = graphemes(w)
        out = [clusters[0]]
        for prev, cur in zip(clusters, clusters[1:]):
            if _HANGUL_CHAR.search(prev) or _HANGUL_CHAR.search(cur):
                out.append(WORD_JOINER)
            out.append(cur)
        return "".join(out)

    out = []
    for tag, text in _TOKENS.findall(str(markup)):
        out.append(tag or _WORD.sub(join, text))
    return Markup("".join(out))


def keep_view_words(view: View) -> None:
    """Glue the Korean words of ``view`` in place (:func:`keep_words`): for the PDF's copy of a view only."""
    for s in view.summary:
        s.ko = keep_words(s.ko)
    for b in view.blocks:
        for s in b.segments:
            s.ko = keep_words(s.ko)
    for n in view.notes:
        for s in n.segments:
            s.ko = keep_words(s.ko)
    view.title_ko = keep_words(escape(view.title_ko))


def _date_texts(value: str | None) -> tuple[str | None, str | None, str | None]:
    """(ISO date, English date, Korean date) or the raw text when it is not a date."""
    if not value:
        return None, None, None
    try:
        d = datetime.strptime(value[:10], "%Y-%m-%d").date()
    except ValueError:
        return None, value, value
    return d.isoformat(), f"{d.day} {_MONTHS[d.month - 1]} {d.year}", f"{d.year}년 {d.month}월 {d.day}일"


def _generated_text(value: str | None) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return value
    tz = dt.strftime("%Z") or ""
    tz = "UTC" if tz in ("UTC", "UTC+00:00") else tz
    return (dt.strftime("%Y-%m-%d %H:%M") + (" " + tz if tz else "")).strip()


def _kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _text_views(art, known: set[int], seen: dict[str, set[int]]) -> tuple[list[BlockView], list[tuple[SegView, str]]]:
    """The article's text blocks (not its notes), and the flagged segments of the title and text."""
    plain: dict[str, set[int]] = {"ko": set(), "en": set()}
    blocks: list[BlockView] = []
    flagged: list[tuple[SegView, str]] = []
    for b in art.blocks:
        if b.kind == TITLE:
            flagged.extend((_seg_view(s, known, plain, link=False), "title") for s in b.segments if s.flags)
            continue
        if b.kind == FOOTNOTE:
            continue  # endnotes are built after the text so back links know their targets
        segs = [_seg_view(s, known, seen) for s in b.segments]
        if not segs and b.text:
            segs = [SegView(id=f"{b.id}.0", ko=_with_refs(b.text, "ko", known, seen["ko"]), en=None)]
        # A credit still inside the caption's own text is not repeated.
        credit = b.credit if b.credit and not any(b.credit in s.text for s in b.segments) else None
        kind = b.kind if b.kind in (BODY, CAPTION, PULLQUOTE) else BODY
        blocks.append(BlockView(id=b.id, kind=kind, segments=segs, credit=credit))
        flagged.extend((s, b.kind) for s in segs if s.flags)
    return blocks, flagged


def _note_views(art, known: set[int], seen: dict[str, set[int]]) -> tuple[list[NoteView], list[tuple[SegView, str]]]:
    """The endnotes in number order (a duplicate number is listed, not linked), and their flagged segments."""
    plain: dict[str, set[int]] = {"ko": set(), "en": set()}
    notes: list[NoteView] = []
    flagged: list[tuple[SegView, str]] = []
    for b in sorted((b for b in art.blocks if b.kind == FOOTNOTE), key=lambda b: b.number or 0):
        segs = [_seg_view(s, known, plain, link=False) for s in b.segments]
        if not segs and b.text:
            segs = [SegView(id=f"{b.id}.0", ko=_with_refs(b.text, "ko", known, set(), link=False), en=None)]
        n = b.number if b.number is not None else 0
        if any(note.number == n for note in notes):
            notes.append(NoteView(number=n, segments=segs, anchor=f"fn-{n}-{len(notes) + 1}"))
        else:
            notes.append(NoteView(number=n, segments=segs, ref_ko=n in seen["ko"], ref_en=n in seen["en"]))
        flagged.extend((s, "note") for s in segs if s.flags)
    return notes, flagged


def build_view(brief: Brief) -> View:
    """The template view of ``brief``."""
    art = brief.article
    known = {b.number for b in art.blocks if b.kind == FOOTNOTE and b.number is not None}
    seen: dict[str, set[int]] = {"ko": set(), "en": set()}
    by_id = {s.id: s for _, s in art.iter_segments()}
    plain: dict[str, set[int]] = {"ko": set(), "en": set()}
    summary = [_seg_view(by_id[i], known, plain, link=False) for i in brief.summary if i in by_id]
    blocks, flagged = _text_views(art, known, seen)
    notes, flagged_notes = _note_views(art, known, seen)
    flagged += flagged_notes
    date_iso, date_en, date_ko = _date_texts(art.date)
    model = brief.model
    email = art.byline.email if art.byline.email and _EMAIL.match(art.byline.email) else None
    test_model = brief.test_model
    # The names an editor lists beside the article (staff.csv, glossary.csv) win over the rule.
    # Only beside a file that is there: a brief rendered elsewhere (a sample, a copied brief.json)
    # does not pick up whatever glossary the current directory holds.
    source = Path(art.source) if art.source and art.byline.author else None
    names = load_names(source.parent) if source is not None and source.is_file() else {}
    byline = byline_texts(art.byline.author, art.byline.role, names)
    return View(
        slug=art.slug,
        title_ko=brief.title_ko,
        title_en=brief.title_en,
        date_iso=date_iso,
        date_en=date_en,
        date_ko=date_ko,
        author=art.byline.author,
        role=art.byline.role,
        role_en=byline.role_en,
        author_en=byline.name_en,
        email=email,
        outlet=art.outlet,
        source_url=safe_link(art.url),
        source_text=art.url,
        summary=summary,
        summary_note=brief.summary_note,
        blocks=blocks,
        notes=notes,
        flagged=flagged,
        test_model=test_model,
        notices=[n for n in brief.notices if not (test_model and n == TEST_MODEL_NOTICE)],
        model_name=model.name if model else None,
        model_version=model.version if model else None,
        model_sha=(model.sha256 or "")[:12] if model else None,
        model_kind=_kind_label(model.kind) if model else None,
        publisher_version=brief.publisher_version,
        generated_iso=brief.generated,
        generated_text=_generated_text(brief.generated),
        edited=brief.edited,
        mt_notice=MT_NOTICE_EDITED if brief.edited else MT_NOTICE,
        article_notes=list(art.notes),
        noise=list(art.noise),
    )


def document_meta(view: View) -> dict[str, str]:
    """What WeasyPrint turns into PDF metadata (and the HTML page's <meta> tags)."""
    title = view.title_en + " / " + view.title_ko if view.title_en else view.title_ko
    title = no_bidi(str(title))  # PDF viewers show these unisolated: no bidi controls
    author = no_bidi(view.author or view.outlet or "unknown")
    where = ", ".join(x for x in (view.outlet, view.date_iso) if x)
    subject = f"Bilingual Korean-English brief of “{view.title_ko}”" + (f" ({where})" if where else "")
    keywords = ["Korean", "English", "bilingual brief", "machine translation"]
    if view.outlet:
        keywords.append(view.outlet.replace(",", " "))
    return {"title": title, "author": author, "description": no_bidi(subject), "keywords": no_bidi(", ".join(keywords))}
