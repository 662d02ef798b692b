"""Quality flags on translated segments."""

from __future__ import annotations

import statistics

import pytest

from publisher.checks import (
    FLAG_HELP,
    LENGTH_RATIO_MAX,
    LENGTH_RATIO_MIN,
    check_segment,
    describe_flag,
    is_repetitive,
    length_ratio,
)
from publisher.glossary import GlossaryEntry

# Hand-made translations (written for this test) used to calibrate the length-ratio bounds.
CALIBRATION = [
    ("부산항 신항이 컨테이너 배치를 인공지능에 맡기는 실험을 시작했습니다.",
     "Busan New Port has begun an experiment that leaves container placement to artificial intelligence."),
    ("효과는 숫자로 나타났습니다.", "The effect showed up in the numbers."),
    ("노조도 비슷한 입장입니다.", "The union takes a similar position."),
    ("서울시가 다음 달부터 심야 자율주행 버스 노선을 네 개로 늘립니다.",
     "From next month, Seoul will expand its late-night self-driving bus routes to four."),
    ("요금은 기존 심야버스와 같은 2,500원입니다.", "The fare is 2,500 won, the same as existing late-night buses."),
    ("전문가들의 평가는 엇갈립니다.", "Experts are divided."),
    ("해외 도시들도 서울의 실험을 지켜보고 있습니다.", "Cities abroad are also watching Seoul's experiment."),
    ("정부는 내년 예산안을 국회에 제출했다.",
     "The government submitted next year's budget proposal to the National Assembly."),
    ("이 회사는 지난해 매출이 30% 늘었다고 밝혔다.", "The company said its sales rose 30% last year."),
    ("기자회견은 오전 10시에 시작됐다.", "The press conference began at 10 a.m."),
    ("시민 의견은 이메일로 받겠다고 밝혔습니다.", "The city said it would take citizens' opinions by email."),
    ("연구팀은 새로운 배터리 소재를 개발했다고 발표했다.",
     "The research team announced that it had developed a new battery material."),
    ("비가 오는 밤에는 여전히 사람의 판단이 필요합니다.", "On rainy nights, human judgment is still needed."),
    ("관세 인상으로 수출 기업들의 부담이 커지고 있다.", "Tariff increases are adding to the burden on exporters."),
    ("대통령은 이날 경제 부처 장관들과 긴급 회의를 열었다.",
     "The president held an emergency meeting with economic ministers that day."),
    ("안전요원 한 명이 여전히 운전석 옆에 앉습니다.", "A safety officer still sits next to the driver's seat."),
    ("항만공사는 1~2년 안에 광양항과 인천항에도 같은 시스템을 보급할 계획입니다.",
     "The port authority plans to roll out the same system to Gwangyang and Incheon ports within one to two years."),
]


def test_calibration_pairs_are_within_length_bounds_and_unflagged():
    ratios = [length_ratio(ko, en) for ko, en in CALIBRATION]
    ratios = [r for r in ratios if r is not None]
    assert len(ratios) >= 15
    assert all(LENGTH_RATIO_MIN <= r <= LENGTH_RATIO_MAX for r in ratios), ratios
    # the bounds leave a wide margin around what real translations look like
    assert LENGTH_RATIO_MIN < min(ratios) / 1.5 and max(ratios) * 1.3 < LENGTH_RATIO_MAX
    assert 1.5 < statistics.median(ratios) < 3.0
    for ko, en in CALIBRATION:
        assert check_segment(ko, en) == (), (ko, en)


def test_truncated_translation_is_flagged_for_length():
    ko, _ = CALIBRATION[3]
    assert "length-ratio" in check_segment(ko, "Seoul.")


def test_runaway_translation_is_flagged_for_length():
    ko = "전문가들의 평가는 엇갈립니다."
    en = "Experts are divided, " + "and in many different ways that nobody had expected at all, " * 3 + "they said."
    assert "length-ratio" in check_segment(ko, en)


def test_empty_translation_of_real_text_is_flagged():
    assert check_segment(CALIBRATION[0][0], "") == ("empty",)


def test_short_segments_are_not_judged_on_length():
    assert length_ratio("왜?", "Why on earth would anyone do that?") is None


def test_hangul_left_in_english():
    assert "hangul" in check_segment("노조도 비슷한 입장입니다.", "The 노조 takes a similar position.")
    assert "hangul" not in check_segment("노조도 비슷한 입장입니다.", "The union takes a similar position.")


@pytest.mark.parametrize(
    "text",
    [
        "the the the company said",
        "OpenAI said that OpenAI said that OpenAI said",
        "Korea is a country that is a country that is a country.",
        "of the new of the new office",
        "the office the office the office",
    ],
)
def test_repetition_loops_are_detected(text):
    assert is_repetitive(text)


@pytest.mark.parametrize(
    "text",
    [
        "OpenAI opened its office in Seoul, its third in Asia after Tokyo and Singapore.",
        "The fare is 2,500 won, the same as the existing late-night buses.",
        "He said it was very, very important.",
        "Call 1588 1588 for details.",
    ],
)
def test_normal_sentences_are_not_repetitive(text):
    assert not is_repetitive(text)


def test_numbers_flag_names_the_values():
    flags = check_segment("누적 방문객은 7억 명을 넘었다.", "Visitors have passed 7 million.")
    number_flags = [f for f in flags if f.partition(":")[0] == "numbers"]
    assert number_flags == ["numbers:ko-only=700000000;en-only=7000000"]


def test_glossary_miss_is_flagged_case_insensitively():
    ko = "서울대와 양해각서를 체결했다."
    entries = [GlossaryEntry("서울대", "Seoul National University")]
    assert "glossary-miss:Seoul National University" in check_segment(ko, "It signed an MOU with Seoul University.", entries)
    assert check_segment(ko, "It signed an MOU with seoul national university.", entries) == ()
    # plain strings work as well as entries
    assert check_segment(ko, "It signed an MOU with SNU.", ["Seoul National University"]) == (
        "glossary-miss:Seoul National University",
    )


def test_every_flag_kind_has_an_explanation():
    flags = set()
    flags.update(check_segment(CALIBRATION[3][0], "노조 노조 노조 7 people", ["Seoul"]))
    flags.update(check_segment("靑 관계자는 말했다.", "A 靑 official said."))
    flags.update(check_segment("관계자는 말했다.", ""))
    flags.update(check_segment("관계자는 말했다.", "Here is the translation: an official said."))
    assert {f.partition(":")[0] for f in flags} == set(FLAG_HELP)
    for f in flags:
        text = describe_flag(f)
        assert text and "Unknown" not in text
    assert describe_flag("numbers:ko-only=7").endswith("(ko-only=7)")


def test_numbers_can_be_checked_against_the_glossary_applied_source():
    ko = "카페24와 협력한다."
    assert any(f.startswith("numbers") for f in check_segment(ko, "It works with Cafe24."))
    assert check_segment(ko, "It works with Cafe24.", numbers_src="Cafe24와 협력한다.") == ()


def test_hanja_left_in_the_english_is_flagged():
    assert "hanja" in check_segment("與野가 합의했다.", "與野 agreed.")
    assert "hanja" not in check_segment("與野가 합의했다.", "The ruling and opposition parties agreed.")
