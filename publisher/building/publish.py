"""Publishing into ``out/``: deciding each brief's folder, and the one writer of a brief folder.

``out/`` is a function of the inbox: an article's brief folder appears whole or not at all
(:func:`write_brief_folder` builds it beside its place and swaps it in), a brief whose
article left the inbox is removed (:func:`unpublish_removed`), two articles that would
share a folder are both refused (:func:`assign_slugs`), and every writer of ``out/`` holds
its lock (:func:`lock_out_dir`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from filelock import FileLock, Timeout

from ..document import BRIEF_JSON, Brief, OutputError, PublisherError
from ..fsutil import atomic_write_bytes, clean_staging, remove_dir, safe_slug, staged_dir
from ..read import slug_for_path
from ..render import copy_assets, render_brief_files
from ..text import visible_name
from ..theme import Theme

RESERVED_SLUGS = frozenset({"assets", "pagefind"})  # the site's own folders (pagefind: the search index)
LOCK_NAME = ".publisher.lock"


def assign_slugs(
    files: Sequence[Path], out_dir: Path, only: Sequence[Path] | None = None
) -> tuple[dict[Path, str], list[tuple[str, str]]]:
    """Each article's brief folder; articles that would share one are refused, all of them.

    Returns ``{path: slug}`` for the articles that may be published and one failure per
    clash, naming every file in it. Refusing (rather than numbering) keeps every URL a
    function of its own file name: adding an article never moves another one. ``only``:
    the articles being built (default: all of ``files``); clashes among the others are
    not reported and the others get no slug.
    """
    wanted = {Path(p) for p in (files if only is None else only)}
    by_slug: dict[str, list[Path]] = {}
    for path in files:
        by_slug.setdefault(slug_for_path(path), []).append(Path(path))
    ok: dict[Path, str] = {}
    failed: list[tuple[str, str]] = []
    for slug, paths in by_slug.items():
        if not wanted.intersection(paths):
            continue
        if slug in RESERVED_SLUGS:
            for path in paths:
                failed.append((str(path), f"would be published as {out_dir / slug}/, which holds the site's own files; rename the article"))
        elif len(paths) > 1:
            paths = sorted(paths, key=str)  # the same line however the run named the files
            shown = [str(p.parent / visible_name(p.name)) for p in paths]  # look-alike names told apart
            names = " and ".join(shown) if len(shown) == 2 else ", ".join(shown)
            failed.append((names, f"would all be published as {out_dir / slug}/; rename one of them (none of them is published)"))
        else:
            ok[paths[0]] = slug
    return ok, failed


class OutDirLocked(OutputError):
    """Another build holds out/'s lock past the wait: a fault that passes (the service retries it)."""


def lock_out_dir(out_dir: Path, timeout: float) -> FileLock:
    """Hold ``out_dir/.publisher.lock`` (every writer of out/ takes it); release the returned lock."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    lock = FileLock(str(out_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise OutDirLocked(f"another build holds {out_dir}/{LOCK_NAME}; try again when it has finished") from None
    except OSError as exc:
        raise OutputError(f"cannot lock {out_dir}: {exc.strerror or exc}") from None
    return lock


def clean_leftovers(out_dir: Path) -> None:
    """Tidy after a build that was killed (called under the lock): temporary files, staging
    folders, a folder left aside half-way through a swap."""
    for p in out_dir.rglob(".*.tmp"):
        try:
            p.unlink()
        except OSError:
            pass
    clean_staging(out_dir)


def write_brief_folder(out_dir: Path, slug: str, files: Iterable[tuple[str, bytes]]) -> Path:
    """The one writer of a brief folder: ``files`` (from ``render.render_brief_files``, in
    their order, brief.json last) are written into a folder beside ``out_dir/slug`` that
    then replaces it whole."""
    target = Path(out_dir) / slug
    with staged_dir(target) as folder:
        for name, content in files:
            atomic_write_bytes(folder / name, content)
    return target


def publish_brief(brief: Brief, out_dir: Path, layout: str = "columns", theme: Theme | None = None) -> Path:
    """Render one brief and publish it with the site's assets (the ``render`` stage command)."""
    files = render_brief_files(brief, layout, theme)
    copy_assets(out_dir, theme)
    return write_brief_folder(Path(out_dir), safe_slug(brief.article.slug), files)


def unpublish_removed(out_dir: Path, keep: set[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Remove the brief folders of articles that are not in the inbox any more:
    ``(removed slugs, (folder, message) for each that could not be removed)``."""
    removed: list[str] = []
    failed: list[tuple[str, str]] = []
    try:
        folders = sorted(p for p in out_dir.iterdir() if p.is_dir())
    except OSError as exc:
        return removed, [(str(out_dir), f"cannot list: {exc.strerror or exc}")]
    for d in folders:
        if d.name.startswith(".") or d.name in keep or d.name in RESERVED_SLUGS or not (d / BRIEF_JSON).exists():
            continue
        try:
            remove_dir(d)
            removed.append(d.name)
        except PublisherError as exc:
            failed.append((str(d), str(exc)))
    return removed, failed
