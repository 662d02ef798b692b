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


# ------------------------------------------------------------------ the editor's desk
#
# The desk edits one row at a time in place. Its reads and writes keep every row and
# column of the file as it is (the spreadsheet route keeps working), write atomically, and
# refuse to overwrite a file that changed since the editor loaded it.


class CorrectionConflict(InputError):
    """The corrections file changed on disk since the editor's page was loaded."""

    def __init__(self, path: Path, version: str, rows: list[dict]):
        self.path = Path(path)
        self.version = version  # the version now on disk
        self.rows = rows  # [{"id", "korean", "on_disk", "loaded"}] for every row that differs
        names = ", ".join(r["id"] or r["korean"][:20] for r in rows) or "(rows unknown)"
        super().__init__(f"{path} changed on disk since the page was loaded (rows: {names}); nothing was written")


def file_version(path: Path) -> str:
    """A fingerprint of the file's bytes ("" when there is no file)."""
    return read_rows(path)[2]


def read_rows(path: Path) -> tuple[list[str], list[list[str]], str]:
    """The header, every data row (as written) and the version of a corrections file.

    All three come from one read of the file. No file: the standard header, no rows, "".
    """
    import hashlib

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return list(COLUMNS), [], ""
    except OSError as exc:
        raise InputError(f"{path}: cannot read corrections file: {exc.strerror or exc}") from None
    version = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: corrections file is not UTF-8; save it as 'CSV UTF-8'") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"{path}: corrections file is not valid CSV: {exc}") from None
    if not rows:
        return list(COLUMNS), [], version
    header = rows[0]
    missing = [c for c in COLUMNS if c not in [h.strip().lower() for h in header]]
    if missing:
        raise InputError(f"{path}: corrections file lacks the column(s) {', '.join(missing)}; re-export it with 'publisher edits export'")
    return header, rows[1:], version


def save_rows(path: Path, header: list[str], rows: list[list[str]]) -> str:
    """Write a corrections file atomically in the ``edits export`` format; returns its new version."""
    import hashlib

    from .fsutil import atomic_write_bytes

    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    atomic_write_bytes(Path(path), data)
    return hashlib.sha256(data).hexdigest()


def corrected_by_korean(header: list[str], rows: list[list[str]]) -> dict[str, tuple[str, str]]:
    """``{normalised Korean: (id, corrected English)}`` for the rows that carry a correction."""
    idx = {h.strip().lower(): i for i, h in enumerate(header)}
    out = {}
    for row in rows:
        cells = row + [""] * (len(header) - len(row))
        korean, english = cells[idx["korean"]].strip(), cells[idx["corrected_english"]].strip()
        if korean and english:
            out[normalise(korean)] = (cells[idx["id"]].strip(), english)
    return out


def _differences(loaded: dict[str, tuple[str, str]] | None, on_disk: dict[str, tuple[str, str]]) -> list[dict]:
    rows = []
    for key in sorted(set(on_disk) | set(loaded or {})):
        was = (loaded or {}).get(key)
        now = on_disk.get(key)
        if loaded is not None and was == now:
            continue
        rows.append(
            {
                "id": (now or was)[0],
                "korean": key,
                "on_disk": now[1] if now else None,
                "loaded": was[1] if was else None,
            }
        )
    return rows


def edit_correction(
    path: Path,
    *,
    seg_id: str,
    korean: str,
    machine_english: str,
    english: str | None,
    base_version: str,
    loaded: dict[str, tuple[str, str]] | None = None,
) -> str:
    """Set (``english``) or remove (``english=None``: revert) the correction of one segment.

    ``base_version`` is the ``file_version`` the editor's page was built from and
    ``loaded`` the corrections it showed (``corrected_by_korean``). When the file changed
    since, nothing is written and ``CorrectionConflict`` names the rows that differ. The
    row is found by its Korean text (as the build matches it); other rows and columns stay
    as they are. Returns the file's new version. The caller serialises calls per file.
    """
    path = Path(path)
    if path.is_symlink():
        raise InputError(f"{path} is a symlink; the desk writes only plain corrections files")
    header, rows, current = read_rows(path)
    if current != base_version:
        raise CorrectionConflict(path, current, _differences(loaded, corrected_by_korean(header, rows)))
    idx = {h.strip().lower(): i for i, h in enumerate(header)}
    key = normalise(korean)
    kept, found = [], False
    for row in rows:
        cells = row + [""] * (len(header) - len(row))
        if normalise(cells[idx["korean"]]) != key:
            kept.append(row)
            continue
        if english is None or found:
            continue  # a revert drops the row (and a duplicate of it)
        cells[idx["corrected_english"]] = english
        kept.append(cells)
        found = True
    if english is not None and not found:
        new = [""] * len(header)
        new[idx["id"]], new[idx["korean"]], new[idx["machine_english"]], new[idx["corrected_english"]] = seg_id, korean, machine_english, english
        kept.append(new)
    if english is None and len(kept) == len(rows) and path.exists():
        return current  # nothing to revert: the file is left untouched
    return save_rows(path, header, kept)
