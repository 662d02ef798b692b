"""Readers for the plain formats: text and Markdown. Each reader turns decoded text into
:class:`Unit` lines and the metadata its format carries (see ``html.py`` for HTML).

A reader names the suffixes it owns in ``file_extensions``; ``publisher.read.reader_for``
picks one by suffix, and by content for an HTML page saved under another suffix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..text import sanitize
from .frontmatter import split_front_matter, text_front_matter
from .structure import FOOTNOTE_DEF, Unit


@dataclass(frozen=True)
class Source:
    """What a reader found: the lines to classify and the metadata the format gave."""

    units: list[Unit]
    meta: dict = field(default_factory=dict)  # title, date, author, outlet, url, ... (front matter or <meta>)
    title_source: str = "front-matter"  # what a title in ``meta`` is called in Article.title_source
    markdown: bool = False  # '#' lines are headings
    notes: tuple[str, ...] = ()


class Reader:
    """One article format."""

    file_extensions: tuple[str, ...] = ()

    def read(self, text: str) -> Source:  # pragma: no cover - every reader overrides it
        raise NotImplementedError


def _front_matter(text: str, plain: bool = False) -> tuple[dict, str, list[str]]:
    """Front matter, sanitized like the text (YAML decodes escapes such as ``"\\x01"``).
    ``plain``: a text file, whose ``---`` block may be a rule rather than front matter."""
    if plain:
        front, rest, why = text_front_matter(text)
    else:
        (front, rest), why = split_front_matter(text), None
    meta, notes = {}, [why] if why else []
    for key, value in front.items():
        clean = sanitize(value)
        notes.extend(f"{note} (front matter '{key}')" for note in clean.notes)
        meta[key] = " ".join(clean.text.split())
    return meta, rest, notes


class TextReader(Reader):
    """Plain text: every non-blank line is one unit; front matter only when the file starts with ``---``."""

    file_extensions = (".txt",)

    def read(self, text: str) -> Source:
        meta, notes = {}, []
        if text.startswith("---\n"):
            meta, text, notes = _front_matter(text, plain=True)
        units = [Unit(line.strip(), i) for i, line in enumerate(text.split("\n"), start=1) if line.strip()]
        return Source(units=units, meta=meta, notes=tuple(notes))


class MarkdownReader(Reader):
    """Markdown: optional front matter; consecutive lines form one paragraph; ``# `` is the title."""

    file_extensions = (".md", ".markdown")

    def read(self, text: str) -> Source:
        meta, text, notes = _front_matter(text)
        return Source(units=self._paragraphs(text), meta=meta, markdown=True, notes=tuple(notes))

    @staticmethod
    def _paragraphs(text: str) -> list[Unit]:
        units: list[Unit] = []
        para: list[str] = []
        start = 0
        for i, line in enumerate(text.split("\n") + [""], start=1):
            stripped = line.strip()
            # structural lines stand alone even without blank lines around them
            standalone = bool(stripped) and (
                stripped.startswith("#") or FOOTNOTE_DEF.match(stripped) or (stripped.startswith("<") and stripped.endswith(">"))
            )
            if not stripped or standalone:
                if para:
                    units.append(Unit(" ".join(para), start))
                    para = []
                if standalone:
                    units.append(Unit(stripped, i))
                continue
            if not para:
                start = i
            para.append(stripped)
        return units
