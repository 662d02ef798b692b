"""The review page's rows: each segment in reading order, with its Korean cut into plain text,
footnote markers and glossary terms, its machine and editor's English, and its flags under
the build's rule (an editor's English carries none)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..building.review import Review
from ..document import FOOTNOTE, TITLE
from ..text import normalize_text


def _spans(text: str, terms, markers: list[str]) -> list[tuple[str, str, str]]:
    """Korean text cut into (kind, text, title) pieces: plain, footnote markers, glossary terms."""
    alternatives = [re.escape(m) for m in markers] + [re.escape(t.ko) for t in sorted(terms, key=lambda t: -len(t.ko))]
    if not text or not alternatives:
        return [("text", text, "")] if text else []
    by_ko = {t.ko: t.en for t in terms}
    out = []
    last = 0
    for m in re.finditer("|".join(alternatives), text):
        if m.start() > last:
            out.append(("text", text[last : m.start()], ""))
        piece = m.group(0)
        if piece in markers:
            out.append(("marker", piece, "footnote marker: keep it in the English"))
        else:
            out.append(("term", piece, f"glossary: {by_ko.get(piece, '')}"))
        last = m.end()
    if last < len(text):
        out.append(("text", text[last:], ""))
    return out


@dataclass
class Row:
    id: str
    kind: str
    korean: list
    machine: str
    english: str
    edited: bool
    flags: list[str]
    keep: list[str]  # markers and glossary English the correction should keep
    missing: list[str]  # of those, the ones the current English lacks


def _source_positions(article, pairs) -> dict[str, int] | None:
    """Where each segment's text starts in the article's file (whitespace collapsed), or None
    when the file cannot be read. Within a block positions only grow (a pull quote that
    repeats a body sentence cannot pull that sentence out of its paragraph); a segment not
    found takes the position of the one before it."""
    try:
        source = normalize_text(Path(article.source).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, TypeError):
        return None
    found: dict[str, int] = {}
    block_at: dict[str, int] = {}
    last = -1
    for block, seg in pairs:
        probe = normalize_text(seg.text)[:24]
        start = block_at.get(block.id, -1)
        at = source.find(probe, start + 1) if probe else -1
        found[seg.id] = last = at if at >= 0 else max(last, start)
        block_at[block.id] = found[seg.id]
    return found


def reading_order(article) -> list:
    """The article's (block, segment) pairs as a reader meets them: the title, then the text
    with its captions and quotes where they stand in the article's file (a reader that
    collects the body into one block after them does not move them), then the footnotes by
    number. Without the file: the blocks' own order."""
    blocks = article.blocks
    title = [(b, s) for b in blocks if b.kind == TITLE for s in b.segments]
    text = [(b, s) for b in blocks if b.kind not in (TITLE, FOOTNOTE) for s in b.segments]
    notes = [(b, s) for b in sorted((b for b in blocks if b.kind == FOOTNOTE), key=lambda b: b.number or 0) for s in b.segments]
    where = _source_positions(article, text) if text else None
    if where is not None:
        text = [pair for _, _, pair in sorted((where[s.id], i, (b, s)) for i, (b, s) in enumerate(text))]
    return title + text + notes


def review_rows(review: Review, loaded: dict) -> list[Row]:
    """The review page's rows in reading order. A corrected row carries no flags: the
    build's one rule (``corrections.editor_segment``) takes an editor's English as
    written, so the next build's QA page lists it as edited, not flagged."""
    rows = []
    for block, seg in reading_order(review.article):
        terms = review.terms(seg.text)
        markers = [f"[{n}]" for n in seg.refs]  # the segmenter's footnote references
        saved = loaded.get(normalize_text(seg.text))
        english = saved[1] if saved else (seg.en or "")
        keep = list(dict.fromkeys(markers + [t.en for t in terms]))
        rows.append(
            Row(
                id=seg.id,
                kind=block.kind,
                korean=_spans(seg.text, terms, markers),
                machine=seg.en or "",
                english=english,
                edited=saved is not None,
                flags=[] if saved is not None else review.reasons(seg.flags),
                keep=keep,
                missing=[k for k in keep if k.lower() not in english.lower()],
            )
        )
    return rows
