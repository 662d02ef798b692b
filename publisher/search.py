"""The site's search: a static Pagefind index of every brief page, in ``out/pagefind/``.

Pagefind (``publisher[search]``: the ``pagefind`` package with its binary) reads the
published ``<slug>/brief.html`` pages (never the editor's pages, never the index pages) and
writes a static index and its search UI; readers search in the browser, with no server
beyond static files, and every request goes to the site itself.

Both languages of a brief are in one index. Pagefind would split pages into one index per
``<html lang>`` and serve the search box the index of its own page's language; the pages
are ``lang="en"`` with their Korean marked ``lang="ko"`` inside, and Pagefind is told so
(``--force-language en``: one index, whatever a theme sets, and the search box falls back to
the largest index for a page of another language). Korean words are indexed as they are
written, one word per space-separated eojeol (Pagefind has no Korean stemmer or segmenter;
it stores them NFD-normalised), and Pagefind's prefix matching of the words typed lets a
stem such as 삼성전자 find 삼성전자는 (the word with its particle).

Pagefind has no incremental mode; it indexes 10,000 briefs in seconds (measured by
``tests/bench/bench_site_search.py``), so the index is rebuilt whole, into a folder beside
``out/pagefind`` that then replaces it (:func:`publisher.fsutil.staged_dir`), and only when a
brief page was added, removed or rewritten since the last run (:func:`pages_digest`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .document import OutputError
from .fsutil import remove_dir, staged_dir

log = logging.getLogger(__name__)

SEARCH_DIR = "pagefind"
PAGE_GLOB = "*/brief.html"
# The page's chrome, the same on every brief: not worth finding.
EXCLUDE = (".skip", ".viewswitch", ".col-heads", ".kicker", ".banner-editor", "nav", "footer")
LANGUAGE = "en"  # the one index of both languages (see above)
TIMEOUT = 3600.0
NOT_INSTALLED = "search is on ([site].search) but Pagefind is not installed; install it with pip install 'publisher[search]' (make brief does), or set search = false in publisher.toml's [site]"


@dataclass(frozen=True)
class SearchReport:
    pages: int  # brief pages indexed (0 when nothing changed)
    seconds: float
    size: int  # bytes of out/pagefind
    rebuilt: bool


def pagefind_executable() -> Path | None:
    """The Pagefind binary: ``$PAGEFIND_BINARY_PATH``, the one shipped with ``pagefind[bin]``, or on the PATH."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    try:
        return get_executable()
    except (OSError, FileNotFoundError):
        return None


def pages_digest(out_dir: Path, executable: Path | None = None) -> tuple[str, int]:
    """A digest of every brief page's name, size and modification time (and of the Pagefind
    binary and its settings), and the number of pages: when it is unchanged, so is the index
    (the pages are only ever replaced whole)."""
    h = hashlib.sha256(f"{PAGE_GLOB}\0{EXCLUDE}\0{LANGUAGE}\0{_signature(executable) if executable else ''}".encode())
    count = 0
    rows = []
    with os.scandir(out_dir) as it:
        for d in it:
            if d.name.startswith(".") or not d.is_dir():
                continue
            try:
                st = os.stat(os.path.join(d.path, "brief.html"))
            except OSError:
                continue
            rows.append(f"{d.name}\0{st.st_size}\0{st.st_mtime_ns}")
    for row in sorted(rows):
        h.update(row.encode())
        h.update(b"\n")
        count += 1
    return h.hexdigest(), count


def _signature(path: Path) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def build_search_index(out_dir: Path, executable: Path, previous: str | None = None) -> tuple[SearchReport, str]:
    """(Re)build ``out_dir/pagefind`` unless the brief pages are those of ``previous`` (a
    :func:`pages_digest`); returns the report and the digest to remember. OutputError in one
    line when Pagefind fails (the previous index stays in place)."""
    out_dir = Path(out_dir)
    target = out_dir / SEARCH_DIR
    digest, count = pages_digest(out_dir, executable)
    if count == 0:
        remove_search_index(out_dir)
        return SearchReport(0, 0.0, 0, False), digest
    if previous == digest and target.is_dir():
        return SearchReport(0, 0.0, folder_size(target), False), digest
    start = time.perf_counter()
    with staged_dir(target) as folder:
        cmd = [str(executable), "--site", str(out_dir), "--glob", PAGE_GLOB, "--output-path", str(folder), "--force-language", LANGUAGE, "--quiet"]
        for selector in EXCLUDE:
            cmd += ["--exclude-selectors", selector]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=out_dir)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputError(f"the search index was not built: cannot run {executable}: {exc}; the previous index is kept") from None
        if done.returncode != 0 or not (folder / "pagefind.js").is_file():
            why = (done.stderr or done.stdout).strip().splitlines()
            raise OutputError(f"the search index was not built: Pagefind failed ({why[-1] if why else f'exit {done.returncode}'}); the previous index is kept")
    seconds = time.perf_counter() - start
    size = folder_size(target)
    log.info("search: %d brief pages indexed in %.1f s, %d KB", count, seconds, size // 1024)
    return SearchReport(count, seconds, size, True), digest


def remove_search_index(out_dir: Path) -> bool:
    """Delete ``out_dir/pagefind`` (search turned off); True when there was one."""
    target = Path(out_dir) / SEARCH_DIR
    if not target.is_dir():
        return False
    remove_dir(target)
    return True
