"""Glossary loading, versioning and term replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.document import InputError
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
    text, used = g.apply("서울대학교와 서울대, 그리고 서울에서")
    assert text == "Seoul National University와 Seoul National University, 그리고 Seoul에서"
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


def test_terms_match_only_whole_words_or_morphemes():
    g = parse_glossary("이,Lee\n서울,Seoul\n")
    # 이 inside 개입 and as the subject particle after it is not the name Lee
    text, used = g.apply("정부의 개입이 이어졌다.")
    assert text == "정부의 개입이 이어졌다." and used == ()
    # as a word of its own it is
    assert g.apply("이 대표는 말했다.")[0] == "Lee 대표는 말했다."
    # 서울시 is one morpheme: 서울 does not match inside it; 서울에서 is 서울 + a particle
    assert g.apply("서울시가 발표했다.")[0] == "서울시가 발표했다."
    assert g.apply("서울에서 열렸다.")[0] == "Seoul에서 열렸다."


def test_no_term_can_match_inside_a_placeholder_or_a_number():
    g = parse_glossary("0,zero\n1,one\nURL,link\n")
    assert g.apply("자세한 내용은 URL1에서 확인한다. 2020년 10명")[0] == "자세한 내용은 URL1에서 확인한다. 2020년 10명"


def test_no_private_use_characters_reach_the_model():
    from publisher.translate import prepare

    g = parse_glossary("0,zero\n카카오,Kakao\n")
    prep = prepare("카카오가 http://example.com/0 에서 0 을 발표했다.", g)
    assert not any(0xE000 <= ord(c) <= 0xF8FF for c in prep.model_input)
    assert prep.model_input.startswith("Kakao가 URL1")


def test_risky_terms_are_warned_about_on_load(tmp_path, caplog):
    path = write(tmp_path, "이,Lee\n0,zero\n靑,Cheong Wa Dae\n카카오,Kakao\n")
    with caplog.at_level("WARNING", logger="publisher.glossary"):
        g = load_glossary(path)
    assert len(g.warnings) == 3
    text = caplog.text
    assert "'이' looks like a Korean particle" in text
    assert "'0' is digits only" in text
    assert "'靑' is one syllable" in text
    assert "카카오" not in text
