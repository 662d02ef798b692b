"""Glossary loading, versioning and term replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.article import InputError
from publisher.glossary import load_glossary, parse_glossary

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str | bytes, name: str = "glossary.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_loads_with_header_bom_notes_and_comments(tmp_path):
    path = write(tmp_path, "\ufeffko,en,note\n# companies\n오픈AI,OpenAI,company\n\n서울대, Seoul National University \n")
    g = load_glossary(path)
    assert {(e.ko, e.en, e.note) for e in g.entries} == {
        ("오픈AI", "OpenAI", "company"),
        ("서울대", "Seoul National University", ""),
    }
    assert g.path == str(path)
    assert len(g.version) == 64


def test_header_is_optional(tmp_path):
    with_header = load_glossary(write(tmp_path, "ko,en\n카카오,Kakao\n", "a.csv"))
    without = load_glossary(write(tmp_path, "카카오,Kakao\n", "b.csv"))
    assert with_header.entries == without.entries
    assert with_header.version == without.version


def test_version_ignores_order_notes_and_nfd_but_not_terms():
    a = parse_glossary("오픈AI,OpenAI,x\n카카오,Kakao\n")
    b = parse_glossary("카카오,Kakao,a company\n오픈AI,OpenAI\n")
    import unicodedata

    c = parse_glossary(unicodedata.normalize("NFD", "오픈AI,OpenAI\n카카오,Kakao\n"))
    d = parse_glossary("오픈AI,Open AI\n카카오,Kakao\n")
    assert a.version == b.version == c.version
    assert d.version != a.version


@pytest.mark.parametrize(
    "text,line",
    [
        ("ko,en\n오픈AI,OpenAI\n서울대\n", 3),
        ("오픈AI,OpenAI\n,Kakao\n", 2),
        ("오픈AI,OpenAI,note,extra\n", 1),
        ("ko,en\n오픈AI,\n", 2),
    ],
)
def test_bad_row_names_the_line(tmp_path, text, line):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_glossary(path)
    msg = str(err.value)
    assert f"line {line}" in msg and str(path) in msg
    assert "\n" not in msg


def test_conflicting_duplicate_is_an_error_naming_the_line(tmp_path):
    with pytest.raises(InputError, match="line 3"):
        load_glossary(write(tmp_path, "ko,en\n카카오,Kakao\n카카오,Kakao Corp\n"))


def test_not_utf8_is_an_input_error(tmp_path):
    path = write(tmp_path, "카카오,Kakao\n".encode("cp949"))
    with pytest.raises(InputError, match="UTF-8"):
        load_glossary(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_glossary(tmp_path / "nope.csv")


def test_longest_term_wins_and_is_not_replaced_twice():
    g = parse_glossary("서울,Seoul\n서울대,Seoul National University\n서울대학교,Seoul National University\n")
    text, used = g.apply("서울대학교와 서울대, 그리고 서울시")
    assert text == "Seoul National University와 Seoul National University, 그리고 Seoul시"
    assert [e.ko for e in used] == ["서울대학교", "서울대", "서울"]


def test_apply_without_matches_returns_text_unchanged():
    g = parse_glossary("카카오,Kakao\n")
    assert g.apply("오늘은 맑다.") == ("오늘은 맑다.", ())


def test_segment_key_depends_only_on_terms_it_uses():
    small = parse_glossary("카카오,Kakao\n")
    bigger = parse_glossary("카카오,Kakao\n토스,Toss\n")
    changed = parse_glossary("카카오,Kakao Corp.\n토스,Toss\n")
    text = "카카오가 발표했다."
    assert small.key_for(small.apply(text)[1]) == bigger.key_for(bigger.apply(text)[1])
    assert changed.key_for(changed.apply(text)[1]) != small.key_for(small.apply(text)[1])
    assert small.key_for(()) == ""


def test_starter_glossary_loads_and_covers_the_sample_articles():
    g = load_glossary(REPO / "articles" / "glossary.csv")
    assert len(g) >= 20
    en = {e.ko: e.en for e in g.entries}
    assert en["오픈AI"] == "OpenAI"
    assert en["서울대"] == "Seoul National University"
    assert en["챗GPT"] == "ChatGPT"
    for article in (REPO / "articles").glob("*.*"):
        if article.suffix in (".txt", ".md"):
            assert g.find(article.read_text(encoding="utf-8")), f"no glossary term in {article.name}"
