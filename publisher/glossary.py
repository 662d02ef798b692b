"""A newsroom glossary: Korean terms and the English form the translation must use.

The file is a CSV of ``ko,en[,note]`` rows (UTF-8, a BOM is fine, a ``ko,en`` header
is optional, blank lines and lines starting with ``#`` are ignored)::

    ko,en,note
    오픈AI,OpenAI,company
    서울대,Seoul National University,

Before translation each Korean term found in a segment is replaced by its English form
(longest term first, so ``서울대학교`` wins over ``서울대``); the model copies Latin text
through. A term matches only whole words or morphemes: its start and end must fall on
Kiwi token boundaries and it may not be only a particle or an ending there, so ``이``
(Lee) never matches inside ``개입`` or as the subject particle in ``개입이``. The
translator's placeholders (``URL1``, ``EMAIL2``) can never be matched by any term.

Loading warns (``Glossary.warnings``, logged) about terms that are one syllable long,
particle-like or digits only: they are risky even on word boundaries. After translation the English form is looked for (case-insensitively) and a
miss is flagged ``glossary-miss:<English term>``.

The glossary is only ever read; the editor's file is never written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .document import InputError
from .fsutil import not_regular
from .segment import kiwi
from .text import PLACEHOLDER_RE, normalize_text

log = logging.getLogger(__name__)

normalize_term = normalize_text

# Korean particles and endings that also look like a term (이 = Lee, 가 = Ga ...).
PARTICLE_LIKE = frozenset(
    "이 가 은 는 을 를 의 에 도 만 와 과 로 으로 에서 에게 께 한테 까지 부터 보다 처럼 하고 이나 나 랑 이랑 요 다 고 며".split()
)
# Kiwi tags a matched span may not consist of only: particles (J*), endings (E*),
# suffixes (XS*) and the copula (VCP).
_FUNCTION_TAG = re.compile(r"^(?:J|E|XS|VCP)")
_DIGITS_ONLY = re.compile(r"^[\d\s.,]+$")


def term_warnings(entries) -> tuple[str, ...]:
    """Why some terms are risky: one syllable, particle-like, digits only."""
    out = []
    for e in entries:
        if _DIGITS_ONLY.match(e.ko):
            out.append(f"glossary term {e.ko!r} is digits only: it would replace numbers; write the word it belongs to")
        elif e.ko in PARTICLE_LIKE:
            out.append(f"glossary term {e.ko!r} looks like a Korean particle or ending; it matches only where Kiwi reads it as a word")
        elif len(e.ko) == 1:
            out.append(f"glossary term {e.ko!r} is one syllable; it matches only as a whole word, but check the English")
    return tuple(out)


def _tokens(text: str):
    """Kiwi tokens of ``text`` as (start, end, tag); characters beyond the BMP are masked
    first so that offsets are code points whatever Kiwi counts internally."""
    masked = "".join(ch if ord(ch) <= 0xFFFF else "\u25a1" for ch in text)
    return [(t.start, t.start + t.len, t.tag) for t in kiwi().tokenize(masked)]


@dataclass(frozen=True)
class GlossaryEntry:
    ko: str
    en: str
    note: str = ""


@dataclass(frozen=True)
class Glossary:
    """Glossary entries, longest Korean term first, and a version hash.

    ``version`` is the sha256 of the normalized (ko, en) pairs in sorted order: notes and
    row order do not change it, any change of a term or its translation does.
    """

    entries: tuple[GlossaryEntry, ...] = ()
    path: str | None = None
    version: str = field(default="")

    @property
    def warnings(self) -> tuple[str, ...]:
        return term_warnings(self.entries)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.entries, key=lambda e: (-len(e.ko), e.ko)))
        object.__setattr__(self, "entries", ordered)
        if not self.version:
            object.__setattr__(self, "version", _version(ordered))

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str) -> tuple[GlossaryEntry, ...]:
        """Entries whose Korean term occurs in ``text`` (longest match first, no overlaps)."""
        return self.apply(text)[1]

    def apply(self, text: str) -> tuple[str, tuple[GlossaryEntry, ...]]:
        """Replace each Korean term in ``text`` by its English form.

        Longer terms are matched first and a replaced span is never matched again, so a
        short term inside a longer one is not replaced twice. Returns the new text and the
        entries used, in order of first use.
        """
        if not self.entries or not text:
            return text, ()
        text = unicodedata.normalize("NFC", text)
        present = [e for e in self.entries if e.ko in text]
        if not present:
            return text, ()
        taken = bytearray(len(text))
        for m in PLACEHOLDER_RE.finditer(text):  # URL1, EMAIL2: never part of a term
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        tokens = _tokens(text)
        starts = {s for s, _, _ in tokens}
        ends = {e for _, e, _ in tokens}
        spans: list[tuple[int, int, GlossaryEntry]] = []
        for entry in present:  # longest first
            pos = text.find(entry.ko)
            while pos >= 0:
                end = pos + len(entry.ko)
                if pos in starts and end in ends and not any(taken[pos:end]):
                    inside = [tag for s, e, tag in tokens if s >= pos and e <= end]
                    if inside and not all(_FUNCTION_TAG.match(tag) for tag in inside):
                        spans.append((pos, end, entry))
                        taken[pos:end] = b"\x01" * (end - pos)
                pos = text.find(entry.ko, pos + 1)
        if not spans:
            return text, ()
        used: list[GlossaryEntry] = []
        for _, _, entry in spans:
            if entry not in used:
                used.append(entry)
        out, last = [], 0
        for start, end, entry in sorted(spans, key=lambda x: x[0]):
            out.append(text[last:start])
            out.append(entry.en)
            last = end
        out.append(text[last:])
        return "".join(out), tuple(used)

    def key_for(self, entries: tuple[GlossaryEntry, ...]) -> str:
        """The glossary part of a translation-memory key for a segment using ``entries``.

        Only the entries that apply to a segment matter for its translation, so adding a
        term to the glossary re-translates only the segments that contain it.
        """
        if not entries:
            return ""
        return _version(tuple(sorted(entries, key=lambda e: e.ko)))[:16]


def _version(entries: tuple[GlossaryEntry, ...]) -> str:
    lines = sorted(f"{e.ko}\t{e.en}" for e in entries)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


EMPTY = Glossary()


def parse_glossary(text: str, name: str = "glossary") -> Glossary:
    """Parse CSV text into a Glossary; a bad row raises InputError naming the line."""
    entries: dict[str, GlossaryEntry] = {}
    reader = csv.reader(io.StringIO(text))
    first = True
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"{name} line {reader.line_num}: {exc}; expected 'ko,en[,note]'") from None
        line = reader.line_num
        cells = [normalize_term(c) for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells or cells[0].startswith("#"):
            continue
        if first:
            first = False
            if [c.lower() for c in cells[:2]] == ["ko", "en"]:
                continue
        if len(cells) < 2 or len(cells) > 3 or not cells[0] or not cells[1]:
            raise InputError(
                f"{name} line {line}: expected 'ko,en[,note]' with a Korean term and its English form, "
                f"got {','.join(row)!r}; fix or delete the row"
            )
        ko, en = cells[0], cells[1]
        note = cells[2] if len(cells) > 2 else ""
        old = entries.get(ko)
        if old is not None and old.en != en:
            raise InputError(
                f"{name} line {line}: {ko!r} is already translated as {old.en!r}; keep one translation per term"
            )
        entries[ko] = GlossaryEntry(ko, en, note)
    return Glossary(tuple(entries.values()), path=None)


def load_glossary(path: Path | str | None) -> Glossary:
    """Read a glossary CSV. ``None`` gives the empty glossary."""
    if path is None:
        return EMPTY
    path = Path(path)
    special = not_regular(path)
    if special:  # never opened (a FIFO would block the build): skipped with a note
        log.warning("glossary %s is %s, not a regular file; it was not read, no glossary is used", path, special)
        return EMPTY
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"glossary {path} not found; create it (ko,en[,note] per line) or leave the option out") from None
    except OSError as exc:
        raise InputError(f"cannot read glossary {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"glossary {path} line {line}: not UTF-8; save the file as UTF-8") from None
    glossary = parse_glossary(text, name=str(path))
    for warning in glossary.warnings:
        log.warning("%s: %s", path, warning)
    return Glossary(glossary.entries, path=str(path))
