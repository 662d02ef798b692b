"""Korean sentence segmentation: kiwipiepy as the base, newsroom rules around it.

``split_sentences`` cuts plain running text into sentences; ``segment_article`` fills
``Block.segments`` of an article read by :mod:`publisher.read`.

How a text is cut:

1. Line breaks are hard boundaries (structure comes first).
2. Each line is split by kiwipiepy (one cached ``Kiwi`` instance, loaded lazily, fed in
   chunks so that very long lines stay linear); kiwi also reports the sentences inside
   quotations. A quotation of several sentences that stands as a sentence of its own
   (``답변입니다."A. B. C"SBS가``) is cut into one segment per sentence; one embedded in a
   reporting sentence (``교수는 "A. B"라고 말했다.``) stays whole, because the quotation
   is the object of that sentence (the kss gold set splits the same way).
3. Our own rules add the boundaries kiwi misses when sentences are glued together with no
   space (``다.오픈AI``, ``다.LA``, ``다.2016년``, ``다.[1]``, ``다.(사진)``,
   ``니다"SBS가``, ``일까?제이슨``), before an opening mark (``다. <책>은``), after
   laughter or emoji (``맛있어요ㅎㅎ 다음``) and after a polite ``요`` ending.
4. Boundaries are then removed where a sentence can never end: inside numbers, decimals,
   dates, ranges, e-mail addresses, URLs, ellipses and bracketed spans (``(…)``,
   ``[…]``, ``<…>``, ``「…」`` …), after an inline parenthesis (``한계(…) 가운데서``),
   before a quotative verb (``뭐지?? 하고``) and after an ellipsis that follows a
   connective or particle (``싶은데... 딱히``).
5. Boundaries are moved so that marks stay with their sentence: an opening quote starts
   the next sentence, a closing quote, a footnote reference ``[n]`` or a short note such as
   ``(사진)`` that follows a sentence end stays with the sentence before it.

A segment is always a slice of the input, so nothing can be lost or reordered;
``segment_article`` checks this for every block anyway.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from functools import lru_cache

from .document import CAPTION, PULLQUOTE, TITLE, Article, Block, Segment
from .text import EMAIL_RE, HAN_CLASS, HAN_RE, HANGUL_SYLLABLES, MARKER_RE, URL_RE, grapheme_boundaries


class SegmentationBug(RuntimeError):
    """The nothing-lost invariant was violated: a bug in this module, not bad input."""


@lru_cache(maxsize=1)
def kiwi():
    """The one Kiwi instance of this process (loading the model takes about a second).

    The summarizer shares it: a second analyser would cost another ~400 MB and second.
    """
    from kiwipiepy import Kiwi

    return Kiwi()


_kiwi = kiwi


# ------------------------------------------------------------------ character classes

HANGUL = HANGUL_SYLLABLES
OPEN_QUOTES = "“‘«「『"
CLOSE_QUOTES = "”’»」』"
END_PUNCT = ".?!"

_REF = MARKER_RE

# Spans inside which a sentence never ends.
_PROTECTED = [
    URL_RE,
    EMAIL_RE,
    # dates 2025.09.12. / 2025. 9. 12. (the final dot belongs to the date)
    re.compile(r"(?<!\d)\d{2,4}\s?\.\s?\d{1,2}\s?\.\s?\d{1,2}\.?(?!\d)"),
    # numbers with decimals or thousands separators, version numbers
    re.compile(r"(?<!\d)\d++(?:[.,:]\d++)+"),
    # ranges 1~2년, 10-20
    re.compile(r"(?<!\d)\d++\s*+[~～∼〜-]\s*+\d++"),
    # ellipses
    re.compile(r"\.{2,}|…+|。{2,}"),
    # abbreviations: U.S., e.g., Mr.
    re.compile(r"\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|Prof|St|vs|etc|No|Co|Inc|Ltd|Jr|Sr)\.", re.I),
]
_BRACKETS = [
    re.compile(r"\([^()\n]{0,400}\)"),
    re.compile(r"\[[^\[\]\n]{0,400}\]"),
    re.compile(r"<[^<>\n]{0,400}>"),
    re.compile(r"\{[^{}\n]{0,400}\}"),
    re.compile(r"「[^「」\n]{0,400}」"),
    re.compile(r"『[^『』\n]{0,400}』"),
    re.compile(r"《[^《》\n]{0,400}》"),
    re.compile(r"〈[^〈〉\n]{0,400}〉"),
    re.compile(r"（[^（）\n]{0,400}）"),
]

# A sentence end glued to the next sentence: Hangul + . ? ! then (after optional closing
# quotes) a character that can start a sentence.
_GLUED = re.compile(
    rf"(?<=[{HANGUL}])[{END_PUNCT}]+[”’\"']?(?=[{HANGUL}{HAN_CLASS}A-Za-z0-9\[(“‘\"'*])"
)
# A closing straight/curly quote glued to a new sentence that starts with Latin or a digit:
# 생각합니다"SBS가
_QUOTE_GLUED = re.compile(rf"(?<=[{HANGUL}{END_PUNCT}])[\"”](?=[A-Z0-9])")
# Short notes that belong to the sentence before them: (사진), (자료: 연합뉴스), [1]
_TRAILING_NOTE = re.compile(
    r"(?:\[(?:\d+|[^\[\]\n]{1,8})\])+|(?:\s?(?:\[\d+\]|\([^()\n]{1,20}\)))+(?=\s|$)"
)


_HANGUL_DOTS = re.compile(rf"(?:(?<![{HANGUL}])[{HANGUL}]\.\s?){{2,}}[{HANGUL}]?")
_QUOTATIVE = re.compile(
    r"\s?(?:하고|하며|하면서|하는|하자|하니|하더니|하길래|라고|라며|라는|라면서|라니|라던|란|이라고|이라며|이라는|이란)"
)
_PARTICLE = re.compile(
    r"(?:이?라|이란|이나|이며|이고|이다|이었|이?면|거나|든지|든가|면서|냐|느냐|고|며|는|은|란|와|과|에|를|을|가|도|로|으로|의|처럼|까지|만|나|였|인|일|식|같|보다|부터)"
)
# Emoji: pictographs with their variation selector, joiners, keycaps, skin tones and tags.
EMOJI = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u3030\u303D\uFE0F\u200D\u20E3\U000E0020-\U000E007F"
_EMOTE_END = re.compile(
    rf"(?:(?<=[{HANGUL}.!?~…])[ㅋㅎㅠㅜ]{{2,}}|[{EMOJI}]+|\^\^+)\s+(?=\S)"
)
_YO_END = re.compile(rf"(?<![필중수주강개불동소요])(?<=[{HANGUL}])요[.!?~]*\s+(?=[{HANGUL}])")
_SHORT_YO = set("해돼봐줘와워셔에예네데어아져춰까나죠세래대")
_CONNECTIVE_BEFORE_ELLIPSIS = set("데에서며면만은는이가을를도나")
_BULLETS = set("-•·※▲△■□○●◆◇▶►*")


def _protected_spans(line: str, roles: dict[int, str]) -> list[tuple[int, int]]:
    spans = []
    for rx in _PROTECTED + _BRACKETS + [_HANGUL_DOTS]:
        spans.extend((m.start(), m.end()) for m in rx.finditer(line))
    spans.extend(_embedded_quotations(line, roles))
    return spans


def _embedded_quotations(line: str, roles: dict[int, str]) -> list[tuple[int, int]]:
    """Quotations that are part of a reporting sentence: ``"A. B"라고 말했다``, ``"A." 하며``."""
    spans = []
    stack: list[int] = []
    for i in sorted(roles):
        if roles[i] == "open":
            stack.append(i)
        elif stack:
            o = stack.pop()
            if _continues(line, i + 1):
                spans.append((o, i + 1))
    return spans


def _quote_roles(line: str) -> dict[int, str]:
    """Whether each quote mark opens or closes.

    Curly quotes say so themselves; straight quotes alternate within a line (an
    apostrophe between two Latin letters, as in don't, is not a quote).
    """
    roles: dict[int, str] = {}
    opened = {'"': False, "'": False}
    for i, ch in enumerate(line):
        if ch in OPEN_QUOTES:
            roles[i] = "open"
        elif ch in CLOSE_QUOTES:
            roles[i] = "close"
        elif ch in opened:
            if ch == "'" and 0 < i < len(line) - 1 and line[i - 1].isascii() and line[i - 1].isalpha() and line[i + 1].isascii() and line[i + 1].isalpha():
                continue
            roles[i] = "close" if opened[ch] else "open"
            opened[ch] = not opened[ch]
    return roles


KIWI_CHUNK = 1500


def _chunks(line: str, size: int = KIWI_CHUNK):
    """Cut a long line into pieces for kiwi, preferably after a sentence end and a space.

    kiwi's time grows faster than linearly with the length of one input; cutting a
    50,000-character line keeps it linear. Yields (offset, piece, cut_at_sentence_end).
    """
    start = 0
    while len(line) - start > size:
        window = line[start + size // 2 : start + size]
        m = None
        for m in re.finditer(r"[.?!…][\"'”’)\]]*\s+", window):
            pass
        if m is not None:
            end = start + size // 2 + m.end()
            yield start, line[start:end], True
        else:
            spaces = [i for i, ch in enumerate(window) if ch.isspace()]
            end = start + size // 2 + (spaces[-1] + 1 if spaces else len(window))
            yield start, line[start:end], False
        start = end
    yield start, line[start:], False


def _kiwi_boundaries(line: str, roles: dict[int, str]) -> set[int]:
    """Sentence starts proposed by kiwipiepy.

    Inside a quotation of several sentences kiwi reports the sentences as ``subs``; they
    become boundaries when the quotation stands as a sentence of its own (``"A. B"`` or
    ``"A. B"SBS가``), not when it is embedded in a reporting sentence
    (``"A. B"라고 말했다``), which stays one sentence.
    """
    found: set[int] = set()
    previous_at_end = False
    for offset, piece, at_end in _chunks(line):
        for sent in _kiwi().split_into_sents(piece, return_sub_sents=True):
            if sent.start > 0 or previous_at_end:
                found.add(offset + sent.start)
            subs = sent.subs or []
            for prev, sub in zip(subs, subs[1:]):
                # only sentences of one quotation: nothing but spaces between them
                if piece[prev.end : sub.start].strip():
                    continue
                if _quotation_embedded(line, offset + sub.end, roles):
                    continue
                found.add(offset + sub.start)
        previous_at_end = at_end
    return found


def _quotation_embedded(line: str, pos: int, roles: dict[int, str]) -> bool:
    """Is the quotation whose last sentence ends near ``pos`` part of a longer sentence?"""
    i = pos
    while i < len(line) and (line[i] in END_PUNCT or line[i] in "…~" or line[i] == " "):
        i += 1
    if i >= len(line) or roles.get(i) != "close":
        return False
    return _continues(line, i + 1)


def _continues(line: str, i: int) -> bool:
    """Does the text at ``i`` (right after a closing mark) continue the same sentence?

    After a space only a quotative verb does (``뭐지?? 하고``); glued to the mark, a
    particle does too (``"…했다"라고``, ``"…"는``).
    """
    rest = line[i : i + 12]
    if _QUOTATIVE.match(rest):
        return True
    if rest[:1].isspace():
        return False
    if rest[:1] and re.match(rf"[{HANGUL}]", rest[:1]):
        return bool(_PARTICLE.match(rest))
    return bool(re.match(r"[,;:)\]}>]", rest[:1]))


def _rule_boundaries(line: str, roles: dict[int, str]) -> set[int]:
    found: set[int] = set()
    for m in _GLUED.finditer(line):
        end = m.end()
        last = end - 1
        if line[last] in "\"'”’":
            if roles.get(last) == "open":
                end = last  # 답변입니다."(AI가 : the quote opens the next sentence
            elif _continues(line, end):
                continue  # 완벽하다."라고
        found.add(end)
    for m in _QUOTE_GLUED.finditer(line):
        if roles.get(m.start()) == "close":
            found.add(m.end())
    # a closing quote glued to a new Hangul sentence: 생각합니다"시는
    for m in re.finditer(rf"(?:(?<=[다요죠까])|(?<=[다요죠까][{END_PUNCT}]))[\"”](?=[{HANGUL}])", line):
        if roles.get(m.start()) == "close" and not _continues(line, m.end()):
            found.add(m.end())
    # laughter, emoticons and emoji close a sentence: 맛있었어요ㅎㅎ 다음은 / 답니당🤗 저희는
    for m in _EMOTE_END.finditer(line):
        found.add(m.end())
    # a polite ending 요 and a space: 맛있었어요 다만 (not 필요, 중요 ...)
    for m in _YO_END.finditer(line):
        w = m.start()
        while w > 0 and not line[w - 1].isspace():
            w -= 1
        # a two-syllable word ending in 요 is an ending only after a verb's syllable (해요, 돼요),
        # not a name (라요 바예카노)
        if m.start() - w == 1 and line[w] not in _SHORT_YO:
            continue
        found.add(m.end())
    # a sentence end, a space and an opening mark: 했다. <책 제목>은 / 했다. [메뉴] / 합니다. *The
    for m in re.finditer(rf"(?<=[{HANGUL}a-z)][{END_PUNCT}])\s+(?=[<\[*※▲■●◆-](?!\d+\]))", line):
        found.add(m.end())
    # a sentence end, a space and Hanja: 악수한 손. 靑 관계자는 (a headline's 靑, 與, 美 start a sentence)
    for m in re.finditer(rf"(?<=[{HANGUL}][{END_PUNCT}])\s+(?=[{HAN_CLASS}])", line):
        found.add(m.end())
    # an English sentence followed by a Korean one: by the skin of my teeth. 시험이
    for m in re.finditer(rf"(?<=[a-z]{{2}}[.?!])\s+(?=[{HANGUL}])", line):
        found.add(m.end())
    # emoji glued to the next sentence: 같아요😀하지만
    for m in re.finditer(rf"(?<=[{HANGUL}.!?~])[\U0001F000-\U0001FAFF]+(?=[{HANGUL}])", line):
        found.add(m.end())
    # a sentence end, a space and an opening quote: 뜨겁다 "르어 / 했다." "그
    for m in re.finditer(rf"(?:[다요죠까]|[{END_PUNCT}][\"”’']?)\s+(?=[\"“'‘])", line):
        if roles.get(m.end()) == "open":
            found.add(m.end())
    return found


def _prev_visible(line: str, b: int) -> int:
    j = b - 1
    while j >= 0 and line[j].isspace():
        j -= 1
    return j


def _is_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Cs") or ch in "ㅋㅎㅠㅜㅡ^♡♥~\ufe0f\u200d\u20e3" or 0x1F000 <= ord(ch) <= 0x1FAFF


def _adjust(line: str, b: int, roles: dict[int, str]) -> int:
    """Move a boundary so that marks stay with the sentence they belong to."""
    j = _prev_visible(line, b)
    if j >= 0:
        # an opening quote or a bullet left at the end of the previous sentence
        if roles.get(j) == "open" or (line[j] in OPEN_QUOTES):
            k = _prev_visible(line, j)
            if k < 0 or line[k] in END_PUNCT + "”’\"')" or not line[j - 1 : j].strip():
                return j
        if line[j] in _BULLETS and (j == 0 or line[j - 1].isspace()):
            return j
    if j >= 0 and (line[j] in END_PUNCT or roles.get(j) == "close"):
        # references [1], short notes (사진) and closing quotes stay with the sentence
        m = _TRAILING_NOTE.match(line, j + 1)
        if m:
            return m.end()
        if b < len(line) and roles.get(b) == "close":
            return b + 1
    # emoticons and emoji after a sentence end stay with it: 하니까요. 😲😲
    k = b
    while k < len(line) and line[k] == " ":
        k += 1
    e = k
    while e < len(line) and _is_symbol(line[e]):
        e += 1
    if e > k and (e == len(line) or line[e].isspace() or (j >= 0 and line[j] in END_PUNCT)):
        return e
    return b


def _inline_bracket(line: str, j: int, roles: dict[int, str]) -> bool:
    """Is the bracket group closing at ``j`` inside a sentence (``한계(…) 가운데서``)?

    Groups that follow a sentence end (``했다.[1][2]``, ``했다. (사진)``) or that end
    with one themselves (``(…했다.)``) are not.
    """
    while j >= 0 and line[j] in ")]":
        opener = "(" if line[j] == ")" else "["
        depth, o = 0, j
        while o >= max(0, j - 400):
            if line[o] == line[j]:
                depth += 1
            elif line[o] == opener:
                depth -= 1
                if depth == 0:
                    break
            o -= 1
        else:
            return False
        if o < 0:
            return False
        if j > 0 and line[j - 1] in END_PUNCT:
            return False
        if line[o] == "[" and not line[o + 1 : j].isdigit() and o > 0 and line[o - 1].isspace():
            return True  # 이다. [사각형] 도구는 : a label opening the next sentence
        j = _prev_visible(line, o)
    if j < 0:
        return False
    if line[j] in ".…" and j > 0 and line[j - 1] in ".…":
        return True  # 하시던데... (해물짬뽕 등) 저는 : an ellipsis is not a sentence end here
    return not (line[j] in END_PUNCT or roles.get(j) == "close")


def _keep(line: str, b: int, roles: dict[int, str], protected: bytearray) -> bool:
    """Is a boundary at ``b`` acceptable?"""
    if b <= 0 or b >= len(line) or not line[b:].strip() or not line[:b].strip():
        return False
    if protected[b]:
        return False
    j = _prev_visible(line, b)
    prev = line[j]
    # no sentence ends on a bare Hanja: 손. 靑|은 / 손. 靑| 관계자는 (kiwi cuts there)
    if HAN_RE.match(prev):
        return False
    k = b
    while k < len(line) and line[k].isspace():
        k += 1
    # 뭐지?? 하고 / ...없었다.'라는 / "..."고 덧붙였다 (a particle continues only after a
    # closing mark: glued to a bare . ? ! it starts the next sentence, 입니다.일본 / …?와사비를)
    if roles.get(j) == "close" and _continues(line, j + 1):
        return False
    if prev in END_PUNCT and _QUOTATIVE.match(line[j + 1 : j + 13]):
        return False
    # a particle glued to a closing bracket: <인물과 사상>으로
    if prev in ")]>」』》〉" and _continues(line, j + 1):
        return False
    # an inline parenthesis does not end a sentence: 한계(…할 수 없다) 가운데서
    if prev in ")]" and _inline_bracket(line, j, roles):
        return False
    # an ellipsis ends a sentence only after a final ending: 싶은데... 딱히 (one sentence)
    if prev in ".…" and j >= 1 and line[j - 1] in ".…":
        i = j
        while i >= 0 and line[i] in ".…":
            i -= 1
        w = i
        while w >= 0 and not line[w].isspace():
            w -= 1
        if (i < 0 or line[i] in _CONNECTIVE_BEFORE_ELLIPSIS or i - w <= 2) and roles.get(k) != "open":
            return False  # (an opening quote after the ellipsis starts a new sentence: 오는데... "애가)
    return True


def _split_line(line: str) -> list[str]:
    if not line.strip():
        return []
    roles = _quote_roles(line)
    candidates = _kiwi_boundaries(line, roles) | _rule_boundaries(line, roles)
    protected = bytearray(len(line) + 1)
    for s, e in _protected_spans(line, roles):
        protected[s + 1 : e] = b"\x01" * max(0, e - s - 1)
    cuts: set[int] = set()
    bounds = grapheme_boundaries(line)
    for b in candidates:
        b = _adjust(line, b, roles)
        # never inside a grapheme cluster (an emoji ZWJ sequence, a flag, a skin tone)
        while b < len(line) and b not in bounds:
            b += 1
        if _keep(line, b, roles, protected):
            cuts.add(b)
    pieces = []
    prev = 0
    for b in sorted(cuts):
        pieces.append(line[prev:b])
        prev = b
    pieces.append(line[prev:])
    return [piece.strip() for piece in pieces if piece.strip()]


def split_sentences(text: str) -> list[str]:
    """Plain running text -> sentences (stripped). Line breaks always end a sentence."""
    out: list[str] = []
    for line in re.split(r"\r\n|\r|\n|\u2028|\u2029", text):
        out.extend(_split_line(line))
    return out


def footnote_refs(text: str) -> tuple[int, ...]:
    """Footnote numbers referenced by ``[n]`` markers, in order of appearance."""
    return tuple(int(m.group(1)) for m in _REF.finditer(text))


_WS = re.compile(r"\s+")


def _check_nothing_lost(block: Block, parts: list[str]) -> None:
    want = _WS.sub("", block.text)
    got = "".join(_WS.sub("", p) for p in parts)
    if want != got:
        raise SegmentationBug(
            f"segmentation of block {block.id} lost or reordered text ({len(want)} vs {len(got)} characters)"
        )


def _block_parts(block: Block) -> list[str]:
    if block.kind in (CAPTION, PULLQUOTE, TITLE):
        # short display units: never cut (a caption is one unit, credit aside)
        text = " ".join(block.text.split())
        return [text] if text else []
    return split_sentences(block.text)


def segment_block(block: Block) -> Block:
    parts = _block_parts(block)
    _check_nothing_lost(block, parts)
    segments = tuple(
        Segment(id=f"{block.id}.{n}", text=part, refs=footnote_refs(part))
        for n, part in enumerate(parts, start=1)
    )
    return dataclasses.replace(block, segments=segments)


def segment_article(article: Article) -> Article:
    """Fill ``Block.segments`` of every block; ids are ``<block id>.<n>``, n from 1."""
    blocks = tuple(segment_block(b) for b in article.blocks)
    return dataclasses.replace(article, blocks=blocks)


__all__ = ["split_sentences", "segment_article", "segment_block", "footnote_refs", "SegmentationBug"]
