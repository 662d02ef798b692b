"""The PDF brief, inspected with poppler (pdftotext, pdffonts, pdfinfo, pdftoppm) and pypdf.

Real WeasyPrint, real fonts: the picture test renders in a process whose fontconfig knows
no font at all, so the Korean it shows can only come from the bundled Brief Gothic.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import require_tool
from render_samples import SHARED_ARTICLE, long_article_brief, sample_brief, brief_with_test_model, shared_brief

from publisher.render import CSS_DIR, FONTS_DIR, render_pdf, render_pdf_html

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pdf")]  # one worker renders the module's PDFs once

REPO = Path(__file__).resolve().parents[1]
WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return WS.sub("", text)


def run(*cmd: str) -> str:
    require_tool(cmd[0])
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def pdftotext(path: Path, *args: str) -> str:
    return run("pdftotext", *args, str(path), "-")


def pdfinfo(path: Path) -> dict[str, str]:
    out = {}
    for line in run("pdfinfo", str(path)).splitlines():
        key, _, value = line.partition(":")
        out[key.strip()] = value.strip()
    return out


def pdffonts(path: Path) -> list[dict]:
    fonts = []
    for line in run("pdffonts", str(path)).splitlines()[2:]:
        m = re.match(r"^(\S+)\s+(.*?)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        assert m, f"unexpected pdffonts line: {line!r}"
        fonts.append({"name": m.group(1), "emb": m.group(3) == "yes", "sub": m.group(4) == "yes"})
    return fonts


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pdf")
    made = {}
    for name, brief, layout in (
        ("columns", sample_brief(), "columns"),
        ("interleaved", sample_brief(), "interleaved"),
        ("test-model", brief_with_test_model(), "columns"),
        ("long", long_article_brief(), "columns"),
    ):
        path = d / f"{name}.pdf"
        path.write_bytes(render_pdf(brief, layout))
        made[name] = path
    return made


def body_pairs(brief) -> list[tuple[str, str]]:
    return [(s.text, s.en) for b in brief.article.blocks if b.kind in ("body", "caption", "pullquote") for s in b.segments]


def assert_in_order(text: str, pieces: list[str]) -> None:
    pos = 0
    for piece in pieces:
        found = text.find(squash(piece), pos)
        assert found >= 0, f"{piece!r} not found after position {pos} (order broken or text missing)"
        pos = found + len(squash(piece))


# ------------------------------------------------------------------ text


@pytest.mark.parametrize("layout, args", [("columns", ("-raw",)), ("columns", ()), ("interleaved", ()), ("interleaved", ("-raw",))])
def test_full_text_is_korean_then_its_english_segment_by_segment(pdfs, layout, args):
    text = squash(pdftotext(pdfs[layout], "-f", "2", *args))
    pieces = [p for pair in body_pairs(sample_brief()) for p in pair]
    assert_in_order(text, pieces)


def test_page_one_has_titles_dateline_byline_and_summary_in_both_languages(pdfs):
    page1 = squash(pdftotext(pdfs["columns"], "-l", "1", "-raw"))
    brief = sample_brief()
    for piece in ("항구 위를 나는 드론 택배", "Drone deliveries over the harbour", "19 November 2026", "2026년 11월 19일", "한지우", "jiwoo.han@example.com"):
        assert squash(piece) in page1, piece
    by_id = {s.id: s for _, s in brief.article.iter_segments()}
    for sid in brief.summary:
        ko = re.sub(r"\[\d+\]", "", by_id[sid].text)
        assert squash(ko) in page1 and squash(by_id[sid].en) in page1
    # The full text starts on page two.
    assert squash("인천항에서 드론 택배") in page1  # (as a summary sentence)
    assert squash("요금은 건당 3,000원입니다.") not in page1


def test_test_model_banner_on_page_one_and_footer_of_every_page(pdfs):
    assert "Test model, not a translation" not in pdftotext(pdfs["columns"])
    page1 = pdftotext(pdfs["test-model"], "-l", "1", "-raw")
    before_masthead = page1.split("BILINGUAL BRIEF")[0]  # the masthead's kicker line
    assert "Test model, not a translation" in before_masthead
    pages = int(pdfinfo(pdfs["test-model"])["Pages"])
    assert pages == 2
    for n in range(1, pages + 1):
        assert "Test model, not a translation" in pdftotext(pdfs["test-model"], "-f", str(n), "-l", str(n))


def test_notes_and_provenance_are_at_the_end(pdfs):
    text = squash(pdftotext(pdfs["columns"], "-raw"))
    assert_in_order(text, ["시범 기간은 석 달이다.", "The pilot period is three months.", "초속 10m는 시속 36km다.", "Machine-translated, edited", "translate-ko_en 1.1", "6da8f3db6ca4", "publisher 0.1.0", "2026-11-20 09:30 UTC"])


def _hangul_tokens(text: str) -> list[str]:
    text = re.sub(r"\[\d+\]", " ", text.replace("\u2060", ""))
    tokens = (t.strip(".,'\"()·:") for t in text.split())
    return [t for t in tokens if re.search("[\uac00-\ud7a3]", t)]


def test_korean_lines_break_only_between_words(pdfs):
    """keep-all: no Korean word is cut at a line end (WeasyPrint needs word joiners for it)."""
    from bs4 import BeautifulSoup

    for name, brief in (("columns", sample_brief()), ("long", long_article_brief())):
        words = set(_hangul_tokens(BeautifulSoup(render_pdf_html(brief), "html.parser").get_text(" ")))
        cut = [t for t in _hangul_tokens(pdftotext(pdfs[name], "-raw")) if t not in words]
        assert cut == [], f"{name}: Korean words broken across lines: {cut[:10]}"
    assert "\u2060" not in pdftotext(pdfs["columns"]), "word joiners leak into the extracted text"


# ------------------------------------------------------------------ pages


def test_page_count_numbers_and_running_header(pdfs):
    assert pdfinfo(pdfs["columns"])["Pages"] == "2"
    long_pages = int(pdfinfo(pdfs["long"])["Pages"])
    assert 4 <= long_pages <= 12, long_pages
    for n in range(1, long_pages + 1):
        page = pdftotext(pdfs["long"], "-f", str(n), "-l", str(n))
        assert f"{n}/{long_pages}" in squash(page)
        if n > 1:
            assert "Drone deliveries over the harbour" in page.splitlines()[0] or "Drone deliveries over the harbour" in page[:200]
    assert pdfinfo(pdfs["long"])["Page size"].endswith("(A4)")


def test_no_segment_pair_is_split_across_pages(pdfs):
    pages = int(pdfinfo(pdfs["long"])["Pages"])
    texts = [squash(pdftotext(pdfs["long"], "-raw", "-f", str(n), "-l", str(n))) for n in range(2, pages + 1)]
    for ko, en in body_pairs(long_article_brief()):
        where_ko = [i for i, t in enumerate(texts) if squash(ko) in t]
        where_en = [i for i, t in enumerate(texts) if squash(en) in t]
        assert where_ko and where_ko == where_en, f"{ko!r} on pages {where_ko}, its English on {where_en}"


# ------------------------------------------------------------------ fonts, metadata, outline, tags


def test_only_the_bundled_font_is_embedded_and_subset(pdfs):
    for path in pdfs.values():
        fonts = pdffonts(path)
        assert fonts
        for f in fonts:
            assert re.fullmatch(r"[A-Z]{6}\+Brief(Gothic|Hanja|Emoji)(-Bold)?(-Oblique)?", f["name"]), f"unexpected font {f['name']}"
            assert "nanum" not in f["name"].lower()
            assert f["emb"] and f["sub"], f


def test_metadata(pdfs):
    info = pdfinfo(pdfs["columns"])
    assert info["Title"] == "Drone deliveries over the harbour / 항구 위를 나는 드론 택배"
    assert info["Author"] == "한지우"
    assert "Bilingual Korean-English brief" in info["Subject"] and "바다일보" in info["Subject"]
    assert "machine translation" in info["Keywords"]
    assert info["Creator"] == "publisher 0.1.0"
    assert info["Tagged"] == "yes"
    from pypdf import PdfReader

    root = PdfReader(pdfs["columns"]).trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


def test_outline_has_summary_full_text_and_notes(pdfs):
    from pypdf import PdfReader

    reader = PdfReader(pdfs["columns"])
    titles = [item.title for item in reader.outline]
    assert titles == ["Summary 요약", "Full text 전문", "Notes 각주"]
    pages = [reader.get_destination_page_number(item) for item in reader.outline]
    assert pages[0] == 0 and pages[1] == 1


# ------------------------------------------------------------------ picture: real glyphs, no system font


PICTURE_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from render_samples import sample_brief
    from publisher.render import render_pdf, render_pdf_html
    out = Path(sys.argv[1])
    brief = sample_brief()
    (out / "real.pdf").write_bytes(render_pdf(brief))
    # The same page, with BriefGothic pointing at a copy of the font that has no Hangul.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    fc = FontConfiguration()
    css = CSS(filename=str(out / "css" / "print.css"), font_config=fc)
    HTML(string=render_pdf_html(brief), base_url=str(out / "css") + "/").write_pdf(out / "tofu.pdf", stylesheets=[css], font_config=fc)
    """
)


def _ink(png: Path, box: tuple[float, float, float, float], dpi: int) -> float:
    """Fraction of dark pixels inside a PDF-point box of a page image."""
    from PIL import Image

    import numpy as np

    img = np.asarray(Image.open(png).convert("L"))
    scale = dpi / 72
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    region = img[y0:y1, x0:x1]
    return float((region < 128).mean())


def _word_box(pdf: Path, word: str) -> tuple[float, float, float, float]:
    xml = run("pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-")
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml):
        if m.group(5) == word:
            return tuple(float(m.group(i)) for i in range(1, 5))
    raise AssertionError(f"{word!r} not found on page 1 of {pdf}")


def test_page_one_picture_shows_real_korean_glyphs_without_any_system_font(tmp_path):
    require_tool("pdftoppm")
    from fontTools import subset

    # A font with the same names but no Hangul: what a machine without a Korean font shows.
    shutil.copytree(CSS_DIR, tmp_path / "css")
    (tmp_path / "fonts").mkdir()
    for name in ("BriefGothic-Regular.ttf", "BriefGothic-Bold.ttf"):
        subset.main([str(FONTS_DIR / name), "--unicodes=U+0020-007E", f"--output-file={tmp_path / 'fonts' / name}"])
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig></fontconfig>\n')
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(conf),  # no system font at all: fonts-nanum cannot help
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")]),
    }
    subprocess.run([sys.executable, "-c", PICTURE_SCRIPT, str(tmp_path)], check=True, env=env, capture_output=True, timeout=120)

    real, tofu = tmp_path / "real.pdf", tmp_path / "tofu.pdf"
    assert all(re.search(r"\+BriefGothic", f["name"]) for f in pdffonts(real))
    assert "항구 위를 나는 드론 택배" in pdftotext(real, "-l", "1")

    dpi = 72
    for pdf in (real, tofu):
        run("pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png", str(pdf), str(pdf.with_suffix("")))
    real_png, tofu_png = tmp_path / "real-1.png", tmp_path / "tofu-1.png"
    whole = (0, 0, 595, 842)
    assert _ink(real_png, whole, dpi) > 0.003, "page one is blank"

    title_box = _word_box(real, "항구")  # the first word of the Korean title, in points
    english_box = _word_box(real, "Drone")
    real_title, tofu_title = _ink(real_png, title_box, dpi), _ink(tofu_png, title_box, dpi)
    assert real_title > 0.15, f"the Korean title has almost no ink ({real_title:.3f})"
    assert tofu_title < real_title / 5, "the rendering without Hangul glyphs looks the same: the check cannot tell"
    # Latin text is the same in both renderings: the difference is the Hangul glyphs only.
    assert abs(_ink(real_png, english_box, dpi) - _ink(tofu_png, english_box, dpi)) < 0.02


# ------------------------------------------------------------------ the shared article


@pytest.mark.skipif(not SHARED_ARTICLE.exists(), reason=f"shared article not available at {SHARED_ARTICLE} (only team machines and CI have ../shared)")
def test_shared_article_pdf_is_at_most_1_mb(tmp_path):
    brief, how = shared_brief()
    data = render_pdf(brief)
    assert len(data) <= 1_000_000, f"{len(data)} bytes (reader: {how})"
    path = tmp_path / "shared.pdf"
    path.write_bytes(data)
    body = [s for b in brief.article.blocks if b.kind == "body" for s in b.segments]
    assert len(body) > 30
    pairs = [p for s in body for p in (s.text, s.en)]
    # Content order (-raw) and poppler's reading order (plain pdftotext, what copy and
    # search see) both give each Korean sentence followed by its English.
    for args in (("-raw",), ()):
        text = squash(pdftotext(path, *args))
        assert_in_order(text.split(squash("한국어 원문"), 1)[1], pairs)
