"""Text fidelity (issue 13): every character an editor gives us is shown faithfully, safely,
or removed for a reason stated in the article's notes.

Each test runs ``publisher brief`` for real (reader, kiwipiepy, WeasyPrint, the feed) and
asserts the exact text that reaches the HTML page, the PDF (pdftotext) and the feed. The
English comes from a translator test double with stored translations (the fixture model
is named only so that the build has a model identity; its output is never asserted): the
double replaces only ``Translator.translate_texts``, the raw model call.
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
from publisher.translate import Translator

pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
TEST_PREFIX = "[Test model, not a translation] "

STORED = {
    # sanitiser
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

    def translate_texts(self, texts):
        seen.extend(texts)
        return [STORED.get(t, f"(no stored translation for {t!r})") for t in texts]

    monkeypatch.setattr(Translator, "translate_texts", translate_texts)
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


# ------------------------------------------------------------------ 1. the sanitiser


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
    monkeypatch.setattr(render, "render_html", lambda brief, editor=False: real(brief, editor).replace("</main>", "</b></main>"))
    result, _ = run_brief(tmp_path, files, "--force")
    assert result.exit_code == 1
    assert "editor.html for article a did not parse back (line " in result.output
    assert "unexpected-end-tag (name=b)); the previous file is kept" in result.output
    assert (out / "a" / "brief.html").read_bytes() == before

    import publisher.site as site

    monkeypatch.setattr(render, "render_html", real)
    real_feed = site.render_feed
    monkeypatch.setattr(site, "render_feed", lambda entries, **kw: real_feed(entries, **kw).replace("<entry>", "<entry>\x01", 1))
    result, _ = run_brief(tmp_path, files, "--force")
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1].startswith("Error: feed.xml for article a did not parse back (not well-formed (invalid token)")
    assert (out / "feed.xml").read_bytes() == feed_before
