"""Numbers in Korean and English text, and the agreement check between them."""

from __future__ import annotations

import pytest

from publisher.numbers import compare_numbers, english_quantities, korean_quantities


def hard_values(quantities):
    return sorted(q.value for q in quantities if q.hard)


def soft_values(quantities):
    return sorted(q.value for q in quantities if not q.hard)


KOREAN = [
    ("누적 방문객은 7억 명", [700_000_000]),
    ("개발자는 400만 명", [4_000_000]),
    ("빠르면 1~2년 안에", [1, 2]),
    ("지난해보다 3.5% 늘었다", [3.5]),
    ("2025년 9월 12일", [9, 12, 2025]),
    ("예산은 1조 2천억 원", [1_200_000_000_000]),
    ("모두 12개의 지사", [12]),
    ("요금은 2,000원", [2000]),
    ("4배나 늘었고", [4]),
    ("2천5백만 명", [25_000_000]),
    ("1억2000만 명", [120_000_000]),
    ("1~2억 원", [100_000_000, 200_000_000]),
    ("10~20만 명", [100_000, 200_000]),
    ("1.5억 달러", [150_000_000]),
    ("5천 명", [5000]),
    ("약 2,400만 TEU", [24_000_000]),
    ("평균 11.5시간에서 5.8시간으로", [5.8, 11.5]),
    ("2026.09.30. 가동", [9, 30, 2026]),
    ("2026-11-20 발표", [11, 20, 2026]),
    ("3조 5000억 원", [3_500_000_000_000]),
    ("30만 명이 넘는", [300_000]),
    ("카메라 8대와 센서 3개", [3, 8]),
    ("열두 번째[1] 사례", [12]),  # the marker is noise only for compare_numbers; see below
]


@pytest.mark.parametrize("text,expected", KOREAN[:-1])
def test_korean_digit_quantities(text, expected):
    assert hard_values(korean_quantities(text)) == sorted(float(v) for v in expected)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("열두 번째 지사", [12]),
        ("세 번째이고", [3]),
        ("두 배로 늘었다", [2]),
        ("차량 열두 대를", [12]),
        ("석 달 동안", [3]),
        ("안전요원 한 명이", [1]),
        ("첫 노선을", [1]),
        ("여덟 대 이하로", [8]),
    ],
)
def test_korean_native_numerals_are_soft(text, expected):
    qs = korean_quantities(text)
    assert soft_values(qs) == sorted(float(v) for v in expected)
    assert hard_values(qs) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("700 million users", [700_000_000]),
        ("4 million developers", [4_000_000]),
        ("within 1-2 years", [1, 2]),
        ("up 3.5%", [3.5]),
        ("1.2 trillion won", [1_200_000_000_000]),
        ("12 offices", [12]),
        ("2,000 won", [2000]),
        ("1-2 million people", [1_000_000, 2_000_000]),
        ("on September 12, 2025", [12, 2025]),
        ("in the early 2000s", [2000]),
        ("the 10th", [10]),
        ("$1.5bn", [1_500_000_000]),
    ],
)
def test_english_digit_quantities(text, expected):
    assert hard_values(english_quantities(text)) == sorted(float(v) for v in expected)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("the twelfth office", [12]),
        ("four times as many", [4]),
        ("seven hundred million", [700_000_000]),
        ("twenty-one buses", [21]),
        ("in August", [8]),
        ("it doubled", [2]),
        ("single-person households", [1]),
        ("its first-ever office", [1]),
    ],
)
def test_english_word_quantities_are_soft(text, expected):
    assert soft_values(english_quantities(text)) == sorted(float(v) for v in expected)


@pytest.mark.parametrize(
    "ko,en",
    [
        ("누적 방문객은 7억 명을 넘었다.", "Visitors have passed 700 million."),
        ("개발자는 400만 명에 이른다.", "There are 4 million developers."),
        ("빠르면 1~2년 안에 보급한다.", "It will be rolled out within one to two years, or 1-2 years."),
        ("시는 모두 12개의 정류장을 새로 만들었다.", "The city built twelve new stops."),  # soft partner
        ("부산에서 세 번째이고 전국에서는 열두 번째[1] 사례다.", "It is the third case in Busan and the 12th nationwide.[1]"),
        ("예산은 1조 2천억 원이다.", "The budget is 1.2 trillion won."),
        ("지난 8월 열린 행사", "The event held in August"),
        ("지난해와 비교해 4배나 늘었다.", "It grew fourfold from last year."),
        ("결과는 https://port.example.kr/report2 에서 볼 수 있다.", "See https://port.example.kr/report2 for the results."),
    ],
)
def test_agreeing_translations_pass(ko, en):
    assert compare_numbers(ko, en) is None


@pytest.mark.parametrize(
    "ko,en,ko_only,en_only",
    [
        ("누적 방문객은 7억 명을 넘었다.", "Visitors have passed 7 million.", "700000000", "7000000"),
        ("개발자는 400만 명.", "There are 400 developers.", "4000000", "400"),
        ("빠르면 1~2년 안에", "within 2 years", "1", None),
        ("3.5% 늘었다", "rose 35%", "3.5", "35"),
        ("요금은 2,500원이다.", "The fare is 2,000 won.", "2500", "2000"),
    ],
)
def test_disagreeing_translations_are_reported(ko, en, ko_only, en_only):
    mismatch = compare_numbers(ko, en)
    assert mismatch is not None
    flag = mismatch.flag()
    assert flag.startswith("numbers:")
    if ko_only:
        assert f"ko-only={ko_only}" in flag
    if en_only:
        assert f"en-only={en_only}" in flag
    else:
        assert "en-only" not in flag


def test_soft_words_never_raise_a_mismatch_alone():
    # "first"/"second" are often not quantities; they must not be flagged as extra.
    assert compare_numbers("오픈AI가 서울에 지사를 열었다.", "At first, OpenAI opened a second office in Seoul.") is None


def test_footnote_markers_are_not_numbers():
    assert compare_numbers("API[4]를 활용한다.", "It uses the API[4].") is None
    assert compare_numbers("API[4]를 활용한다.", "It uses the API.") is None


def test_digits_inside_latin_names_are_not_quantities():
    assert hard_values(korean_quantities("COVID-19와 G20, LGU+")) == []
    assert compare_numbers("G20 정상회의가 열렸다.", "The G20 summit was held.") is None


def test_multiset_counts_repeated_values():
    mismatch = compare_numbers("2022년과 2022년", "in 2022")
    assert mismatch is not None and "ko-only=2022" in mismatch.flag()


def test_hyphenated_years_still_count():
    assert hard_values(english_quantities("by mid-2025")) == [2025.0]
    assert compare_numbers("2025년 중반까지", "by mid-2025") is None
