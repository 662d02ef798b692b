"""Bylines for both readers: the Korean name and role in Hangul, the English name romanised.

``english_name("정유진")`` gives ``"Jung Yu-jin"``: the surname in the spelling Korean
newsrooms print in English (:data:`SURNAMES`: Kim, Lee, Park, Choi, Jung...), the given
name in the Revised Romanization of Korean, syllable by syllable, joined with a hyphen
and capitalised once ("Yu-jin", "Jae-in"). Syllable by syllable because the Revised
Romanization's rule for personal names does not transcribe the sound changes between a
given name's syllables; the hyphen because that is how the country's English-language
newsrooms print given names (it also keeps "Jeong-a" from being read "Jeon-ga").

A name an editor lists overrides the rule: :func:`load_names` reads the article folder's
``staff.csv`` and ``glossary.csv`` (``ko,en``; the staff list wins), so a reporter who
writes her name "Chung Yoo-jin" gets it. A name that is not Hangul is left as it is.

:func:`byline_texts` puts it together: the English side names the role once ("By Jung
Yu-jin, reporter"), the Korean side keeps the Hangul ("정유진 기자").

(The ``korean-romanizer`` package romanises whole words with their sound changes and is
GPLv3, which this MIT package does not take on as a dependency: one syllable's
romanisation is a fixed table, :func:`romanize_syllable`; tests compare it with that
package's output where it is installed.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

STAFF_FILE = "staff.csv"  # beside the articles: ko,en (the editor's list of names)
GLOSSARY_FILE = "glossary.csv"

# Newsroom roles in bylines, for the English reader ("김하늘 기자" -> "Kim Ha-neul, reporter").
ROLES_EN = {
    "기자": "reporter",
    "선임기자": "senior reporter",
    "수습기자": "trainee reporter",
    "인턴기자": "intern reporter",
    "사진기자": "photojournalist",
    "영상기자": "video journalist",
    "특파원": "correspondent",
    "논설위원": "editorial writer",
    "칼럼니스트": "columnist",
    "편집장": "editor-in-chief",
    "에디터": "editor",
    "객원기자": "contributing reporter",
}

# Surnames as Korean newsrooms spell them in English (the spelling people carry in their
# passports and the English-language dailies print), not the Revised Romanization
# (Gim, I, Bak, Choe, Jeong...). Two-syllable surnames first: they are matched first.
SURNAMES = {
    "남궁": "Namgung", "황보": "Hwangbo", "제갈": "Jegal", "선우": "Sunwoo", "독고": "Dokgo",
    "사공": "Sagong", "서문": "Seomun", "동방": "Dongbang", "을지": "Eulji", "망절": "Mangjeol",
    "김": "Kim", "이": "Lee", "리": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang",
    "조": "Cho", "윤": "Yoon", "장": "Jang", "임": "Lim", "림": "Lim", "한": "Han", "오": "Oh",
    "서": "Seo", "신": "Shin", "권": "Kwon", "황": "Hwang", "안": "Ahn", "송": "Song", "유": "Yoo",
    "류": "Ryu", "홍": "Hong", "전": "Jeon", "고": "Ko", "문": "Moon", "양": "Yang", "손": "Son",
    "배": "Bae", "백": "Baek", "허": "Heo", "남": "Nam", "심": "Shim", "노": "Noh", "로": "Roh",
    "하": "Ha", "곽": "Kwak", "성": "Sung", "차": "Cha", "주": "Joo", "우": "Woo", "구": "Koo",
    "민": "Min", "나": "Na", "라": "Ra", "진": "Jin", "지": "Ji", "엄": "Eom", "채": "Chae",
    "원": "Won", "천": "Cheon", "방": "Bang", "공": "Kong", "현": "Hyun", "함": "Ham", "변": "Byun",
    "염": "Yeom", "여": "Yeo", "추": "Choo", "도": "Do", "소": "So", "석": "Seok", "선": "Sun",
    "설": "Seol", "마": "Ma", "길": "Gil", "연": "Yeon", "위": "Wi", "표": "Pyo", "명": "Myung",
    "기": "Ki", "반": "Ban", "왕": "Wang", "금": "Keum", "옥": "Ok", "육": "Yook", "인": "In",
    "맹": "Maeng", "제": "Je", "모": "Mo", "탁": "Tak", "국": "Kook", "은": "Eun", "편": "Pyeon",
    "용": "Yong", "예": "Ye", "경": "Kyung", "봉": "Bong", "사": "Sa", "부": "Boo", "가": "Ka",
    "복": "Bok", "태": "Tae", "목": "Mok", "형": "Hyung", "피": "Pi", "두": "Doo", "감": "Kam",
    "호": "Ho", "동": "Dong", "온": "On", "시": "Si", "범": "Beom", "승": "Seung", "상": "Sang",
    "갈": "Kal", "견": "Kyun", "계": "Kye", "궁": "Kung", "단": "Dan", "당": "Dang", "대": "Dae",
    "독": "Dok", "돈": "Don", "매": "Mae", "묵": "Muk", "미": "Mi",
    "빈": "Bin", "빙": "Bing", "순": "Soon", "아": "Ah", "애": "Ae", "야": "Ya", "어": "Eo",
    "엽": "Yeop", "영": "Young", "요": "Yo", "운": "Woon", "음": "Eum", "자": "Ja",
    "잠": "Jam", "점": "Jeom", "좌": "Jwa", "즙": "Jeup", "증": "Jeung", "직": "Jik",
    "창": "Chang", "초": "Cho", "판": "Pan", "팽": "Paeng", "평": "Pyeong", "풍": "Poong",
    "필": "Pil", "학": "Hak", "해": "Hae", "혁": "Hyuk", "화": "Hwa", "후": "Hu", "흥": "Heung",
}

# Revised Romanization, one syllable: initial consonant, vowel, final consonant (as at the
# end of a word: a given name's syllables are romanised one by one).
_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]
_FIRST, _LAST = 0xAC00, 0xD7A3


def is_hangul_name(text: str) -> bool:
    """True when ``text`` is Hangul syllables only (spaces allowed): a name the rule can romanise."""
    letters = text.replace(" ", "")
    return bool(letters) and all(_FIRST <= ord(c) <= _LAST for c in letters)


def romanize_syllable(syllable: str) -> str:
    """One Hangul syllable in the Revised Romanization ("진" -> "jin", "혁" -> "hyeok")."""
    code = ord(syllable) - _FIRST
    if not 0 <= code <= _LAST - _FIRST:
        raise ValueError(f"{syllable!r} is not a Hangul syllable")
    initial, rest = divmod(code, 21 * 28)
    vowel, final = divmod(rest, 28)
    return _INITIALS[initial] + _VOWELS[vowel] + _FINALS[final]


def given_name(hangul: str) -> str:
    """A given name, syllable by syllable, hyphenated, capitalised once ("유진" -> "Yu-jin")."""
    return "-".join(romanize_syllable(c) for c in hangul).capitalize()


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a Korean name written in Hangul.

    A two-syllable surname (남궁, 황보, 선우...) is taken when the name has three or four
    syllables; otherwise the first syllable is the surname. "정 유진" (with a space) splits at the space.
    """
    if " " in name.strip():
        surname, _, given = name.strip().partition(" ")
        return surname, given.replace(" ", "")
    if len(name) in (3, 4) and name[:2] in SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def english_name(name: str | None, names: Mapping[str, str] | None = None) -> str | None:
    """The English form of a name: the editor's list first, then the newsroom rule, else as written."""
    if not name:
        return name
    name = name.strip()
    if names:
        listed = names.get(name) or names.get(name.replace(" ", ""))
        if listed:
            return listed
    if not is_hangul_name(name):
        return name
    words = name.split()
    if len(words) > 1 and words[0] not in SURNAMES:  # not surname-first ("제이슨 권"): word by word
        return " ".join(SURNAMES.get(w) or given_name(w).replace("-", "").capitalize() for w in words)
    surname, given = split_name(name)
    family = SURNAMES.get(surname) or given_name(surname).replace("-", "").capitalize()
    return f"{family} {given_name(given)}" if given else family


def load_names(folder: Path | str | None) -> dict[str, str]:
    """The names an editor lists in ``folder``: ``glossary.csv`` entries, then ``staff.csv``
    (which wins). A file that is missing is skipped; one that cannot be read is logged and skipped."""
    from .document import PublisherError
    from .glossary import load_glossary

    found: dict[str, str] = {}
    if folder is None:
        return found
    for name in (GLOSSARY_FILE, STAFF_FILE):
        path = Path(folder) / name
        if not path.is_file():
            continue
        try:
            entries = load_glossary(path).entries
        except PublisherError as exc:
            log.warning("names from %s not used: %s", path, exc)
            continue
        found.update({e.ko: e.en for e in entries})
    return found


@dataclass(frozen=True)
class BylineText:
    """What the brief prints: ``By {name_en}{, role_en}`` and, on the Korean side, ``{name_ko} {role_ko}``."""

    name_en: str | None
    role_en: str | None
    name_ko: str | None
    role_ko: str | None


def byline_texts(author: str | None, role: str | None, names: Mapping[str, str] | None = None) -> BylineText:
    """The byline's two sides; each names the role once (a role without an English word stays Korean only)."""
    role_en = ROLES_EN.get((role or "").replace(" ", "")) if role else None
    return BylineText(name_en=english_name(author, names), role_en=role_en, name_ko=author, role_ko=role)


# ------------------------------------------------------------------ the staff list, edited at the desk


class StaffConflict(Exception):
    """staff.csv changed on disk since the page that edits it was loaded."""


def read_staff(path: Path) -> tuple[str, dict[str, str]]:
    """(version, {Korean name: English}) of a staff list (no file: version MISSING, no names)."""
    from .fsutil import MISSING, fingerprint

    path = Path(path)
    version = fingerprint(path)
    if version == MISSING:
        return version, {}
    from .glossary import load_glossary

    return version, {e.ko: e.en for e in load_glossary(path).entries}


def write_staff(path: Path, names: Mapping[str, str | None], base_version: str) -> str:
    """Set (or, with None or "", remove) names in the staff list at ``path``, atomically; other
    rows stay. Raises StaffConflict, writing nothing, when the file changed since ``base_version``.
    Returns the file's new version."""
    import csv
    import io

    from .fsutil import atomic_write_bytes, fingerprint, fingerprint_of

    path = Path(path)
    if fingerprint(path) != base_version:
        raise StaffConflict(f"{path} changed on disk since the page was loaded; nothing was written")
    _, current = read_staff(path)
    for ko, en in names.items():
        if en and en.strip():
            current[ko.strip()] = " ".join(en.split())
        else:
            current.pop(ko.strip(), None)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["ko", "en"])
    writer.writerows(current.items())  # the list's own order, new names last (other columns are not kept)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    atomic_write_bytes(path, data)
    return fingerprint_of(data)
