"""Installing the pinned ko->en package from the Argos package index (the download path).

The index (``index.json``: a list of packages with their download links) carries no
checksums, so only a package version publisher pins
(:data:`publisher.models.archive.PINNED_PACKAGES`) is taken; the download must match the
pin's size and sha256 before :func:`publisher.models.install.install_from_file` installs
it. Without a network the error says how to install from a file instead.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Callable

from ..document import ModelError, ModelInfo
from .archive import CHUNK, FROM_CODE, TO_CODE, PinnedPackage, find_pin, version_key
from .install import install_from_file
from .store import packages_dir

log = logging.getLogger(__name__)

OFFLINE = (
    "cannot reach the Argos package index (offline?); download translate-ko_en-1_1.argosmodel "
    "on a connected machine and run 'publisher models install --file PATH'"
)
MAX_INDEX_BYTES = 16 * 1024**2

ProgressCallback = Callable[[int, "int | None"], None]


def install_from_index(
    index_url: str | None = None,
    *,
    progress: ProgressCallback | None = None,
    timeout: float = 30.0,
) -> ModelInfo:
    """Download the pinned ko->en package named by the Argos package index and install it.

    ``index_url`` is the index base (``.../`` + ``index.json``) or the index.json URL itself;
    default ``$ARGOS_PACKAGE_INDEX`` or argostranslate's setting. ``progress(done, total)``
    is called while downloading. The download's size and sha256 must match the pin.
    """
    url = _index_json_url(index_url or _index_base())
    entries = _fetch_index(url, timeout)
    entry, pin = _choose_entry(entries)
    links = [link for link in entry.get("links") or [] if isinstance(link, str)]
    if not links:
        raise ModelError(f"the Argos package index lists ko->en {pin.version} without a download link; install from a file with 'publisher models install --file PATH'")

    root = packages_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".publisher-download-", suffix=".argosmodel", dir=root)
    except OSError as exc:
        raise ModelError(f"cannot write to the packages directory {root}: {exc.strerror or exc}; set ARGOS_PACKAGES_DIR to a writable folder") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _download(links, tmp, pin, timeout, progress)
        return install_from_file(tmp, expected=pin, source_name=pin.filename)
    finally:
        tmp.unlink(missing_ok=True)


def _index_base() -> str:
    env = os.environ.get("ARGOS_PACKAGE_INDEX")
    if env:
        return env
    from argostranslate import settings

    return str(settings.package_index)


def _index_json_url(base: str) -> str:
    if base.endswith(".json"):
        return base
    return base if base.endswith("/") else base + "/"


def _fetch_index(url: str, timeout: float) -> list:
    if not url.endswith(".json"):
        url += "index.json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            raw = resp.read(MAX_INDEX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ModelError(
            f"the Argos package index {url} answered HTTP {exc.code}; download translate-ko_en-1_1.argosmodel "
            "on a connected machine and run 'publisher models install --file PATH'"
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        log.debug("index download failed: %s", exc)
        raise ModelError(OFFLINE) from None
    if len(raw) > MAX_INDEX_BYTES:
        raise ModelError(f"the Argos package index {url} is implausibly large; check ARGOS_PACKAGE_INDEX")
    try:
        entries = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"the Argos package index {url} is not valid JSON; check ARGOS_PACKAGE_INDEX or install with --file PATH") from None
    if not isinstance(entries, list):
        raise ModelError(f"the Argos package index {url} is not a list of packages; check ARGOS_PACKAGE_INDEX")
    return entries


def _choose_entry(entries: list) -> tuple[dict, PinnedPackage]:
    """The index's ko->en entry with the highest pinned version, and its pin."""
    candidates = [
        e for e in entries
        if isinstance(e, dict) and e.get("from_code") == FROM_CODE and e.get("to_code") == TO_CODE
        and e.get("type", "translate") == "translate"
    ]
    if not candidates:
        raise ModelError("the Argos package index lists no ko->en package; install one with 'publisher models install --file PATH'")
    pinned: list[tuple[dict, PinnedPackage]] = []
    for e in candidates:
        names = {PurePosixPath(str(link).split("?")[0]).name for link in e.get("links") or []}
        pin = find_pin(str(e.get("package_version") or ""), names)
        if pin is not None:
            pinned.append((e, pin))
    if not pinned:
        offered = ", ".join(sorted(str(e.get("package_version")) for e in candidates))
        raise ModelError(
            f"the Argos package index offers ko->en version {offered}, for which publisher has no pinned "
            "checksum; install a verified file with 'publisher models install --file PATH'"
        )
    return max(pinned, key=lambda ep: version_key(ep[1].version))


def _download(links: list[str], dest: Path, pin: PinnedPackage, timeout: float, progress: ProgressCallback | None) -> None:
    last: Exception | None = None
    for link in links:
        try:
            with urllib.request.urlopen(link, timeout=timeout) as resp, open(dest, "wb") as out:
                header = resp.headers.get("Content-Length")
                total = int(header) if header and header.isdigit() else pin.size
                done = 0
                while chunk := resp.read(CHUNK):
                    done += len(chunk)
                    if done > pin.size:
                        raise ModelError(
                            f"checksum mismatch: the download of {pin.filename} is larger than the pinned "
                            f"{pin.size:,} bytes; it is not the expected package"
                        )
                    out.write(chunk)
                    if progress:
                        progress(done, total)
            return
        except ModelError:
            raise
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            log.warning("download from %s failed: %s", link, exc)
            last = exc
    raise ModelError(
        f"cannot download {pin.filename} ({last}); download it on a connected machine and run "
        "'publisher models install --file PATH'"
    )
