"""A newsroom glossary: Korean terms and the English form the translation must use.

The file is a CSV of ``ko,en[,note]`` rows (UTF-8, a BOM is fine, a ``ko,en`` header
is optional, blank lines and lines starting with ``#`` are ignored)::

    ko,en,note
    오픈AI,OpenAI,company
    서울대,Seoul National University,

Before translation each Korean term found in a segment is replaced by its English form
(longest term first, so ``서울대학교`` wins over ``서울대``); the model copies Latin text
through. After translation the English form is looked for (case-insensitively) and a
miss is flagged ``glossary-miss:<English term>``.

The glossary is only ever read; the editor's file is never written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .article import InputError

_WS = re.compile(r"\s+")


def normalize_term(text: str) -> str:
    """NFC, whitespace collapsed, stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class GlossaryEntry:
    ko: str
    en: str
    note: str = ""


@dataclass(frozen=True)
class Glossary:
    """Glossary entries, longest Korean term first, and a version hash.

    ``version`` is the sha256 of the normalised (ko, en) pairs in sorted order: notes and
    row order do not change it, any change of a term or its translation does.
    """

    entries: tuple[GlossaryEntry, ...] = ()
    path: str | None = None
    version: str = field(default="")

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
        # Mark spans already replaced with private-use sentinels so shorter terms skip them.
        pieces: list[str] = []
        used: list[GlossaryEntry] = []
        work = text
        for entry in self.entries:
            if entry.ko not in work:
                continue
            token = f"\ue000{len(pieces)}\ue001"
            pieces.append(entry.en)
            work = work.replace(entry.ko, token)
            used.append(entry)
        if not used:
            return text, ()
        out = re.sub("\ue000(\\d+)\ue001", lambda m: pieces[int(m.group(1))], work)
        return out, tuple(used)

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
    return Glossary(glossary.entries, path=str(path))
