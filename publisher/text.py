"""Text facts every stage shares: script ranges, the normalizer, the sanitizer, patterns.

One home for what used to be defined three to five times, differently:

* the Hangul and CJK (Hanja) ranges, and what "needs translation" means;
* ``normalize_text`` (NFC, whitespace collapsed) and ``sanitize`` (the one step at the
  reader's boundary that removes or replaces what XML 1.0 and HTML do not allow, and
  reports it);
* the bidi controls that may not reach a title, a slug, a file name, the feed or PDF
  metadata (``strip_bidi_controls``);
* the ``[n]`` footnote-marker, URL, e-mail and placeholder patterns;
* grapheme clusters (``graphemes``, ``grapheme_boundaries``), from the ``regex`` module's
  ``\\X``, so that no stage cuts an emoji ZWJ sequence, a flag or a skin-tone modifier.

The rule this module serves: every character of an input reaches the reader exactly, or is
removed or replaced for a reason stated in ``Article.notes``. ``sanitize`` documents the
removals and replacements; nothing else may drop a character (whitespace aside).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# ------------------------------------------------------------------ scripts

# Hangul: Jamo, compatibility Jamo, Jamo extended A/B, syllables.
HANGUL_CLASS = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
# Hangul syllables only (what slugs keep, what Korean word rules look at).
HANGUL_SYLLABLES = "\uac00-\ud7a3"
# Han ideographs (Hanja): CJK unified ideographs and extension A, compatibility ideographs
# (KS X 1001 maps 268 Hanja there), the supplementary-plane extensions, and the ideographic
# iteration marks.
HAN_CLASS = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002fa1f\U00030000-\U0003134f"
)
CJK_CLASS = HANGUL_CLASS + HAN_CLASS

HANGUL_RE = re.compile(f"[{HANGUL_CLASS}]")
HAN_RE = re.compile(f"[{HAN_CLASS}]")
CJK_RE = re.compile(f"[{CJK_CLASS}]")


def has_hangul(text: str) -> bool:
    return bool(HANGUL_RE.search(text or ""))


def has_han(text: str) -> bool:
    """Hanja (Chinese characters) in ``text``: 與野, 靑, 美, 中 ..."""
    return bool(HAN_RE.search(text or ""))


def needs_translation(text: str) -> bool:
    """Does ``text`` hold Korean the model should see: Hangul or Hanja (a Hanja-only headline too)?"""
    return bool(CJK_RE.search(text or ""))


# ------------------------------------------------------------------ patterns

# A footnote marker [n] (n = 1..999).
MARKER_RE = re.compile(r"\[(\d+)\]")  # footnote numbers have no ceiling
# A footnote marker with the space before it, as the translator takes it out.
MARKER_WITH_SPACE_RE = re.compile(r"\s?\[(\d+)\]")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'“”‘’()\[\]{}]*[^\s<>\"'“”‘’()\[\]{}.,;:!?]", re.IGNORECASE)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A whole string that is an e-mail address (bylines, mailto: links).
EMAIL_FULL_RE = re.compile(rf"^{EMAIL_RE.pattern}$")
LINK_RE = re.compile(f"(?P<email>{EMAIL_RE.pattern})|(?P<url>{URL_RE.pattern})", re.IGNORECASE)
# The placeholders the translator puts where a URL or an e-mail address was (URL1, EMAIL2):
# no glossary term may match inside one.
PLACEHOLDER_RE = re.compile(r"(?:URL|EMAIL)\d+")

_WS = re.compile(r"\s+")
_ODD_WS = re.compile(r"[^\S ]| {2}|^ | $")  # anything normalize_text would change in the spacing


def normalize_text(text: str) -> str:
    """NFC, runs of whitespace collapsed to one space, stripped.

    The one form in which Korean sources are compared: memory keys, corrections, glossary terms.
    """
    text = text or ""
    if unicodedata.is_normalized("NFC", text) and not _ODD_WS.search(text):
        return text  # the common case, without building new strings
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


# ------------------------------------------------------------------ graphemes


def graphemes(text: str) -> list[str]:
    """Extended grapheme clusters of ``text`` (UAX #29, via the regex module's ``\\X``)."""
    import regex

    return regex.findall(r"\X", text)


def grapheme_boundaries(text: str) -> set[int]:
    """Offsets at which ``text`` may be cut without splitting a grapheme cluster (0 and len included)."""
    out = {0}
    pos = 0
    for g in graphemes(text):
        pos += len(g)
        out.add(pos)
    return out


def snap_to_grapheme(text: str, offset: int, bounds: set[int] | None = None) -> int:
    """``offset`` moved forward to the next grapheme boundary (unchanged when it is one)."""
    bounds = grapheme_boundaries(text) if bounds is None else bounds
    while offset < len(text) and offset not in bounds:
        offset += 1
    return offset


# ------------------------------------------------------------------ bidi

# Embedding and override controls (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI):
# they reorder what a reader sees (a title "정상 제목 <RLO>FDP.exe" shows "exe.PDF").
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Marks (LRM RLM ALM) are invisible and harmless in running text, but have no place in a
# file name or a title either.
BIDI_MARKS = "\u200e\u200f\u061c"
_BIDI_RE = re.compile(f"[{BIDI_CONTROLS}{BIDI_MARKS}]")


def strip_bidi_controls(text: str) -> tuple[str, int]:
    """``text`` without bidi embedding/override/isolate controls and marks, and how many went."""
    if not text:
        return text, 0
    out, n = _BIDI_RE.subn("", text)
    return out, n


def no_bidi(text: str | None) -> str | None:
    """``text`` without bidi controls (for titles in the feed, PDF metadata, file names)."""
    return None if text is None else strip_bidi_controls(text)[0]


# ------------------------------------------------------------------ the sanitizer

# Replaced by line structure: a Word manual line break (VT), a form feed, NEL and the
# Unicode line and paragraph separators.
LINE_BREAKS = {"\x0b": "\n", "\x85": "\n", "\u2028": "\n", "\x0c": "\n\n", "\u2029": "\n\n"}
# Removed: C0 controls other than tab, newline and carriage return; DEL; C1 controls;
# noncharacters (U+FDD0..U+FDEF and the last two code points of every plane); surrogates
# (a lone surrogate can come from a character reference such as &#xD800;).
_REMOVE_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)
_BREAK_RE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Zero-width characters that web and Word copies scatter through Korean text. ZWJ and
# ZWNJ are kept where they join an emoji sequence (👨‍👩‍👧, 🏳️‍🌈) and removed elsewhere.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
_ZW_ALWAYS_RE = re.compile("[\u200b\u2060\ufeff\u180e]")


def _is_emoji_part(ch: str) -> bool:
    import regex

    return bool(regex.match(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\u20E3\U000E0020-\U000E007F]", ch))


def _drop_zw_joiners(text: str) -> tuple[str, int]:
    """Remove ZWJ/ZWNJ unless they sit between two parts of an emoji sequence."""
    if "\u200c" not in text and "\u200d" not in text:
        return text, 0
    out = []
    n = 0
    for i, ch in enumerate(text):
        if ch in "\u200c\u200d":
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if ch == "\u200d" and before and after and _is_emoji_part(before) and _is_emoji_part(after):
                out.append(ch)
                continue
            n += 1
            continue
        out.append(ch)
    return "".join(out), n


def _describe(counter: Counter) -> str:
    parts = [f"U+{ord(c):04X} ×{n}" if n > 1 else f"U+{ord(c):04X}" for c, n in sorted(counter.items())]
    more = ""
    if len(parts) > 8:
        more = f", and {len(parts) - 8} more kinds"
        parts = parts[:8]
    return ", ".join(parts) + more


@dataclass(frozen=True)
class Sanitized:
    text: str
    notes: tuple[str, ...]
    removed: int  # characters removed as not allowed in XML/HTML
    breaks: int  # characters turned into line or paragraph breaks
    zero_width: int


def removable_count(text: str) -> int:
    """How many characters ``sanitize`` would remove as not allowed (a binary-file test)."""
    return len(_REMOVE_RE.findall(text))


def sanitize(text: str, where: str = "") -> Sanitized:
    """The one text-sanitizing step, applied after decoding (and after entity decoding).

    * ``\\r\\n`` and ``\\r`` become ``\\n``; U+000B (Word's manual line break), U+0085 and
      U+2028 become a line break; U+000C and U+2029 a paragraph break (a blank line);
    * C0/C1 controls other than tab and newline, noncharacters and lone surrogates are
      removed: XML 1.0 forbids them and HTML parsers report them;
    * zero-width spaces, word joiners, stray BOMs and ZWJ/ZWNJ outside emoji sequences are
      removed (they break word matching and are invisible);
    * the result is NFC.

    Every removal and replacement is counted in ``notes`` (``where`` says where, e.g.
    "in the HTML text").
    """
    notes: list[str] = []
    suffix = f" {where}" if where else ""
    breaks = Counter(m.group(0) for m in _BREAK_RE.finditer(text) if m.group(0) not in ("\r\n", "\r"))
    text = _BREAK_RE.sub(lambda m: LINE_BREAKS.get(m.group(0), "\n"), text)
    n_breaks = sum(breaks.values())
    if n_breaks:
        notes.append(f"turned {n_breaks} line/paragraph separator character(s) into line breaks{suffix} ({_describe(breaks)})")
    removed = Counter(_REMOVE_RE.findall(text))
    n_removed = sum(removed.values())
    if n_removed:
        text = _REMOVE_RE.sub("", text)
        notes.append(
            f"removed {n_removed} character(s) not allowed in XML/HTML{suffix} "
            f"(controls, noncharacters or lone surrogates: {_describe(removed)})"
        )
    zw = len(_ZW_ALWAYS_RE.findall(text))
    text = _ZW_ALWAYS_RE.sub("", text)
    text, zj = _drop_zw_joiners(text)
    if zw + zj:
        notes.append(f"removed {zw + zj} zero-width character(s){suffix}")
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        notes.append(f"normalized decomposed (NFD) characters to NFC{suffix}")
    return Sanitized(nfc, tuple(notes), n_removed, n_breaks, zw + zj)


_LINE_SEPARATORS = "\x0b\x0c\x85\u2028\u2029"


def clean_line(text: str) -> str:
    """One line of text as typed by a person (an editor's English): :func:`sanitize` (controls,
    noncharacters, lone surrogates and zero-width characters removed, NFC), bidirectional
    controls removed, whitespace runs and line breaks collapsed to one space."""
    return " ".join(strip_bidi_controls(sanitize(text).text)[0].split())


def unpublishable(text: str) -> str | None:
    """The characters of ``text`` that cannot be published as one line (``U+0001, U+202E``), or None."""
    bad = sorted({c for c in text if _REMOVE_RE.match(c) or _BIDI_RE.match(c) or c in _LINE_SEPARATORS})
    return ", ".join(f"U+{ord(c):04X}" for c in bad) or None


# ------------------------------------------------------------------ file names

_INVISIBLE_IN_NAMES = re.compile(f"[{ZERO_WIDTH}{BIDI_CONTROLS}{BIDI_MARKS}\u00ad\u034f\u115f\u1160\u3164\uffa0]")


def name_key(name: str) -> str:
    """The one rule by which two file names are the same name (an NFD name as macOS writes it,
    a name with a zero-width space): NFC, without invisible characters. Used wherever a file
    name is matched to another (slugs, corrections files)."""
    return unicodedata.normalize("NFC", _INVISIBLE_IN_NAMES.sub("", name))


def visible_name(name: str) -> str:
    """A file name an editor can tell from its look-alikes: invisible and control characters
    written as ``\\u200b``, and ``(NFD)`` after a name in decomposed form."""
    shown = "".join(f"\\u{ord(c):04x}" if _INVISIBLE_IN_NAMES.match(c) or _REMOVE_RE.match(c) or not c.isprintable() else c for c in name)
    if unicodedata.normalize("NFC", name) != name:
        shown += " (NFD: decomposed characters, as macOS writes them)"
    return shown


def is_xml_char(ch: str) -> bool:
    """Is ``ch`` allowed in an XML 1.0 document (and not a noncharacter)?"""
    return not _REMOVE_RE.match(ch) and ch not in "\x0b\x0c"


__all__ = [
    "HANGUL_CLASS",
    "HANGUL_SYLLABLES",
    "HAN_CLASS",
    "CJK_CLASS",
    "HANGUL_RE",
    "HAN_RE",
    "CJK_RE",
    "has_hangul",
    "has_han",
    "needs_translation",
    "MARKER_RE",
    "MARKER_WITH_SPACE_RE",
    "URL_RE",
    "EMAIL_RE",
    "EMAIL_FULL_RE",
    "LINK_RE",
    "PLACEHOLDER_RE",
    "normalize_text",
    "graphemes",
    "grapheme_boundaries",
    "snap_to_grapheme",
    "BIDI_CONTROLS",
    "BIDI_MARKS",
    "strip_bidi_controls",
    "no_bidi",
    "ZERO_WIDTH",
    "Sanitized",
    "sanitize",
    "removable_count",
    "is_xml_char",
    "clean_line",
    "unpublishable",
    "name_key",
    "visible_name",
]
