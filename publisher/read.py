"""Bytes on disk -> :class:`Article`: encoding, front matter, HTML and article structure.

``read_article(path)`` accepts ``.txt``, ``.md`` (optional YAML front matter) and
``.html``/``.htm`` (the article text of a CMS export). The bytes may be UTF-8 with or
without BOM, UTF-16/32 with BOM, or CP949/EUC-KR. Then one sanitising step
(``text.sanitize``), for HTML again after its character references are decoded: line ends
become ``\\n``, U+000B (Word's manual line break), U+000C, U+2028 and U+2029 line or
paragraph breaks, C0/C1 controls, noncharacters and lone surrogates are removed, as are
zero-width characters outside emoji sequences; the text is NFC. Every removal is counted
in ``Article.notes``. Bidi controls are removed from the title, author and outlet (with a
note); in the text they stay and the pages isolate them. A ``.md`` or ``.txt`` file
whose content is an HTML document is read as HTML (with a note).

Structure recognised in the text (each non-blank line is one unit; in Markdown,
consecutive lines form one paragraph):

* dateline - a short line holding a date (``date 2025-09-12 이미지 확대하기``): the
  date becomes ``Article.date`` (ISO), the rest of the line is scraping noise, dropped
  and recorded in ``Article.noise`` and ``Article.notes``;
* footnote definitions ``[n] ...`` anywhere in the file -> blocks ``fn<n>``;
* captions ``<...>``, a trailing ``ⓒ출처`` credit split into ``Block.credit``;
* pull quotes: a short line standing alone in quotes (the quote marks are markup and
  are not part of ``Block.text``);
* byline ``글: 이름 기자, name@example.com`` -> ``Article.byline``;
* everything else: body paragraphs ``p<n>``.

Front matter overrides what is detected. A title is never invented: without one the
first pull quote becomes the title (``title_source = "pull-quote"``, with a note).
Every problem with the input raises :class:`InputError` with a one-line message.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .article import (
    BODY,
    CAPTION,
    FOOTNOTE,
    PULLQUOTE,
    TITLE,
    Article,
    Block,
    Byline,
    InputError,
)
from .fsutil import safe_slug
from .text import (
    EMAIL_RE,
    HANGUL_SYLLABLES,
    MARKER_RE,
    ZERO_WIDTH,
    removable_count,
    sanitize,
    strip_bidi_controls,
)

# A news article is tens of kilobytes; a file much larger than this is not one article
# (and would take hours to translate on a newsroom laptop).
MAX_BYTES = 2 * 1024 * 1024

# ------------------------------------------------------------------------ decoding

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"RIFF", "a media file"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"SQLite format 3\x00", "an SQLite database"),
]
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_FIX = "re-save it as UTF-8 text"


def _plausible_korean(text: str) -> bool:
    """Does text decoded as CP949 look like Korean/Latin prose rather than byte noise?"""
    sample = text[:20000]
    if not sample.strip():
        return True
    good = 0
    for ch in sample:
        if ch.isascii() or re.match(f"[{HANGUL_SYLLABLES}]", ch) or ch.isspace() or ch in "·…“”‘’「」『』〈〉《》ⓒ○●■□▲△※":
            good += 1
    return good / len(sample) >= 0.9


def decode_bytes(data: bytes, name: str = "input") -> tuple[str, tuple[str, ...]]:
    """Decode article bytes; returns the normalised text and notes about what was done.

    Raises InputError for empty, binary or undecodable input.
    """
    notes: list[str] = []
    if not data:
        raise InputError("the file is empty; put the article text in it")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"the file is a binary file ({what}), not a text article; save the article as .txt, .md or .html")
    text = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                raise InputError(f"the file starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()}; {_FIX}") from None
            if enc != "utf-8":
                notes.append(f"decoded as {enc.upper()} (byte-order mark)")
            break
    if text is None:
        if b"\x00" in data:
            raise InputError(f"the file looks like a binary file (it contains NUL bytes), not a text article; {_FIX}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp949")
            except UnicodeDecodeError:
                raise InputError(f"the file is neither UTF-8 nor CP949/EUC-KR text; {_FIX}") from None
            if not _plausible_korean(text):
                raise InputError(f"the file is neither UTF-8 nor CP949/EUC-KR text; {_FIX}")
            notes.append("decoded as CP949/EUC-KR")
    # Only characters that will be removed count towards "binary": a Word export with a few
    # manual line breaks (U+000B) or page breaks (U+000C) is text.
    controls = removable_count(text)
    if controls > max(3, len(text) // 100):
        raise InputError(f"the file looks like a binary file (many control characters), not a text article; {_FIX}")
    clean = sanitize(text)
    notes.extend(clean.notes)
    nfc = clean.text
    if not nfc.strip():
        raise InputError("the file is empty (only whitespace); put the article text in it")
    return nfc, tuple(notes)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputError(f"{path} is a directory, not an article file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"{path} is {size / (1024 * 1024):.1f} MB; articles larger than {MAX_BYTES // (1024 * 1024)} MB are refused, split it into separate articles"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"article not found: {path}") from None
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def decode_file(path: Path) -> str:
    """The decoded, normalised text of a file (for plain-text segmentation)."""
    path = Path(path)
    text, _ = decode_bytes(_read_bytes(path), str(path))
    return text


# ------------------------------------------------------------------- front matter

_FRONT_KEYS = {"title", "date", "author", "outlet", "source", "url", "role", "email", "byline", "language", "lang"}


def _split_front_matter(text: str, name: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            rest = "\n".join(lines[i + 1 :])
            return _parse_yaml(raw, name), rest
    raise InputError("front matter starts with '---' but has no closing '---' line")


def _parse_yaml(raw: str, name: str) -> dict:
    import yaml

    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        problem = " ".join(str(problem).split())
        raise InputError(f"malformed YAML front matter{where} ({problem}); fix the block between the '---' lines") from None
    except Exception as exc:  # yaml can raise odd errors on hostile input
        raise InputError(f"malformed YAML front matter ({type(exc).__name__}); fix the block between the '---' lines") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("YAML front matter must be 'key: value' lines (title, date, author, outlet, url)")
    out = {}
    for key, value in data.items():
        k = str(key).strip().lower()
        if k not in _FRONT_KEYS or value is None:
            continue
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = value.isoformat()[:10]
        elif isinstance(value, (dict, list)):
            raise InputError(f"front matter field '{k}' must be a single value")
        out[k] = " ".join(str(value).split())
    return out


# -------------------------------------------------------------------------- dates

_DATE_RE = re.compile(
    r"(?<!\d)(\d{4})\s*(?:[.\-/]|년)\s*(\d{1,2})\s*(?:[.\-/]|월)\s*(\d{1,2})(?:\s*일|\.)?(?!\d)"
)
_DATE_LABEL_RE = re.compile(
    r"^\s*(?:date|dated|published|updated|입력|등록|기사입력|최종수정|수정|승인|발행|게재|송고)\s*[:：]?\s*",
    re.IGNORECASE,
)
_TIME_RE = re.compile(r"^\s*(?:\d{1,2}:\d{2}(?::\d{2})?|(?:오전|오후|AM|PM)\s*\d{1,2}:\d{2})\s*")


def parse_date(value: str) -> str | None:
    """An ISO date (YYYY-MM-DD) from '2025-09-12', '2025.09.12.', '2025년 9월 12일' ..., or None."""
    m = _DATE_RE.search(value or "")
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


# ------------------------------------------------------------------------ structure

_FOOTNOTE_DEF = re.compile(r"^\[(\d{1,3})\]\s*(\S.*)$", re.S)
_REF = MARKER_RE
_CREDIT = re.compile(r"\s*[ⓒ©]\s*([^ⓒ©<>]{1,60}?)\s*$")
_EMAIL = EMAIL_RE
_ROLES = (
    "선임기자|수석기자|객원기자|인턴기자|기자|특파원|논설위원|편집위원|전문위원|칼럼니스트|에디터|앵커|PD|"
    "reporter|correspondent|editor|columnist"
)
_BYLINE_LABEL = re.compile(r"^\s*(?:글|글·사진|글/사진|사진|취재|기사|작성|by)\s*[:：]\s*", re.IGNORECASE)
_BYLINE_NAME_ROLE = re.compile(rf"^([^\s,;/()<>]{{1,20}}(?:\s[^\s,;/()<>]{{1,20}})?)\s*({_ROLES})\b", re.IGNORECASE)
_QUOTED_LINE = re.compile(r"^([\"“'‘])(.+)([\"”'’])$", re.S)
_PAIRS = {'"': '"', "“": "”", "'": "'", "‘": "’"}
PULLQUOTE_MAX = 120
NOISE_PHRASES = (
    "이미지 확대하기",
    "이미지 크게보기",
    "사진 확대",
    "기사 공유하기",
    "공유하기",
    "글자 크기 변경",
    "글자크기",
    "본문 글씨 키우기",
    "본문 글씨 줄이기",
    "URL 복사",
    "인쇄하기",
    "스크랩",
    "좋아요",
    "댓글",
    "페이스북",
    "트위터",
    "카카오톡",
    "기사 읽어주기",
    "Share",
    "Print",
)
_NOISE_LINE = re.compile(
    r"^(?:(?:" + "|".join(re.escape(p) for p in sorted(NOISE_PHRASES, key=len, reverse=True)) + r")[\s,|·/]*)+$"
)


@dataclass
class _Unit:
    text: str
    line: int
    forced: str | None = None  # "caption" from an HTML <figcaption>


@dataclass
class _State:
    name: str
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)
    date: str | None = None
    byline: Byline | None = None
    heading: str | None = None
    counters: dict = field(default_factory=lambda: {"p": 0, "c": 0, "q": 0})
    footnote_ids: dict = field(default_factory=dict)
    seen_body: bool = False


def _units_from_text(text: str, markdown: bool) -> list[_Unit]:
    units: list[_Unit] = []
    lines = text.split("\n")
    if not markdown:
        for i, line in enumerate(lines, start=1):
            if line.strip():
                units.append(_Unit(line.strip(), i))
        return units
    para: list[str] = []
    start = 0
    for i, line in enumerate(lines + [""], start=1):
        stripped = line.strip()
        # structural lines stand alone even without blank lines around them
        standalone = bool(stripped) and (
            stripped.startswith("#") or _FOOTNOTE_DEF.match(stripped) or (stripped.startswith("<") and stripped.endswith(">"))
        )
        if not stripped or standalone:
            if para:
                units.append(_Unit(" ".join(para), start))
                para = []
            if standalone:
                units.append(_Unit(stripped, i))
            continue
        if not para:
            start = i
        para.append(stripped)
    return units


def _dateline(unit: _Unit, st: _State) -> bool:
    """A short line holding a date and nothing that reads like a sentence."""
    text = unit.text
    if len(text) > 80 or st.seen_body:
        return False
    m = _DATE_RE.search(text)
    if not m:
        return False
    before = text[: m.start()]
    if before.strip() and not _DATE_LABEL_RE.fullmatch(before):
        return False
    if re.search(r"[다요][.!?]", text):
        return False
    iso = parse_date(m.group(0))
    if iso is None:
        return False
    st.date = iso
    rest = text[m.end() :]
    rest = _TIME_RE.sub("", rest)
    rest = " ".join(rest.split())
    if rest:
        st.noise.append(rest)
        st.notes.append(f"dropped dateline noise: '{rest}' (line {unit.line})")
    return True


def _parse_byline(text: str) -> Byline | None:
    if len(text) > 100:
        return None
    body = _BYLINE_LABEL.sub("", text, count=1)
    labelled = body != text
    email_m = _EMAIL.search(body)
    email = email_m.group(0) if email_m else None
    rest = _EMAIL.sub(" ", body)
    rest = re.sub(r"[()<>\[\],;/|=]+", " ", rest)
    rest = " ".join(rest.split())
    m = _BYLINE_NAME_ROLE.match(rest)
    author = role = None
    if m:
        author, role = m.group(1).strip(), m.group(2)
        leftover = rest[m.end() :].strip()
        if leftover and not labelled:
            return None
    elif labelled and rest and len(rest) <= 30:
        author = rest
    elif not labelled:
        return None
    if not (author or email):
        return None
    if not labelled and not email and not role:
        return None
    return Byline(author=author, role=role, email=email, raw=text)


def _add_block(st: _State, kind: str, text: str, **extra) -> Block:
    if kind == FOOTNOTE:
        n = extra["number"]
        count = st.footnote_ids.get(n, 0) + 1
        st.footnote_ids[n] = count
        block_id = f"fn{n}" if count == 1 else f"fn{n}-{count}"
    else:
        prefix = {BODY: "p", CAPTION: "c", PULLQUOTE: "q"}[kind]
        st.counters[prefix] += 1
        block_id = f"{prefix}{st.counters[prefix]}"
    block = Block(id=block_id, kind=kind, text=text, **extra)
    st.blocks.append(block)
    return block


def _caption(unit: _Unit, st: _State, inner: str) -> None:
    inner = inner.strip()
    credit = None
    m = _CREDIT.search(inner)
    if m and m.group(1).strip():
        credit = m.group(1).strip()
        inner = inner[: m.start()].rstrip()
    if not inner:
        if credit:
            st.notes.append(f"caption on line {unit.line} holds only a photo credit ({credit})")
            inner = ""
        else:
            return
    _add_block(st, CAPTION, inner, credit=credit)


def _pull_quote(text: str) -> str | None:
    m = _QUOTED_LINE.match(text)
    if not m or len(text) > PULLQUOTE_MAX:
        return None
    open_q, inner, close_q = m.groups()
    if _PAIRS[open_q] != close_q or not inner.strip():
        return None
    # a second quotation inside ("A" 그리고 "B") means the line is not one quote
    if open_q in inner or close_q in inner:
        return None
    if re.search(r"[다요][.!?]\s+\S", inner):  # several sentences: a quotation in the body
        return None
    return inner.strip()


def _classify(unit: _Unit, st: _State, markdown: bool) -> None:
    text = unit.text
    if unit.forced == CAPTION:
        _caption(unit, st, text)
        return
    if unit.forced == PULLQUOTE and len(text) <= PULLQUOTE_MAX:
        _add_block(st, PULLQUOTE, _pull_quote(text) or text)
        return
    if not st.seen_body and st.date is None and _dateline(unit, st):
        return
    if _NOISE_LINE.match(text):
        st.noise.append(text)
        st.notes.append(f"dropped scraping noise: '{text}' (line {unit.line})")
        return
    if markdown and text.startswith("#"):
        heading = text.lstrip("#").strip()
        if not heading:
            return
        if st.heading is None and not st.seen_body and text.startswith("# "):
            st.heading = heading
            return
        _add_block(st, BODY, heading)
        st.seen_body = True
        return
    m = _FOOTNOTE_DEF.match(text)
    if m:
        _add_block(st, FOOTNOTE, m.group(2).strip(), number=int(m.group(1)))
        return
    if text.startswith("<"):
        if text.endswith(">") and "<" not in text[1:-1] and ">" not in text[1:-1]:
            _caption(unit, st, text[1:-1])
            return
        if ">" not in text:
            st.notes.append(f"unclosed caption '<' on line {unit.line} treated as body text")
            _add_block(st, BODY, text)
            st.seen_body = True
            return
    quote = _pull_quote(text)
    if quote is not None:
        _add_block(st, PULLQUOTE, quote)
        return
    if st.byline is None:
        byline = _parse_byline(text)
        if byline is not None:
            st.byline = byline
            return
    _add_block(st, BODY, text)
    st.seen_body = True


def _footnote_notes(blocks: list[Block], st: _State) -> None:
    defined: dict[int, int] = {}
    for b in blocks:
        if b.kind == FOOTNOTE and b.number is not None:
            defined[b.number] = defined.get(b.number, 0) + 1
    referenced: set[int] = set()
    for b in blocks:
        for m in _REF.finditer(b.text):
            n = int(m.group(1))
            if b.kind == FOOTNOTE and b.number == n:
                continue
            referenced.add(n)
            if n not in defined:
                st.notes.append(f"footnote reference [{n}] in {b.id} has no definition")
    for n, count in sorted(defined.items()):
        if count > 1:
            st.notes.append(f"duplicate footnote number [{n}] is defined {count} times (ids fn{n}, fn{n}-2...)")
        if n not in referenced:
            st.notes.append(f"footnote [{n}] is defined but never referenced")


# ------------------------------------------------------------------------------ html

_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "noscript", "form", "iframe", "svg", "template", "button", "select", "menu", "dialog", "object", "embed")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "figcaption", "pre", "td", "dd", "dt")


_HTML_FORCED = {"figcaption": CAPTION, "blockquote": PULLQUOTE}


def _html_units(text: str, name: str) -> tuple[list[_Unit], dict]:
    try:
        return _html_units_inner(text, name)
    except RecursionError:
        raise InputError("the HTML is nested too deeply to read; export the article again") from None


def _html_units_inner(text: str, name: str) -> tuple[list[_Unit], dict]:
    try:
        from bs4 import BeautifulSoup

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
    units: list[_Unit] = []
    leaves = [el for el in root.find_all(_HTML_BLOCKS) if el.find(_HTML_BLOCKS) is None]
    if not leaves and root.get_text(strip=True):
        leaves = [root]
    for n, el in enumerate(leaves, start=1):
        for line in cleaner(el.get_text(" " if el.name != "pre" else "")).split("\n"):
            line = " ".join(line.split())
            if line:
                units.append(_Unit(line, n, forced=_HTML_FORCED.get(el.name)))
    if not units:
        raise InputError("no article text found in the HTML (looked in <article>, <main> and <body>)")
    meta["notes"] = cleaner.notes()
    return units, meta


class _EntityCleaner:
    """The sanitiser applied to text after the HTML parser decoded its character references.

    ``&#1;``, ``&#xFFFE;`` or ``&#xD800;`` only become characters here, so the raw-text
    sanitising in ``decode_bytes`` cannot see them; counts are summed into one note.
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


_HTML_DOCUMENT = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html\b|html[\s>])", re.IGNORECASE | re.S)


def looks_like_html_document(text: str) -> bool:
    """Is ``text`` an HTML page (``<!doctype html>`` or ``<html>`` first), whatever its suffix says?"""
    return bool(_HTML_DOCUMENT.match(text[:4096]))


def _slug_for(path: Path) -> str:
    name = path.name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = re.sub(r"\.[a-z]{2}(?:[-_][A-Za-z]{2,4})?$", "", stem)
    return safe_slug(stem)


def slug_for_path(path: Path) -> str:
    """The slug (the out/ folder name) of an article file: ``read_article(path).slug``, unread."""
    return _slug_for(Path(path))


def _no_bidi(value: str | None, what: str, st: _State) -> str | None:
    """``value`` without bidi controls (titles, names: they end up in file names, the feed, PDF metadata)."""
    if not value:
        return value
    clean, n = strip_bidi_controls(value)
    if n:
        st.notes.append(f"removed {n} bidi control character(s) from {what} (they can make it display in a misleading order)")
    return " ".join(clean.split()) or None


def _clean_front(front: dict, st: _State) -> dict:
    """Front-matter values after YAML decoded its escapes (``"\\x01"``) go through the sanitiser too."""
    out = {}
    for key, value in front.items():
        clean = sanitize(value)
        st.notes.extend(f"{note} (front matter '{key}')" for note in clean.notes)
        out[key] = " ".join(clean.text.split())
    return out


def read_article(path: Path) -> Article:
    """Read one article file into an :class:`Article` (blocks with text, no segments)."""
    path = Path(path)
    name = str(path)
    text, decode_notes = decode_bytes(_read_bytes(path), name)
    suffix = path.suffix.lower()
    st = _State(name=name, notes=list(decode_notes))
    front: dict = {}
    html_meta: dict = {}
    markdown = suffix in (".md", ".markdown")
    as_html = suffix in (".html", ".htm", ".xhtml")
    if not as_html and looks_like_html_document(text):
        as_html, markdown = True, False
        st.notes.append(f"the {suffix or 'extension-less'} file holds an HTML document: read as HTML")
    if as_html:
        units, html_meta = _html_units(text, name)
        st.notes.extend(html_meta.get("notes", ()))
    else:
        if markdown or text.startswith("---\n"):
            front, text = _split_front_matter(text, name)
            front = _clean_front(front, st)
        units = _units_from_text(text, markdown)
    for unit in units:
        _classify(unit, st, markdown)

    title, title_source = None, "none"
    if front.get("title"):
        title, title_source = front["title"], "front-matter"
    elif html_meta.get("title") or html_meta.get("title_meta"):
        title, title_source = html_meta.get("title") or html_meta.get("title_meta"), "html"
    elif st.heading:
        title, title_source = st.heading, "heading"
    else:
        first_quote = next((b for b in st.blocks if b.kind == PULLQUOTE), None)
        if first_quote is not None:
            title, title_source = first_quote.text, "pull-quote"
            st.blocks.remove(first_quote)
            st.notes.append(f"no title given: the first pull quote ({first_quote.id}) is used as the title")
        else:
            st.notes.append("no title given and no pull quote to use; add 'title:' front matter")

    if title:
        title = _no_bidi(title, "the title", st)

    blocks = list(st.blocks)
    if not any(b.kind in (BODY, CAPTION, PULLQUOTE, FOOTNOTE) for b in blocks) and not title:
        raise InputError("no article text found (only a dateline, byline or noise)")
    if not any(b.kind == BODY for b in blocks):
        st.notes.append("no body paragraphs found")
    if title:
        blocks.insert(0, Block(id="t", kind=TITLE, text=title))
    _footnote_notes(blocks, st)

    byline = st.byline or Byline()
    if front.get("author") or html_meta.get("author"):
        byline = Byline(
            author=front.get("author") or html_meta.get("author"),
            role=front.get("role") or byline.role,
            email=front.get("email") or byline.email,
            raw=byline.raw,
        )
    if byline.author or byline.role:
        byline = Byline(
            author=_no_bidi(byline.author, "the author", st),
            role=_no_bidi(byline.role, "the byline role", st),
            email=byline.email,
            raw=byline.raw,
        )
    outlet = _no_bidi(front.get("outlet") or front.get("source") or html_meta.get("outlet"), "the outlet", st)
    date = st.date
    for candidate in (front.get("date"), html_meta.get("date")):
        if candidate:
            iso = parse_date(candidate)
            if iso is None:
                st.notes.append(f"cannot read the date '{candidate}'; expected YYYY-MM-DD")
            else:
                date = iso
                break
    if strip_bidi_controls(path.name)[1]:
        st.notes.append("the file name holds bidi control characters; the slug and file names leave them out")
    return Article(
        slug=_slug_for(path),
        source=name,
        title=title,
        title_source=title_source,
        date=date,
        byline=byline,
        outlet=outlet,
        url=front.get("url") or html_meta.get("url"),
        language=front.get("language") or front.get("lang") or "ko",
        blocks=tuple(blocks),
        noise=tuple(st.noise),
        notes=tuple(st.notes),
    )


__all__ = ["read_article", "decode_bytes", "decode_file", "parse_date", "ZERO_WIDTH"]
