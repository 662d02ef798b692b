"""The reader: encodings, formats, article structure and bad input."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.document import BODY, CAPTION, FOOTNOTE, PULLQUOTE, TITLE, InputError, PublisherError
from publisher.read import decode_bytes, parse_date, read_article

REPO = Path(__file__).resolve().parents[1]
ARTICLES = REPO / "articles"
ROBOT = ARTICLES / "seoul-robot-buses.ko.txt"
PORT = ARTICLES / "busan-port-ai.md"

# a small article written for these tests (no copyrighted text)
SMALL = """ date 2026-03-02 이미지 확대하기

[1] 드론 배송은 무인 비행기로 물건을 나르는 서비스를 말한다.

"하늘길로 온 택배"

<한강 공원 상공을 나는 배송 드론[1] ⓒ한빛일보>

글: 박서준 기자, seojun.park@example.com

세종시가 드론 배송을 시작했습니다.첫 주문은 커피 두 잔이었습니다.
"""


def kinds(article, kind):
    return [b for b in article.blocks if b.kind == kind]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def one_line_error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_article(path)
    message = str(info.value)
    assert "\n" not in message and message.strip()
    return message


# ------------------------------------------------------------------ the shared article


def test_shared_article_structure(shared_article):
    a = read_article(shared_article)
    assert a.slug == "openai-seoul-office"
    assert a.source == str(shared_article)
    assert a.date == "2025-09-12"
    assert a.noise == ("이미지 확대하기",)
    assert any("이미지 확대하기" in n for n in a.notes)
    assert (a.byline.author, a.byline.role, a.byline.email) == ("이정애", "기자", "calee@sbs.co.kr")
    footnotes = kinds(a, FOOTNOTE)
    assert [b.number for b in footnotes] == [1, 2, 3, 4, 5, 6, 7]
    assert [b.id for b in footnotes] == [f"fn{n}" for n in range(1, 8)]
    assert not any(b.text.startswith("[") for b in footnotes)
    captions = kinds(a, CAPTION)
    assert len(captions) == 3
    assert "[3]" in captions[0].text  # a reference inside a caption
    assert [c.credit for c in captions] == [None, None, "서울디자인재단"]
    assert not any("ⓒ" in c.text or c.text.startswith("<") for c in captions)
    # two pull quotes; no title given, so the first becomes the title (and is said so)
    assert a.title_source == "pull-quote"
    assert a.title.startswith("한국, 아시아에서") and not a.title.startswith('"')
    assert a.blocks[0].kind == TITLE and a.blocks[0].id == "t"
    assert len(kinds(a, PULLQUOTE)) == 1
    assert any("pull quote" in n for n in a.notes)
    body = kinds(a, BODY)
    assert len(body) == 1 and body[0].id == "p1"
    # every footnote is referenced and every reference defined: nothing to report
    assert not any("footnote" in n for n in a.notes)


def test_shared_article_nothing_lost(shared_article):
    """Every non-whitespace character is in a block, the byline, the dateline or noise."""
    a = read_article(shared_article)
    raw = re.sub(r"\s", "", unicodedata.normalize("NFC", shared_article.read_text(encoding="utf-8")))
    kept = "".join(b.text for b in a.blocks if b.kind != TITLE) + a.title
    kept += "".join(c.credit or "" for c in a.blocks) + (a.byline.raw or "") + "".join(a.noise)
    kept = re.sub(r"\s", "", kept)
    leftover = raw
    for ch in kept:
        leftover = leftover.replace(ch, "", 1)
    # only markup is left: caption brackets, footnote markers, quote marks, credit signs, the dateline
    assert re.fullmatch(r"[<>\[\]\d\"ⓒdate\-]*", leftover), leftover


# ----------------------------------------------------------------- our sample articles


def test_sample_txt_structure():
    a = read_article(ROBOT)
    assert a.slug == "seoul-robot-buses"
    assert a.date == "2026-11-20" and a.noise == ("이미지 확대하기",)
    assert (a.byline.author, a.byline.role, a.byline.email) == ("김하늘", "기자", "haneul.kim@example.com")
    assert [b.number for b in kinds(a, FOOTNOTE)] == [1, 2, 3]
    caps = kinds(a, CAPTION)
    assert len(caps) == 2 and caps[1].credit == "서울교통연구원" and "[1]" in caps[0].text
    assert a.title == "새벽 첫차보다 먼저 달리는 버스" and a.title_source == "pull-quote"
    assert [q.text for q in kinds(a, PULLQUOTE)] == ["기사님 자리는 당분간 비워 둘 수 없습니다"]
    assert len(kinds(a, BODY)) == 5
    assert not any("footnote" in n for n in a.notes)


def test_sample_md_front_matter_overrides():
    a = read_article(PORT)
    assert a.slug == "busan-port-ai"
    assert a.title == "부산항 신항, AI가 컨테이너 길을 정한다" and a.title_source == "front-matter"
    assert a.date == "2026-10-05"
    assert a.outlet == "한빛경제신문" and a.url == "https://news.example.com/2026/10/busan-port-ai"
    assert a.byline.author == "정유진" and a.byline.email == "yujin.jung@example.com"
    assert len(kinds(a, PULLQUOTE)) == 2  # the title came from front matter: both quotes stay
    assert [b.number for b in kinds(a, FOOTNOTE)] == [1, 2, 3]
    assert kinds(a, CAPTION)[1].credit == "부산항만공사"
    assert "기사 공유하기 이미지 확대하기" in a.noise


def test_front_matter_date_and_author_override_detection(tmp_path):
    text = "---\ntitle: 제목\ndate: 2024-01-02\nauthor: 홍길동\nsource: 예시신문\n---\n" + SMALL
    a = read_article(write(tmp_path, "x.md", text))
    assert a.date == "2024-01-02" and a.byline.author == "홍길동" and a.outlet == "예시신문"
    assert a.byline.email == "seojun.park@example.com"  # detected fields not overridden stay


def test_small_txt_elements(tmp_path):
    a = read_article(write(tmp_path, "drone.ko.txt", SMALL))
    assert a.slug == "drone"
    assert a.date == "2026-03-02"
    cap = kinds(a, CAPTION)[0]
    assert cap.text == "한강 공원 상공을 나는 배송 드론[1]" and cap.credit == "한빛일보"
    assert a.title == "하늘길로 온 택배"
    assert kinds(a, BODY)[0].text.startswith("세종시가")


# ------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "encoding,prefix",
    [("cp949", b""), ("euc-kr", b""), ("utf-16", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b"")],
)
def test_encodings_decode_to_the_same_article(tmp_path, encoding, prefix):
    reference = read_article(write(tmp_path, "ref.txt", SMALL))
    data = prefix + SMALL.encode(encoding)
    if encoding == "utf-16":
        assert data[:2] in (b"\xff\xfe", b"\xfe\xff")  # Python writes the BOM
    a = read_article(write(tmp_path, "enc.txt", data))
    assert a.blocks == reference.blocks and a.byline == reference.byline and a.date == reference.date


def test_cp949_is_reported(tmp_path):
    a = read_article(write(tmp_path, "old.txt", SMALL.encode("cp949")))
    assert any("CP949" in n for n in a.notes)


def test_nfd_crlf_and_zero_width(tmp_path):
    nfd = unicodedata.normalize("NFD", SMALL.replace("세종시가", "세종\u200b시가")).replace("\n", "\r\n")
    assert "\u200b" in nfd and not unicodedata.is_normalized("NFC", nfd)
    a = read_article(write(tmp_path, "mac.txt", nfd))
    body = kinds(a, BODY)[0].text
    assert body.startswith("세종시가")
    assert unicodedata.is_normalized("NFC", body) and "\r" not in body
    assert any("zero-width" in n for n in a.notes) and any("NFC" in n for n in a.notes)
    reference = read_article(write(tmp_path, "ref.txt", SMALL))
    assert a.blocks == reference.blocks


# --------------------------------------------------------------------------- formats


HTML = """<!doctype html><html><head><title>사이트 제목 | 한빛일보</title>
<meta property="og:site_name" content="한빛일보"><meta name="author" content="박서준">
<style>p { color: red }</style><script>var tracking = "스크립트 텍스트";</script></head>
<body><header>로그인 회원가입</header><nav><a href="/">홈</a> 정치 경제</nav>
<article><h1>세종시, 드론 배송 시작</h1><time datetime="2026-03-02">3월 2일</time>
<p>세종시가 드론 배송을 시작했습니다.첫 주문은 커피 두 잔이었습니다[1].</p>
<figure><img src="a.jpg"><figcaption>한강 공원 상공을 나는 배송 드론 ⓒ한빛일보</figcaption></figure>
<blockquote>하늘길로 온 택배</blockquote>
<p>[1] 드론 배송은 무인 비행기로 물건을 나르는 서비스를 말한다.</p>
<script>document.write("광고")</script></article>
<aside>많이 본 뉴스</aside><footer>저작권 한빛일보</footer></body></html>"""


def test_html_article_text_only(tmp_path):
    a = read_article(write(tmp_path, "drone.html", HTML))
    everything = " ".join(b.text for b in a.blocks)
    for junk in ("스크립트", "광고", "로그인", "정치 경제", "많이 본", "저작권", "color"):
        assert junk not in everything
    assert a.title == "세종시, 드론 배송 시작" and a.title_source == "html"
    assert a.date == "2026-03-02" and a.outlet == "한빛일보" and a.byline.author == "박서준"
    assert kinds(a, CAPTION)[0].credit == "한빛일보"
    assert kinds(a, FOOTNOTE)[0].number == 1
    assert [q.text for q in kinds(a, PULLQUOTE)] == ["하늘길로 온 택배"]
    assert kinds(a, BODY)[0].text.startswith("세종시가 드론 배송을")


def test_deeply_nested_html_is_refused_or_read(tmp_path):
    page = "<html><body><article>" + "<div>" * 5000 + "<p>본문입니다.</p>" + "</div>" * 5000 + "</article></body></html>"
    try:
        a = read_article(write(tmp_path, "deep.html", page))
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert kinds(a, BODY)[0].text == "본문입니다."


def test_markdown_heading_title_and_wrapped_paragraphs(tmp_path):
    text = "# 드론이 온다\n\n세종시가 드론 배송을\n시작했습니다.\n\n첫 주문은 커피였습니다.\n"
    a = read_article(write(tmp_path, "d.md", text))
    assert a.title == "드론이 온다" and a.title_source == "heading"
    assert [b.text for b in kinds(a, BODY)] == ["세종시가 드론 배송을 시작했습니다.", "첫 주문은 커피였습니다."]


# --------------------------------------------------------------------- problems noted


def test_footnote_problems_are_reported(tmp_path):
    text = "[1] 첫 번째 정의.\n\n[1] 같은 번호의 두 번째 정의.\n\n[4] 아무도 부르지 않는 정의.\n\n본문은 [1]과 [2]를 부른다.\n"
    a = read_article(write(tmp_path, "f.txt", text))
    assert [b.id for b in kinds(a, FOOTNOTE)] == ["fn1", "fn1-2", "fn4"]
    notes = " | ".join(a.notes)
    assert "[2]" in notes and "no definition" in notes
    assert "[4]" in notes and "never referenced" in notes
    assert "duplicate footnote number [1]" in notes


def test_unclosed_caption_is_body_and_noted(tmp_path):
    text = "<닫히지 않은 사진 설명\n\n본문입니다.\n"
    a = read_article(write(tmp_path, "u.txt", text))
    assert kinds(a, CAPTION) == []
    assert kinds(a, BODY)[0].text == "<닫히지 않은 사진 설명"
    assert any("unclosed caption" in n for n in a.notes)


def test_markup_lines_are_not_captions(tmp_path):
    a = read_article(write(tmp_path, "m.txt", "<script>alert(1)</script>\n\n<b>굵게</b> 쓴 본문이다.\n"))
    assert kinds(a, CAPTION) == []
    assert [b.text for b in kinds(a, BODY)] == ["<script>alert(1)</script>", "<b>굵게</b> 쓴 본문이다."]


def test_no_title_no_quote_is_said(tmp_path):
    a = read_article(write(tmp_path, "n.txt", "본문만 있습니다.\n"))
    assert a.title is None and a.title_source == "none"
    assert any("no title" in n for n in a.notes)


@pytest.mark.parametrize(
    "value,iso",
    [("2025-09-12", "2025-09-12"), ("2025.09.12.", "2025-09-12"), ("2025년 9월 2일", "2025-09-02"), ("2025/13/40", None)],
)
def test_parse_date(value, iso):
    assert parse_date(value) == iso


# ------------------------------------------------------------------------- bad input


def test_bad_inputs_give_one_line(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    cases = {
        "empty.txt": (b"", "empty"),
        "blank.txt": (b"  \n\t \r\n  ", "empty (only whitespace)"),
        "image.txt": (png, "binary file (a PNG image)"),
        "latin1.txt": ("Ça coûte 12€ à Genève — très cher".encode("cp1252") * 3, "neither UTF-8 nor CP949"),
        "nul.txt": (b"abc\x00def\x00" * 10, "binary"),
        "nav.html": (b"<html><body><nav>menu</nav><script>x()</script></body></html>", "no article text"),
        "yaml.md": ("---\ntitle: [깨진\ndate: 2025\n---\n본문.\n".encode(), "malformed YAML"),
        "open.md": (b"---\ntitle: x\n\nbody\n", "no closing"),
        "list.md": ("---\n- 하나\n- 둘\n---\n본문.\n".encode(), "key: value"),
    }
    for name, (data, expected) in cases.items():
        message = one_line_error(write(tmp_path, name, data))
        assert expected in message, (name, message)


def test_missing_file_and_directory(tmp_path):
    assert "not found" in one_line_error(tmp_path / "nope.txt")
    assert "directory" in one_line_error(tmp_path)


def test_decode_bytes_direct():
    assert decode_bytes("안녕".encode("utf-16"))[0] == "안녕"
    with pytest.raises(InputError):
        decode_bytes(b"\xff\xfe\x00")  # UTF-16 BOM with an odd byte count


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_random_bytes_only_raise_publisher_errors(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        article = read_article(path)
    except PublisherError as exc:
        assert "\n" not in str(exc)
    else:
        assert article.blocks


TOKENS = [
    "가나", "한국은", "기자", "글: ", "다.", "요", "[1]", "[2] ", "<", ">", "ⓒ", '"', "“", "”", "'", " ", "\n",
    "\r\n", "\n\n", "---\n", "title: ", "date: ", "2025-09-12", "2025.13.45.", "@", "x@y.kr", ":", "- ", "{", "}",
    "\u200b", "\ufeff", "# ", "<p>", "</p>", "&amp;", "\t", "이미지 확대하기",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(TOKENS), max_size=60), suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_structured_noise_only_raises_publisher_errors(tmp_path, parts, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_text("".join(parts), encoding="utf-8")
    try:
        read_article(path)
    except PublisherError as exc:
        assert "\n" not in str(exc)
