"""Which files a build reads: the articles of an inbox, their corrections files, the glossary.

An inbox is a folder of article files (``.txt``, ``.md``, ``.html``); beside each article
may stand its editor's corrections file (``x.ko.txt`` -> ``x.ko.corrections.csv``), and
beside them all the newsroom's ``glossary.csv``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..document import InputError
from ..read import ARTICLE_SUFFIXES
from ..text import name_key

GLOSSARY_NAME = "glossary.csv"
CORRECTIONS_SUFFIX = ".corrections.csv"
NO_ARTICLES = "no articles found (expected .txt, .md or .html files)"


def expand_articles(paths: Iterable[Path]) -> list[Path]:
    """Article files named directly, or found in named directories (sorted).

    A directory contributes its ``.txt``, ``.md`` and ``.html`` files; the glossary,
    corrections files and hidden files are not articles.
    """
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.name.startswith(".") or child.name.endswith(CORRECTIONS_SUFFIX):
                    continue
                if child.suffix.lower() in ARTICLE_SUFFIXES and (child.is_file() or child.is_symlink()):
                    found.append(child)
        elif p.exists():
            found.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return found


def inbox_articles(paths: Iterable[Path]) -> list[Path]:
    """:func:`expand_articles`, refusing an inbox that holds no article."""
    files = expand_articles(paths)
    if not files:
        raise InputError(NO_ARTICLES)
    return files


def check_inside_inbox(path: Path) -> None:
    """Refuse an article that is a symlink leading out of its folder.

    Publishing whatever a link in the inbox points at would let anyone who can drop a
    file there publish any file the editor's account can read.
    """
    if not path.is_symlink():
        return
    folder = path.parent.resolve()
    target = path.resolve()
    if folder not in target.parents:
        raise InputError(f"{path} is a symlink to a file outside {path.parent}/; copy the article into the folder instead")


def corrections_path(article_path: Path) -> Path:
    """``articles/x.ko.txt`` -> ``articles/x.ko.corrections.csv``.

    When no file has exactly that name, a file whose name is the same by ``text.name_key``
    (NFC vs NFD, zero-width characters: a file copied from a Mac) is the article's."""
    expected = article_path.with_name(article_path.name.rsplit(".", 1)[0] + CORRECTIONS_SUFFIX)
    if expected.name.isascii() or os.path.lexists(expected):
        return expected
    key = name_key(expected.name)
    try:
        twins = sorted(e.name for e in os.scandir(expected.parent) if e.name != expected.name and name_key(e.name) == key)
    except OSError:
        return expected
    return expected.with_name(twins[0]) if twins else expected


def default_glossary(paths: Iterable[Path]) -> Path | None:
    """The ``glossary.csv`` beside the first article, if there is one (one that is not a regular
    file is returned too, so that loading it says why it is skipped)."""
    for p in paths:
        candidate = Path(p).parent / GLOSSARY_NAME
        if candidate.exists():
            return candidate
    return None
