"""Hand-made briefs for the render, PDF, site and browser tests (plain data, no other stage).

The Korean text and its English are written for these tests. ``generated`` is fixed so
that rendered pages are byte-for-byte reproducible (golden files).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from publisher.document import (
    document,
    TEST_MODEL_NOTICE,
    Article,
    Block,
    Brief,
    Byline,
    ModelInfo,
    Segment,
)

GENERATED = "2026-11-20T09:30:00+00:00"
MODEL = ModelInfo(
    name="translate-ko_en",
    version="1.1",
    sha256="6da8f3db6ca40f42b1875570a1c06856f6e17c7ef62845d85de217ba548c1471",
)
TEST_MODEL = ModelInfo(name="publisher-test-fixture", version="0.1", sha256="0123456789abcdef" * 4, test_fixture=True)

# Text a hostile article might carry: it must come out as text, never as markup or code.
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> {{ 7*7 }} {% raw %} <a href="javascript:window.__pwned=3">링크</a>'


def seg(id: str, ko: str, en: str | None, refs: tuple[int, ...] = (), flags: tuple[str, ...] = (), origin: str | None = "machine") -> Segment:
    return Segment(id=id, text=ko, refs=refs, en=en, flags=flags, origin=origin)


def sample_article(slug: str = "harbor-drones", date: str = "2026-11-19") -> Article:
    blocks = (
        Block("t", "title", "항구 위를 나는 드론 택배", segments=(seg("t.1", "항구 위를 나는 드론 택배", "Drone deliveries over the harbour"),)),
        Block(
            "p1",
            "body",
            "인천항에서 드론 택배 시범 사업이 시작됐습니다.첫날에만 120건이 배송됐습니다[1].",
            segments=(
                seg("p1.1", "인천항에서 드론 택배 시범 사업이 시작됐습니다.", "A drone delivery pilot has started at Incheon port."),
                seg("p1.2", "첫날에만 120건이 배송됐습니다[1].", "On the first day alone, 120 parcels were delivered[1].", refs=(1,)),
            ),
        ),
        Block(
            "q1",
            "pullquote",
            "\"바다 위 배송이 가장 어렵습니다\"",
            segments=(seg("q1.1", "\"바다 위 배송이 가장 어렵습니다\"", '"Delivery over the sea is the hardest."'),),
        ),
        Block(
            "p2",
            "body",
            "운영사는 바람이 초속 10m를 넘으면 비행을 멈춘다고 밝혔습니다[2].요금은 건당 3,000원입니다.",
            segments=(
                seg(
                    "p2.1",
                    "운영사는 바람이 초속 10m를 넘으면 비행을 멈춘다고 밝혔습니다[2].",
                    "The operator said flights stop when the wind exceeds 10 m per second.",
                    refs=(2,),
                    flags=("number-mismatch",),
                ),
                seg("p2.2", "요금은 건당 3,000원입니다.", "The fee is 3,000 won per delivery.", origin="edited"),
            ),
        ),
        Block(
            "c1",
            "caption",
            "<인천항 부두 위를 나는 배송 드론 ⓒ인천항만공사>",
            segments=(seg("c1.1", "인천항 부두 위를 나는 배송 드론", "A delivery drone flying over an Incheon pier"),),
            credit="인천항만공사",
        ),
        Block(
            "p3",
            "body",
            "시는 내년에 노선을 늘릴 계획입니다.",
            segments=(seg("p3.1", "시는 내년에 노선을 늘릴 계획입니다.", "The city plans to add routes next year.", flags=("untranslated-term",)),),
        ),
        Block("fn1", "footnote", "시범 기간은 석 달이다.", number=1, segments=(seg("fn1.1", "시범 기간은 석 달이다.", "The pilot period is three months."),)),
        Block("fn2", "footnote", "초속 10m는 시속 36km다.", number=2, segments=(seg("fn2.1", "초속 10m는 시속 36km다.", "10 m per second is 36 km per hour."),)),
    )
    return Article(
        slug=slug,
        source=f"articles/{slug}.ko.txt",
        title="항구 위를 나는 드론 택배",
        title_source="heading",
        date=date,
        byline=Byline(author="한지우", role="기자", email="jiwoo.han@example.com", raw="글: 한지우 기자, jiwoo.han@example.com"),
        outlet="바다일보",
        url="https://news.example.com/harbor-drones",
        blocks=blocks,
        notes=("footnote 3 is defined but never referenced",),
    )


def sample_brief(**changes) -> Brief:
    brief = Brief(
        article=sample_article(),
        summary=("p1.1", "p2.1"),
        model=MODEL,
        generated=GENERATED,
        publisher_version="0.1.0",
        edited=True,
        inputs="0" * 64,
    )
    return replace(brief, **changes) if changes else brief


def brief_with_test_model() -> Brief:
    return sample_brief(model=TEST_MODEL, notices=(TEST_MODEL_NOTICE,), edited=False)


def hostile_brief(slug: str = "hostile") -> Brief:
    """A brief whose Korean and English carry script, event handlers, javascript: and jinja syntax."""
    art = sample_article(slug=slug)
    blocks = list(art.blocks)
    blocks[1] = Block(
        "p1",
        "body",
        HOSTILE,
        segments=(seg("p1.1", HOSTILE, HOSTILE), seg("p1.2", "{% raw %}{{ 7*7 }}{% endraw %}", "{{ 7*7 }} and {% raw %}")),
    )
    art = replace(
        art,
        blocks=tuple(blocks),
        url="javascript:window.__pwned=4",
        outlet='<b onmouseover="window.__pwned=5">outlet</b>',
        byline=Byline(author="<script>window.__pwned=6</script>", email="x@example.com\"><script>"),
    )
    return sample_brief(article=art, summary=("p1.1",))


def long_article_brief(paragraphs: int = 30, slug: str = "long-read") -> Brief:
    """Many paragraphs, to exercise page breaks and the page count."""
    art = sample_article(slug=slug)
    extra = []
    for i in range(4, 4 + paragraphs):
        segs = tuple(
            seg(
                f"p{i}.{j}",
                f"문단 {i:02d}-{j}: 항만 자동화와 드론 배송이 지역 경제에 주는 영향을 이 문장이 길게 설명합니다.",
                f"Paragraph {i:02d}-{j}: this sentence explains at length how port automation and drone delivery affect the local economy.",
            )
            for j in range(1, 4)
        )
        extra.append(Block(f"p{i}", "body", "", segments=segs))
    blocks = art.blocks[:6] + tuple(extra) + art.blocks[6:]
    return sample_brief(article=replace(art, blocks=blocks))


# ------------------------------------------------------------------ the shared article

SHARED_ARTICLE = Path(__file__).resolve().parents[1].parent / "shared" / "articles" / "openai-seoul-office.ko.txt"
PLACEHOLDER_EN = (
    "This is placeholder English standing in for the machine translation of this Korean sentence, "
    "sized like a real translation so that layout, page count and file size are realistic. "
)


def _crude_read(path: Path) -> Article:
    """A minimal structural reader used only until publisher.read exists (tests and bench)."""
    import re

    blocks: list[Block] = []
    counts = {"p": 0, "c": 0, "q": 0}
    title = None
    date = None
    author = email = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if m := re.match(r"^date\s+(\d{4}-\d{2}-\d{2})", line):
            date = m.group(1)
        elif m := re.match(r"^\[(\d+)\]\s*(.+)$", line):
            blocks.append(Block(f"fn{m.group(1)}", "footnote", m.group(2), number=int(m.group(1))))
        elif line.startswith("<") and line.endswith(">"):
            counts["c"] += 1
            text = line[1:-1]
            credit = None
            if "ⓒ" in text:
                text, credit = (s.strip() for s in text.split("ⓒ", 1))
            blocks.append(Block(f"c{counts['c']}", "caption", text, credit=credit))
        elif line.startswith('"') and line.endswith('"') and len(line) < 120:
            counts["q"] += 1
            title = title or line.strip('"')
            blocks.append(Block(f"q{counts['q']}", "pullquote", line))
        elif m := re.match(r"^글\s*:\s*(\S+)\s*기자,\s*(\S+@\S+)$", line):
            author, email = m.group(1), m.group(2)
        else:
            counts["p"] += 1
            blocks.append(Block(f"p{counts['p']}", "body", line))
    if title:
        blocks.insert(0, Block("t", "title", title))
    return Article(
        slug="openai-seoul-office",
        source=str(path),
        title=title,
        title_source="pull-quote",
        date=date,
        byline=Byline(author=author, role="기자", email=email),
        outlet="SBS",
        url="https://news.sbs.co.kr/",
        blocks=tuple(blocks),
    )


def read_shared_article(path: Path = SHARED_ARTICLE) -> tuple[Article, str]:
    """The shared article, read and segmented by the real stages when they exist.

    Returns (article, how) where ``how`` says which reader was used.
    """
    from publisher.segment import segment_article

    try:
        from publisher.read import read_article
    except ImportError:
        return segment_article(_crude_read(path)), "crude reader in tests/render_samples.py (publisher.read missing)"
    return segment_article(read_article(path)), "publisher.read"


def with_placeholder_english(article: Article) -> Article:
    """Fill every segment's English with a clearly labelled placeholder of realistic length."""
    blocks = []
    for b in article.blocks:
        segs = []
        for s in b.segments:
            size = max(40, int(len(s.text) * 2.2))
            filler = (PLACEHOLDER_EN * (size // len(PLACEHOLDER_EN) + 1))[:size].rsplit(" ", 1)[0]
            refs = "".join(f"[{n}]" for n in s.refs)
            segs.append(replace(s, en=f"[EN placeholder {s.id}] {filler}.{refs}", origin="machine"))
        blocks.append(replace(b, segments=tuple(segs)))
    return replace(article, blocks=tuple(blocks))


def shared_brief() -> tuple[Brief, str]:
    """A brief of the shared article with placeholder English (no model needed)."""
    article, how = read_shared_article()
    article = with_placeholder_english(article)
    body = [s.id for b in article.blocks if b.kind == "body" for s in b.segments]
    try:
        from publisher.summarize import summarize_article

        summary, note = summarize_article(article)
    except ImportError:
        summary, note = tuple(body[:3]), None
    brief = Brief(
        article=article,
        summary=tuple(summary),
        summary_note=note,
        model=MODEL,
        generated=GENERATED,
        publisher_version="0.1.0",
        notices=("English placeholders: this brief was built without a translation model, for layout tests.",),
    )
    return brief, how


# ------------------------------------------------------------------ site folders


def put_brief(out: Path, brief, pdf: bytes = b"%PDF-1.7\n% test stand-in\n") -> Path:
    """A brief folder as write_brief leaves it, without paying for a real PDF."""
    d = out / brief.article.slug
    d.mkdir(parents=True)
    (d / "brief.json").write_text(json.dumps(document("brief", brief), ensure_ascii=False), encoding="utf-8")
    (d / "brief.pdf").write_bytes(pdf)
    (d / "brief.html").write_text("<!doctype html><title>stand-in</title>", encoding="utf-8")
    return d


def three_briefs(out: Path) -> None:
    put_brief(out, sample_brief(article=sample_article("older", "2026-10-01")))
    put_brief(out, sample_brief(article=sample_article("newest", "2026-11-25")))
    # Same article date as "older": the later generation time comes first.
    put_brief(out, sample_brief(article=sample_article("older-regenerated", "2026-10-01"), generated="2026-11-21T08:00:00+00:00"), pdf=b"%PDF-1.7\n" + b"x" * 5000)
