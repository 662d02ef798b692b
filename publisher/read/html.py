"""The HTML reader: article text and metadata from a web page (BeautifulSoup over lxml).

What is not the article is dropped before the text is read, as a class of elements rather
than page by page (:func:`drop_boilerplate`): navigation, asides, footers and site headers;
any element whose ``class``, ``id``, ``role`` or ``aria-label`` marks it as related or
recommended articles, comments, share or social buttons, menus, footers, ads or banners;
lists whose text is mostly links (a related-articles list without a name); and the labels
of such boxes left standing alone ("관련 기사", "댓글 3"). An element that holds the
article (an ``<article>``, ``<main>``, ``role=main``, the ``<h1>``) is never dropped for its name.

Local files are CMS exports whose markup is the article's structure (``<figcaption>``
captions, ``<blockquote>`` pull quotes, footnotes, ``<meta name=author>``), so this reader
stays BeautifulSoup; web pages fetched from a site go through trafilatura
(:mod:`publisher.sources.pages`), which is built for pages full of boilerplate but drops
captions and the author meta of small exports and, without ``favor_precision``, can
return a short export as one run-on paragraph.
"""

from __future__ import annotations

import re

from ..document import CAPTION, PULLQUOTE, InputError
from ..text import sanitize
from .formats import Reader, Source
from .structure import Unit

_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "noscript", "form", "iframe", "svg", "template", "button", "select", "menu", "dialog", "object", "embed")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "figcaption", "pre", "td", "dd", "dt")


_HTML_FORCED = {"figcaption": CAPTION, "blockquote": PULLQUOTE}

# class/id words (split at '-', '_', spaces and camelCase) that mark an element as not the article
_BOILERPLATE_WORDS = frozenset(
    "related relate relation recommend recommended recommendation comment comments commentary reply replies "
    "share sharing sharer social sns menu menus nav navbar navigation gnb lnb snb footer ad ads adv advert adverts "
    "advertisement advertising banner banners sponsor sponsored promo promotion popular ranking rank breadcrumb "
    "breadcrumbs subscribe subscription newsletter sidebar widget widgets toolbar outbrain taboola disqus "
    "mostread mostviewed hotnews tags taglist keyword keywords".split()
)
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "toolbar"})
_BOILERPLATE_LABEL = re.compile(
    r"(관련|추천|인기|많이\s*본|함께\s*(?:보|읽)|댓글|공유|메뉴|광고|구독|related|comment|share|menu|advert)", re.IGNORECASE
)
# a box's label left standing alone once its list of links is gone
_LABEL_LINE = re.compile(
    r"^(?:(?:이\s*기사와\s*)?관련(?:된)?\s*(?:기사|뉴스)|추천\s*(?:기사|뉴스)|인기\s*(?:기사|뉴스)|많이\s*본\s*(?:기사|뉴스)|"
    r"함께\s*(?:보면|읽으면)\s*좋은\s*(?:기사|뉴스)|댓글|독자\s*의견|공유하기|related\s+(?:articles|stories|news)|"
    r"comments?|most\s+read|share(?:\s+this)?)(?:\s*\(?\d+\)?)?$",
    re.IGNORECASE,
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
_LINK_LIST_SHARE = 0.8  # a list whose text is at least this much link text is a list of links


def _marked_as_boilerplate(tag) -> bool:
    attrs = tag.attrs or {}
    words: set[str] = set()
    for name in ("class", "id"):
        value = attrs.get(name)
        for part in value if isinstance(value, list) else [value or ""]:
            words.update(w.lower() for w in _WORD_SPLIT.split(str(part)) if w)
    if words & _BOILERPLATE_WORDS:
        return True
    if str(attrs.get("role", "")).strip().lower() in _BOILERPLATE_ROLES:
        return True
    label = str(attrs.get("aria-label", "")).strip()
    return bool(label) and len(label) <= 40 and bool(_BOILERPLATE_LABEL.search(label))


def _holds_article(tag) -> bool:
    """An element that holds the article or its headline (``class="article comment-on"`` is not a comment box)."""
    if tag.name in ("article", "main", "body", "html", "h1") or tag.get("role") == "main":
        return True
    return tag.find(["article", "main", "h1"]) is not None or tag.find(attrs={"role": "main"}) is not None


def _is_link_list(tag) -> bool:
    items = tag.find_all("li")
    text = "".join(tag.get_text(strip=True).split())
    if not items or not text:
        return False
    linked = "".join("".join(a.get_text(strip=True).split()) for a in tag.find_all("a"))
    return len(linked) >= _LINK_LIST_SHARE * len(text)


def drop_boilerplate(soup) -> None:
    """Remove what is not the article from ``soup``, in place (see the module's docstring)."""
    _remove([t for t in soup.find_all(_HTML_DROP) if not (t.name == "header" and t.find_parent("article") is not None)])
    _remove([t for t in soup.find_all(True) if _marked_as_boilerplate(t) and not _holds_article(t)])
    _remove([t for t in soup.find_all(["ul", "ol"]) if _is_link_list(t)])
    _remove([t for t in soup.find_all(_LABEL_TAGS) if _LABEL_LINE.match(" ".join(t.get_text(" ", strip=True).split()))])


_LABEL_TAGS = ("h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "td")


def _remove(tags: list) -> None:
    """Decompose ``tags``, outermost first (a descendant of a removed tag goes with it)."""
    chosen = {id(t) for t in tags}
    outermost = [t for t in tags if not any(id(p) in chosen for p in t.parents)]
    for tag in outermost:
        tag.decompose()


def _html_units(text: str) -> tuple[list[Unit], dict]:
    try:
        from bs4 import BeautifulSoup  # lazy: ~0.13 s, paid only when an HTML article is read

        soup = BeautifulSoup(text, "lxml")
    except Exception as exc:  # lxml refuses some hostile input
        raise InputError(f"cannot parse the HTML ({type(exc).__name__}); export the article again") from None
    meta: dict = {}
    cleaner = _EntityCleaner()

    def content(**attrs):
        tag = soup.find("meta", attrs=attrs)
        value = tag.get("content") if tag else None
        value = cleaner(str(value)) if value else None
        return " ".join(value.split()) if value else None

    page_title = cleaner(soup.title.get_text()) if soup.title else ""
    meta["title_meta"] = content(property="og:title") or (" ".join(page_title.split()) if page_title.strip() else None)
    meta["date"] = content(property="article:published_time") or content(name="date")
    meta["author"] = content(name="author")
    meta["outlet"] = content(property="og:site_name")
    meta["url"] = content(property="og:url")
    canonical = soup.find("link", rel="canonical")
    if not meta["url"] and canonical and canonical.get("href"):
        meta["url"] = str(canonical.get("href"))
    drop_boilerplate(soup)
    articles = soup.find_all("article")
    root = None
    if articles:
        root = max(articles, key=lambda a: len(a.get_text(strip=True)))
    if root is None or not root.get_text(strip=True):
        root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup
    if meta["date"] is None:
        t = root.find("time") or soup.find("time")
        if t is not None:
            meta["date"] = cleaner(t.get("datetime") or t.get_text(" ", strip=True))
    h1 = root.find("h1")
    h1_text = cleaner(h1.get_text(" ")) if h1 is not None else ""
    meta["title"] = " ".join(h1_text.split()) if h1_text.strip() else None
    if h1 is not None:
        h1.decompose()
    units: list[Unit] = []
    leaves = [el for el in root.find_all(_HTML_BLOCKS) if el.find(_HTML_BLOCKS) is None]
    if not leaves and root.get_text(strip=True):
        leaves = [root]
    for n, el in enumerate(leaves, start=1):
        for line in cleaner(el.get_text(" " if el.name != "pre" else "")).split("\n"):
            line = " ".join(line.split())
            if line:
                units.append(Unit(line, n, forced=_HTML_FORCED.get(el.name)))
    if not units:
        raise InputError("no article text found in the HTML (looked in <article>, <main> and <body>)")
    meta["notes"] = cleaner.notes()
    return units, meta


class HtmlReader(Reader):
    """An HTML page (a CMS export): the text of its ``<article>`` (else ``<main>``, ``<body>``).

    Navigation, scripts, forms and the like are dropped; ``<h1>``, ``og:title``, the
    ``article:published_time``, author, site name and canonical URL give the metadata.
    """

    file_extensions = (".html", ".htm", ".xhtml")

    def read(self, text: str) -> Source:
        try:
            units, meta = _html_units(text)
        except RecursionError:
            raise InputError("the HTML is nested too deeply to read; export the article again") from None
        notes = tuple(meta.pop("notes", ()))
        title = meta.pop("title", None) or meta.pop("title_meta", None)
        meta.pop("title_meta", None)
        return Source(units=units, meta={"title": title, **meta}, title_source="html", notes=notes)


class _EntityCleaner:
    """The sanitizer applied to text after the HTML parser decoded its character references.

    ``&#1;``, ``&#xFFFE;`` or ``&#xD800;`` only become characters here, so the raw-text
    sanitizing in ``decode_bytes`` cannot see them; counts are summed into one note.
    """

    def __init__(self) -> None:
        self.removed = 0
        self.breaks = 0
        self.zero_width = 0

    def __call__(self, value: str) -> str:
        clean = sanitize(value)
        self.removed += clean.removed
        self.breaks += clean.breaks
        self.zero_width += clean.zero_width
        return clean.text

    def notes(self) -> list[str]:
        out = []
        if self.breaks:
            out.append(f"turned {self.breaks} line/paragraph separator character(s) from HTML character references into line breaks")
        if self.removed:
            out.append(
                f"removed {self.removed} character(s) not allowed in XML/HTML from HTML character references "
                "(controls, noncharacters or lone surrogates)"
            )
        if self.zero_width:
            out.append(f"removed {self.zero_width} zero-width character(s) from HTML character references")
        return out


# ---------------------------------------------------------------------------- main
