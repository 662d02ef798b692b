"""Lines of an article -> blocks: datelines, bylines, captions, pull quotes, footnotes, noise.

Every reader (text, Markdown, HTML) turns its input into :class:`Unit` lines; :func:`classify`
then decides what each one is, the same way for every format.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from ..document import BODY, CAPTION, FOOTNOTE, PULLQUOTE, Block, Byline
from ..text import EMAIL_RE, MARKER_RE

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

FOOTNOTE_DEF = re.compile(r"^\[(\d+)\]\s*(\S.*)$", re.S)  # no ceiling on the number
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
class Unit:
    text: str
    line: int
    forced: str | None = None  # "caption" from an HTML <figcaption>


@dataclass
class State:
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)
    date: str | None = None
    byline: Byline | None = None
    heading: str | None = None
    counters: dict = field(default_factory=lambda: {"p": 0, "c": 0, "q": 0})
    footnote_ids: dict = field(default_factory=dict)
    seen_body: bool = False


def _dateline(unit: Unit, st: State) -> bool:
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
    if iso is None:  # a dateline's shape with an impossible date (month 13, day 45): kept out of the body
        st.noise.append(text)
        st.notes.append(f"dateline '{m.group(0).strip()}' on line {unit.line} is not a real date; the article has no date from it")
        return True
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


def _add_block(st: State, kind: str, text: str, **extra) -> Block:
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


def _caption(unit: Unit, st: State, inner: str) -> None:
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


def classify(unit: Unit, st: State, markdown: bool) -> None:
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
    m = FOOTNOTE_DEF.match(text)
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


def footnote_notes(blocks: list[Block], st: State) -> None:
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
