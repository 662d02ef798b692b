"""HTML rendering: golden pages, escaping, structure, provenance, editor view, output folder.

Golden files live in tests/golden/; ``make golden`` (UPDATE_GOLDEN=1) rewrites them after
an intended change to the templates, so a diff shows exactly what readers will see.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fontTools.ttLib import TTFont
from render_samples import (
    HOSTILE,
    MODEL,
    TEST_MODEL,
    hostile_brief,
    sample_article,
    sample_brief,
    brief_with_test_model,
    three_briefs,
)

from publisher.document import TEST_MODEL_NOTICE, Block, OutputError, brief_from_dict
from publisher.render import (
    FONTS_DIR,
    TEMPLATES_DIR,
    render_html,
    render_pdf_html,
)
from publisher.building.publish import publish_brief as write_brief

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run 'make golden' to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file; if the change is intended, run 'make golden' and review the diff"


# ------------------------------------------------------------------ golden files


@pytest.mark.parametrize(
    "name, make",
    [
        ("brief.html", lambda: render_html(sample_brief())),
        ("editor.html", lambda: render_html(sample_brief(), editor=True)),
        ("brief-test-model.html", lambda: render_html(brief_with_test_model())),
        ("brief-pdf-columns.html", lambda: render_pdf_html(sample_brief(), "columns")),
        ("brief-pdf-interleaved.html", lambda: render_pdf_html(sample_brief(), "interleaved")),
    ],
)
def test_golden(name, make):
    first, second = make(), make()
    assert first == second, "rendering is not deterministic"
    check_golden(name, first)


def test_index_golden(tmp_path):
    from publisher.site import build_site

    three_briefs(tmp_path)
    build_site(tmp_path)
    check_golden("index.html", (tmp_path / "index.html").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ escaping


def test_hostile_text_is_escaped_not_executed():
    html = render_html(hostile_brief())
    doc = soup(html)
    assert doc.find("script") is None
    assert doc.find("img") is None
    for tag in doc.find_all(True):
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), f"event handler attribute on <{tag.name}>"
            if attr in ("href", "src"):
                assert not str(value).strip().lower().startswith("javascript:"), f"javascript: URL in <{tag.name} {attr}>"
    # The text is shown as text, exactly.
    seg = doc.find(id="seg-p1.1")
    assert seg.find(class_="ko").get_text() == HOSTILE
    assert seg.find(class_="en").get_text().strip() == HOSTILE
    # The source URL is javascript: and so is shown, not linked; the bad email is not linked.
    assert "javascript:window.__pwned=4" in doc.find(class_="source").get_text()
    assert not doc.select('a[href^="mailto:"]')


def test_template_syntax_in_text_prints_literally():
    html = render_html(hostile_brief())
    text = soup(html).find(id="seg-p1.2").get_text()
    assert "{{ 7*7 }}" in text and "{% raw %}" in text and "{% endraw %}" in text
    assert "49" not in html


def test_unknown_footnote_marker_stays_text():
    art = sample_article()
    blocks = tuple(
        replace(b, segments=(replace(b.segments[0], text="숫자 [9]는 각주가 아닙니다.", en="Number [9] is not a note."),)) if b.id == "p3" else b
        for b in art.blocks
    )
    doc = soup(render_html(sample_brief(article=replace(art, blocks=blocks))))
    seg = doc.find(id="seg-p3.1")
    assert "[9]" in seg.get_text()
    assert not seg.select('a[href="#fn-9"]')


# ------------------------------------------------------------------ structure


def test_every_segment_element_carries_its_language():
    doc = soup(render_html(sample_brief()))
    segs = doc.select(".seg")
    assert len(segs) >= 2 * 8
    for el in segs:
        lang = "ko" if "ko" in el["class"] else "en"
        assert el.get("lang") == lang, el
    for li in doc.select(".summary-pair > p"):
        assert li.get("lang") in ("ko", "en")
    assert doc.select_one(".title-ko")["lang"] == "ko"
    assert doc.select_one(".title-en")["lang"] == "en"
    assert doc.html["lang"] == "en"


def test_header_has_both_titles_date_byline_and_source():
    doc = soup(render_html(sample_brief()))
    header = doc.find("header", class_="masthead")
    assert header.select_one(".title-ko").get_text() == "항구 위를 나는 드론 택배"
    assert header.select_one(".title-en").get_text() == "Drone deliveries over the harbour"
    assert header.find("time")["datetime"] == "2026-11-19"
    assert "2026년 11월 19일" in header.get_text() and "19 November 2026" in header.get_text()
    assert "한지우" in header.select_one(".byline").get_text()
    assert header.select_one(".byline .role-en").get_text() == ", reporter"
    assert header.select_one('a[href="mailto:jiwoo.han@example.com"]') is not None
    assert header.select_one('.source a')["href"] == "https://news.example.com/harbor-drones"
    assert doc.title.get_text() == "Drone deliveries over the harbour / 항구 위를 나는 드론 택배"


def test_summary_comes_first_and_links_each_sentence_to_its_segment():
    doc = soup(render_html(sample_brief()))
    sections = [s["id"] for s in doc.find("main").find_all("section", recursive=False)]
    assert sections == ["summary", "fulltext", "notes"]
    ko_links = [a["href"] for a in doc.select(".summary-ko a")]
    en_links = [a["href"] for a in doc.select(".summary-en a")]
    assert ko_links == en_links == ["#seg-p1.1", "#seg-p2.1"]
    for href in ko_links:
        target = doc.find(id=href[1:])
        assert target is not None and "pair" in target["class"]
    # Footnote markers are dropped from summary sentences, kept in the full text.
    assert "[2]" not in doc.select(".summary-ko")[1].get_text()
    assert "[2]" in doc.find(id="seg-p2.1").get_text()


def test_full_text_pairs_korean_and_english_in_document_order():
    brief = sample_brief()
    doc = soup(render_html(brief))
    expected = [s.id for b in brief.article.blocks if b.kind in ("body", "caption", "pullquote") for s in b.segments]
    pairs = doc.select("#fulltext .pair")
    assert [p["id"] for p in pairs] == [f"seg-{i}" for i in expected]
    for p in pairs:
        kids = [c for c in p.find_all("p", recursive=False)]
        assert [c["lang"] for c in kids[:2]] == ["ko", "en"]
    assert doc.select_one("blockquote.blk-pullquote #seg-q1\\.1") is not None
    caption = doc.select_one("aside.blk-caption")
    assert caption is not None and "인천항만공사" in caption.get_text()


def test_footnotes_are_endnotes_linked_both_ways():
    doc = soup(render_html(sample_brief()))
    refs = doc.select("a[role=doc-noteref]")
    assert {a["href"] for a in refs} == {"#fn-1", "#fn-2"}
    for a in refs:
        assert doc.find(id=a["href"][1:]) is not None
    backs = doc.select("a[role=doc-backlink]")
    assert {b["href"] for b in backs} == {"#fnref-1-ko", "#fnref-1-en", "#fnref-2-ko", "#fnref-2-en"}
    for b in backs:
        target = doc.find(id=b["href"][1:])
        assert target is not None and target.get("role") == "doc-noteref"
    # English that dropped the marker gets it back at the end of its segment.
    assert doc.find(id="seg-p2.1").select_one(".en a[href='#fn-2']") is not None
    ids = [t["id"] for t in doc.find_all(id=True)]
    assert len(ids) == len(set(ids)), "duplicate ids"


def test_language_switch_is_three_radio_inputs_before_the_page():
    doc = soup(render_html(sample_brief()))
    inputs = doc.select("body > input.view-input")
    assert [i["id"] for i in inputs] == ["view-both", "view-ko", "view-en"]
    assert inputs[0].has_attr("checked") and not inputs[1].has_attr("checked")
    assert {l["for"] for l in doc.select(".viewswitch label")} == {"view-both", "view-ko", "view-en"}
    assert doc.find("script") is None  # works without JavaScript
    css = (TEMPLATES_DIR / "css" / "brief.css").read_text()
    assert "#view-en:checked ~ .page .ko { display: none; }" in css.replace(",\n", ", ")


# ------------------------------------------------------------------ provenance and notices


def test_provenance_footer():
    doc = soup(render_html(sample_brief()))
    foot = doc.find("footer", class_="provenance").get_text(" ", strip=True)
    assert "translate-ko_en 1.1" in foot
    assert MODEL.sha256[:12] in foot and MODEL.sha256[:13] not in foot
    assert "publisher 0.1.0" in foot
    assert "2026-11-20 09:30 UTC" in foot
    assert "Machine-translated, edited" in foot


def test_machine_translation_notice_without_edits_and_edited_marks():
    unedited = soup(render_html(sample_brief(edited=False)))
    assert "Machine-translated from Korean" in unedited.find("footer").get_text()
    assert "Machine-translated, edited" not in unedited.get_text()
    edited = soup(render_html(sample_brief()))
    marked = [p["id"] for p in edited.select(".pair.is-edited")]
    assert marked == ["seg-p2.2"]
    assert edited.find(id="seg-p2.2").select_one(".mark-edited") is not None


def test_test_model_banner_shows_at_the_top():
    doc = soup(render_html(brief_with_test_model()))
    page = doc.select_one(".page")
    first = page.find(class_="banner")
    assert first is not None and "banner-test" in first["class"]
    assert "Test model, not a translation" in first.get_text()
    assert "Test model, not a translation" in soup(render_pdf_html(brief_with_test_model())).select_one(".first-page .banner-test").get_text()
    assert doc.find(class_="banner-test").find_previous(class_="masthead") is None


def test_test_model_banner_also_from_notice_alone():
    brief = sample_brief(notices=(TEST_MODEL_NOTICE,))
    assert soup(render_html(brief)).find(class_="banner-test") is not None
    normal = soup(render_html(sample_brief()))
    assert normal.find(class_="banner-test") is None


def test_other_notices_are_shown():
    doc = soup(render_html(sample_brief(notices=("Summary shortened: the article has one sentence.",))))
    assert "Summary shortened" in doc.find(class_="banner-notice").get_text()


def test_missing_english_is_said_not_hidden():
    art = sample_article()
    blocks = tuple(replace(b, segments=(replace(b.segments[0], en=None),)) if b.id == "p3" else b for b in art.blocks)
    doc = soup(render_html(sample_brief(article=replace(art, blocks=blocks))))
    assert "(not translated)" in doc.find(id="seg-p3.1").get_text()


# ------------------------------------------------------------------ editor view


def test_editor_view_lists_and_marks_flags_readers_never_see_them():
    reader = render_html(sample_brief())
    editor = render_html(sample_brief(), editor=True)
    for flag in ("number-mismatch", "untranslated-term"):
        assert flag not in reader
        assert flag in editor
    doc = soup(editor)
    ids = [t["id"] for t in doc.find_all(id=True)]
    assert len(ids) == len(set(ids)), "duplicate ids"
    listed = [a["href"] for a in doc.select("#flags .flagged-list > li > a")]
    assert listed == ["#seg-p2.1", "#seg-p3.1"]
    assert [p["id"] for p in doc.select(".pair.flagged")] == ["seg-p2.1", "seg-p3.1"]
    assert doc.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")
    assert "footnote 3 is defined but never referenced" in doc.get_text()


# ------------------------------------------------------------------ self-contained, fonts


def test_pages_only_reference_local_files():
    doc = soup(render_html(sample_brief()))
    for tag, attr in (("link", "href"), ("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src")):
        for el in doc.find_all(tag):
            value = el[attr]
            assert "//" not in value and ":" not in value, f"<{tag} {attr}={value}> is not a relative local path"
    for css in (TEMPLATES_DIR / "css").glob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text()):
            assert "//" not in url and ":" not in url, f"{css.name} loads {url}"
    assert "font-family: BriefGothic;" in (TEMPLATES_DIR / "css" / "fonts.css").read_text()


def test_every_character_of_the_pages_is_in_the_bundled_font():
    cmap = TTFont(FONTS_DIR / "BriefGothic-Regular.ttf").getBestCmap()
    text = "".join(
        soup(h).get_text()
        for h in (render_html(brief_with_test_model(), editor=True), render_pdf_html(sample_brief()), render_html(sample_brief()))
    )
    # U+2060 WORD JOINER (the PDF's keep-all) is invisible by definition: no glyph needed.
    missing = sorted({c for c in text if ord(c) > 32 and ord(c) not in cmap and c != "\u2060"})
    assert not missing, f"characters the bundled font lacks (would render with another font or as boxes): {missing}"


def test_bundled_fonts_are_renamed_subsets_with_all_hangul():
    for name, style in (("BriefGothic-Regular.ttf", "Regular"), ("BriefGothic-Bold.ttf", "Bold")):
        path = FONTS_DIR / name
        font = TTFont(path)
        names = {r.nameID: r.toUnicode() for r in font["name"].names}
        assert names[1] == "Brief Gothic" and names[2] == style
        assert names[6] == f"BriefGothic-{style}"
        assert "derived from NanumGothic by NAVER, subset" in names[10]
        for rid, text in names.items():
            if rid not in (0, 10):  # copyright and description may acknowledge the source
                assert "nanum" not in text.lower(), f"reserved font name in name record {rid}"
        cmap = font.getBestCmap()
        assert all(cp in cmap for cp in range(0xAC00, 0xD7A4)), "a Hangul syllable is missing"
        assert 0x24D2 in cmap  # ⓒ
        assert not any(t in font for t in ("fpgm", "prep", "cvt ")), "hinting was not removed"
        assert 1_000_000 < path.stat().st_size < 2_000_000
    ofl = (FONTS_DIR / "OFL.txt").read_text()
    assert "NAVER Corporation" in ofl and "SIL OPEN FONT LICENSE" in ofl


# ------------------------------------------------------------------ output folder


@pytest.mark.slow
def test_write_brief_writes_pages_pdf_json_and_assets(tmp_path):
    brief = sample_brief()
    target = write_brief(brief, tmp_path)
    assert target == tmp_path / "harbor-drones"
    assert sorted(p.name for p in target.iterdir()) == ["brief.html", "brief.json", "brief.pdf", "editor.html"]
    assert (target / "brief.pdf").read_bytes().startswith(b"%PDF-")
    doc = json.loads((target / "brief.json").read_text(encoding="utf-8"))
    assert doc["publisher"] == "brief"
    assert brief_from_dict(doc["data"]) == brief
    for rel in ("css/brief.css", "css/fonts.css", "css/site.css", "fonts/BriefGothic-Regular.ttf", "fonts/BriefGothic-Bold.ttf", "fonts/OFL.txt"):
        assert (tmp_path / "assets" / rel).is_file(), rel
    # The page's stylesheet link resolves to the copied asset, and the CSS's font URL too.
    href = soup((target / "brief.html").read_text()).find("link", rel="stylesheet")["href"]
    css = (target / href).resolve()
    assert css.is_file()
    font_url = re.search(r'url\("([^"]+Regular\.ttf)"\)', (css.parent / "fonts.css").read_text()).group(1)
    assert (css.parent / font_url).resolve().is_file()
    assert not list(tmp_path.rglob("*.tmp")), "temporary files left behind"


def test_bad_layout_is_a_clear_error_and_writes_nothing(tmp_path):
    with pytest.raises(OutputError, match="unknown layout 'sideways'; use one of: columns, interleaved"):
        write_brief(sample_brief(), tmp_path, layout="sideways")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_slug_cannot_escape_the_output_folder(tmp_path):
    out = tmp_path / "out"
    brief = sample_brief(article=replace(sample_article(), slug="../../evil"))
    target = write_brief(brief, out)
    assert target.parent == out and target.name == "evil"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_article_without_title_block_uses_article_title():
    art = sample_article()
    art = replace(art, blocks=tuple(b for b in art.blocks if b.kind != "title"))
    doc = soup(render_html(sample_brief(article=art)))
    assert doc.select_one(".title-ko").get_text() == "항구 위를 나는 드론 택배"
    assert doc.select_one(".title-en") is None


def test_test_fixture_model_info_alone_triggers_banner():
    brief = sample_brief(model=TEST_MODEL, notices=())
    assert soup(render_html(brief)).find(class_="banner-test") is not None


def test_footnote_block_without_segments_still_listed():
    art = sample_article()
    blocks = art.blocks + (Block("fn3", "footnote", "정의만 있는 각주.", number=3),)
    doc = soup(render_html(sample_brief(article=replace(art, blocks=blocks))))
    note = doc.find(id="fn-3")
    assert note is not None and "정의만 있는 각주." in note.get_text()
    assert note.select("a[role=doc-backlink]") == []


def test_minimal_brief_renders_with_unknowns_said_plainly():
    from publisher.document import Article, Brief
    from publisher.render import render_pdf

    brief = Brief(article=Article(slug="empty", source="articles/empty.txt"))
    doc = soup(render_html(brief))
    assert doc.select_one(".title-ko").get_text() == "empty"
    foot = doc.find("footer").get_text(" ", strip=True)
    assert "Model unknown" in foot and "Generated unknown" in foot
    assert "Undated" in doc.select_one(".dateline").get_text()
    assert render_pdf(brief).startswith(b"%PDF-")


def test_pdf_fetcher_reads_only_the_templates_folder():
    from publisher.render import _local_fetcher

    fetcher = _local_fetcher()
    for url in ("http://127.0.0.1:9/evil.css", "https://example.com/font.ttf", "file:///etc/passwd", "data:text/css,body{}"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    ok = fetcher.fetch((TEMPLATES_DIR / "css" / "print.css").as_uri())
    try:
        assert b"@page" in ok.read()
    finally:
        ok.close()


def test_duplicate_footnote_numbers_keep_ids_unique():
    art = sample_article()
    blocks = art.blocks + (Block("fn1b", "footnote", "같은 번호의 두 번째 각주.", number=1),)
    doc = soup(render_html(sample_brief(article=replace(art, blocks=blocks))))
    ids = [t["id"] for t in doc.find_all(id=True)]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert "같은 번호의 두 번째 각주." in doc.find(id="notes").get_text()
    assert doc.select_one('a[role=doc-noteref][href="#fn-1"]') is not None
