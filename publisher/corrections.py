"""Editors' corrections: a CSV file beside each article.

``publisher edits export ARTICLE`` writes ``<article>.corrections.csv`` with one row per
segment: ``id, korean, machine_english, corrected_english``. The editor fills in the last
column (in a spreadsheet or a text editor) and leaves the rest alone. On the next build a
correction is applied when its Korean text still stands in the article (matched by text, so
inserting a sentence elsewhere does not orphan it); when the Korean has changed, the
correction is reported as stale, not applied, and left in the file untouched.

The file is UTF-8 with a byte-order mark so that spreadsheet programs open Korean text
correctly. The publisher never writes to an existing corrections file.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .article import ORIGIN_EDITED, Article, InputError

COLUMNS = ("id", "korean", "machine_english", "corrected_english")


@dataclass(frozen=True)
class Correction:
    id: str
    korean: str
    english: str
    line: int


def normalise(text: str) -> str:
    """The form in which Korean sources are compared: NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def load_corrections(path: Path) -> list[Correction]:
    """Corrections with a non-empty ``corrected_english``; no file means no corrections."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: corrections file is not UTF-8; save it as 'CSV UTF-8'") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read corrections file: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path}: corrections file is not valid CSV: {exc}") from None
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path}: corrections file lacks the column(s) {', '.join(missing)}; re-export it with 'publisher edits export'")
    idx = {c: header.index(c) for c in COLUMNS}
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        corrected = cells[idx["corrected_english"]].strip()
        if not corrected:
            continue
        korean = cells[idx["korean"]].strip()
        if not korean:
            raise InputError(f"{path}:{n}: a correction needs the Korean sentence it corrects")
        out.append(Correction(id=cells[idx["id"]].strip(), korean=korean, english=corrected, line=n))
    return out


def apply_corrections(article: Article, corrections: list[Correction]) -> tuple[Article, int, list[str]]:
    """Apply corrections whose Korean still stands in the article.

    Returns the new article, how many segments were corrected and one message per stale
    correction (its Korean no longer appears in the article).
    """
    if not corrections:
        return article, 0, []
    by_text: dict[str, Correction] = {}
    for c in corrections:
        by_text[normalise(c.korean)] = c
    used: set[int] = set()
    applied = 0
    blocks = []
    for block in article.blocks:
        segs = []
        for seg in block.segments:
            c = by_text.get(normalise(seg.text))
            if c is not None:
                used.add(c.line)
                applied += 1
                # Every flag judges the machine's English, which the editor's replaces.
                seg = dataclasses.replace(seg, en=c.english, origin=ORIGIN_EDITED, flags=())
            segs.append(seg)
        blocks.append(dataclasses.replace(block, segments=tuple(segs)))
    stale = [
        f"line {c.line} ({c.id or 'no id'}): the Korean sentence has changed since the correction was written; not applied"
        for c in corrections
        if c.line not in used
    ]
    return dataclasses.replace(article, blocks=tuple(blocks)), applied, stale


def export_csv(article: Article) -> str:
    """The text of a fresh corrections file for a translated article."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for _, seg in article.iter_segments():
        writer.writerow((seg.id, seg.text, seg.en or "", ""))
    return "\ufeff" + buf.getvalue()
