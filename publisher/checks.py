"""Quality flags on a translated segment: what the editor should not trust blindly.

A flag is a short machine-readable string; the part before the first ``:`` is its kind,
and ``FLAG_HELP[kind]`` (or ``describe_flag(flag)``) explains it to a person:

- ``hangul``               Korean letters left in the English
- ``hanja``                Chinese characters (Hanja) left in the English
- ``repetition``           a repeated word sequence: the model was caught in a loop
- ``numbers:<details>``    numbers that disagree with the source, e.g.
                           ``numbers:ko-only=700000000;en-only=7``
- ``length-ratio``         the English is far shorter or longer than usual for the Korean
- ``glossary-miss:<term>`` a glossary term's English form is missing from the English
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .numbers import compare_numbers, strip_noise
from .text import has_han
from .text import has_hangul as has_hangul

FLAG_HELP: dict[str, str] = {
    "hangul": "Korean letters were left in the English text (an untranslated word or name).",
    "hanja": "Chinese characters (Hanja) were left in the English text: the model did not translate them "
    "(headlines use 與 ruling and opposition parties, 靑 presidential office, 美 US, 中 China...).",
    "repetition": "The English repeats the same words over and over: the model got stuck in a loop.",
    "numbers": "The numbers in the English do not match the Korean (ko-only: in the Korean but not the "
    "English; en-only: the other way round). Check units such as 만 (10,000) and 억 (100,000,000).",
    "length-ratio": "The English is much shorter or longer than a translation of this Korean usually is: "
    "something may be missing or invented.",
    "glossary-miss": "A glossary term was in the Korean but its required English form is not in the English.",
}

_WORD = re.compile(r"[\w']+")
_SPACE = re.compile(r"\s+")
_CHAR_LOOP = re.compile(r"(\w.{0,20}?)\1{4,}")

# English characters per Korean character (spaces, footnote markers, URLs and emails
# not counted). Calibrated on 17 hand-made news translations (tests/test_checks.py):
# ratios there run from 1.3 to 4.0, median 2.3; the bounds sit at about half the lowest
# and 1.5 times the highest. Short segments vary too much to judge.
LENGTH_RATIO_MIN = 0.6
LENGTH_RATIO_MAX = 6.0
LENGTH_RATIO_MIN_CHARS = 8


def describe_flag(flag: str) -> str:
    """A sentence for a person: the kind's explanation plus the flag's details."""
    kind, _, detail = flag.partition(":")
    text = FLAG_HELP.get(kind, "Unknown flag.")
    return f"{text} ({detail})" if detail else text



def is_repetitive(text: str) -> bool:
    """True for a decoding loop: a word (or two) three times in a row, a 3+-word sequence
    twice in a row, or any 4-word sequence three times."""
    words = [w.lower() for w in _WORD.findall(text)]
    n_words = len(words)
    for n in range(1, 7):
        need = 3 if n <= 2 else 2
        for i in range(0, n_words - n * need + 1):
            gram = words[i : i + n]
            if all(words[i + k * n : i + (k + 1) * n] == gram for k in range(1, need)):
                if n == 1 and gram[0].isdigit():
                    continue
                return True
    grams = Counter(tuple(words[i : i + 4]) for i in range(n_words - 3))
    if any(c >= 3 for c in grams.values()):
        return True
    # Loops inside unspaced text: the same characters five times in a row.
    return any(not m.group(1).isdigit() for m in _CHAR_LOOP.finditer(text))


def _chars(text: str) -> int:
    return len(_SPACE.sub("", strip_noise(text)))


def length_ratio(src: str, en: str) -> float | None:
    """English/Korean character ratio, or None when the source is too short to judge."""
    ko = _chars(src)
    if ko < LENGTH_RATIO_MIN_CHARS:
        return None
    return _chars(en) / ko


def check_segment(
    src: str, en: str, glossary_terms: Iterable[object] = (), *, numbers_src: str | None = None
) -> tuple[str, ...]:
    """Flags for one translated segment.

    ``glossary_terms`` are the English forms the translation must contain: strings, or
    glossary entries (anything with an ``en`` attribute). ``numbers_src`` is the source
    the numbers are compared against when it differs from ``src`` (the translator passes
    the glossary-applied model input, so ``카페24`` -> ``Cafe24`` is a name, not 24).
    """
    if not en or not en.strip():
        return ("length-ratio",) if _chars(src) >= LENGTH_RATIO_MIN_CHARS else ()
    flags: list[str] = []
    if has_hangul(en):
        flags.append("hangul")
    if has_han(en):
        flags.append("hanja")
    if is_repetitive(en):
        flags.append("repetition")
    mismatch = compare_numbers(src if numbers_src is None else numbers_src, en)
    if mismatch is not None:
        flags.append(mismatch.flag())
    ratio = length_ratio(src, en)
    if ratio is not None and not (LENGTH_RATIO_MIN <= ratio <= LENGTH_RATIO_MAX):
        flags.append("length-ratio")
    low = en.lower()
    seen = set()
    for term in glossary_terms:
        term_en = term if isinstance(term, str) else getattr(term, "en", "")
        if term_en and term_en not in seen and term_en.lower() not in low:
            flags.append(f"glossary-miss:{term_en}")
        seen.add(term_en)
    return tuple(flags)
