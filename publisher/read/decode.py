"""Article bytes -> text: size limit, binary refusal, byte-order marks, UTF-8 or CP949/EUC-KR.

The legacy encoding of Korean news text is CP949 (a superset of EUC-KR); no other one is
accepted. Bytes that are not UTF-8 are decoded as CP949 and kept only when the result reads
as Korean or Latin prose. A closed set of two encodings needs no statistical detector:
charset-normalizer 3 (measured on this module's test inputs) found no encoding at all for
a 7.9 KB news article saved as CP949 and named cp1250 for Latin-1 text that must be
refused, so it is not a dependency. Then one sanitizing step, :func:`publisher.text.sanitize`.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..document import InputError
from ..text import HANGUL_SYLLABLES, removable_count, sanitize

# A news article is tens of kilobytes; a file much larger than this is not one article
# (and would take hours to translate on a newsroom laptop).
MAX_BYTES = 2 * 1024 * 1024

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"RIFF", "a media file"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"SQLite format 3\x00", "an SQLite database"),
]
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_FIX = "re-save it as UTF-8 text"


# What CP949 prose is made of: ASCII, Hangul syllables, whitespace and the punctuation of Korean
# print. Byte noise decoded as CP949 turns mostly into Hanja and rare symbols instead.
_PROSE_CHAR = re.compile(f"[\\x00-\\x7f{HANGUL_SYLLABLES}\\s·…“”‘’「」『』〈〉《》ⓒ○●■□▲△※]")


def _plausible_korean(text: str) -> bool:
    """Does text decoded as CP949 look like Korean/Latin prose rather than byte noise?"""
    sample = text[:20000]
    if not sample.strip():
        return True
    return len(_PROSE_CHAR.findall(sample)) / len(sample) >= 0.9


def decode_bytes(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode article bytes; returns the normalized text and notes about what was done.

    Raises InputError for empty, binary or undecodable input.
    """
    notes: list[str] = []
    if not data:
        raise InputError("the file is empty; put the article text in it")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"the file is a binary file ({what}), not a text article; save the article as .txt, .md or .html")
    text = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                raise InputError(f"the file starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()}; {_FIX}") from None
            if enc != "utf-8":
                notes.append(f"decoded as {enc.upper()} (byte-order mark)")
            break
    if text is None:
        if b"\x00" in data:
            raise InputError(f"the file looks like a binary file (it contains NUL bytes), not a text article; {_FIX}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp949")
            except UnicodeDecodeError:
                raise InputError(f"the file is neither UTF-8 nor CP949/EUC-KR text; {_FIX}") from None
            if not _plausible_korean(text):
                raise InputError(f"the file is neither UTF-8 nor CP949/EUC-KR text; {_FIX}")
            notes.append("decoded as CP949/EUC-KR")
    # Only characters that will be removed count towards "binary": a Word export with a few
    # manual line breaks (U+000B) or page breaks (U+000C) is text.
    controls = removable_count(text)
    if controls > max(3, len(text) // 100):
        raise InputError(f"the file looks like a binary file (many control characters), not a text article; {_FIX}")
    clean = sanitize(text)
    notes.extend(clean.notes)
    nfc = clean.text
    if not nfc.strip():
        raise InputError("the file is empty (only whitespace); put the article text in it")
    return nfc, tuple(notes)


def read_bytes(path: Path) -> bytes:
    """A file's bytes, refused with one clear line when it is missing, a folder or too large."""
    try:
        if path.is_dir():
            raise InputError(f"{path} is a directory, not an article file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"{path} is {size / (1024 * 1024):.1f} MB; articles larger than {MAX_BYTES // (1024 * 1024)} MB are refused, split it into separate articles"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"article not found: {path}") from None
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def decode_file(path: Path) -> str:
    """The decoded, sanitized text of a file (for plain-text segmentation)."""
    path = Path(path)
    text, _ = decode_bytes(read_bytes(path))
    return text
