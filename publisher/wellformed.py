"""Every XML and HTML file the publisher writes is parsed back before it replaces the old one.

``write_checked(path, text, what)`` parses ``text`` (an Atom feed with an XML parser, an
HTML page with html5lib, the WHATWG parser browsers follow, which must report no error)
and only then writes it atomically. A failure raises :class:`OutputError` naming ``what``
(the article or the feed) and the parser's first complaint; the previous file stays.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib

from .document import OutputError
from .fsutil import atomic_write_text


def xml_problem(text: str) -> str | None:
    """Why ``text`` is not a well-formed XML document, or None."""
    try:
        ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        return str(exc)
    return None


def html_problem(text: str) -> str | None:
    """The first parse error html5lib reports for ``text``, or None when it parses cleanly."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    parser.parse(text)
    if not parser.errors:
        return None
    (line, col), code, data = parser.errors[0]
    detail = ", ".join(f"{k}={v}" for k, v in sorted((data or {}).items()))
    return f"line {line}, column {col}: {code}" + (f" ({detail})" if detail else "")


def problem(path: Path, text: str) -> str | None:
    suffix = Path(path).suffix.lower()
    if suffix in (".xml", ".atom", ".rss"):
        return xml_problem(text)
    if suffix in (".html", ".htm", ".xhtml"):
        return html_problem(text)
    return None


def check_text(name: str, text: str, what) -> str:
    """Parse ``text`` back as the file ``name``'s suffix says; return it, or raise OutputError.

    ``what`` names the source for the error message ("article openai-seoul"), or is a
    function that finds it (called only on a failure).
    """
    found = problem(Path(name), text)
    if found is not None:
        if callable(what):
            what = what()
        raise OutputError(
            f"{Path(name).name} for {what} did not parse back ({found}); the previous file is kept. "
            "This is a bug in the publisher: report it with the article"
        )
    return text


def write_checked(path: Path, text: str, what) -> Path:
    """:func:`check_text`, then write ``text`` to ``path`` atomically."""
    return atomic_write_text(path, check_text(path, text, what))


__all__ = ["check_text", "write_checked", "xml_problem", "html_problem", "problem"]
