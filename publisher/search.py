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

Pagefind has no incremental mode, and one index of 10,000 briefs takes it ~27 s of CPU and
1.5 GB of memory (``tests/bench/bench_site_search.py``). So the pages are split into bundles
of at most ~4,096 pages (``out/pagefind/0/``, ``1/``, ...; a page's bundle is a hash of its
folder name) that the search box searches together (Pagefind's ``mergeIndex``); a build
re-indexes only the bundles whose pages changed, and the whole ``out/pagefind`` is swapped
in at once (:func:`publisher.fsutil.staged_dir`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .document import OutputError
from .fsutil import remove_dir, staged_dir

log = logging.getLogger(__name__)

SEARCH_DIR = "pagefind"
PAGE_GLOB = "*/brief.html"
# The page's chrome, the same on every brief: not worth finding.
EXCLUDE = (".skip", ".viewswitch", ".col-heads", ".kicker-label", ".banner-editor", "nav", "footer")  # the outlet in .kicker stays
LANGUAGE = "en"  # the one index of both languages (see above)
SHARD_PAGES = 4096  # brief pages per bundle, on average at most (see build_search_index)
TIMEOUT = 3600.0
NOT_INSTALLED = "search is on ([site].search) but Pagefind is not installed; install it with pip install 'publisher[search]' (make brief does), or set search = false in publisher.toml's [site]"


@dataclass(frozen=True)
class SearchReport:
    pages: int  # brief pages in the index
    reindexed: int  # pages Pagefind read this time (0: nothing changed)
    shards: tuple[str, ...]  # the bundles under out/pagefind/, the first is the search box's own
    seconds: float
    size: int  # bytes of out/pagefind

    @property
    def rebuilt(self) -> bool:
        return self.reindexed > 0


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


def shard_count(pages: int) -> int:
    """Bundles for ``pages`` brief pages: a power of two, at most SHARD_PAGES pages each on average."""
    k = 1
    while pages > k * SHARD_PAGES:
        k *= 2
    return k


def shard_of(folder: str, shards: int) -> int:
    """A brief's bundle: from its folder name alone, so it stays put while the count does."""
    return int(hashlib.sha256(folder.encode()).hexdigest()[:8], 16) % shards


def bundles(out_dir: Path) -> tuple[str, ...]:
    """The bundle names the brief pages now in ``out_dir`` fall into (the search box's list)."""
    pages = brief_pages(out_dir)
    k = shard_count(len(pages))
    return tuple(sorted({str(shard_of(f, k)) for f, _ in pages}, key=int))


def brief_pages(out_dir: Path) -> list[tuple[str, str]]:
    """Every brief page as (folder, signature: size and modification time), by folder."""
    rows = []
    with os.scandir(out_dir) as it:
        for d in it:
            if d.name.startswith(".") or not d.is_dir():
                continue
            try:
                st = os.stat(os.path.join(d.path, "brief.html"))
            except OSError:
                continue
            rows.append((d.name, f"{st.st_size}:{st.st_mtime_ns}"))
    return sorted(rows)


def _signature(path: Path) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def build_search_index(out_dir: Path, executable: Path, previous: dict[str, str] | None = None) -> tuple[SearchReport, dict[str, str]]:
    """Bring ``out_dir/pagefind`` up to date; returns the report and the state to remember.

    The brief pages are split into bundles (:func:`shard_count`, :func:`shard_of`) that the
    search box searches together; a bundle is re-indexed only when one of its pages was
    added, removed or rewritten (``previous``: each bundle's digest from the last run), so a
    new brief costs one bundle, not the archive. The new ``pagefind/`` is assembled beside
    the old one (unchanged bundles hard-linked) and replaces it whole. OutputError in one
    line when Pagefind fails (the previous index stays in place)."""
    out_dir = Path(out_dir).absolute()  # Pagefind runs in a folder of its own: every path it gets is absolute
    target = out_dir / SEARCH_DIR
    pages = brief_pages(out_dir)
    if not pages:
        remove_search_index(out_dir)
        return SearchReport(0, 0, (), 0.0, 0), {}
    k = shard_count(len(pages))
    groups: dict[str, list[tuple[str, str]]] = {}
    for folder, sig in pages:
        groups.setdefault(str(shard_of(folder, k)), []).append((folder, sig))
    salt = f"{k}\0{PAGE_GLOB}\0{EXCLUDE}\0{LANGUAGE}\0{_signature(executable)}\0"
    state = {name: hashlib.sha256((salt + "\n".join(f"{f}\0{s}" for f, s in rows)).encode()).hexdigest() for name, rows in groups.items()}
    previous = previous or {}
    stale = sorted(n for n in state if previous.get(n) != state[n] or not (target / n / "pagefind.js").is_file())
    shards = tuple(sorted(state, key=int))
    if not stale and set(previous) == set(state):
        return SearchReport(len(pages), 0, shards, 0.0, folder_size(target)), state
    start = time.perf_counter()
    with staged_dir(target) as staging:
        for name in shards:
            if name in stale:
                _index(out_dir, executable, [f for f, _ in groups[name]], staging / name)
            else:
                shutil.copytree(target / name, staging / name, copy_function=_link)
    seconds = time.perf_counter() - start
    size = folder_size(target)
    reindexed = sum(len(groups[n]) for n in stale)
    log.info("search: %d of %d brief pages re-indexed (%d of %d bundles) in %.1f s, %d KB", reindexed, len(pages), len(stale), len(shards), seconds, size // 1024)
    return SearchReport(len(pages), reindexed, shards, seconds, size), state


def _link(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links
        shutil.copy2(src, dst)


def _index(out_dir: Path, executable: Path, folders: list[str], dest: Path) -> None:
    """Pagefind over these brief pages only: it reads a folder of hard links to them."""
    with tempfile.TemporaryDirectory(prefix=".staging-search-", dir=out_dir) as tmp:
        for folder in folders:
            os.mkdir(os.path.join(tmp, folder))
            _link(os.path.join(out_dir, folder, "brief.html"), os.path.join(tmp, folder, "brief.html"))
        cmd = [str(executable), "--site", tmp, "--glob", PAGE_GLOB, "--output-path", str(dest), "--force-language", LANGUAGE, "--quiet"]
        for selector in EXCLUDE:
            cmd += ["--exclude-selectors", selector]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputError(f"the search index was not built: cannot run {executable}: {exc}; the previous index is kept") from None
    if done.returncode != 0 or not (dest / "pagefind.js").is_file():
        why = (done.stderr or done.stdout).strip().splitlines()
        raise OutputError(f"the search index was not built: Pagefind failed ({why[-1] if why else f'exit {done.returncode}'}); the previous index is kept")


def remove_search_index(out_dir: Path) -> bool:
    """Delete ``out_dir/pagefind`` (search turned off); True when there was one."""
    target = Path(out_dir) / SEARCH_DIR
    if not target.is_dir():
        return False
    remove_dir(target)
    return True
