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
- ``empty``                the model wrote nothing for a segment with text
- ``extra-output:<what>``  more than one English rendering of the one segment: an
                           ``explanation`` or a ``refusal`` instead of (or beside) the English,
                           ``lines`` (several lines), ``sentences`` (more sentences than the
                           Korean has), ``prompt`` (the prompt's labels echoed). An
                           instruction model (publisher.llm) does this; an MT model rarely.
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
    "empty": "The model wrote nothing for this segment.",
    "extra-output": "The model wrote more than one English rendering of this one segment (an explanation, a "
    "refusal, a second sentence the Korean does not have, or the prompt's labels): keep only the translation.",
}

# An instruction model's ways of saying more than the translation (checked at the start of
# the output, or anywhere for the prompt's own labels).
_PREAMBLE = re.compile(
    r"^\s*(?:here\s+is|here's|sure\b|certainly\b|of\s+course\b|okay\b|translation\s*:|english\s*:|"
    r"the\s+(?:english\s+)?translation\b|this\s+(?:sentence|text)\s+(?:means|says|translates))",
    re.IGNORECASE,
)
_REFUSAL = re.compile(
    r"\b(?:i\s*(?:'m|am)\s+(?:sorry|unable|not\s+able)|i\s+(?:cannot|can't|can\s+not|won't)|as\s+an\s+ai\b)",
    re.IGNORECASE,
)
_PROMPT_LABEL = re.compile(r"(?:^|\n)\s*(?:korean|english)\s*:|\((?:note|translation)\s*:", re.IGNORECASE)
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Co|Corp|Ltd|Gov|Rep|Sen|Gen|No|vs|etc|approx)|\b[A-Z])\.$")
_EN_END = re.compile(r"[.?!]+[\"'”’)\]]*(?=\s+[\"“(]?[A-Z0-9])")
_KO_END = re.compile(r"[.?!。]+[\"'”’)\]」』]*(?=\s+\S)")

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


def _sentences_en(text: str) -> int:
    ends = [m for m in _EN_END.finditer(text) if not _ABBREVIATION.search(text[: m.start() + 1])]
    return 1 + len(ends)


def check_rendering(src: str, en: str) -> tuple[str, ...]:
    """``extra-output`` flags: is ``en`` one English rendering of ``src``, and nothing else?"""
    flags = []
    if _PREAMBLE.search(en) or _PROMPT_LABEL.search(en):
        flags.append("extra-output:explanation" if _PREAMBLE.search(en) else "extra-output:prompt")
    if _REFUSAL.search(en) and not _REFUSAL.search(_english_words_of(src)):
        flags.append("extra-output:refusal")
    if "\n" in en.strip():
        flags.append("extra-output:lines")
    if _sentences_en(en) > 1 + len(_KO_END.findall(src.strip())):
        flags.append("extra-output:sentences")
    return tuple(dict.fromkeys(flags))


def _english_words_of(src: str) -> str:
    """The Latin-script part of a Korean source (a quoted English phrase may say "I cannot")."""
    return " ".join(re.findall(r"[A-Za-z][A-Za-z' ]*", src))


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
        return ("empty",) if has_hangul(src) or _chars(src) >= LENGTH_RATIO_MIN_CHARS else ()
    flags: list[str] = list(check_rendering(src, en))
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
