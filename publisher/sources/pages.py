"""A web page -> an article file in the inbox.

:func:`fetch_article` GETs the page (:mod:`.http`: timeouts, User-Agent, redirect limit,
size cap, per-host delay) and :func:`extract_article` keeps the article: trafilatura finds
the main text (menus, related-article boxes, comments, share buttons and footers stay
out; it is maintained and benchmarked for exactly this) and gives the title, date, byline
and site name; the image captions, which trafilatura drops, are taken from the page's
``<figure>``/``<figcaption>`` for the images trafilatura kept.

:func:`article_file_text` writes it in the inbox's own format, a ``.txt`` with YAML front
matter (``title``, ``date``, ``author``, ``outlet``, ``url``: keys :mod:`publisher.read`
already reads), one paragraph per line and each caption as a ``<caption ⓒcredit>`` line,
so the brief is built by the same reader as a hand-made article. :func:`article_file_name`
is the file's stable name (a readable slug of the URL plus a short hash; never a path from
the network) and :func:`write_article` writes it atomically without ever overwriting a file
an editor changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from ..document import OutputError
from ..fsutil import FileTaken, atomic_write_bytes, cache_dir, fingerprint, fingerprint_of, safe_slug, write_new_bytes
from ..urls import BadURL, check_http_url
from .http import FetchError, Fetched, NotAnArticle, get
from .state import SourceState

log = logging.getLogger(__name__)

MIN_ARTICLE_CHARS = 60  # less body text than this is not an article (a section front, a login page)
FILE_SUFFIX = ".ko.txt"


@dataclass(frozen=True)
class Caption:
    """An image caption and how many body paragraphs come before it."""

    text: str
    after: int


@dataclass(frozen=True)
class FetchedArticle:
    """One page's article, as extracted (nothing written yet)."""

    url: str  # the address asked for (the feed item's link, or the editor's URL)
    final_url: str  # after redirects: the source link of the brief
    title: str | None
    date: str | None  # YYYY-MM-DD
    byline: str | None
    paragraphs: tuple[str, ...]
    captions: tuple[Caption, ...] = ()
    outlet: str | None = None
    item_id: str | None = None  # the feed item's id (the URL for a page fetched by hand)
    etag: str | None = None
    last_modified: str | None = None
    html: str = field(default="", repr=False)  # the page as fetched


def fetch_article(url: str, *, client, settings, item_id: str | None = None) -> FetchedArticle:
    """GET ``url`` and extract its article; :class:`FetchError` (``PageGone``, ``NotAnArticle``) when that fails."""
    return article_from_answer(get(client, url, settings), item_id=item_id)


def article_from_answer(answer: Fetched, *, item_id: str | None = None) -> FetchedArticle:
    """The article of a page already fetched (a 200 :class:`~.http.Fetched`)."""
    url = answer.url
    ctype = answer.headers.get("content-type", "text/html").split(";")[0].strip().lower()
    if ctype not in ("text/html", "application/xhtml+xml", ""):
        raise NotAnArticle(f"{url}: not a web page ({ctype}); give the address of an article page")
    html = decode_page(answer.content, answer.headers.get("content-type", ""))
    if _FEED_DOCUMENT.match(html[:1024]):
        raise NotAnArticle(f"{url}: this is a feed, not an article page; list it under [[service.feeds]] instead")
    article = extract_article(html, url=url, final_url=answer.final_url, item_id=item_id or url)
    return dataclasses.replace(article, etag=answer.headers.get("etag"), last_modified=answer.headers.get("last-modified"))


_FEED_DOCUMENT = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)[\s>]", re.S)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def decode_page(content: bytes, content_type: str = "") -> str:
    """The page's text: the charset the server or the page declares, else UTF-8, else CP949 (Korean sites)."""
    declared = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", content_type or "", re.I)
    m = _META_CHARSET.search(content[:4096])
    for name in ([declared.group(1)] if declared else []) + ([m.group(1).decode("ascii")] if m else []) + ["utf-8", "cp949"]:
        name = {"euc-kr": "cp949", "ks_c_5601-1987": "cp949", "x-windows-949": "cp949"}.get(name.lower(), name)
        try:
            return content.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("utf-8", errors="replace")


def extract_article(html: str, *, url: str, final_url: str | None = None, item_id: str | None = None) -> FetchedArticle:
    """The article of a page's HTML: trafilatura's main text, plus the captions of its images.

    The page first loses what :func:`publisher.read.html.drop_boilerplate` knows is not the
    article (boxes marked related, comments, share, menu...; lists of links; their labels),
    the same class of rules as for a local HTML file: trafilatura alone let a "관련 기사"
    label and a comment box marked only by ``aria-label`` through on the sample pages.
    """
    import trafilatura  # lazy: ~0.2 s
    from lxml import etree

    from ..read.html import drop_boilerplate

    final_url = final_url or url
    soup = _soup(html)
    captions_by_src = _figure_captions(soup, final_url) if soup is not None else {}
    meta_author = _meta_author(soup) if soup is not None else None
    if soup is not None:
        drop_boilerplate(soup)
        html_for_extractor = str(soup)
    else:
        html_for_extractor = html
    _quiet_extractor()
    try:
        xml = trafilatura.extract(
            html_for_extractor, url=final_url, output_format="xml", with_metadata=True, include_comments=False,
            include_images=True, include_tables=False, include_links=False, include_formatting=False,
            favor_precision=True, deduplicate=False,
        )
    except Exception as exc:  # the extractor's own parse failures
        raise NotAnArticle(f"{url}: cannot read the page ({type(exc).__name__})") from None
    if not xml:
        raise NotAnArticle(f"{url}: no article text found on the page")
    doc = etree.fromstring(xml.encode("utf-8"))
    title = _clean(doc.get("title"))
    paragraphs: list[str] = []
    captions: list[Caption] = []
    main = doc.find("main")
    for el in main.iter("p", "head", "item", "quote", "graphic") if main is not None else ():
        if el.tag == "graphic":
            text = captions_by_src.get(el.get("src") or "")
            if text and all(c.text != text for c in captions):
                captions.append(Caption(text, len(paragraphs)))
            continue
        if el.tag in ("p", "head") and el.getparent() is not None and el.getparent().tag in ("item", "quote"):
            continue  # the enclosing item or quote carries the text
        text = _clean(" ".join(el.itertext()))
        if text and text != title:
            paragraphs.append(text)
    byline = _clean(doc.get("author")) or meta_author
    paragraphs = [p for p in paragraphs if not _is_byline_line(p, byline)]
    if sum(len(p) for p in paragraphs) < MIN_ARTICLE_CHARS:
        raise NotAnArticle(f"{url}: no article text found on the page (a section front or a list of links?)")
    return FetchedArticle(
        url=url, final_url=final_url, title=title, date=_clean(doc.get("date")),
        byline=byline, paragraphs=tuple(paragraphs), captions=tuple(captions),
        outlet=_site_name(doc.get("sitename"), final_url), item_id=item_id, html=html,
    )


_DATE_IN_LINE = re.compile(r"\d{4}\s*[.\-/년]\s*\d{1,2}\s*[.\-/월]\s*\d{1,2}")


def _is_byline_line(text: str, byline: str | None) -> bool:
    """``최도윤 기자 | 승인 2026.03.30 14:05``: the byline (and date) already in the front matter, not body text."""
    if not byline or len(text) > 80:
        return False
    name = split_byline(byline)[0] or byline
    return text == byline or (name in text and bool(_DATE_IN_LINE.search(text)))


def _soup(html: str):
    import warnings

    try:
        from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            return BeautifulSoup(html, "lxml")
    except Exception:  # lxml refuses some hostile input; trafilatura then gets the page as it is
        return None


def _meta_author(soup) -> str | None:
    tag = soup.find("meta", attrs={"name": "author"})
    return _clean(str(tag.get("content") or "")) if tag is not None else None


def _quiet_extractor() -> None:
    """trafilatura logs its own ERROR/WARNING lines about a page it cannot use; the reason is
    ours to give, in one line (:class:`NotAnArticle`). They stay visible at DEBUG level."""
    if not log.isEnabledFor(logging.DEBUG):
        for name in ("trafilatura", "htmldate", "courlan", "justext"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _figure_captions(soup, base: str) -> dict[str, str]:
    """{absolute image address: caption} for the page's ``<figure>``s with a ``<figcaption>``."""
    out: dict[str, str] = {}
    for fig in soup.find_all("figure"):
        cap = fig.find("figcaption")
        text = _clean(cap.get_text(" ")) if cap is not None else None
        if not text:
            continue
        for img in fig.find_all("img"):
            src = img.get("src") or img.get("data-src")
            if src:
                out[urljoin(base, str(src).strip())] = text
    return out


def _site_name(name: str | None, url: str) -> str | None:
    """The site's name; None when the extractor only had the host name to offer."""
    name = _clean(name)
    parts = urlsplit(url)
    hosts = {(parts.netloc or "").lower(), (parts.hostname or "").lower()}
    hosts |= {h.removeprefix("www.") for h in hosts}
    return None if name is None or name.lower() in hosts else name


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text or None


# ----------------------------------------------------------------------------- the file


def article_file_text(article: FetchedArticle) -> str:
    """The article as an inbox ``.txt``: YAML front matter, then one paragraph or ``<caption>`` per line."""
    from ..read.frontmatter import front_matter_block

    author, role = split_byline(article.byline)
    front = {"title": article.title, "date": article.date, "author": author, "role": role, "outlet": article.outlet,
             "url": article.final_url}
    lines: list[str] = []
    captions = list(article.captions)
    for n, para in enumerate(article.paragraphs):
        lines.extend(f"<{_caption_text(c.text)}>" for c in captions if c.after == n)
        lines.append(para)
    lines.extend(f"<{_caption_text(c.text)}>" for c in captions if c.after >= len(article.paragraphs))
    return front_matter_block(front) + "\n" + "\n\n".join(" ".join(line.split()) for line in lines) + "\n"


_BYLINE_LABEL = re.compile(r"^(?:글|글·사진|글/사진|사진|취재|기사|작성|by)\s*[:：]?\s+", re.IGNORECASE)
_ROLE = re.compile(r"^(.+?)\s*(선임기자|수석기자|객원기자|인턴기자|기자|특파원|논설위원|편집위원|전문위원|칼럼니스트|에디터|앵커|PD)$")


def split_byline(byline: str | None) -> tuple[str | None, str | None]:
    """``"윤하늘 기자"`` -> ``("윤하늘", "기자")``; a byline without a role stays whole."""
    byline = _BYLINE_LABEL.sub("", byline or "", count=1).strip() or None
    m = _ROLE.match(byline or "")
    return (m.group(1).strip(), m.group(2)) if m else (byline, None)


def _caption_text(text: str) -> str:
    return text.replace("<", "(").replace(">", ")")


_GENERIC_SUFFIX = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|cgi)$", re.I)


def article_file_name(item_id_or_url: str) -> str:
    """A stable, safe file name for an item: a readable slug of its URL (or id) and a short hash.

    ``https://news.example.kr/news/articleView.html?idxno=1001`` ->
    ``news-articleview-idxno-1001-<8 hex>.ko.txt``. Only letters, digits, Hangul and '-'
    survive, so no name from the network can reach outside the inbox; the hash keeps two
    items whose slugs collide apart.
    """
    key = " ".join(str(item_id_or_url).split())
    words: list[str] = []
    try:
        check_http_url(key)
        parts = urlsplit(key)
        key = urlunsplit(parts._replace(fragment=""))
        words = [_GENERIC_SUFFIX.sub("", unquote(seg)) for seg in parts.path.split("/") if seg]
        words += [unquote(q) for q in re.split(r"[&=;]", parts.query) if q]
        if not words:
            words = [parts.hostname or ""]
    except BadURL:
        words = [key]
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    slug = safe_slug(" ".join(words), fallback="article")
    if len(slug) > 48:  # keep the most specific end of a long path
        slug = slug[-48:].split("-", 1)[-1] or slug[-48:]
    return f"{slug}-{digest}{FILE_SUFFIX}"


def file_key(article: FetchedArticle) -> str:
    """What an article's file name is derived from: the item's link (the same for the feed and a hand fetch)."""
    return article.url or article.item_id or article.final_url


class EditorFileError(OutputError):
    """An article file in the inbox that an editor wrote or changed: the fetcher leaves it alone."""


def write_article(inbox: Path, article: FetchedArticle, *, state_dir: Path | None = None) -> Path:
    """Write ``article`` into ``inbox`` (atomically) and remember the bytes written.

    A file of the same name that the fetcher did not write, or that changed since it wrote
    it, is an editor's: :class:`EditorFileError`, nothing written.
    """
    with SourceState(state_dir or cache_dir("sources")) as state:
        return write_with_state(inbox, article, state)[0]


def write_with_state(inbox: Path, article: FetchedArticle, state: SourceState, *, name: str | None = None,
                     when: float | None = None) -> tuple[Path, bool]:
    """:func:`write_article` with an open state: ``(path, whether the file changed)``; ``name``: the
    file's name when it is already known (a re-checked page keeps the name it was first written under)."""
    inbox = Path(inbox)
    name = name or article_file_name(file_key(article))
    path = inbox / name
    data = article_file_text(article).encode("utf-8")
    digest = fingerprint_of(data)
    record = state.written(inbox, name)
    if path.exists() or path.is_symlink():
        current = fingerprint(path) if path.is_file() and not path.is_symlink() else "symlink"
        if record is None or current != record.digest:
            raise EditorFileError(f"{path} exists and is an editor's file (not written by the fetcher, or changed since); "
                                  "it is never overwritten: rename or delete it to fetch the page again")
        if current == digest:
            state.record_written(inbox, name, digest, article.final_url, article.item_id, article.etag, article.last_modified, when)
            return path, False
        atomic_write_bytes(path, data)
    else:
        _create(path, data)
    state.record_written(inbox, name, digest, article.final_url, article.item_id, article.etag, article.last_modified, when)
    log.info("wrote %s from %s", path, article.final_url)
    return path, True


def _create(path: Path, data: bytes) -> None:
    """Write a new file atomically; a file that appears meanwhile (an editor's) is left alone."""
    try:
        write_new_bytes(path, data)
    except FileTaken:
        raise EditorFileError(f"{path} appeared while fetching; it is an editor's file and is never overwritten") from None


def remove_if_unchanged(inbox: Path, name: str, state: SourceState, when: float) -> Path | None:
    """Remove the fetcher's file ``name`` from ``inbox`` unless an editor changed it; the path removed, or None."""
    path = Path(inbox) / name
    record = state.written(inbox, name)
    state.mark_gone(inbox, name, when)
    if record is None or not path.is_file() or path.is_symlink():
        return None
    if fingerprint(path) != record.digest:
        log.warning("%s: the page is gone but an editor changed the file; it stays", path)
        return None
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot remove {path}: {exc.strerror or exc}") from None
    log.info("removed %s: its page is gone", path)
    return path


__all__ = [
    "Caption", "EditorFileError", "FetchError", "FetchedArticle", "NotAnArticle", "article_file_name",
    "article_file_text", "decode_page", "extract_article", "fetch_article", "file_key", "write_article",
]
