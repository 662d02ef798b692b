"""Which files a build reads: the articles of an inbox, their corrections files, the glossary.

An inbox is a folder of article files (``.txt``, ``.md``, ``.html``); beside each article
may stand its editor's corrections file (``x.ko.txt`` -> ``x.ko.corrections.csv``), and
beside them all the newsroom's ``glossary.csv``.

Every other entry of an inbox folder is named in the build report with the reason it was
not read (:attr:`Inbox.ignored`); hidden entries (``.DS_Store``, an editor's ``.~lock``
files) are left out without a word. Whether an entry is a regular file is decided from
``lstat``/``stat`` alone: a FIFO, socket or device (or a symlink to one) is never opened,
since opening a FIFO for reading blocks until someone writes to it.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..byline import STAFF_FILE
from ..document import InputError
from ..read import ARTICLE_SUFFIXES
from ..text import name_key

GLOSSARY_NAME = "glossary.csv"
CORRECTIONS_SUFFIX = ".corrections.csv"
NO_ARTICLES = "no articles found (expected .txt, .md or .html files)"
FORMATS = ".txt, .md, .html"

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbox:
    """What an inbox holds, decided without opening any file.

    ``articles``: the article files to build, sorted per folder. ``ignored``: every other
    entry of an inbox folder that is not a corrections file or the glossary, with the reason
    (``--strict`` makes these an error). ``refused``: articles that must not be read (named
    directly but not a regular file, or whose corrections file is not one): each is a failed
    article of the build, and its published brief stays.
    """

    articles: tuple[Path, ...] = ()
    ignored: tuple[tuple[Path, str], ...] = ()
    refused: tuple[tuple[Path, str], ...] = ()


def not_regular(path: Path) -> str | None:
    """Why ``path`` is not a regular file one may open and read, or None when it is one.

    Only ``lstat``/``stat`` are called: the file is never opened. A symlink is judged by
    what it points at (and a dangling one says so).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot be inspected ({exc.strerror or exc})"
    link = ""
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(path)
        try:
            st = os.stat(path)
        except OSError:
            return f"a symlink to {target}, which does not exist"
        link = f"a symlink to {target}, "
    if stat.S_ISREG(st.st_mode):
        return None
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a file")
    if kind == "a folder" and not link:
        return "a folder (folders inside an inbox are not searched)"
    return f"{link}which is {kind}, not a regular file" if link else f"{kind}, not a regular file"


def _why_not_article(child: Path) -> str:
    suffix = child.suffix
    if not suffix:
        return f"no file extension: not an article format ({FORMATS})"
    if suffix.lower() == ".csv":
        return f"{suffix}: not an article ({FORMATS}), a corrections file (x.ko{CORRECTIONS_SUFFIX}), the glossary ({GLOSSARY_NAME}) or the staff list ({STAFF_FILE})"
    return f"{suffix}: not an article format ({FORMATS})"


def scan_inbox(paths: Iterable[Path]) -> Inbox:
    """The articles named directly, or found in named folders, and what else the folders hold.

    A folder contributes its ``.txt``, ``.md`` and ``.html`` regular files (or symlinks to
    one); its corrections files and glossary are read with their articles; any other entry
    is in :attr:`Inbox.ignored` with the reason; hidden entries are left out silently.
    """
    articles: list[Path] = []
    ignored: list[tuple[Path, str]] = []
    refused: list[tuple[Path, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.iterdir()):
                name = child.name
                if name.startswith("."):
                    continue
                problem = not_regular(child)
                if name.endswith(CORRECTIONS_SUFFIX) or name in (GLOSSARY_NAME, STAFF_FILE):
                    if problem:  # never opened: the article is built without it, the glossary is not used
                        ignored.append((child, problem))
                elif problem:
                    ignored.append((child, problem))
                elif child.suffix.lower() in ARTICLE_SUFFIXES:
                    articles.append(child)
                else:
                    ignored.append((child, _why_not_article(child)))
        elif os.path.lexists(p):
            problem = not_regular(p)
            if problem:
                refused.append((p, problem))
            else:
                articles.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    # An article whose corrections file is not a regular file is built without it (the file
    # is never opened; the build's note says so): issue 25's rule for every inbox entry.
    for article in articles:
        corrections = corrections_path(article)
        problem = not_regular(corrections) if os.path.lexists(corrections) else None
        if problem and all(p != corrections for p, _ in ignored):
            ignored.append((corrections, problem))
    return Inbox(tuple(articles), tuple(ignored), tuple(refused))


def expand_articles(paths: Iterable[Path]) -> list[Path]:
    """The article files of :func:`scan_inbox` (named directly, or found in named folders)."""
    return list(scan_inbox(paths).articles)


def inbox_articles(paths: Iterable[Path]) -> list[Path]:
    """:func:`expand_articles`, refusing an inbox that holds no article."""
    inbox = scan_inbox(paths)
    if not inbox.articles:
        raise InputError(f"{inbox.refused[0][0]}: {inbox.refused[0][1]}" if inbox.refused else NO_ARTICLES)
    return list(inbox.articles)


def strict_error(inbox: Inbox) -> InputError:
    """The one line ``--strict`` gives for an inbox with entries that are not articles."""
    names = "; ".join(f"{p} ({why})" for p, why in inbox.ignored)
    return InputError(f"--strict: {len(inbox.ignored)} file(s) in the inbox are not articles: {names}; move them out of the inbox")


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


def check_regular(path: Path, what: str) -> None:
    """Refuse a file named explicitly (a glossary) that is there but not a regular file, unopened."""
    problem = not_regular(path) if os.path.lexists(path) else None
    if problem:
        raise InputError(f"{path}: {problem}; the {what} must be a regular file")


def default_glossary(paths: Iterable[Path]) -> Path | None:
    """The ``glossary.csv`` beside the first article, if it is a regular file (never opened here;
    one that is not is skipped with a note, and the build goes on without a glossary)."""
    for p in paths:
        candidate = Path(p).parent / GLOSSARY_NAME
        if os.path.lexists(candidate):
            problem = not_regular(candidate)
            if problem is None:
                return candidate
            log.warning("glossary %s is %s; skipped unopened, the build goes on without a glossary", candidate, problem)
            return None
    return None
