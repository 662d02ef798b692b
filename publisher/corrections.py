"""Editors' corrections: a CSV file beside each article, the one owner of an editor's English.

``publisher edits export ARTICLE`` writes ``<article>.corrections.csv`` with one row per
segment: ``id, korean, machine_english, corrected_english``. The editor fills in the last
column (in a spreadsheet or a text editor) and leaves the rest alone. On the next build a
correction is applied when its Korean text still stands in the article (matched by text, so
inserting a sentence elsewhere does not orphan it); when the Korean has changed, the
correction is reported as stale, not applied, and left in the file untouched.

**The file is the truth.** The translation memory keeps a copy of every correction so that
the same sentence in another article gets the editor's wording, but that copy is derived
from the files present on each run (:func:`sync_memory`): a row deleted from a file, a
deleted file or a deleted article withdraws the correction everywhere on the next build.
When two files correct the same sentence differently, an article's own file wins for that
article; elsewhere the file whose path sorts first wins (deterministic: the same inbox
always gives the same English).

**One rule for quality flags:** the checks (numbers, untranslated Hangul, glossary terms...)
judge the *machine's* English. An editor's English, whether it comes from the article's own
file or from the memory, is taken as written and carries no flags.

**Spreadsheet safety.** A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is run as a formula by spreadsheet programs (CSV injection). Export
prefixes such cells, and cells that begin with ``'`` themselves, with one ``'`` (as OWASP
recommends); import removes exactly that prefix, so export -> import gives back the text
exactly.

The file is UTF-8 with a byte-order mark so that spreadsheet programs open Korean text
correctly; comma-, semicolon-, tab- and pipe-separated files are all read (the delimiter is
detected from the header). ``publisher edits export`` never writes over an existing file;
:func:`save_rows` (the editor's own tools) replaces one atomically.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .document import ORIGIN_EDITED, Article, InputError
from .fsutil import file_sha256
from .text import normalize_text

COLUMNS = ("id", "korean", "machine_english", "corrected_english")
DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# OWASP's list of characters that make a spreadsheet cell a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"
STALE_SHOWN = 3  # how many stale rows a summary names


@dataclass(frozen=True)
class Correction:
    id: str
    korean: str
    english: str
    line: int


@dataclass(frozen=True)
class Row:
    """One row of a corrections file, as the editor sees it (``line`` 0: not from a file)."""

    id: str
    korean: str
    machine_english: str = ""
    corrected_english: str = ""
    line: int = 0


@dataclass(frozen=True)
class CorrectionsFile:
    """What :func:`read_file` found: every row, the corrections among them, and warnings."""

    path: Path
    rows: tuple[Row, ...]
    corrections: tuple[Correction, ...]
    delimiter: str = ","
    warnings: tuple[str, ...] = ()


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


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot read corrections file: {exc.strerror or exc}") from None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: corrections file is not UTF-8; save it as 'CSV UTF-8'") from None


def _parse(path: Path, data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    """(delimiter, [(line the record ends on, cells restored)]) of a corrections file's bytes."""
    text = _decode(path, data)
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


def read_file(path: Path) -> CorrectionsFile:
    """Every row of a corrections file, the corrections among them and warnings (duplicates).

    No file: no rows. Raises InputError (naming the file and line) for a file that cannot be
    used: not UTF-8, not CSV, columns missing, a correction without its Korean sentence, or
    two rows correcting the same sentence differently.
    """
    path = Path(path)
    data = _read_bytes(path)
    if data is None:
        return CorrectionsFile(path=path, rows=(), corrections=())
    delimiter, records = _parse(path, data)
    if not records:
        return CorrectionsFile(path=path, rows=(), corrections=(), delimiter=delimiter)
    header = [h.strip().lower() for h in records[0][1]]
    idx = {c: header.index(c) for c in COLUMNS}
    rows: list[Row] = []
    corrections: list[Correction] = []
    warnings: list[str] = []
    seen: dict[str, Correction] = {}
    start = records[0][0]
    for end, record in records[1:]:
        line, start = start + 1, end  # the line the record starts on (a cell may span lines)
        if not any(cell.strip() for cell in record):
            continue
        cells = record + [""] * (len(header) - len(record))
        row = Row(
            id=cells[idx["id"]].strip(),
            korean=cells[idx["korean"]].strip(),
            machine_english=cells[idx["machine_english"]].strip(),
            corrected_english=cells[idx["corrected_english"]].strip(),
            line=line,
        )
        rows.append(row)
        if not row.corrected_english:
            continue
        if not row.korean:
            raise InputError(f"{path}:{line}: a correction needs the Korean sentence it corrects")
        c = Correction(id=row.id, korean=row.korean, english=row.corrected_english, line=line)
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
    return CorrectionsFile(
        path=path, rows=tuple(rows), corrections=tuple(corrections), delimiter=delimiter, warnings=tuple(warnings)
    )


def load_corrections(path: Path) -> list[Correction]:
    """Corrections with a non-empty ``corrected_english``; no file means no corrections."""
    return list(read_file(path).corrections)


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


def export_rows(article: Article) -> list[Row]:
    """The rows of a fresh corrections file for a translated article."""
    return [Row(id=seg.id, korean=seg.text, machine_english=seg.en or "") for _, seg in article.iter_segments()]


def rows_csv(rows: Iterable[Row], delimiter: str = ",") -> str:
    """The text of a corrections file (BOM, CRLF, every cell neutralized)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", delimiter=delimiter)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([neutralize(v) for v in (r.id, r.korean, r.machine_english, r.corrected_english)])
    return "\ufeff" + buf.getvalue()


def export_csv(article: Article) -> str:
    """The text of a fresh corrections file for a translated article."""
    return rows_csv(export_rows(article))


def export_file(article: Article, path: Path) -> Path:
    """Write a fresh corrections file at ``path``: atomically, and never over an existing file."""
    from .fsutil import write_new_text

    return write_new_text(Path(path), export_csv(article))


def write_rows(path: Path, rows: Iterable[Row], delimiter: str | None = None) -> Path:
    """Replace the corrections file at ``path`` with ``rows``, atomically (for the editor's tools).

    Keeps the file's delimiter unless one is given. A reader sees the old file or the new
    one, never a mix.
    """
    from .fsutil import atomic_write_text

    path = Path(path)
    if delimiter is None:
        try:
            delimiter = read_file(path).delimiter
        except InputError:
            delimiter = ","
    return atomic_write_text(path, rows_csv(rows, delimiter))


# --------------------------------------------------------------------------- the memory's copy


def file_stamp(path: Path) -> str | None:
    """The sha256 of a file's bytes (None: no such file)."""
    try:
        return file_sha256(path)
    except FileNotFoundError:
        return None
    except OSError:
        return "unreadable"


@dataclass(frozen=True)
class SyncResult:
    updated: int = 0  # files whose rows were (re)stored
    forgotten: int = 0  # files whose rows were withdrawn
    errors: tuple[str, ...] = ()


def sync_memory(memory, pairs: Iterable[tuple[Path, Path]], stamps: dict[Path, str | None] | None = None) -> SyncResult:
    """Make the memory's corrections equal to the corrections files on disk.

    ``pairs`` are ``(article, corrections file)`` of this run. Every file the memory already
    knows is checked as well: a file (or its article) that is gone is forgotten, a changed
    one is read again, an unreadable one is forgotten (its rows cannot be trusted). Files
    that did not change cost one hash and no write. ``stamps``: hashes already computed.
    """
    if memory is None or not memory.available:
        return SyncResult()
    stamps = dict(stamps or {})

    def stamp(p: Path) -> str | None:
        if p not in stamps:
            stamps[p] = file_stamp(p)
        return stamps[p]

    known = memory.correction_files()  # {file: (article, stamp)}
    wanted: dict[str, str] = {}  # corrections file -> article
    for article, cfile in pairs:
        wanted[str(Path(cfile).resolve())] = str(Path(article).resolve())
    for cfile, (article, _) in known.items():
        wanted.setdefault(cfile, article)

    replace: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {}
    forget: list[str] = []
    errors: list[str] = []
    for cfile, article in wanted.items():
        s = stamp(Path(cfile))
        if s is None or not os.path.exists(article):
            if cfile in known:
                forget.append(cfile)
            continue
        if cfile in known and known[cfile] == (article, s):
            continue
        try:
            parsed = read_file(Path(cfile))
        except InputError as exc:
            errors.append(str(exc))
            if cfile in known:
                forget.append(cfile)
            continue
        replace[cfile] = (article, s, [(c.korean, c.english, c.id) for c in parsed.corrections])
    if replace or forget:
        memory.sync_corrections(replace, forget)
    return SyncResult(updated=len(replace), forgotten=len(forget), errors=tuple(errors))


def carried_digest(memory, sources: Iterable[str], found: dict[str, str] | None = None) -> str:
    """A hash of the memory's corrections for these sources (what other files say about them).

    Part of what a brief is built from: when a correction in another article's file is
    added, changed or withdrawn, the briefs whose sentences it touches are rebuilt.
    ``found``: the memory's answer (``memory.editor_corrections``) for at least these
    sources, fetched once for many articles; the sources are then taken as normalized.
    """
    if found is None:
        sources = {normalize_text(s) for s in sources}
        found = memory.editor_corrections(sources, normalized=True) if memory is not None else {}
    keys = sorted(found.keys() & set(sources))
    if not keys:
        return "-"
    h = hashlib.sha256()
    for src in keys:
        h.update(src.encode())
        h.update(b"\0")
        h.update(found[src].encode())
        h.update(b"\0")
    return h.hexdigest()


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
    data = _read_bytes(Path(path))
    return "" if data is None else hashlib.sha256(data).hexdigest()


def read_rows(path: Path) -> tuple[list[str], list[list[str]], str]:
    """The header, every data row (cells as the editor meant them) and the version of a corrections file.

    All three come from one read of the file. No file: the standard header, no rows, "".
    The delimiter is detected and spreadsheet-safety apostrophes are removed, as in
    :func:`read_file`; :func:`save_rows` puts them back.
    """
    path = Path(path)
    data = _read_bytes(path)
    if data is None:
        return list(COLUMNS), [], ""
    version = hashlib.sha256(data).hexdigest()
    _, records = _parse(path, data)
    if not records:
        return list(COLUMNS), [], version
    header = records[0][1]
    return header, [row for _, row in records[1:]], version


def save_rows(path: Path, header: list[str], rows: list[list[str]]) -> str:
    """Write a corrections file atomically in the ``edits export`` format; returns its new version.

    Every cell is neutralized (a formula-leading cell gets its apostrophe), so a file the
    desk saved is as safe to open in a spreadsheet as an exported one.
    """
    from .fsutil import atomic_write_bytes

    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralize(c) for c in row] for row in rows)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    atomic_write_bytes(Path(path), data)
    return hashlib.sha256(data).hexdigest()


def corrected_by_korean(header: list[str], rows: list[list[str]]) -> dict[str, tuple[str, str]]:
    """``{normalized Korean: (id, corrected English)}`` for the rows that carry a correction."""
    idx = {h.strip().lower(): i for i, h in enumerate(header)}
    out = {}
    for row in rows:
        cells = row + [""] * (len(header) - len(row))
        korean, english = cells[idx["korean"]].strip(), cells[idx["corrected_english"]].strip()
        if korean and english:
            out[normalize_text(korean)] = (cells[idx["id"]].strip(), english)
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
    as they are. Returns the file's new version. The caller serializes calls per file.
    """
    path = Path(path)
    if path.is_symlink():
        raise InputError(f"{path} is a symlink; the desk writes only plain corrections files")
    header, rows, current = read_rows(path)
    if current != base_version:
        raise CorrectionConflict(path, current, _differences(loaded, corrected_by_korean(header, rows)))
    idx = {h.strip().lower(): i for i, h in enumerate(header)}
    key = normalize_text(korean)
    kept, found = [], False
    for row in rows:
        cells = row + [""] * (len(header) - len(row))
        if normalize_text(cells[idx["korean"]]) != key:
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
