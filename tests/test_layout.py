"""The brief's layout, checked on real WeasyPrint PDFs by the text positions poppler reports
(``pdftotext -bbox``), not by eye: summary rows pair each Korean sentence with its English on
one line; captions have one style and a label in each language; "About this brief" never
stands alone on a page; the byline names the role once and romanises the name."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import require_tool
from render_samples import SHARED_ARTICLE, long_article_brief, sample_brief, shared_brief

from publisher.render import render_html, render_pdf

pytestmark = [pytest.mark.slow]

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
A4_HEIGHT = 842
# The page's content area (print.css: 20 mm top margin, 18 mm bottom): running header and
# page numbers lie outside it.
CONTENT_TOP, CONTENT_BOTTOM = 20 / 25.4 * 72, A4_HEIGHT - 18 / 25.4 * 72
# A long sample whose last page held only "About this brief" before the rule (found by
# rendering 20-33 paragraphs with print.css's `break-before: avoid` removed: 21 paragraphs
# put the heading and its facts alone on page 7; with the rule, the last block comes along).
LONG_SAMPLES = (21,)


def _pages(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Every page's words as (x, y, text), from pdftotext -bbox."""
    require_tool("pdftotext")
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(float(m.group(1)), float(m.group(2)), m.group(5)) for m in WORD.finditer(p)] for p in xml.split("<page ")[1:]]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, tuple[object, Path]]:
    """name -> (brief, its PDF): the sample, long samples and (when present) the shared article."""
    out = tmp_path_factory.mktemp("layout")
    briefs = {"sample": sample_brief(), **{f"long-{n}": long_article_brief(paragraphs=n) for n in LONG_SAMPLES}}
    if SHARED_ARTICLE.exists():
        briefs["shared"] = shared_brief()[0]
    found = {}
    for name, brief in briefs.items():
        path = out / f"{name}.pdf"
        path.write_bytes(render_pdf(brief))
        found[name] = (brief, path)
    return found


def _first_word(text: str) -> str:
    return re.sub(r"[\u2060\s]+", " ", text).split()[0]


def _summary_rows(brief, page) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """((x, y) of the Korean's first word, (x, y) of the English's) for each summary sentence on page 1."""
    segs = {s.id: s for _, s in brief.article.iter_segments()}
    heading = next(y for x, y, w in page if w == "요약")
    below = [(x, y, w) for x, y, w in page if y > heading]
    rows = []
    for sid in brief.summary:
        ko, en = _first_word(segs[sid].text), _first_word(segs[sid].en)
        ko_at = [(x, y) for x, y, w in below if w == ko and x < 297]
        en_at = [(x, y) for x, y, w in below if w == en and x >= 297]
        assert ko_at and en_at, f"{sid}: {ko!r} or {en!r} not found in the summary of page 1"
        rows.append((ko_at[0], en_at[0]))
        below = [(x, y, w) for x, y, w in below if y > max(ko_at[0][1], en_at[0][1])]  # the next row starts lower
    return rows


@pytest.mark.parametrize("name", ["sample", "shared"])
def test_each_summary_rows_english_starts_on_the_line_of_its_korean(pdfs, name):
    if name not in pdfs:
        pytest.skip(f"shared article not available at {SHARED_ARTICLE}")
    brief, pdf = pdfs[name]
    rows = _summary_rows(brief, _pages(pdf)[0])
    assert len(rows) == len(brief.summary) >= 2
    for (kx, ky), (ex, ey) in rows:
        assert kx < 297 <= ex, "Korean on the left, English on the right"
        assert abs(ky - ey) < 2.0, f"English starts at y={ey:.1f}, its Korean at y={ky:.1f}"
    assert [r[0][1] for r in rows] == sorted(r[0][1] for r in rows)


def test_no_page_holds_only_about_this_brief(pdfs):
    checked = 0
    for name, (_, pdf) in pdfs.items():
        for number, words in enumerate(_pages(pdf), start=1):
            content = [(y, w) for _, y, w in words if CONTENT_TOP < y < CONTENT_BOTTOM]
            about = [y for y, w in content if w == "ABOUT"]  # the heading is set in capitals
            if not about:
                continue
            checked += 1
            above = [w for y, w in content if y < about[0] - 1]
            assert above, f"{name}: page {number} holds only 'About this brief'"
    assert checked == len(pdfs), "'About this brief' missing from a PDF"


def test_captions_have_one_style_and_a_label_in_each_language():
    doc = BeautifulSoup(render_html(sample_brief()), "html.parser")
    caption = doc.select_one(".blk-caption")
    first = caption.select_one(".pair")
    assert first.select_one(".seg.ko .caption-label").get_text() == "사진"
    assert first.select_one(".seg.en .caption-label").get_text() == "Photo"
    css = (Path(__file__).resolve().parents[1] / "publisher" / "templates" / "css" / "brief.css").read_text(encoding="utf-8")
    rule = re.search(r"\.blk-caption \.pair \.seg\.ko, \.blk-caption \.pair \.seg\.en \{([^}]*)\}", css)
    assert rule and "font-size" in rule.group(1), "one font size for both caption languages"


def test_byline_names_the_role_once_and_romanises_the_name():
    doc = BeautifulSoup(render_html(sample_brief()), "html.parser")
    english = doc.select_one(".byline .byline-en").get_text(" ", strip=True)
    korean = doc.select_one(".byline .byline-ko").get_text(" ", strip=True)
    assert re.sub(r"\s+,", ",", english) == "By Han Ji-u, reporter"
    assert korean == "한지우 기자"
    assert doc.select_one(".byline-ko")["lang"] == "ko" and doc.select_one(".byline-en")["lang"] == "en"
