"""publisher.text: the sanitizer, bidi stripping, scripts, graphemes — and a Hypothesis
property over arbitrary Unicode through the real reader-to-page stages.

The property feeds every kind of character (controls, noncharacters, bidi controls,
surrogates, line separators, emoji ZWJ sequences, flags, skin tones, conjoining jamo)
through sanitizing, kiwipiepy segmentation, translation (a test double that echoes the
model input, so the English carries the same characters), the HTML page and the Atom
feed, and checks: the feed parses, html5lib reports no error, nothing outside the
documented removals is lost, and no grapheme cluster is split. It runs a bounded number of
examples (well under a minute here).
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURE_MODEL
from publisher.document import BODY, TITLE, Article, Block
from publisher.text import (
    LINE_BREAKS,
    ZERO_WIDTH,
    grapheme_boundaries,
    graphemes,
    has_han,
    is_xml_char,
    needs_translation,
    sanitize,
    strip_bidi_controls,
)

# ------------------------------------------------------------------ unit tests


def test_sanitize_maps_word_breaks_and_removes_what_xml_forbids_with_counts():
    clean = sanitize("다음 달부터\x0b심야\x0c버스\u2028요금\u2029끝\x01\x7f\x85\ufffe\U0001ffff\ud800!")
    assert clean.text == "다음 달부터\n심야\n\n버스\n요금\n\n끝\n!"
    assert clean.removed == 5 and clean.breaks == 5
    assert clean.notes == (
        "turned 5 line/paragraph separator character(s) into line breaks (U+000B, U+000C, U+0085, U+2028, U+2029)",
        "removed 5 character(s) not allowed in XML/HTML (controls, noncharacters or lone surrogates: "
        "U+0001, U+007F, U+D800, U+FFFE, U+1FFFF)",
    )


def test_sanitize_keeps_tab_newline_and_emoji_joiners_but_drops_stray_zero_width():
    family = "👨\u200d👩\u200d👧"
    clean = sanitize(f"가\u200b나\t다\n{family} 라\u200d마 🏳\ufe0f\u200d🌈")
    assert clean.text == f"가나\t다\n{family} 라마 🏳\ufe0f\u200d🌈"
    assert clean.zero_width == 2 and clean.notes == ("removed 2 zero-width character(s)",)


def test_strip_bidi_controls():
    assert strip_bidi_controls("정상 제목 \u202eFDP.exe") == ("정상 제목 FDP.exe", 1)
    assert strip_bidi_controls("\u2066a\u2069\u200fb") == ("ab", 3)


def test_needs_translation_means_hangul_or_hanja():
    assert needs_translation("與野 合意") and needs_translation("한국") and needs_translation("靑")
    assert not needs_translation("OpenAI 2025 👍")
    assert has_han("A 靑 official") and not has_han("A Blue House official")


def test_graphemes_keep_sequences_whole():
    text = "a👨\u200d👩\u200d👧🇰🇷👍🏽\u1100\u1161\u11a8b"
    assert graphemes(text) == ["a", "👨\u200d👩\u200d👧", "🇰🇷", "👍🏽", "\u1100\u1161\u11a8", "b"]
    assert 2 not in grapheme_boundaries(text)


def test_keep_words_never_puts_a_joiner_inside_a_cluster():
    from markupsafe import escape

    from publisher.views import WORD_JOINER, keep_words

    text = "옛\u1100\u1161\u11a8글 가족👨\u200d👩\u200d👧이"
    out = str(keep_words(escape(text)))
    assert [g for g in graphemes(out) if g != WORD_JOINER] == graphemes(text)
    assert out.replace(WORD_JOINER, "") == text


# ------------------------------------------------------------------ the property

SPECIAL = [
    *(chr(c) for c in range(0x00, 0x20)),
    "\x7f",
    *(chr(c) for c in range(0x80, 0xA0)),
    "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff",
    "\ud800", "\udfff", "\udc00",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c",
    "\u2028", "\u2029", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
    "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "🇰🇷", "🇺🇸", "👍🏽", "1\ufe0f\u20e3", "\u1100\u1161\u11a8",
    "e\u0301", "與野", "靑", "<", "&", "]]>", "[1]", "https://example.com/a?b=1&c=2", "kim@example.com",
]
WORDS = ["부산항에", "새", "크레인이", "들어왔다.", "정부는", "발표했다.", "OpenAI", "2025년", " ", " ", "\n"]

_chunk = st.one_of(
    st.sampled_from(SPECIAL),
    st.sampled_from(WORDS),
    st.text(st.characters(exclude_categories=()), max_size=4),
)
arbitrary = st.lists(_chunk, min_size=1, max_size=25).map("".join)

_DOCUMENTED_REMOVALS = set(ZERO_WIDTH)


def _documented(raw: str) -> str:
    """``raw`` with exactly the documented changes applied, then NFC: what must survive."""
    for old, new in LINE_BREAKS.items():
        raw = raw.replace(old, new)
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(c for c in raw if (is_xml_char(c) or c in "\t\n") and c not in _DOCUMENTED_REMOVALS)
    return unicodedata.normalize("NFC", kept)


def _squash(text: str) -> str:
    return re.sub(r"[\s\u200c\u200d]+", "", text)


@pytest.fixture(scope="module")
def echo_translator():
    """A real Translator whose engine echoes its input (no CTranslate2 is loaded)."""
    from publisher.decoding import TranslateSettings
    from publisher.models import load_model
    from publisher.translate import Translator

    class Echo:
        info = load_model(str(FIXTURE_MODEL)).info
        settings = TranslateSettings()

        def translate_texts(self, texts, stats):
            return list(texts)

    return Translator(Echo())


def _article(raw: str) -> Article:
    clean = sanitize(raw).text
    lines = [line for line in clean.split("\n") if line.strip()]
    title = " ".join(strip_bidi_controls(lines[0])[0].split()) if lines else ""
    blocks = [Block(id="t", kind=TITLE, text=title)] if title else []
    blocks += [Block(id=f"p{i}", kind=BODY, text=line) for i, line in enumerate(lines[1:] or lines, start=1)]
    return Article(slug="prop", source="prop.txt", title=title or None, blocks=tuple(blocks))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=arbitrary)
def test_property_any_unicode_reaches_the_page_and_feed_whole_or_documented(raw, echo_translator, tmp_path_factory):
    import html5lib
    from bs4 import BeautifulSoup

    from publisher.building.article import make_brief
    from publisher.cards import _entry
    from publisher.feed import render_feed
    from publisher.render import render_html
    from publisher.segment import segment_article
    from publisher.site import render_index

    # 1. the sanitizer loses nothing but the documented removals, and leaves only XML characters
    clean = sanitize(raw)
    assert _squash(clean.text) == _squash(_documented(raw))
    assert all(is_xml_char(c) or c in "\t\n" for c in clean.text)
    removed = Counter(c for c in raw if not (is_xml_char(c) or c in "\t\n\r") and c not in LINE_BREAKS)
    assert clean.removed == sum(removed.values())

    article = _article(raw)
    if not article.blocks:
        return
    # 2. segmentation: every segment is a slice cut at grapheme boundaries
    segmented = segment_article(article)
    for block in segmented.blocks:
        bounds = grapheme_boundaries(block.text)
        pos = 0
        for seg in block.segments:
            start = block.text.find(seg.text, pos)
            assert start >= 0, (block.text, seg.text)
            assert start in bounds and start + len(seg.text) in bounds, f"cluster split in {block.text!r}"
            pos = start + len(seg.text)
    # 3. translation (echo double) and the page
    (translated,) = echo_translator.translate_articles([segmented])
    brief = make_brief(translated, model_info=echo_translator.info, inputs=None, count=None)
    page = render_html(brief)
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(page)
    assert parser.errors == []
    soup = BeautifulSoup(page, "html.parser")
    shown = "".join(p.get_text() for p in soup.select("p.seg.ko"))
    body = "".join(s.text for b in translated.blocks if b.kind == BODY for s in b.segments)
    assert _squash(shown) == _squash(body)
    for b in translated.blocks:
        for s in b.segments:
            assert s.en is not None and all(is_xml_char(c) or c in "\t\n" for c in s.en)
    # 4. the index parses cleanly; the feed parses and carries the title without bidi controls
    folder = tmp_path_factory.mktemp("prop")
    entry = _entry(folder, brief)
    index = html5lib.HTMLParser(strict=False)
    index.parse(render_index([entry]))
    assert index.errors == []
    feed = render_feed([entry])
    root = ET.fromstring(feed.encode("utf-8"))
    title = root.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title").text or ""
    assert strip_bidi_controls(title)[1] == 0

