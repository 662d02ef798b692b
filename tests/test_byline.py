"""Bylines: Korean names romanised as a newsroom prints them, the editor's list first, the role once."""

from __future__ import annotations

import pytest

from publisher.byline import byline_texts, english_name, load_names, romanize_syllable, split_name

# (Hangul, expected English): the common surnames in their newsroom spelling, two-syllable
# given names hyphenated in the Revised Romanization, a few one- and compound-surname names.
NAMES = [
    ("정유진", "Jung Yu-jin"),
    ("김민준", "Kim Min-jun"),
    ("이서연", "Lee Seo-yeon"),
    ("박지훈", "Park Ji-hun"),
    ("최수빈", "Choi Su-bin"),
    ("강하늘", "Kang Ha-neul"),
    ("조은비", "Cho Eun-bi"),
    ("윤서준", "Yoon Seo-jun"),
    ("장민호", "Jang Min-ho"),
    ("임지민", "Lim Ji-min"),
    ("한예슬", "Han Ye-seul"),
    ("오세훈", "Oh Se-hun"),
    ("서지수", "Seo Ji-su"),
    ("신동엽", "Shin Dong-yeop"),
    ("권혁수", "Kwon Hyeok-su"),
    ("황정민", "Hwang Jeong-min"),
    ("안중근", "Ahn Jung-geun"),
    ("송민서", "Song Min-seo"),
    ("유재석", "Yoo Jae-seok"),
    ("홍길동", "Hong Gil-dong"),
    ("전지현", "Jeon Ji-hyeon"),
    ("고아라", "Ko A-ra"),
    ("문재인", "Moon Jae-in"),
    ("양희은", "Yang Hui-eun"),
    ("손흥민", "Son Heung-min"),
    ("배수지", "Bae Su-ji"),
    ("백종원", "Baek Jong-won"),
    ("노영희", "Noh Yeong-hui"),
    ("하정우", "Ha Jeong-u"),
    ("곽도원", "Kwak Do-won"),
    ("성시경", "Sung Si-gyeong"),
    ("차은우", "Cha Eun-u"),
    ("류현진", "Ryu Hyeon-jin"),
    ("이정애", "Lee Jeong-ae"),
    ("한결", "Han Gyeol"),  # a one-syllable given name
    ("남궁민", "Namgung Min"),  # two-syllable surnames
    ("선우정아", "Sunwoo Jeong-a"),
    ("황보관", "Hwangbo Gwan"),
    ("제갈성렬", "Jegal Seong-ryeol"),  # no sound change between a given name's syllables
    ("정 유진", "Jung Yu-jin"),  # written with a space
]


@pytest.mark.parametrize(("korean", "english"), NAMES)
def test_korean_names_in_newsroom_english(korean, english):
    assert english_name(korean) == english


def test_the_table_is_long_enough_and_covers_the_common_surnames():
    assert len(NAMES) >= 30
    surnames = {split_name(k)[0] for k, _ in NAMES}
    assert {"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송", "유", "홍"} <= surnames
    assert sum(1 for k, _ in NAMES if len(split_name(k)[1]) == 2) >= 30


def test_the_editors_list_wins_and_the_staff_list_over_the_glossary(tmp_path):
    (tmp_path / "glossary.csv").write_text("ko,en\n정유진,Chung Yoo-jin\n김민준,Kim Min-joon\n", encoding="utf-8")
    assert english_name("정유진", load_names(tmp_path)) == "Chung Yoo-jin"
    (tmp_path / "staff.csv").write_text("ko,en\n정유진,Jeong Yujin\n", encoding="utf-8")
    names = load_names(tmp_path)
    assert english_name("정유진", names) == "Jeong Yujin"  # staff.csv over glossary.csv
    assert english_name("김민준", names) == "Kim Min-joon"
    assert english_name("박지훈", names) == "Park Ji-hun"  # not listed: the rule
    assert load_names(tmp_path / "nowhere") == {}


def test_names_not_in_hangul_are_left_alone():
    assert english_name("John Kim") == "John Kim"
    assert english_name(None) is None


def test_the_role_appears_once_on_each_side():
    b = byline_texts("정유진", "기자")
    english = f"By {b.name_en}, {b.role_en}"
    assert english == "By Jung Yu-jin, reporter"
    assert "기자" not in english and "정유진" not in english  # Hangul stays on the Korean side
    assert (b.name_ko, b.role_ko) == ("정유진", "기자")
    unknown = byline_texts("정유진", "객원논설")
    assert unknown.role_en is None and unknown.name_en == "Jung Yu-jin"


def test_one_syllable_matches_the_revised_romanization_package():
    """Each syllable of the table above as korean-romanizer (GPLv3, used here only) writes it alone."""
    romanizer = pytest.importorskip("korean_romanizer.romanizer")
    syllables = sorted({c for k, _ in NAMES for c in k if c != " "} | set("각낙닭밟삶읊흙핥없앉많싫값넋"))
    for s in syllables:
        assert romanize_syllable(s) == romanizer.Romanizer(s).romanize(), s


@pytest.mark.slow
def test_the_published_byline_follows_the_staff_list_and_a_change_to_it_rebuilds(fixture_model, tmp_path):
    """A real build: the byline's English name comes from the rule, then from staff.csv once
    the editor lists the name there (staff.csv is an input of the brief: it is rebuilt)."""
    import html

    from conftest import FIXTURE_MODEL

    from publisher.building import BuildSettings, build

    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "park.md").write_text("---\ntitle: 공원 소식\nauthor: 정유진\nrole: 기자\n---\n공원에 꽃이 피었다.\n", encoding="utf-8")
    out = tmp_path / "out"
    settings = BuildSettings(out_dir=out, model=str(FIXTURE_MODEL))

    def byline() -> str:
        page = html.unescape((out / "park" / "brief.html").read_text(encoding="utf-8"))
        return page.split('<p class="byline">', 1)[1].split("</p>", 1)[0]

    assert build([inbox], settings).built == ["park"]
    assert ">Jung Yu-jin<" in byline() and ", reporter" in byline() and ">정유진<" in byline()
    (inbox / "staff.csv").write_text("ko,en\n정유진,Chung Yoo-jin\n", encoding="utf-8")
    again = build([inbox], settings)
    assert again.built == ["park"], "a change to staff.csv must rebuild the briefs"
    assert ">Chung Yoo-jin<" in byline() and ">정유진<" in byline()


def test_an_inbox_staff_list_is_an_editors_file_not_a_skipped_one(tmp_path):
    from publisher.building.inbox import scan_inbox

    (tmp_path / "a.md").write_text("---\ntitle: 제목\n---\n본문입니다.\n", encoding="utf-8")
    (tmp_path / "staff.csv").write_text("ko,en\n정유진,Chung Yoo-jin\n", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x\n", encoding="utf-8")
    inbox = scan_inbox([tmp_path])
    assert [p.name for p, _ in inbox.ignored] == ["notes.csv"]
    assert "staff list (staff.csv)" in inbox.ignored[0][1]
