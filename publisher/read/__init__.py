"""Bytes on disk -> :class:`Article`: decoding, one reader per format, article structure.

``read_article(path)`` accepts ``.txt``, ``.md`` (optional YAML front matter) and
``.html``/``.htm`` (the article text of a CMS export). The modules:

* ``decode`` - bytes -> text: UTF-8 with or without BOM, UTF-16/32 with BOM, or
  CP949/EUC-KR; then one sanitizing step (``text.sanitize``), for HTML again after its
  character references are decoded: line ends become ``\\n``, U+000B (Word's manual line
  break), U+000C, U+2028 and U+2029 line or paragraph breaks, C0/C1 controls,
  noncharacters and lone surrogates are removed, as are zero-width characters outside
  emoji sequences; the text is NFC. Every removal is counted in ``Article.notes``.
* ``formats`` (:class:`TextReader`, :class:`MarkdownReader`) and ``html``
  (:class:`HtmlReader`) - one reader per format, each naming its ``file_extensions``;
  :func:`reader_for` dispatches by suffix, and a ``.md`` or ``.txt`` file whose content is
  an HTML document is read as HTML (with a note).
* ``frontmatter`` - YAML front matter.
* ``structure`` - what each line is (the same for every format):

  * dateline - a short line holding a date (``date 2025-09-12 이미지 확대하기``): the
    date becomes ``Article.date`` (ISO), the rest of the line is scraping noise, dropped
    and recorded in ``Article.noise`` and ``Article.notes``;
  * footnote definitions ``[n] ...`` anywhere in the file -> blocks ``fn<n>``;
  * captions ``<...>``, a trailing ``ⓒ출처`` credit split into ``Block.credit``;
  * pull quotes: a short line standing alone in quotes (the quote marks are markup and
    are not part of ``Block.text``);
  * byline ``글: 이름 기자, name@example.com`` -> ``Article.byline``;
  * everything else: body paragraphs ``p<n>``.

Bidi controls are removed from the title, author and outlet (with a note); in the text
they stay and the pages isolate them. Front matter overrides what is detected. A title is
never invented: without one the first pull quote becomes the title
(``title_source = "pull-quote"``, with a note). Every problem with the input raises
:class:`InputError` with a one-line message.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..document import BODY, CAPTION, FOOTNOTE, PULLQUOTE, TITLE, Article, Block, Byline, InputError
from ..fsutil import safe_slug
from ..text import name_key, strip_bidi_controls
from .decode import MAX_BYTES, decode_bytes, decode_file, read_bytes
from .formats import MarkdownReader, Reader, Source, TextReader
from .html import HtmlReader
from .structure import State, classify, footnote_notes, parse_date

READERS: tuple[Reader, ...] = (TextReader(), MarkdownReader(), HtmlReader())
ARTICLE_SUFFIXES = tuple(ext for r in READERS for ext in r.file_extensions if ext != ".xhtml")

_HTML_DOCUMENT = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html\b|html[\s>])", re.IGNORECASE | re.S)


def looks_like_html_document(text: str) -> bool:
    """Is ``text`` an HTML page (``<!doctype html>`` or ``<html>`` first), whatever its suffix says?"""
    return bool(_HTML_DOCUMENT.match(text[:4096]))


def reader_for(suffix: str, text: str) -> tuple[Reader, str | None]:
    """The reader for a file with ``suffix`` holding ``text``, and a note when its content overrode the suffix.

    An unknown suffix is read as plain text.
    """
    suffix = suffix.lower()
    reader = next((r for r in READERS if suffix in r.file_extensions), READERS[0])
    if not isinstance(reader, HtmlReader) and looks_like_html_document(text):
        html = next(r for r in READERS if isinstance(r, HtmlReader))
        return html, f"the {suffix or 'extension-less'} file holds an HTML document: read as HTML"
    return reader, None


def slug_for_path(path: Path) -> str:
    """The slug (the out/ folder name) of an article file: ``read_article(path).slug``, unread.
    Names that ``text.name_key`` makes equal (NFC/NFD, zero-width characters) share a slug."""
    name = name_key(Path(path).name)
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = re.sub(r"\.[a-z]{2}(?:[-_][A-Za-z]{2,4})?$", "", stem)
    return safe_slug(stem)


def _no_bidi(value: str | None, what: str, st: State) -> str | None:
    """``value`` without bidi controls (titles, names: they end up in file names, the feed, PDF metadata)."""
    if not value:
        return value
    clean, n = strip_bidi_controls(value)
    if n:
        st.notes.append(f"removed {n} bidi control character(s) from {what} (they can make it display in a misleading order)")
    return " ".join(clean.split()) or None


def _title(source: Source, st: State) -> tuple[str | None, str]:
    """The title and where it came from; the first pull quote stands in when nothing names one."""
    if source.meta.get("title"):
        return source.meta["title"], source.title_source
    if st.heading:
        return st.heading, "heading"
    first_quote = next((b for b in st.blocks if b.kind == PULLQUOTE), None)
    if first_quote is not None:
        st.blocks.remove(first_quote)
        st.notes.append(f"no title given: the first pull quote ({first_quote.id}) is used as the title")
        return first_quote.text, "pull-quote"
    st.notes.append("no title given and no pull quote to use; add 'title:' front matter")
    return None, "none"


def _byline(meta: dict, st: State) -> Byline:
    byline = st.byline or Byline()
    if meta.get("author"):
        byline = Byline(author=meta["author"], role=meta.get("role") or byline.role, email=meta.get("email") or byline.email, raw=byline.raw)
    if byline.author or byline.role:
        byline = Byline(
            author=_no_bidi(byline.author, "the author", st),
            role=_no_bidi(byline.role, "the byline role", st),
            email=byline.email,
            raw=byline.raw,
        )
    return byline


def _date(meta: dict, st: State) -> str | None:
    candidate = meta.get("date")
    if candidate:
        iso = parse_date(candidate)
        if iso is not None:
            return iso
        st.notes.append(f"cannot read the date '{candidate}'; expected YYYY-MM-DD")
    return st.date


def read_article(path: Path) -> Article:
    """Read one article file into an :class:`Article` (blocks with text, no segments)."""
    path = Path(path)
    text, decode_notes = decode_bytes(read_bytes(path))
    st = State(notes=list(decode_notes))
    reader, note = reader_for(path.suffix, text)
    if note:
        st.notes.append(note)
    source = reader.read(text)
    st.notes.extend(source.notes)
    for unit in source.units:
        classify(unit, st, source.markdown)
    title, title_source = _title(source, st)
    if title:
        title = _no_bidi(title, "the title", st)
    blocks = list(st.blocks)
    if not any(b.kind in (BODY, CAPTION, PULLQUOTE, FOOTNOTE) for b in blocks) and not title:
        raise InputError("no article text found (only a dateline, byline or noise)")
    if not any(b.kind == BODY for b in blocks):
        st.notes.append("no body paragraphs found")
    if title:
        blocks.insert(0, Block(id="t", kind=TITLE, text=title))
    footnote_notes(blocks, st)
    meta = source.meta
    byline = _byline(meta, st)
    outlet = _no_bidi(meta.get("outlet") or meta.get("source"), "the outlet", st)
    date = _date(meta, st)
    if strip_bidi_controls(path.name)[1]:
        st.notes.append("the file name holds bidi control characters; the slug and file names leave them out")
    return Article(
        slug=slug_for_path(path),
        source=str(path),
        title=title,
        title_source=title_source,
        date=date,
        byline=byline,
        outlet=outlet,
        url=meta.get("url"),
        language=meta.get("language") or meta.get("lang") or "ko",
        blocks=tuple(blocks),
        noise=tuple(st.noise),
        notes=tuple(st.notes),
    )


__all__ = [
    "ARTICLE_SUFFIXES",
    "MAX_BYTES",
    "READERS",
    "HtmlReader",
    "MarkdownReader",
    "Reader",
    "TextReader",
    "decode_bytes",
    "decode_file",
    "looks_like_html_document",
    "parse_date",
    "read_article",
    "reader_for",
    "slug_for_path",
]
