"""Argos packages (``.argosmodel``): checking an archive before anything is extracted.

An Argos package is a zip archive with one top folder holding ``metadata.json``,
``model/`` (a CTranslate2 model) and ``sentencepiece.model``. argostranslate's own
``install_from_path`` extracts blindly (and imports torch), so publisher never lets it
install anything: :func:`inspect_archive` checks every entry (no absolute path, no
``..``, no link or special file, one top folder, sane sizes), the required files and the
metadata's language pair without extracting; :func:`check_pin` compares a package that
claims to be a pinned version with that version's checksum; only then does
:func:`extract` write the top folder's files, into a folder the caller stages.

Also here, as facts about packages that the store and the index share: the ko->en pair,
the test-fixture flag, the pins and how versions sort.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from ..document import ModelError
from ..fsutil import file_sha256

FROM_CODE = "ko"
TO_CODE = "en"

# Limits against hostile archives (the real ko->en package unpacks to ~130 MB).
MAX_UNPACKED_BYTES = 4 * 1024**3
MAX_ENTRIES = 10_000
MAX_METADATA_BYTES = 1024**2
# A model's weights barely compress (int8/float: ~1.1x; vocabularies ~5x). A zip bomb is ~1000x.
MAX_RATIO = 100  # unpacked / compressed, for an entry and for the whole archive
RATIO_FLOOR = 1024**2  # entries (and archives) smaller than this unpack to little whatever their ratio
DISK_MARGIN = 64 * 1024**2  # left free on the disk after an extraction
CHUNK = 1024**2


@dataclass(frozen=True)
class PinnedPackage:
    """A package version this project accepts, with the checksum we verified it against."""

    filename: str
    version: str
    size: int
    sha256: str


# The Argos package index carries no checksums; these are the package versions we accept.
PINNED_PACKAGES: tuple[PinnedPackage, ...] = (
    PinnedPackage(
        filename="translate-ko_en-1_1.argosmodel",
        version="1.1",
        size=118_852_077,
        sha256="6da8f3db6ca40f42b1875570a1c06856f6e17c7ef62845d85de217ba548c1471",
    ),
)


@dataclass(frozen=True)
class Archive:
    """A checked ``.argosmodel``: its bytes' sha256, its one top folder, its metadata, its entries."""

    path: Path
    size: int
    sha256: str
    top: str
    metadata: dict
    entries: tuple[zipfile.ZipInfo, ...]


# ------------------------------------------------------------------------ package facts


def find_pin(version: str, filenames: set[str]) -> PinnedPackage | None:
    """The pinned package with this version or one of these file names (None: not pinned)."""
    for pin in PINNED_PACKAGES:
        if pin.version == version or pin.filename in filenames:
            return pin
    return None


def version_key(version: str) -> tuple:
    """Sort key for package versions ("1.1" < "1.10"); odd strings sort by their numbers."""
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, tuple(int(n) for n in re.findall(r"\d+", version)))


def is_fixture(metadata: dict) -> bool:
    """Whether a package's (or folder's) metadata marks it as a test fixture."""
    return metadata.get("test_fixture") is True or str(metadata.get("test_fixture")).lower() == "true"


def check_pair(metadata: dict, where: str) -> None:
    """ModelError unless the metadata is that of a ko->en translate package."""
    kind = metadata.get("type", "translate")
    if kind != "translate":
        raise ModelError(f"{where} is an Argos '{kind}' package, not a translation model; publisher needs a ko->en translate package")
    src, dst = metadata.get("from_code"), metadata.get("to_code")
    if (src, dst) != (FROM_CODE, TO_CODE):
        raise ModelError(
            f"{where} is a {src or '?'}->{dst or '?'} package; publisher needs ko->en "
            "(translate-ko_en-1_1.argosmodel)"
        )


def vocabulary_present(files: set[str], prefix: str) -> bool:
    """Whether ``files`` hold a CTranslate2 vocabulary under ``prefix`` (shared, or source and target)."""
    def has(stem: str) -> bool:
        return f"{prefix}{stem}.txt" in files or f"{prefix}{stem}.json" in files

    return has("shared_vocabulary") or (has("source_vocabulary") and has("target_vocabulary"))


# ------------------------------------------------------------------------ checking an archive


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why this zip entry must not be extracted, or None if it is a plain file/folder."""
    name = info.filename
    if not name or "\x00" in name or "\\" in name:
        return "a malformed name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = [p for p in name.rstrip("/").split("/")]
    if any(p in ("", ".", "..") for p in parts):
        return "a path that leaves the package folder"
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "a symbolic link"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "a special file"
    if info.flag_bits & 0x1:
        return "encryption"
    return None


def inspect_archive(path: Path, display: str | None = None) -> Archive:
    """Validate an .argosmodel without extracting it; raise ModelError saying what is wrong."""
    label = display or path.name
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelError(f"{path} is not a file; pass the path of a .argosmodel file")
    size = path.stat().st_size
    broken = f"{label} is truncated or damaged (not a complete zip archive); download it again"
    try:
        sha256 = file_sha256(path)
        with zipfile.ZipFile(path) as zf:
            entries = tuple(zf.infolist())
            top, files = _check_entries(entries, label)
            _check_required(files, top, label)
            meta_info = zf.getinfo(f"{top}/metadata.json")
            if meta_info.file_size > MAX_METADATA_BYTES:
                raise ModelError(f"{label}: metadata.json is implausibly large; this is not an Argos package")
            raw = zf.read(meta_info)
    except ModelError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
        raise ModelError(broken) from None
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        metadata = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{label}: metadata.json is not valid JSON; this is not a usable Argos package") from None
    if not isinstance(metadata, dict):
        raise ModelError(f"{label}: metadata.json is not a JSON object; this is not a usable Argos package")
    check_pair(metadata, label)
    return Archive(path=path, size=size, sha256=sha256, top=top, metadata=metadata, entries=entries)


def _check_entries(entries: tuple[zipfile.ZipInfo, ...], label: str) -> tuple[str, set[str]]:
    if not entries:
        raise ModelError(f"{label} is an empty zip archive, not an Argos package")
    if len(entries) > MAX_ENTRIES:
        raise ModelError(f"{label} has {len(entries)} entries; an Argos package has a few dozen")
    tops: set[str] = set()
    files: set[str] = set()
    seen: set[str] = set()
    total = 0
    for info in entries:
        problem = _entry_problem(info)
        if problem:
            raise ModelError(f"refusing {label}: entry {info.filename!r} is {problem}")
        name = info.filename.rstrip("/")
        if name in seen:
            raise ModelError(f"refusing {label}: entry {info.filename!r} appears twice")
        seen.add(name)
        parts = name.split("/")
        if len(parts) == 1 and not info.is_dir():
            raise ModelError(f"refusing {label}: file {info.filename!r} is outside the package's top folder")
        tops.add(parts[0])
        if not info.is_dir():
            files.add(name)
            total += info.file_size
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ModelError(
                    f"refusing {label}: entry {info.filename!r} would unpack {info.file_size // max(info.compress_size, 1):,} times "
                    f"its packed size ({info.file_size:,} bytes); a model archive is not compressed like that"
                )
    if len(tops) != 1:
        shown = ", ".join(sorted(tops)[:5])
        raise ModelError(f"refusing {label}: an Argos package has exactly one top folder, this one has {len(tops)} ({shown})")
    top = tops.pop()
    if top.startswith("."):
        raise ModelError(f"refusing {label}: its top folder {top!r} is a hidden name")
    if total > MAX_UNPACKED_BYTES:
        raise ModelError(f"refusing {label}: it would unpack to {total:,} bytes, far more than a translation model")
    packed = sum(i.compress_size for i in entries)
    if total > RATIO_FLOOR and total > MAX_RATIO * max(packed, 1):
        raise ModelError(f"refusing {label}: it would unpack to {total:,} bytes from {packed:,}; a model archive is not compressed like that")
    return top, files


def unpacked_size(archive: Archive) -> int:
    """The bytes the archive's files declare (checked against the disk before extracting)."""
    return sum(i.file_size for i in archive.entries if not i.is_dir())


def _check_required(files: set[str], top: str, label: str) -> None:
    missing = [rel for rel in ("metadata.json", "sentencepiece.model", "model/model.bin") if f"{top}/{rel}" not in files]
    if not vocabulary_present(files, f"{top}/model/"):
        missing.append("model/shared_vocabulary.txt (or source/target vocabularies)")
    if missing:
        raise ModelError(f"{label} is incomplete: missing {', '.join(missing)}; download the package again")


def check_pin(archive: Archive, filename: str, expected: PinnedPackage | None = None) -> PinnedPackage | None:
    """Refuse an archive that claims to be a pinned package (``expected``, else by its file
    name or its metadata's version) but does not match its checksum; the pin it matched,
    or None for an unpinned package or a test fixture."""
    pin = expected
    if pin is None and not is_fixture(archive.metadata):
        pin = find_pin(str(archive.metadata.get("package_version") or ""), {filename})
    if pin is None:
        return None
    if archive.sha256 != pin.sha256 or archive.size != pin.size:
        raise ModelError(
            f"checksum mismatch: {filename} has sha256 {archive.sha256[:16]}... ({archive.size:,} bytes), "
            f"expected {pin.sha256[:16]}... ({pin.size:,} bytes) for {pin.filename}; "
            "the file is damaged or not the genuine package, download it again"
        )
    return pin


# ------------------------------------------------------------------------ extracting


def extract(archive: Archive, dest: Path) -> None:
    """Extract the checked archive's top folder as ``dest`` (created if needed): ``dest``
    receives what the top folder holds. ``dest`` belongs in a staged folder
    (:func:`publisher.fsutil.staged_dir`), so a failure here leaves nothing behind."""
    root = Path(dest).resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
        need, free = unpacked_size(archive), shutil.disk_usage(root).free
        if need + DISK_MARGIN > free:
            raise ModelError(
                f"cannot extract {archive.path.name}: it unpacks to {need:,} bytes and {root.parent} has {free:,} free; free some space"
            )
        with zipfile.ZipFile(archive.path) as zf:
            for info in archive.entries:
                inside = info.filename.rstrip("/").split("/", 1)[1:]  # the path beneath the top folder
                target = root.joinpath(*inside).resolve()
                if target != root and root not in target.parents:  # belt and braces
                    raise ModelError(f"refusing {archive.path.name}: entry {info.filename!r} leaves the package folder")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
                os.chmod(target, 0o644)
    except ModelError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise ModelError(f"{archive.path.name} is truncated or damaged (bad data inside the archive); download it again") from None
    except OSError as exc:
        raise ModelError(f"cannot extract {archive.path.name} into {dest}: {exc.strerror or exc}") from None
