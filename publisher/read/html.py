"""The HTML reader: article text and metadata from a web page (BeautifulSoup over lxml)."""

from __future__ import annotations

from ..document import CAPTION, PULLQUOTE, InputError
from ..text import sanitize
from .formats import Reader, Source
from .structure import Unit

_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "noscript", "form", "iframe", "svg", "template", "button", "select", "menu", "dialog", "object", "embed")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "figcaption", "pre", "td", "dd", "dt")


_HTML_FORCED = {"figcaption": CAPTION, "blockquote": PULLQUOTE}


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
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
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
