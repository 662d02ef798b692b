"""Editors' corrections: a CSV file beside each article, the one owner of an editor's English.

``publisher edits export ARTICLE`` writes ``<article>.corrections.csv`` with one row per
segment: ``id, korean, machine_english, corrected_english``. The editor fills in the last
column (in a spreadsheet, a text editor or the desk). On the next build a correction is
applied when its Korean text still stands in the article (matched by text, so inserting a
sentence elsewhere does not orphan it); when the Korean has changed, the correction is
reported as stale, not applied, and left in the file untouched.

**One model of the file**, for the build and the desk: :func:`read_table` reads a file once
into a :class:`CorrectionsTable` (header, rows, delimiter, version, and the corrections and
warnings the build uses); :func:`write_table` writes one back atomically, every other row,
column and cell as the editor's spreadsheet had it.

**The file is the truth.** The translation memory's copy of the corrections (so that the
same sentence in another article gets the editor's wording) is derived from the files on
each run (:func:`sync_memory`): a row, file or article deleted withdraws the correction
everywhere. When two files correct one sentence differently, an article's own file wins for
that article; elsewhere the file whose path sorts first wins.

**One rule for quality flags:** the checks judge the *machine's* English. An editor's
English, from the article's own file or from the memory, is taken as written, without flags.

**An editor's English** goes through the article text's sanitiser at every door that writes
it (``text.clean_line``: the desk's save, :func:`write_table`); a stored correction holding
characters that cannot be published (``text.unpublishable``) is reported and skipped.

**Spreadsheet safety.** A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is run as a formula by spreadsheet programs (CSV injection). Writing
prefixes such cells, and cells that begin with ``'``, with one ``'`` (as OWASP recommends);
reading removes exactly that prefix, so write -> read gives back the text exactly.

The file is UTF-8 with a byte-order mark (spreadsheets then open Korean correctly); comma-,
semicolon-, tab- and pipe-separated files are read (the delimiter is detected from the
header) and written back with their own delimiter. :func:`export_file` never writes over an
existing file.
"""
from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .document import ORIGIN_EDITED, Article, InputError
from .fsutil import MISSING, atomic_write_bytes, fingerprint_of, not_regular, write_new_text
from .locks import folder_lock
from .text import clean_line as clean_english, normalize_text, unpublishable

COLUMNS = ("id", "korean", "machine_english", "corrected_english")
DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# OWASP's list of characters that make a spreadsheet cell a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"
STALE_SHOWN = 3  # how many stale rows a summary names


@dataclass(frozen=True)
class Correction:
    """An editor's English for one Korean sentence (``line``: where its row starts in the file)."""

    id: str
    korean: str
    english: str
    line: int


@dataclass(frozen=True)
class Row:
    """One row of a corrections file: the four columns the publisher reads, and every cell as the file had it.

    ``id`` .. ``corrected_english`` are the cells of those columns, trimmed. ``cells`` are all
    the row's cells in the header's order (an editor's own columns included, spreadsheet-safety
    apostrophes removed); empty for a row made here. Writing keeps each cell exactly as it is
    unless the row's value for its column changed. ``line``: where the row starts in the file
    (0: not from a file).
    """

    id: str
    korean: str
    machine_english: str = ""
    corrected_english: str = ""
    line: int = 0
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorrectionsTable:
    """A corrections file as one value, read by :func:`read_table`, written by :func:`write_table`.

    ``header``: the header's cells as the file has them (extra columns included). ``rows``:
    every record after the header, in the file's order (blank ones too: they are written back
    as they were). ``delimiter``: the file's own, used again when it is written. ``version``:
    the file's fingerprint when it was read (``fsutil.fingerprint`` of those bytes;
    ``fsutil.MISSING``: no file), which the desk compares before it writes.
    ``corrections`` (what the build applies: the rows with a ``corrected_english``, a
    duplicate taken once) and ``warnings`` (one per duplicate row) are what :func:`read_table`
    found in the rows it read; a table changed in memory keeps them until it is read again.
    """

    header: tuple[str, ...] = COLUMNS
    rows: tuple[Row, ...] = ()
    delimiter: str = ","
    version: str = MISSING
    corrections: tuple[Correction, ...] = ()
    warnings: tuple[str, ...] = ()

    def corrected_by_korean(self) -> dict[str, tuple[str, str]]:
        """``{normalized Korean: (id, corrected English)}``: the corrections, as the desk shows them."""
        return {normalize_text(c.korean): (c.id, c.english) for c in self.corrections}


# --------------------------------------------------------------------------- cells


def neutralize(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (reversed by :func:`restore`)."""
    if cell and (cell[0] in FORMULA_TRIGGERS or cell[0] == _ESCAPE):
        return _ESCAPE + cell
    return cell


def restore(cell: str) -> str:
    """The text a neutralized cell stood for: ``restore(neutralize(x)) == x`` for every x."""
    if len(cell) > 1 and cell[0] == _ESCAPE and (cell[1] in FORMULA_TRIGGERS or cell[1] == _ESCAPE):
        return cell[1:]
    return cell


# --------------------------------------------------------------------------- reading


def _parse(path: Path, data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    """(delimiter, [(line the record ends on, cells restored)]) of a corrections file's bytes."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: corrections file is not UTF-8; save it as 'CSV UTF-8'") from None
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not first_line.strip():
        return ",", []
    delimiter = _delimiter(path, first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return delimiter, [(reader.line_num, [restore(c) for c in row]) for row in reader]
    except csv.Error as exc:
        raise InputError(f"{path}: corrections file is not valid CSV: {exc}") from None


def _delimiter(path: Path, header: str) -> str:
    """The delimiter that splits the header into the expected column names.

    Comma, semicolon (European spreadsheets), tab and pipe are tried; when none fits, the
    message names the delimiter the csv module's sniffer sees, or says that none was found.
    """
    for d in DELIMITERS:
        try:
            names = {restore(h).strip().lower() for h in next(csv.reader([header], delimiter=d))}
        except (csv.Error, StopIteration):
            continue
        if set(COLUMNS) <= names:
            return d
    cols: list[str] = []
    try:
        found = csv.Sniffer().sniff(header, delimiters=DELIMITERS + ":").delimiter
    except csv.Error:
        what = "no delimiter found"
    else:
        what = f"it looks {_DELIMITER_NAMES.get(found, repr(found))}-separated"
        cols = [restore(h).strip().lower() for h in next(csv.reader([header], delimiter=found))]
    missing = [c for c in COLUMNS if c not in cols]
    if not missing:
        raise InputError(
            f"{path}: the columns are separated by {found!r}, which is not read; save it as CSV with commas, "
            "semicolons or tabs"
        )
    raise InputError(
        f"{path}: corrections file lacks the column(s) {', '.join(missing)} ({what}); "
        f"the header must be {','.join(COLUMNS)} (separated by commas, semicolons or tabs)"
    )


def _positions(header: Sequence[str]) -> dict[str, int]:
    """Where each of :data:`COLUMNS` is in a header (the first cell of that name)."""
    names = [h.strip().lower() for h in header]
    return {c: names.index(c) for c in COLUMNS}


def _corrections(path: Path, rows: Iterable[Row]) -> tuple[tuple[Correction, ...], tuple[str, ...]]:
    """The corrections among the rows (a duplicate once) and one warning per duplicate.

    Raises InputError for a correction without its Korean sentence and for two rows that
    correct the same sentence differently.
    """
    corrections: list[Correction] = []
    warnings: list[str] = []
    seen: dict[str, Correction] = {}
    for row in rows:
        if not row.corrected_english:
            continue
        line = row.line
        if not row.korean:
            raise InputError(f"{path}:{line}: a correction needs the Korean sentence it corrects")
        bad = unpublishable(row.corrected_english)
        if bad:  # written by hand or by an older desk: reported and skipped, never fatal for the article
            warnings.append(
                f"{path}: line {line}: the corrected English holds characters that cannot be published ({bad}); "
                "this correction is skipped: retype it in the desk or fix the cell"
            )
            continue
        c = Correction(id=row.id, korean=row.korean, english=clean_english(row.corrected_english), line=line)
        key = normalize_text(c.korean)
        earlier = seen.get(key)
        if earlier is not None:
            if earlier.english != c.english:
                raise InputError(
                    f"{path}: lines {earlier.line} and {line} correct the same Korean sentence differently; keep one of them"
                )
            warnings.append(f"{path}: line {line} duplicates line {earlier.line} (same sentence, same correction); it is ignored")
            continue
        seen[key] = c
        corrections.append(c)
    return tuple(corrections), tuple(warnings)


def read_table(path: Path) -> CorrectionsTable:
    """A corrections file as a table, from one read of its bytes (no file: an empty table, version MISSING).

    Raises InputError (naming the file and line) for a file that cannot be used: unreadable,
    not UTF-8, not CSV, columns missing, a correction without its Korean sentence, or two rows
    correcting the same sentence differently.
    """
    path = Path(path)
    special = not_regular(path)
    if special and special != "a folder":  # never opened (a FIFO would block): skipped with a note
        return CorrectionsTable(warnings=(f"{path} is {special}, not a regular file; it was not read and no corrections were applied from it",))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return CorrectionsTable()
    except OSError as exc:
        raise InputError(f"{path}: cannot read corrections file: {exc.strerror or exc}") from None
    version = fingerprint_of(data)
    delimiter, records = _parse(path, data)
    if not records:
        return CorrectionsTable(delimiter=delimiter, version=version)
    (end, header), pos, rows = records[0], _positions(records[0][1]), []
    for next_end, record in records[1:]:  # a record starts on the line after the one before ended
        cells = record + [""] * (len(header) - len(record))
        rows.append(Row(**{c: cells[i].strip() for c, i in pos.items()}, line=end + 1, cells=tuple(record)))
        end = next_end
    corrections, warnings = _corrections(path, (r for r in rows if any(c.strip() for c in r.cells)))
    return CorrectionsTable(tuple(header), tuple(rows), delimiter, version, corrections, warnings)


# --------------------------------------------------------------------------- applying


def apply_corrections(article: Article, corrections: Sequence[Correction]) -> tuple[Article, int, list[str]]:
    """Apply corrections whose Korean still stands in the article.

    Returns the new article, how many segments were corrected and one message per stale
    correction (its Korean no longer appears in the article).
    """
    if not corrections:
        return article, 0, []
    by_text: dict[str, Correction] = {}
    for c in corrections:
        by_text.setdefault(normalize_text(c.korean), c)
    used: set[int] = set()
    applied = 0
    blocks = []
    for block in article.blocks:
        segs = []
        for seg in block.segments:
            c = by_text.get(normalize_text(seg.text))
            if c is not None:
                used.add(c.line)
                applied += 1
                seg = editor_segment(seg, c.english)
            segs.append(seg)
        blocks.append(dataclasses.replace(block, segments=tuple(segs)))
    stale = [
        f"line {c.line} ({c.id or 'no id'}): the Korean sentence has changed since the correction was written; not applied"
        for c in corrections
        if c.line not in used
    ]
    return dataclasses.replace(article, blocks=tuple(blocks)), applied, stale


def editor_segment(seg, english: str):
    """A segment carrying an editor's English: origin "edited", and no flags (the one rule)."""
    return dataclasses.replace(seg, en=english, origin=ORIGIN_EDITED, flags=())


def summarize_stale(path: Path | str, stale: Sequence[str], shown: int = STALE_SHOWN) -> str | None:
    """One line for many stale rows: the count and the first few."""
    if not stale:
        return None
    head = "; ".join(stale[:shown])
    more = f"; and {len(stale) - shown} more" if len(stale) > shown else ""
    return f"{path}: {len(stale)} stale correction(s): {head}{more}"


# --------------------------------------------------------------------------- writing


def _cells(row: Row, pos: dict[str, int], width: int) -> list[str]:
    """A row's cells for writing: as the file had them, except the columns whose value changed
    (a row made here has every column set, in a row as wide as the header)."""
    cells = list(row.cells)
    changed = [(i, getattr(row, c)) for c, i in pos.items() if (cells[i:i + 1] or [""])[0].strip() != getattr(row, c)]
    if changed:
        cells += [""] * (width - len(cells))
        for i, value in changed:
            cells[i] = value
    return cells


def table_csv(table: CorrectionsTable) -> str:
    """The text of a corrections file: BOM, CRLF, the table's delimiter, every cell neutralized."""
    pos = _positions(table.header)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", delimiter=table.delimiter)
    writer.writerow([neutralize(h) for h in table.header])
    for row in table.rows:
        writer.writerow([neutralize(c) for c in _cells(row, pos, len(table.header))])
    return "\ufeff" + buf.getvalue()


LOCK_TIMEOUT = 30.0  # seconds a writer waits for another process's write of the same file


def file_lock(path: Path, timeout: float = LOCK_TIMEOUT):
    """The OS lock under which the corrections file at ``path`` is read, checked and written,
    across processes (two desks on one inbox, a desk and a script): :func:`publisher.locks.folder_lock`
    on its folder, so nothing is left beside the editor's files."""
    return folder_lock(Path(path), timeout, f"{path}: another process has been writing it for {timeout:g} s; try again")


def write_table(path: Path, table: CorrectionsTable, *, base_version: str | None = None) -> str:
    """Replace the corrections file at ``path`` with ``table``, atomically; returns the file's new version.

    A reader sees the old file or the new one, never a mix. The version is the fingerprint
    of the bytes written (what :func:`read_table` gives for the file now). With
    ``base_version`` (the version the table was read at) the check that the file is still at
    that version and the write are one step across processes (under :func:`file_lock`):
    when it changed, nothing is written and :class:`CorrectionConflict` names the rows.
    """
    path = Path(path)
    table = dataclasses.replace(table, rows=tuple(_clean_row(r) for r in table.rows))
    with file_lock(path):
        if base_version is not None:
            now = read_table(path)
            if now.version != base_version:
                raise CorrectionConflict(path, now.version, _differences(None, now.corrected_by_korean()))
        return _write_locked(path, table)


def _clean_row(row: Row) -> Row:
    english = clean_english(row.corrected_english) if row.corrected_english else row.corrected_english
    return row if english == row.corrected_english else dataclasses.replace(row, corrected_english=english)


def _write_locked(path: Path, table: CorrectionsTable) -> str:
    data = table_csv(table).encode("utf-8")
    atomic_write_bytes(Path(path), data)
    return fingerprint_of(data)


def export_table(article: Article) -> CorrectionsTable:
    """A fresh corrections table for a translated article: one row per segment."""
    return CorrectionsTable(rows=tuple(Row(id=seg.id, korean=seg.text, machine_english=seg.en or "") for _, seg in article.iter_segments()))


def export_csv(article: Article) -> str:
    """The text of a fresh corrections file for a translated article."""
    return table_csv(export_table(article))


def export_file(article: Article, path: Path) -> Path:
    """Write a fresh corrections file at ``path``: atomically, and never over an existing file."""
    return write_new_text(Path(path), export_csv(article))


# --------------------------------------------------------------------------- the memory's copy
# sync_memory, carried_digest and SyncResult live in corrections_memory (this module stays
# under 500 lines); they are still importable from here.

_MOVED = {"sync_memory", "carried_digest", "SyncResult"}


def __getattr__(name: str):
    if name in _MOVED:
        from . import corrections_memory

        return getattr(corrections_memory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------ the editor's desk
#
# The desk edits one row at a time in place: it reads the table, changes that row and writes
# the table back, so every other row and column of the file stays as it is (the spreadsheet
# route keeps working). It writes atomically and refuses to overwrite a file that changed
# since the editor loaded it.


class CorrectionConflict(InputError):
    """The corrections file changed on disk since the editor's page was loaded."""

    def __init__(self, path: Path, version: str, rows: list[dict]):
        self.path = Path(path)
        self.version = version  # the version now on disk
        self.rows = rows  # [{"id", "korean", "on_disk", "loaded"}] for every row that differs
        names = ", ".join(r["id"] or r["korean"][:20] for r in rows) or "(rows unknown)"
        super().__init__(f"{path} changed on disk since the page was loaded (rows: {names}); nothing was written")


def _differences(loaded: dict[str, tuple[str, str]] | None, on_disk: dict[str, tuple[str, str]]) -> list[dict]:
    rows = []
    for key in sorted(set(on_disk) | set(loaded or {})):
        was = (loaded or {}).get(key)
        now = on_disk.get(key)
        if loaded is not None and was == now:
            continue
        rows.append({"id": (now or was)[0], "korean": key, "on_disk": now and now[1], "loaded": was and was[1]})
    return rows


def _edited_rows(rows: tuple[Row, ...], seg_id: str, korean: str, machine_english: str, english: str | None) -> tuple[Row, ...]:
    """The rows with the correction of ``korean`` set to ``english`` (None: its rows dropped)."""
    key = normalize_text(korean)
    kept, found = [], False
    for row in rows:
        if normalize_text(row.korean) != key:
            kept.append(row)
        elif english is not None and not found:  # a revert drops the row (and a duplicate of it)
            kept.append(dataclasses.replace(row, corrected_english=english))
            found = True
    if english is not None and not found:
        kept.append(Row(id=seg_id, korean=korean, machine_english=machine_english, corrected_english=english))
    return tuple(kept)


def edit_correction(
    path: Path, *, seg_id: str, korean: str, machine_english: str, english: str | None,
    base_version: str, loaded: dict[str, tuple[str, str]] | None = None,
) -> str:
    """Set (``english``) or remove (``english=None``: revert) the correction of one segment.

    ``base_version`` is the table version the editor's page was built from and ``loaded``
    the corrections it showed (``table.corrected_by_korean()``). When the file changed
    since, nothing is written and ``CorrectionConflict`` names the rows that differ. The
    row is found by its Korean text (as the build matches it); other rows and columns stay
    as they are. Returns the file's new version. Reading, the version check and the write
    are one step across processes (:func:`file_lock`): two desks saving at once never lose
    a row; the second gets the conflict.
    """
    return edit_corrections(path, [(seg_id, korean, machine_english, english)], base_version=base_version, loaded=loaded)


def edit_corrections(
    path: Path, edits: Sequence[tuple[str, str, str, str | None]], *,
    base_version: str, loaded: dict[str, tuple[str, str]] | None = None,
) -> str:
    """Several segments' corrections in one write (the desk's "save all"): all or none, under :func:`edit_correction`'s
    version check. ``edits``: ``(seg_id, korean, machine_english, english)``, ``english=None`` a revert, in order."""
    path = Path(path)
    if path.is_symlink():
        raise InputError(f"{path} is a symlink; the desk writes only plain corrections files")
    if not_regular(path):
        raise InputError(f"{path} is {not_regular(path)}, not a regular file; the desk writes only plain corrections files")
    cleaned = []
    for seg_id, korean, machine_english, english in edits:
        if english is not None:
            english = clean_english(english)
            if not english:
                raise InputError(f"the correction of {seg_id} holds no printable text; type the corrected English")
        cleaned.append((seg_id, korean, machine_english, english))
    with file_lock(path):  # reading, the version check and the write: one step across processes
        table = read_table(path)
        if table.version != base_version:
            raise CorrectionConflict(path, table.version, _differences(loaded, table.corrected_by_korean()))
        rows = table.rows
        for seg_id, korean, machine_english, english in cleaned:
            rows = _edited_rows(rows, seg_id, korean, machine_english, english)
        if rows == table.rows and table.version != MISSING:
            return table.version  # nothing changed: the file is left untouched
        return _write_locked(path, dataclasses.replace(table, rows=rows))
