"""Text fidelity (issue 13): every character an editor gives us is shown faithfully, safely,
or removed for a reason stated in the article's notes.

Each test runs ``publisher brief`` for real (reader, kiwipiepy, WeasyPrint, the feed) and
asserts the exact text that reaches the HTML page, the PDF (pdftotext) and the feed. The
English comes from a translator test double with stored translations (the fixture model
is named only so that the build has a model identity; its output is never asserted): the
double replaces only ``CT2Engine.translate_texts``, the raw model call.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL, require_tool
from publisher.cli import cli
from publisher.engine import CT2Engine
from test_browser import browser  # noqa: F401 - the headless Chromium fixture

pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
TEST_PREFIX = "[Test model, not a translation] "

STORED = {
    # sanitizer
    "항만 소식": "Port news",
    "부산항에 새 크레인이 들어왔다.": "A new crane arrived at Busan port.",
    "작업자들은": "The workers",
    "환영했다.": "welcomed it.",
    "심야 버스": "Late-night buses",
    "다음 달부터": "From next month",
    "심야 버스가 달린다.": "late-night buses will run.",
    "시민들은 반겼다.": "Citizens welcomed it.",
    "요금은 같다.": "The fare is the same.",
    "운행은 새벽까지다.": "They run until dawn.",
    # bidi
    "정상 제목 FDP.exe": "Normal title FDP.exe",
    "첨부 파일을 열지 마세요.": "Do not open the attachment.",
    f"첨부 파일을 열지 마세요. \u202eexe.": "Do not open the attachment.",
    # hanja
    "與野 合意": "Ruling and opposition parties agree",
    "靑 관계자는 美 中 회담을 언급했다.": "A 靑 official mentioned the US-China talks.",
    # glossary
    "정부 발표": "Government announcement",
    "정부의 개입이 이어졌다.": "Government intervention continued.",
    "Lee 대표는 10명을 만났다.": "Representative Lee met 10 people.",
    # reader by content
    "항구의 아침": "Morning at the port",
    "어선들이 돌아왔다.": "The fishing boats came back.",
}


@pytest.fixture
def double(monkeypatch):
    """Stored translations instead of the model; records every input the model would see."""
    seen: list[str] = []

    def translate_texts(self, texts, stats):
        seen.extend(texts)
        return [STORED.get(t, f"(no stored translation for {t!r})") for t in texts]

    monkeypatch.setattr(CT2Engine, "translate_texts", translate_texts)
    return seen


def run_brief(tmp_path: Path, files: dict[str, str | bytes], *args: str, env: dict | None = None):
    inbox = tmp_path / "articles"
    inbox.mkdir(exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (inbox / name).write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL), *args], env=env)
    return result, out


def html_of(out: Path, slug: str, page: str = "brief.html") -> str:
    return (out / slug / page).read_text(encoding="utf-8")


def pdftext(out: Path, slug: str) -> str:
    require_tool("pdftotext")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(out / slug / "brief.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def brief_json(out: Path, slug: str) -> dict:
    return json.loads((out / slug / "brief.json").read_text(encoding="utf-8"))["data"]


def feed_titles(out: Path) -> list[str]:
    root = ET.parse(out / "feed.xml").getroot()  # raises when the feed is not well-formed
    return [e.find(f"{ATOM}title").text for e in root.iter(f"{ATOM}entry")]


def html5_errors(text: str) -> list:
    import html5lib

    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    return parser.errors


def pairs(html: str) -> list[tuple[str, str]]:
    """(Korean, English) of every aligned pair on a brief page, text only."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    out = []
    for pair in soup.select("div.pair"):
        ko = pair.select_one("p.seg.ko").get_text()
        en = pair.select_one("p.seg.en").get_text()
        out.append((ko, en.replace(" edited", "")))
    return out


# ------------------------------------------------------------------ 1. the sanitizer


def test_character_references_to_controls_and_noncharacters_are_removed_after_decoding(tmp_path, double):
    page = (
        "<!doctype html><html><head><title>항만 소식</title></head><body><article>"
        "<h1>항만&#1; 소식&#xFFFE;</h1>"
        "<p>부산항에&#x1; 새 크레인이&#xFFFF; 들어왔다.</p>"
        "<p>작업자들은&#11;환영했다.</p>"
        "</article></body></html>"
    )
    result, out = run_brief(tmp_path, {"port.html": page})
    assert result.exit_code == 0, result.output
    assert feed_titles(out) == [TEST_PREFIX + "Port news / 항만 소식"]
    html = html_of(out, "port")
    assert html5_errors(html) == []
    assert pairs(html) == [
        ("부산항에 새 크레인이 들어왔다.", "A new crane arrived at Busan port."),
        ("작업자들은", "The workers"),
        ("환영했다.", "welcomed it."),
    ]
    pdf = squash(pdftext(out, "port"))
    for text in ("부산항에새크레인이들어왔다.", "AnewcranearrivedatBusanport.", "작업자들은", "환영했다."):
        assert text in pdf
    notes = brief_json(out, "port")["article"]["notes"]
    assert "removed 4 character(s) not allowed in XML/HTML from HTML character references (controls, noncharacters or lone surrogates)" in notes
    assert "turned 1 line/paragraph separator character(s) from HTML character references into line breaks" in notes


def test_word_line_breaks_are_breaks_and_noncharacters_in_a_txt_are_removed(tmp_path, double):
    text = (
        "---\ntitle: 심야 버스\n---\n"
        "다음 달부터\x0b심야 버스가 달린다.\x0b시민들은 반겼다.\ufffe\x0b요금은 같다.\uffff\x0b\x0c운행은 새벽까지다.\n"
    )
    result, out = run_brief(tmp_path, {"bus.txt": text})
    assert result.exit_code == 0, result.output  # four VT and a form feed: not a "binary" file
    html = html_of(out, "bus")
    assert "달부터심야" not in html
    assert pairs(html) == [
        ("다음 달부터", "From next month"),
        ("심야 버스가 달린다.", "late-night buses will run."),
        ("시민들은 반겼다.", "Citizens welcomed it."),
        ("요금은 같다.", "The fare is the same."),
        ("운행은 새벽까지다.", "They run until dawn."),
    ]
    assert html5_errors(html) == []
    assert feed_titles(out) == [TEST_PREFIX + "Late-night buses / 심야 버스"]
    pdf = squash(pdftext(out, "bus"))
    assert "다음달부터" in pdf and "심야버스가달린다." in pdf and "Theyrununtildawn." in pdf
    notes = brief_json(out, "bus")["article"]["notes"]
    assert "removed 2 character(s) not allowed in XML/HTML (controls, noncharacters or lone surrogates: U+FFFE, U+FFFF)" in notes
    assert "turned 5 line/paragraph separator character(s) into line breaks (U+000B ×4, U+000C)" in notes


# ------------------------------------------------------------------ 2. bidi


RLO = "\u202e"


def test_bidi_override_is_stripped_from_titles_feed_and_pdf_metadata_and_isolated_in_text(tmp_path, double):
    text = f"---\ntitle: 정상 제목 {RLO}FDP.exe\n---\n첨부 파일을 열지 마세요.\n"
    result, out = run_brief(tmp_path, {"spoof.md": text})
    assert result.exit_code == 0, result.output
    html = html_of(out, "spoof")
    assert RLO not in html
    assert "<title>Normal title FDP.exe / 정상 제목 FDP.exe</title>" in html
    assert '<span class="title title-ko ko" lang="ko" dir="auto">정상 제목 FDP.exe</span>' in html
    assert RLO not in (out / "index.html").read_text(encoding="utf-8")
    assert RLO not in (out / "feed.xml").read_text(encoding="utf-8")
    assert feed_titles(out) == [TEST_PREFIX + "Normal title FDP.exe / 정상 제목 FDP.exe"]
    require_tool("pdfinfo")
    info = subprocess.run(["pdfinfo", str(out / "spoof" / "brief.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title: +Normal title FDP\.exe / 정상 제목 FDP\.exe$", info, re.M)
    assert RLO not in info
    assert "정상제목FDP.exe" in squash(pdftext(out, "spoof"))
    notes = brief_json(out, "spoof")["article"]["notes"]
    assert "removed 1 bidi control character(s) from the title (they can make it display in a misleading order)" in notes


def test_bidi_controls_in_body_text_are_kept_but_isolated(tmp_path, double):
    text = f"---\ntitle: 항만 소식\n---\n첨부 파일을 열지 마세요. {RLO}exe.\n"
    result, out = run_brief(tmp_path, {"body.md": text})
    assert result.exit_code == 0, result.output
    html = html_of(out, "body")
    # the character is the editor's and stays, inside an element that isolates it
    assert f'<p class="seg ko" lang="ko" dir="auto">첨부 파일을 열지 마세요. {RLO}exe.</p>' in html
    assert RLO not in (out / "feed.xml").read_text(encoding="utf-8")


def test_bidi_controls_in_a_file_name_stay_out_of_the_slug_and_file_names(tmp_path, double):
    result, out = run_brief(tmp_path, {f"news-{RLO}fdp.exe.md": "---\ntitle: 항만 소식\n---\n첨부 파일을 열지 마세요.\n"})
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir() if p.is_dir() and p.name not in ("assets", "pagefind")] == ["news-fdp-exe"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'download="' in index and RLO not in index
    assert "the file name holds bidi control characters; the slug and file names leave them out" in brief_json(out, "news-fdp-exe")["article"]["notes"]


# ------------------------------------------------------------------ 3. Hanja


def test_hanja_only_segments_go_to_the_model_and_surviving_hanja_is_flagged(tmp_path, double):
    text = "---\ntitle: 與野 合意\n---\n靑 관계자는 美 中 회담을 언급했다.\n"
    result, out = run_brief(tmp_path, {"hanja.md": text})
    assert result.exit_code == 0, result.output
    assert "與野 合意" in double  # a Hanja-only headline is translated, not copied
    assert feed_titles(out) == [TEST_PREFIX + "Ruling and opposition parties agree / 與野 合意"]
    html = html_of(out, "hanja")
    assert '<span class="title title-en en" lang="en" dir="auto">Ruling and opposition parties agree</span>' in html
    assert pairs(html) == [("靑 관계자는 美 中 회담을 언급했다.", "A 靑 official mentioned the US-China talks.")]
    segs = {s["id"]: s for b in brief_json(out, "hanja")["article"]["blocks"] for s in b["segments"]}
    assert "hanja" in segs["p1.1"]["flags"] and "hanja" not in segs["t.1"]["flags"]
    assert '<span class="flag">hanja</span>' in html_of(out, "hanja", "editor.html")
    pdf = squash(pdftext(out, "hanja"))
    assert "與野合意" in pdf and "Rulingandoppositionpartiesagree" in pdf


# ------------------------------------------------------------------ 4. glossary


def test_glossary_terms_match_whole_words_only_and_risky_terms_are_warned(tmp_path, double, caplog):
    files = {
        "glossary.csv": "ko,en\n이,Lee\n0,zero\n",
        "gov.md": "---\ntitle: 정부 발표\n---\n정부의 개입이 이어졌다. 이 대표는 10명을 만났다.\n",
    }
    with caplog.at_level("WARNING", logger="publisher.glossary"):
        result, out = run_brief(tmp_path, files)
    assert result.exit_code == 0, result.output
    assert sorted(double) == sorted(["정부 발표", "정부의 개입이 이어졌다.", "Lee 대표는 10명을 만났다."])
    assert not any(0xE000 <= ord(c) <= 0xF8FF for t in double for c in t)
    assert pairs(html_of(out, "gov")) == [
        ("정부의 개입이 이어졌다.", "Government intervention continued."),
        ("이 대표는 10명을 만났다.", "Representative Lee met 10 people."),
    ]
    pdf = squash(pdftext(out, "gov"))
    assert "RepresentativeLeemet10people." in pdf and "Governmentinterventioncontinued." in pdf
    assert feed_titles(out) == [TEST_PREFIX + "Government announcement / 정부 발표"]
    assert "glossary term '이' looks like a Korean particle" in caplog.text
    assert "glossary term '0' is digits only" in caplog.text


# ------------------------------------------------------------------ 5. reader by content


def test_an_md_file_holding_an_html_page_is_read_as_html(tmp_path, double):
    page = (
        "<!DOCTYPE html>\n<html>\n<head>\n<title>항구의 아침</title>\n</head>\n<body>\n"
        "<article><h1>항구의 아침</h1>\n<p>어선들이 돌아왔다.</p></article>\n</body>\n</html>\n"
    )
    result, out = run_brief(tmp_path, {"morning.md": page})
    assert result.exit_code == 0, result.output
    html = html_of(out, "morning")
    assert pairs(html) == [("어선들이 돌아왔다.", "The fishing boats came back.")]
    from bs4 import BeautifulSoup

    shown = BeautifulSoup(html, "html.parser").select_one("main").get_text()
    for junk in ("DOCTYPE", "/head", "<p>", "</p>"):
        assert junk not in shown
    assert feed_titles(out) == [TEST_PREFIX + "Morning at the port / 항구의 아침"]
    assert "어선들이돌아왔다." in squash(pdftext(out, "morning"))
    assert "the .md file holds an HTML document: read as HTML" in brief_json(out, "morning")["article"]["notes"]


# ------------------------------------------------------------------ 6. the site URL


@pytest.mark.parametrize(
    "value,reason",
    [
        ("http://[::1/", "is not a valid address (Invalid IPv6 URL)"),
        ("https://news.example.com:99999/", "is not a valid address (Port out of range 0-65535)"),
        (f"https://news.example.com/{RLO}fdp/", "contains U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("ftp://news.example.com/", "is not an http(s) address"),
        ("https://bad_host/", "has an invalid host name"),
    ],
)
def test_a_bad_site_url_is_refused_in_one_line_before_any_work(tmp_path, double, value, reason):
    result, out = run_brief(tmp_path, {"a.md": "---\ntitle: 항만 소식\n---\n첨부 파일을 열지 마세요.\n"}, env={"PUBLISHER_SITE_URL": value})
    assert result.exit_code not in (0, 70)
    lines = result.output.strip().splitlines()
    assert lines == [f"Error: PUBLISHER_SITE_URL={value!r} {reason}; set it like https://news.example.com/briefs/"]
    assert double == [] and not (out / "feed.xml").exists()


def test_a_good_site_url_becomes_the_feeds_base(tmp_path, double):
    env = {"PUBLISHER_SITE_URL": "http://[::1]:8080/briefs"}
    result, out = run_brief(tmp_path, {"a.md": "---\ntitle: 항만 소식\n---\n첨부 파일을 열지 마세요.\n"}, env=env)
    assert result.exit_code == 0, result.output
    root = ET.parse(out / "feed.xml").getroot()
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == "http://[::1]:8080/briefs/"


# ------------------------------------------------------------------ 7. parse-back check


def test_a_page_that_does_not_parse_back_fails_the_article_and_keeps_the_old_file(tmp_path, double, monkeypatch):
    files = {"a.md": "---\ntitle: 항만 소식\n---\n첨부 파일을 열지 마세요.\n"}
    result, out = run_brief(tmp_path, files)
    assert result.exit_code == 0, result.output
    before = (out / "a" / "brief.html").read_bytes()
    feed_before = (out / "feed.xml").read_bytes()

    import publisher.render as render

    real = render.render_html
    monkeypatch.setattr(render, "render_html", lambda brief, editor=False, **kw: real(brief, editor, **kw).replace("</main>", "</b></main>"))
    result, _ = run_brief(tmp_path, files, "--force")
    assert result.exit_code == 1
    assert "editor.html for article a did not parse back (line " in result.output
    assert "unexpected-end-tag (name=b)); the previous file is kept" in result.output
    assert (out / "a" / "brief.html").read_bytes() == before

    import publisher.site as site
    from publisher.feed import render_feed as real_feed

    monkeypatch.setattr(render, "render_html", real)
    # Patched where the site build looks it up.
    monkeypatch.setattr(site, "render_feed", lambda entries, **kw: real_feed(entries, **kw).replace("<entry>", "<entry>\x01", 1))
    # The site rewrites only pages whose briefs changed: change the title so the feed must be rendered.
    result, _ = run_brief(tmp_path, {"a.md": files["a.md"].replace("항만 소식", "항만 소식 속보")}, "--force")
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1].startswith("Error: feed.xml for article a did not parse back (not well-formed (invalid token)")
    assert (out / "feed.xml").read_bytes() == feed_before


# ------------------------------------------------------------------ 8. fonts: Hanja and emoji are real glyphs

# `publisher brief` in a child process that sees no system font at all (an empty fontconfig
# configuration), so every glyph must come from the bundled fonts; the translator double is
# installed in the child the same way as in-process.
CHILD = """
import json, sys
from publisher.engine import CT2Engine
stored = json.loads(open(sys.argv[1], encoding="utf-8").read())
CT2Engine.translate_texts = lambda self, texts, stats: [stored.get(t, t) for t in texts]
from publisher.cli import cli
cli(sys.argv[2:], prog_name="publisher")
"""

GLYPH_STORED = {
    "與 野 美 中": "Ruling party, opposition, US, China",
    "가족 사진을 올렸다. 👨\u200d👩\u200d👧": "The family posted a photo. 👨\u200d👩\u200d👧",
}
HANJA_WORDS = ["與", "野", "美", "中"]
EMOJI_WORDS = ["👨\u200d👩\u200d👧", "🇰🇷", "👍🏽", "😀"]


def _brief_without_system_fonts(tmp_path: Path, files: dict[str, str]) -> Path:
    import os
    import sys

    from conftest import REPO

    inbox = tmp_path / "articles"
    inbox.mkdir()
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    stored = tmp_path / "stored.json"
    stored.write_text(json.dumps(GLYPH_STORED, ensure_ascii=False), encoding="utf-8")
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig></fontconfig>\n')
    out = tmp_path / "out"
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": str(REPO)}
    args = ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL)]
    done = subprocess.run([sys.executable, "-c", CHILD, str(stored), *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def _word_boxes(pdf: Path) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """First occurrence of every word: (page number, box in points), from pdftotext -bbox."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found: dict = {}
    for n, page in enumerate(xml.split("<page ")[1:], start=1):
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page):
            found.setdefault(m.group(5), (n, tuple(float(m.group(i)) for i in range(1, 5))))
    return found


def _crops(pdf: Path, words: list[str], tmp_path: Path, dpi: int = 200):
    from PIL import Image

    import numpy as np

    boxes = _word_boxes(pdf)
    missing = [w for w in words if w not in boxes]
    assert not missing, f"not in the PDF's text: {missing}"
    crops = {}
    for w in words:
        page, (x0, y0, x1, y1) = boxes[w]
        png = tmp_path / f"page-{page}.png"
        if not png.exists():
            subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", "-png", "-singlefile", str(pdf), str(png.with_suffix(""))], check=True)
        img = np.asarray(Image.open(png).convert("L"))
        s = dpi / 72
        crops[w] = img[round(y0 * s) : round(y1 * s), round(x0 * s) : round(x1 * s)]
    return crops, boxes


def _pictures_differ(a, b) -> float:
    from PIL import Image

    import numpy as np

    pa = np.asarray(Image.fromarray(a).resize((32, 32))) < 128
    pb = np.asarray(Image.fromarray(b).resize((32, 32))) < 128
    return float((pa != pb).mean())


def test_hanja_and_emoji_are_drawn_with_the_bundled_fonts_as_real_glyphs(tmp_path):
    require_tool("pdftoppm")
    require_tool("pdffonts")
    text = "---\ntitle: 與 野 美 中\n---\n가족 사진을 올렸다. 👨\u200d👩\u200d👧 🇰🇷 👍🏽 😀\n"
    out = _brief_without_system_fonts(tmp_path, {"glyphs.md": text})
    pdf = out / "glyphs" / "brief.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    names = {line.split()[0].split("+", 1)[1] for line in fonts}
    assert {"BriefHanja", "BriefEmoji"} <= {n.split("-")[0] for n in names}, names
    assert all(n.split("-")[0] in ("BriefGothic", "BriefHanja", "BriefEmoji") for n in names), names
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts), fonts  # embedded, subset

    crops, boxes = _crops(pdf, HANJA_WORDS + EMOJI_WORDS, tmp_path)
    for word, crop in crops.items():
        assert (crop < 128).mean() > 0.05, f"{word!r} has almost no ink"
    # An empty box (.notdef) looks the same for every character; real glyphs differ. Measured
    # here: real Hanja and emoji differ in 18-29% of a 32x32 picture, empty boxes in under 7%.
    for group in (HANJA_WORDS, EMOJI_WORDS):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                assert _pictures_differ(crops[a], crops[b]) > 0.14, f"{a!r} and {b!r} are drawn alike (empty boxes?)"
    # The ZWJ family, the flag and the skin-toned thumb are each one glyph, not their parts.
    width = {w: boxes[w][1][2] - boxes[w][1][0] for w in EMOJI_WORDS}
    for w in EMOJI_WORDS[:3]:
        assert width[w] < 1.5 * width["😀"], f"{w!r} is {width[w]:.1f} pt wide: split into several glyphs"


def test_shared_article_with_hanja_and_emoji_stays_under_1_mb(shared_article, tmp_path):
    text = shared_article.read_text(encoding="utf-8")
    article = "---\ntitle: 與 野 美 中\n---\n" + text + "\n가족 사진을 올렸다. 👨\u200d👩\u200d👧 🇰🇷 👍🏽 😀\n"
    out = _brief_without_system_fonts(tmp_path, {"shared.md": article})
    pdf = out / "shared" / "brief.pdf"
    size = pdf.stat().st_size
    assert size <= 1_000_000, f"{size} bytes"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^[A-Z]{6}\+BriefHanja(-Bold)? .* yes +yes +yes", fonts, re.M), fonts
    assert re.search(r"^[A-Z]{6}\+BriefEmoji .* yes +yes +yes", fonts, re.M), fonts


# ------------------------------------------------------------------ 2b. bidi in a real browser

VISUAL_ORDER = """
const el = document.querySelector(arguments[0]);
const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
const out = [];
let node;
while ((node = walker.nextNode())) {
  for (let i = 0; i < node.length; i++) {
    if (!node.data[i].trim()) continue;
    const r = document.createRange();
    r.setStart(node, i);
    r.setEnd(node, i + 1);
    const box = r.getBoundingClientRect();
    if (box.width > 0) out.push([node.data[i], box.left]);
  }
}
return out;
"""


@pytest.mark.browser
def test_the_spoofed_title_reads_in_logical_order_in_chromium(tmp_path, double, browser):
    import threading

    from publisher.serve import make_server

    text = f"---\ntitle: 정상 제목 {RLO}FDP.exe\n---\n첨부 파일을 열지 마세요. {RLO}exe.\n"
    result, out = run_brief(tmp_path, {"spoof.md": text})
    assert result.exit_code == 0, result.output
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for page, selector in (("spoof/brief.html", "h1 .title-ko"), ("index.html", ".item-title .title-ko")):
            browser.get(base + page)
            chars = browser.execute_script(VISUAL_ORDER, selector)
            assert "".join(c for c, _ in chars) == "정상제목FDP.exe"
            lefts = [x for _, x in chars]
            assert lefts == sorted(lefts), f"{page}: the title is not drawn in logical order: {chars}"
        browser.get(base + "spoof/brief.html")
        assert browser.title == "Normal title FDP.exe / 정상 제목 FDP.exe"
        # The override kept in the body text does reverse what follows it inside its own
        # (isolated) paragraph, which shows that the check above can see a reversal ...
        body = browser.execute_script(VISUAL_ORDER, "#seg-p1\\.1 p.seg.ko")
        tail = [x for c, x in body[-4:]]
        assert "".join(c for c, _ in body[-4:]) == "exe." and tail != sorted(tail)
        # ... and the English beside it is untouched.
        en = browser.execute_script(VISUAL_ORDER, "#seg-p1\\.1 p.seg.en")
        assert "".join(c for c, _ in en) == "Donotopentheattachment."
        assert [x for _, x in en] == sorted(x for _, x in en)
    finally:
        server.shutdown()
        server.server_close()
