"""Numeric quantities in Korean and English text, and a check that they agree.

Korean units are understood (``7억 명`` = 700,000,000, ``400만`` = 4,000,000,
``1조 2천억`` = 1,200,000,000,000, ``1~2년`` = 1 and 2, ``2천5백만`` = 25,000,000), as are
English scale words (``700 million``, ``1.2 trillion``, ``1-2 million``).

Each quantity is *hard* (written with digits) or *soft* (written in words: ``열두 번째``,
``twelfth``, ``four times``, ``August``). Soft values can satisfy a hard value on the
other side but never raise a mismatch on their own, because words like ``first`` or
``second`` are often not quantities at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import LINK_RE, MARKER_RE


@dataclass(frozen=True)
class Quantity:
    value: float
    text: str
    hard: bool = True


_NUM = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SMALL_UNITS = {"십": 10, "백": 100, "천": 1000}
_BIG_UNITS = {"만": 10**4, "억": 10**8, "조": 10**12}
_KUNIT = "[십백천만억조]"
# A Korean number: digits and unit syllables, groups optionally separated by one space
# when the next group starts with a digit ("1조 2천억").
_KO_NUMBER = re.compile(
    rf"(?<![\d.,A-Za-z])(?<![A-Z]-)(?:{_NUM})(?:\s?{_KUNIT})*(?:\s?(?:{_NUM})(?:\s?{_KUNIT})+)*(?:\s?(?:{_NUM}))?"
)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
_RANGE_SEP = re.compile(r"^\s*(?:~|-|–|—|에서|to|or|and)\s*$")

_TOKEN = re.compile(rf"({_NUM})|([십백천만억조])")


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


def _korean_value(expr: str) -> tuple[float, bool]:
    """Value of a Korean digits+units expression and whether it has a big unit (만/억/조)."""
    total = 0.0
    section = 0.0
    cur: float | None = None
    big = False
    for m in _TOKEN.finditer(expr):
        if m.group(1):
            if cur is not None:  # two numbers in a row: "1조 2" -> finish the section
                section += cur
            cur = _to_float(m.group(1))
            continue
        unit = m.group(2)
        if unit in _SMALL_UNITS:
            section += (1.0 if cur is None else cur) * _SMALL_UNITS[unit]
        else:
            big = True
            section += 0.0 if cur is None else cur
            total += (section or 1.0) * _BIG_UNITS[unit]
            section = 0.0
        cur = None
    total += section + (cur or 0.0)
    return total, big


# Native Korean numerals before a counter ("세 번째", "두 배", "열두 명"): soft values.
_NATIVE_UNITS = {"한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "석": 3, "네": 4, "넷": 4, "다섯": 5,
                 "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9}
_NATIVE_TENS = {"열": 10, "스무": 20, "스물": 20, "서른": 30, "마흔": 40, "쉰": 50, "예순": 60, "일흔": 70,
                "여든": 80, "아흔": 90}
_NATIVE_COUNTERS = "번째|번|명|개|배|가지|곳|살|시간|달|해|차례|사람|군데|건|대|척|마리|권|장|채|주|바퀴|표"
_native_unit_alt = "|".join(sorted(_NATIVE_UNITS, key=len, reverse=True))
_native_tens_alt = "|".join(sorted(_NATIVE_TENS, key=len, reverse=True))
_KO_NATIVE = re.compile(
    rf"(?<![가-힣])(?:(?P<tens>{_native_tens_alt})\s?(?P<u1>{_native_unit_alt})?|(?P<u2>{_native_unit_alt}))"
    rf"\s?(?:{_NATIVE_COUNTERS})"
)
_KO_FIRST = re.compile(r"(?<![가-힣])첫\s?(?:번째|째)?")


def _dates_then(number: re.Pattern, text: str) -> tuple[list[Quantity], list[re.Match]]:
    """Year, month and day of every ISO-like date, then the ``number`` matches outside them."""
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in _ISO_DATE.finditer(text):
        for g in (1, 2, 3):
            out.append(Quantity(float(int(m.group(g))), m.group(g)))
        taken.append(m.span())
    matches = [m for m in number.finditer(text) if not any(a <= m.start() < b for a, b in taken)]
    return out, matches


def korean_quantities(text: str) -> list[Quantity]:
    """Quantities in Korean text, in order of appearance."""
    out, matches = _dates_then(_KO_NUMBER, text)
    values = [_korean_value(m.group(0)) for m in matches]
    for i, m in enumerate(matches):
        value, big = values[i]
        # "1~2억": the left end of a range takes the right end's unit.
        if not big and i + 1 < len(matches) and _RANGE_SEP.match(text[m.end() : matches[i + 1].start()]):
            right_expr = matches[i + 1].group(0)
            right_value, right_big = values[i + 1]
            if right_big and not re.search(_KUNIT, m.group(0)):
                unit = max((u for u in _BIG_UNITS if u in right_expr), key=lambda u: _BIG_UNITS[u])
                value = value * _BIG_UNITS[unit]
        out.append(Quantity(value, m.group(0).strip()))
    for m in _KO_NATIVE.finditer(text):
        tens = _NATIVE_TENS.get(m.group("tens") or "", 0)
        unit = _NATIVE_UNITS.get(m.group("u1") or m.group("u2") or "", 0)
        if tens + unit:
            out.append(Quantity(float(tens + unit), m.group(0), hard=False))
    for m in _KO_FIRST.finditer(text):
        out.append(Quantity(1.0, m.group(0), hard=False))
    return out


_EN_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
              "mn": 10**6, "bn": 10**9, "tn": 10**12}
_EN_ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
            "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}
_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
                "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
                "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
                "hundredth": 100}
_EN_MULT = {"once": 1, "single": 1, "both": 2, "pair": 2, "twice": 2, "double": 2, "doubled": 2, "thrice": 3, "triple": 3, "tripled": 3,
            "triple-layered": 3, "quadruple": 4, "quadrupled": 4, "fourfold": 4, "threefold": 3, "twofold": 2,
            "fivefold": 5, "tenfold": 10, "dozen": 12, "half": 0.5}
_EN_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_EN_MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
                   "oct": 10, "nov": 11, "dec": 12})
_scale_alt = "|".join(_EN_SCALES)
_EN_NUMBER = re.compile(rf"(?<![\w.,])(?<!(?-i:[A-Z])-)({_NUM})(?:st|nd|rd|th|s)?(?:\s?({_scale_alt})\b)?", re.IGNORECASE)
_EN_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?")


def english_quantities(text: str) -> list[Quantity]:
    """Quantities in English text, in order of appearance."""
    out, matches = _dates_then(_EN_NUMBER, text)
    for i, m in enumerate(matches):
        value = _to_float(m.group(1))
        scale = m.group(2)
        if scale:
            value *= _EN_SCALES[scale.lower()]
        elif i + 1 < len(matches) and matches[i + 1].group(2) and _RANGE_SEP.match(
            text[m.end() : matches[i + 1].start()]
        ):
            value *= _EN_SCALES[matches[i + 1].group(2).lower()]  # "1-2 million"
        out.append(Quantity(value, m.group(0)))
    out.extend(_english_word_quantities(text))
    return out


def _english_word_quantities(text: str) -> list[Quantity]:
    words = [(m.group(0), m.group(0).lower()) for m in _EN_WORD.finditer(text)]
    out: list[Quantity] = []
    i = 0
    while i < len(words):
        raw, w = words[i]
        parts = w.split("-")
        head = w if w in _EN_MULT or w in _EN_ORDINALS else parts[0]  # "single-person", "first-ever"
        if head in _EN_MULT:
            out.append(Quantity(float(_EN_MULT[head]), raw, hard=False))
        elif head in _EN_ORDINALS:
            out.append(Quantity(float(_EN_ORDINALS[head]), raw, hard=False))
        elif w in _EN_MONTHS and (w != "may" or raw == "May"):
            out.append(Quantity(float(_EN_MONTHS[w]), raw, hard=False))
        elif parts[0] in _EN_ONES or parts[0] in _EN_TENS or (w == "a" and i + 1 < len(words) and words[i + 1][1] in _EN_SCALES):
            value = 0.0 if w != "a" else 1.0
            if w != "a":
                value = float(_EN_TENS.get(parts[0], _EN_ONES.get(parts[0], 0)))
                if len(parts) == 2:
                    value += _EN_ONES.get(parts[1], 0) + _EN_ORDINALS.get(parts[1], 0)
            start = raw
            # scale words: "seven hundred million"
            while i + 1 < len(words) and words[i + 1][1] in _EN_SCALES:
                i += 1
                value *= _EN_SCALES[words[i][1]]
            out.append(Quantity(value, start, hard=False))
        i += 1
    return out


def _same(a: float, b: float) -> bool:
    if a == b:
        return True
    big = max(abs(a), abs(b))
    return big >= 1e5 and abs(a - b) <= 0.005 * big


def _match(hard: list[Quantity], pool: list[Quantity]) -> list[Quantity]:
    """Hard quantities that find no partner in ``pool`` (each partner used once)."""
    free = list(pool)
    missing = []
    for q in hard:
        for j, p in enumerate(free):
            if _same(q.value, p.value):
                del free[j]
                break
        else:
            missing.append(q)
    return missing


def fmt(value: float) -> str:
    """Compact value text: integers without decimals, no thousands separators."""
    if value == int(value):
        return str(int(value))
    return f"{value:g}"


@dataclass(frozen=True)
class NumberMismatch:
    ko_only: tuple[Quantity, ...]
    en_only: tuple[Quantity, ...]

    def flag(self) -> str:
        parts = []
        if self.ko_only:
            parts.append("ko-only=" + ",".join(fmt(q.value) for q in self.ko_only))
        if self.en_only:
            parts.append("en-only=" + ",".join(fmt(q.value) for q in self.en_only))
        return "numbers:" + ";".join(parts)


_NOISE = re.compile(f"{MARKER_RE.pattern}|{LINK_RE.pattern}", re.IGNORECASE)


def strip_noise(text: str) -> str:
    """Remove footnote markers, URLs and emails: their digits are not quantities."""
    return _NOISE.sub(" ", text)


def compare_numbers(ko: str, en: str) -> NumberMismatch | None:
    """None when every digit-written quantity on one side has a partner on the other.

    Footnote markers, URLs and emails are ignored on both sides.
    """
    kq = korean_quantities(strip_noise(ko))
    eq = english_quantities(strip_noise(en))
    ko_only = _match([q for q in kq if q.hard], eq)
    en_only = _match([q for q in eq if q.hard], kq)
    if not ko_only and not en_only:
        return None
    return NumberMismatch(tuple(ko_only), tuple(en_only))

