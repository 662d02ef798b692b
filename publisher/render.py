"""Brief -> bilingual HTML page, editor page and PDF (jinja2 + WeasyPrint).

The templates get a *view* of the brief built here: every piece of article text is
escaped by jinja2's autoescaping (footnote markers become links only after escaping), so
nothing an article contains can turn into markup, a template expression or a script.

Layout of an output folder::

    out/assets/css/*.css, out/assets/fonts/BriefGothic-*.ttf (+ OFL.txt)
    out/<slug>/brief.html, editor.html, brief.pdf, brief.json

Pages link their assets relatively (``../assets/...``): the folder can be served from
anywhere or opened from disk, and a page never asks another host for anything.
"""

from __future__ import annotations

import atexit
import logging
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
from markupsafe import Markup, escape

from .document import (
    BRIEF_JSON,
    BODY,
    CAPTION,
    FOOTNOTE,
    ORIGIN_EDITED,
    PULLQUOTE,
    TEST_MODEL_NOTICE,
    TITLE,
    Brief,
    OutputError,
    Segment,
    brief_json,
)
from .fsutil import atomic_write_bytes, safe_slug, tree_sha256
from .models import KIND_LABELS
from .text import EMAIL_FULL_RE, HANGUL_CLASS, MARKER_RE, graphemes, no_bidi
from .urls import safe_link
from .wellformed import check_text

log = logging.getLogger(__name__)


def _templates_dir() -> Path:
    """The package's templates, stylesheets and fonts (package data, found with importlib.resources).

    An installed package is a folder, so this is a plain path; from a zipped install the
    folder is extracted once for the life of the process (WeasyPrint and jinja2 read files).
    """
    found = resources.files(__package__) / "templates"
    if isinstance(found, Path):
        return found
    stack = ExitStack()
    atexit.register(stack.close)
    return Path(stack.enter_context(resources.as_file(found)))


TEMPLATES_DIR = _templates_dir()
CSS_DIR = TEMPLATES_DIR / "css"
FONTS_DIR = TEMPLATES_DIR / "fonts"
LAYOUTS = ("columns", "interleaved")
FONT_FILES = (
    "BriefGothic-Regular.ttf",
    "BriefGothic-Bold.ttf",
    "BriefHanja-Regular.ttf",
    "BriefEmoji-Regular.ttf",
    "OFL.txt",
    "OFL-NotoEmoji.txt",
    "README.md",
)
CSS_FILES = ("fonts.css", "brief.css", "site.css")

TEST_MODEL_BANNER = "Test model, not a translation"
MT_NOTICE = "Machine-translated from Korean"
MT_NOTICE_EDITED = "Machine-translated, edited"

# Newsroom roles in bylines, for the English reader ("김하늘 기자" -> "김하늘, reporter").
ROLES_EN = {
    "기자": "reporter",
    "선임기자": "senior reporter",
    "수습기자": "trainee reporter",
    "인턴기자": "intern reporter",
    "사진기자": "photojournalist",
    "영상기자": "video journalist",
    "특파원": "correspondent",
    "논설위원": "editorial writer",
    "칼럼니스트": "columnist",
    "편집장": "editor-in-chief",
    "에디터": "editor",
    "객원기자": "contributing reporter",
}

_REF = MARKER_RE
_EMAIL = EMAIL_FULL_RE
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


# ------------------------------------------------------------------ view model


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
    author: str | None
    role: str | None
    role_en: str | None
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


def _markup():
    return Markup, escape


def _with_refs(text: str, lang: str, known: set[int], seen: set[int], link: bool = True) -> Any:
    """Escape ``text`` and turn ``[n]`` markers of known footnotes into noteref links.

    The first reference to note n in each language gets the id the note's back link
    points to (``fnref-<n>-<lang>``).
    """
    Markup, escape = _markup()
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
    Markup, _ = _markup()

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


def _keep_view_words(view: View) -> None:
    for s in view.summary:
        s.ko = keep_words(s.ko)
    for b in view.blocks:
        for s in b.segments:
            s.ko = keep_words(s.ko)
    for n in view.notes:
        for s in n.segments:
            s.ko = keep_words(s.ko)
    _, escape = _markup()
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
    return View(
        slug=art.slug,
        title_ko=brief.title_ko,
        title_en=brief.title_en,
        date_iso=date_iso,
        date_en=date_en,
        date_ko=date_ko,
        author=art.byline.author,
        role=art.byline.role,
        role_en=ROLES_EN.get((art.byline.role or "").replace(" ", "")),
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


# ------------------------------------------------------------------ templates


def templates_digest() -> str:
    """A digest of every template, stylesheet and font: a change to any of them rebuilds every brief."""
    return tree_sha256(TEMPLATES_DIR)


@lru_cache(maxsize=1)
def environment():
    """The jinja2 environment: autoescaping for every template, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["TEST_MODEL_BANNER"] = TEST_MODEL_BANNER
    return env


def render_template(template: str, **context: Any) -> str:
    """A page from one of the package's templates (autoescaped); OutputError when it fails."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise OutputError(f"template {template} failed: {exc}; reinstall publisher (its templates are incomplete)") from None


def render_html(brief: Brief, editor: bool = False, *, view: View | None = None) -> str:
    """The reader's page (or, with ``editor=True``, the editor's page with quality flags).

    ``view``: the brief's view when the caller already built it (both pages share one).
    """
    view = view or build_view(brief)
    return render_template(
        "brief.html.j2",
        v=view,
        meta=document_meta(view),
        editor=editor,
        assets="../assets",
        generator=f"publisher {brief.publisher_version or ''}".strip(),
    )


def render_pdf_html(brief: Brief, layout: str = "columns") -> str:
    """The HTML that WeasyPrint lays out for the PDF."""
    if layout not in LAYOUTS:
        raise OutputError(f"unknown layout {layout!r}; use one of: {', '.join(LAYOUTS)}")
    view = build_view(brief)
    meta = document_meta(view)  # plain text, before the Korean words get their spans
    _keep_view_words(view)
    return render_template(
        "brief_pdf.html.j2",
        v=view,
        meta=meta,
        layout=layout,
        generator=f"publisher {brief.publisher_version or ''}".strip(),
    )


# ------------------------------------------------------------------ PDF


def _local_fetcher():
    """A WeasyPrint URL fetcher that reads only files under templates/: nothing else, no network."""
    from weasyprint.urls import URLFetcher

    root = TEMPLATES_DIR.resolve()

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise ValueError(f"refusing to fetch {url}: briefs use local files only")
            path = Path(url2pathname(parts.path)).resolve()
            if not path.is_relative_to(root):
                raise ValueError(f"refusing to read {path}: outside the templates folder")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=["file"])


@lru_cache(maxsize=1)
def _pdf_resources():
    """Font configuration and parsed print stylesheet, shared by every PDF in a process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    fetcher = _local_fetcher()
    css = CSS(filename=str(CSS_DIR / "print.css"), font_config=font_config, url_fetcher=fetcher)
    # Release the font configuration while the interpreter is still whole: left to the
    # final teardown, its __del__ can fail noisily ("Exception ignored in ...").
    atexit.register(_pdf_resources.cache_clear)
    return font_config, css, fetcher


def render_pdf(brief: Brief, layout: str = "columns") -> bytes:
    """An A4 PDF of the brief: page one titles + summary, then the aligned full text, notes.

    Tagged (PDF/UA-1), with title/author/subject/keywords/language metadata and an outline.
    """
    html_text = render_pdf_html(brief, layout)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango/cairo libraries missing
        raise OutputError(f"WeasyPrint is not usable ({exc}); install the Pango libraries (Debian: libpango-1.0-0 libpangoft2-1.0-0) and rerun 'make brief'") from None
    font_config, css, fetcher = _pdf_resources()
    doc = HTML(string=html_text, base_url=str(CSS_DIR) + "/", url_fetcher=fetcher)
    try:
        return doc.write_pdf(
            stylesheets=[css],
            font_config=font_config,
            pdf_variant="pdf/ua-1",
            uncompressed_pdf=False,
        )
    except Exception as exc:  # WeasyPrint raises many kinds; none may reach the editor raw
        log.debug("WeasyPrint failed", exc_info=True)
        raise OutputError(f"PDF rendering failed for {brief.article.slug}: {type(exc).__name__}: {exc}") from None


# ------------------------------------------------------------------ output folder


def copy_assets(out_dir: Path) -> Path:
    """Copy the stylesheets and bundled fonts to ``out_dir/assets`` (atomically, only when changed)."""
    assets = Path(out_dir) / "assets"
    pairs = [(CSS_DIR / n, assets / "css" / n) for n in CSS_FILES]
    pairs += [(FONTS_DIR / n, assets / "fonts" / n) for n in FONT_FILES]
    for src, dst in pairs:
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise OutputError(f"cannot read {src}: {exc.strerror or exc}; reinstall publisher (its templates are incomplete)") from None
        try:
            if dst.is_file() and dst.stat().st_size == len(data) and dst.read_bytes() == data:
                continue
        except OSError:
            pass
        atomic_write_bytes(dst, data)
    return assets


def render_brief_files(brief: Brief, layout: str = "columns") -> tuple[tuple[str, bytes], ...]:
    """The files of one brief's folder as ``(name, bytes)``, ``brief.json`` last.

    Every HTML page is parsed back first (:func:`publisher.wellformed.check_text`): a page
    that would not parse is an OutputError here, wherever the rendering runs (this process
    or a Ray task), and nothing is written. ``brief.json`` comes last because it carries
    the inputs hash that lets the next build skip this brief: the writer
    (``build.publish.write_brief_folder``) writes in this order, so it never describes files
    that were not written.
    """
    what = f"article {safe_slug(brief.article.slug)}"
    view = build_view(brief)  # the PDF builds its own: it glues Korean words in its copy
    html = check_text("brief.html", render_html(brief, view=view), what)
    editor = check_text("editor.html", render_html(brief, editor=True, view=view), what)
    pdf = render_pdf(brief, layout)
    return (
        ("brief.pdf", pdf),
        ("editor.html", editor.encode("utf-8")),
        ("brief.html", html.encode("utf-8")),
        (BRIEF_JSON, brief_json(brief).encode("utf-8")),
    )
