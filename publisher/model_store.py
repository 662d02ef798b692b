"""Finding, installing and verifying ko->en models: Argos packages and CTranslate2 folders.

Besides Argos packages, publisher takes CTranslate2 model folders converted from OPUS-MT
(Marian), M2M-100 or NLLB models (see :mod:`publisher.model_kinds` for how the kind is
told from the files). Those are installed, checked the same way, into :func:`models_dir`
(never into Argos's packages directory, whose every sub-folder argostranslate reads as an
Argos package).

An Argos package (``.argosmodel``) is a zip archive with one top folder holding
``metadata.json``, ``model/`` (a CTranslate2 model) and ``sentencepiece.model``. This
module never lets argostranslate install anything itself (its ``install_from_path``
extracts blindly and imports torch): every archive is checked first, entry by entry, and
only then extracted into a temporary folder inside the packages directory and renamed
into place. A refused archive leaves the installed model untouched.

Where things go:

* installed packages: ``$ARGOS_PACKAGES_DIR`` or argostranslate's default packages
  directory (:func:`packages_dir`); next to each package we install, ``.publisher.json``
  records the sha256 of the archive it came from;
* an archive loaded with ``--model PATH`` without installing it (e.g. the test fixture):
  extracted once into ``$PUBLISHER_CACHE_DIR/models/<sha256>`` (default
  ``~/.cache/publisher/models/<sha256>``).

Nothing is written anywhere else.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from .document import ModelError, ModelInfo
from .fsutil import cache_dir, file_sha256, tree_sha256
from .model_kinds import ARGOS, ModelLayout, detect, read_info, read_json_object

log = logging.getLogger(__name__)

FROM_CODE = "ko"
TO_CODE = "en"
DEFAULT_NAME = "translate-ko_en"
SIDECAR = ".publisher.json"
CACHE_COMPLETE = ".complete"

NOT_INSTALLED = (
    "Translation model ko->en is not installed; run 'make models' or "
    "'publisher models install --file PATH'."
)
OFFLINE = (
    "cannot reach the Argos package index (offline?); download translate-ko_en-1_1.argosmodel "
    "on a connected machine and run 'publisher models install --file PATH'"
)

# Limits against hostile archives (the real ko->en package unpacks to ~130 MB).
MAX_UNPACKED_BYTES = 4 * 1024**3
MAX_ENTRIES = 10_000
MAX_METADATA_BYTES = 1024**2
MAX_INDEX_BYTES = 16 * 1024**2
CHUNK = 1024**2

ProgressCallback = Callable[[int, "int | None"], None]


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
class LoadedModel:
    """A ko->en package ready for translation.

    ``model_dir`` is the CTranslate2 model folder, ``sp_model`` the (source) SentencePiece
    model, ``package_dir`` the package's top folder (installed or extracted into the cache).
    ``layout`` says how sentences are framed for this kind of model (None: an Argos
    package, pieces in and pieces out).
    """

    info: ModelInfo
    model_dir: Path
    sp_model: Path
    package_dir: Path
    layout: ModelLayout | None = None


# ------------------------------------------------------------------------ locations


def packages_dir() -> Path:
    """Where installed Argos packages live: ``$ARGOS_PACKAGES_DIR`` or argostranslate's default."""
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    if env:
        return Path(env).expanduser()
    try:
        from argostranslate import settings  # light (~30 ms), but only when needed
    except Exception:  # pragma: no cover - argostranslate is a runtime dependency
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
        return base / "argos-translate" / "packages"
    return Path(settings.package_data_dir)


def models_dir() -> Path:
    """Where CTranslate2 model folders (Marian, M2M-100, NLLB) are installed.

    ``$PUBLISHER_MODELS_DIR``, else ``$XDG_DATA_HOME/publisher/models`` (default
    ``~/.local/share/publisher/models``).
    """
    env = os.environ.get("PUBLISHER_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "publisher" / "models"


def cache_root() -> Path:
    """Where archives loaded without installing are extracted (one folder per sha256)."""
    return cache_dir("models")


def _index_base() -> str:
    env = os.environ.get("ARGOS_PACKAGE_INDEX")
    if env:
        return env
    from argostranslate import settings

    return str(settings.package_index)


# ------------------------------------------------------------------------ helpers


def _version_key(version: str) -> tuple:
    """Sort key for package versions ("1.1" < "1.10"); odd strings sort by their numbers."""
    try:
        from packaging.version import InvalidVersion, Version

        try:
            return (1, Version(version))
        except InvalidVersion:
            pass
    except ImportError:  # pragma: no cover
        pass
    return (0, tuple(int(n) for n in re.findall(r"\d+", version)))


def _is_fixture(metadata: dict) -> bool:
    return metadata.get("test_fixture") is True or str(metadata.get("test_fixture")).lower() == "true"


def _check_pair(metadata: dict, where: str) -> None:
    kind = metadata.get("type", "translate")
    if kind != "translate":
        raise ModelError(f"{where} is an Argos '{kind}' package, not a translation model; publisher needs a ko->en translate package")
    src, dst = metadata.get("from_code"), metadata.get("to_code")
    if (src, dst) != (FROM_CODE, TO_CODE):
        raise ModelError(
            f"{where} is a {src or '?'}->{dst or '?'} package; publisher needs ko->en "
            "(translate-ko_en-1_1.argosmodel)"
        )


def _info(metadata: dict, sha256: str, path: Path | None, kind: str = ARGOS) -> ModelInfo:
    default_name = DEFAULT_NAME if kind == ARGOS else (path.name if path is not None else kind)
    return ModelInfo(
        name=str(metadata.get("package_name") or metadata.get("name") or default_name),
        version=str(metadata.get("package_version") or metadata.get("version") or "0"),
        sha256=sha256,
        from_code=FROM_CODE,
        to_code=TO_CODE,
        test_fixture=_is_fixture(metadata),
        path=str(path) if path is not None else None,
        kind=kind,
    )


# ------------------------------------------------------------------------ archive checks


@dataclass(frozen=True)
class _Archive:
    path: Path
    size: int
    sha256: str
    top: str
    metadata: dict
    entries: tuple[zipfile.ZipInfo, ...]


def _vocabulary_present(files: set[str], prefix: str) -> bool:
    def has(stem: str) -> bool:
        return f"{prefix}{stem}.txt" in files or f"{prefix}{stem}.json" in files

    return has("shared_vocabulary") or (has("source_vocabulary") and has("target_vocabulary"))


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


def _inspect_archive(path: Path, display: str | None = None) -> _Archive:
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
    _check_pair(metadata, label)
    return _Archive(path=path, size=size, sha256=sha256, top=top, metadata=metadata, entries=entries)


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
    if len(tops) != 1:
        shown = ", ".join(sorted(tops)[:5])
        raise ModelError(f"refusing {label}: an Argos package has exactly one top folder, this one has {len(tops)} ({shown})")
    top = tops.pop()
    if top.startswith("."):
        raise ModelError(f"refusing {label}: its top folder {top!r} is a hidden name")
    if total > MAX_UNPACKED_BYTES:
        raise ModelError(f"refusing {label}: it would unpack to {total:,} bytes, far more than a translation model")
    return top, files


def _check_required(files: set[str], top: str, label: str) -> None:
    missing = [rel for rel in ("metadata.json", "sentencepiece.model", "model/model.bin") if f"{top}/{rel}" not in files]
    if not _vocabulary_present(files, f"{top}/model/"):
        missing.append("model/shared_vocabulary.txt (or source/target vocabularies)")
    if missing:
        raise ModelError(f"{label} is incomplete: missing {', '.join(missing)}; download the package again")


def _pin_for(archive: _Archive, filename: str) -> PinnedPackage | None:
    """The pinned package this archive claims to be (by file name or by its metadata)."""
    if _is_fixture(archive.metadata):
        return None
    version = str(archive.metadata.get("package_version") or "")
    for pin in PINNED_PACKAGES:
        if filename == pin.filename or version == pin.version:
            return pin
    return None


def _check_pin(archive: _Archive, filename: str, expected: PinnedPackage | None = None) -> PinnedPackage | None:
    """Refuse an archive that claims to be a pinned package but does not match its checksum."""
    pin = expected or _pin_for(archive, filename)
    if pin is None:
        return None
    if archive.sha256 != pin.sha256 or archive.size != pin.size:
        raise ModelError(
            f"checksum mismatch: {filename} has sha256 {archive.sha256[:16]}... ({archive.size:,} bytes), "
            f"expected {pin.sha256[:16]}... ({pin.size:,} bytes) for {pin.filename}; "
            "the file is damaged or not the genuine package, download it again"
        )
    return pin


def _extract(archive: _Archive, dest: Path) -> Path:
    """Extract the validated archive into ``dest`` (which must be empty); return its top folder."""
    root = dest.resolve()
    try:
        with zipfile.ZipFile(archive.path) as zf:
            for info in archive.entries:
                target = (root / info.filename).resolve()
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
    return root / archive.top


# ------------------------------------------------------------------------ package folders


def _read_metadata(package_dir: Path) -> dict:
    path = package_dir / "metadata.json"
    if not path.exists():
        raise ModelError(f"{package_dir} has no metadata.json; it is not an Argos package folder")
    return read_json_object(path, "reinstall the package")


def _check_package_dir(package_dir: Path) -> dict:
    """Metadata of a complete ko->en package folder, or ModelError saying what is wrong."""
    metadata = _read_metadata(package_dir)
    _check_pair(metadata, str(package_dir))
    files = {str(p.relative_to(package_dir)) for p in package_dir.rglob("*") if p.is_file()}
    missing = [rel for rel in ("sentencepiece.model", "model/model.bin") if rel not in files]
    if not _vocabulary_present(files, "model/"):
        missing.append("model/shared_vocabulary.txt (or source/target vocabularies)")
    if missing:
        raise ModelError(f"{package_dir} is incomplete: missing {', '.join(missing)}; reinstall the package")
    return metadata


def _tree_sha256(package_dir: Path) -> str:
    """A content digest for a package folder we did not install (no archive checksum known)."""
    return tree_sha256(package_dir, skip=(SIDECAR,))


def _dir_sha256(package_dir: Path) -> str:
    try:
        recorded = json.loads((package_dir / SIDECAR).read_text(encoding="utf-8")).get("sha256")
        if isinstance(recorded, str) and re.fullmatch(r"[0-9a-f]{64}", recorded):
            return recorded
    except (OSError, ValueError, AttributeError):
        pass
    return _tree_sha256(package_dir)


def _loaded(package_dir: Path, metadata: dict, sha256: str) -> LoadedModel:
    return LoadedModel(
        info=_info(metadata, sha256, package_dir),
        model_dir=package_dir / "model",
        sp_model=package_dir / "sentencepiece.model",
        package_dir=package_dir,
    )


# ------------------------------------------------------------------------ public API


def status() -> list[ModelInfo]:
    """Installed, complete ko->en models (``path`` set): Argos packages, highest version
    first, then installed CTranslate2 folders by name."""
    return _scan()[0] + _scan_ct2()[0]


def _scan_folders(root: Path, inspect: Callable[[Path], "ModelInfo | None"]) -> tuple[list[ModelInfo], list[str]]:
    """``inspect`` on each visible sub-folder of ``root`` (by name): the models it found
    (None: not a ko->en model, passed over) and what is wrong with broken ones."""
    if not root.is_dir():
        return [], []
    found: list[ModelInfo] = []
    problems: list[str] = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        try:
            info = inspect(child)
        except ModelError as exc:
            log.warning("ignoring %s: %s", child, exc)
            problems.append(str(exc))
            continue
        if info is not None:
            found.append(info)
    return found, problems


def _installed_package(child: Path) -> ModelInfo | None:
    """A complete ko->en Argos package folder's info (None: not a ko->en package)."""
    if not (child / "metadata.json").exists():
        return None
    metadata = _read_metadata(child)
    if (metadata.get("from_code"), metadata.get("to_code")) != (FROM_CODE, TO_CODE):
        return None
    return _info(_check_package_dir(child), _dir_sha256(child), child)


def _scan() -> tuple[list[ModelInfo], list[str]]:
    """Complete ko->en packages (highest version first) and what is wrong with broken ones."""
    found, problems = _scan_folders(packages_dir(), _installed_package)
    found.sort(key=lambda i: _version_key(i.version), reverse=True)
    return found, problems


def load_model(spec: str | Path | None = None) -> LoadedModel:
    """The ko->en model to translate with.

    ``None``: the installed package (highest version). A path to a ``.argosmodel``: that
    archive, checked and extracted once into the cache, never installed (this is how the
    test fixture is used). A path to an extracted package folder also works.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        installed, problems = _scan()
        if not installed:
            others, other_problems = _scan_ct2()
            if others:  # no Argos package, but a Marian/M2M-100/NLLB model is installed
                folder = Path(others[0].path or "")
                return _loaded_ct2(folder, detect(folder), others[0].sha256)
            problems += other_problems
            raise ModelError(problems[0] if problems else NOT_INSTALLED)
        package_dir = Path(installed[0].path or "")
        metadata = _check_package_dir(package_dir)
        return _loaded(package_dir, metadata, installed[0].sha256)
    path = Path(spec).expanduser()
    if path.is_dir():
        layout = detect(path)
        if layout.kind != ARGOS:
            return _loaded_ct2(path, layout, _dir_sha256(path))
        metadata = _check_package_dir(path)
        return _loaded(path, metadata, _dir_sha256(path))
    if not path.exists():
        raise ModelError(
            f"model file not found: {path}; pass a .argosmodel file, an extracted package folder or a CTranslate2 model folder"
        )
    archive = _inspect_archive(path)
    _check_pin(archive, path.name)
    package_dir = _cached_extraction(archive)
    metadata = _check_package_dir(package_dir)
    return _loaded(package_dir, metadata, archive.sha256)


def _cached_extraction(archive: _Archive) -> Path:
    """Extract ``archive`` into the cache once (keyed by sha256) and return its top folder."""
    from filelock import FileLock

    root = cache_root()
    final = root / archive.sha256
    if (final / CACHE_COMPLETE).exists() and (final / archive.top).is_dir():
        return final / archive.top
    try:
        root.mkdir(parents=True, exist_ok=True)
        # Two builds starting at once must not both extract: the second would find the
        # first's folder and, taking it for an interrupted extraction, remove it in use.
        lock = FileLock(str(root / f".{archive.sha256}.lock"))
        lock.acquire(timeout=600)
    except OSError as exc:
        raise ModelError(f"cannot write to the model cache {root}: {exc.strerror or exc}; set PUBLISHER_CACHE_DIR to a writable folder") from None
    staging = None
    try:
        if (final / CACHE_COMPLETE).exists() and (final / archive.top).is_dir():
            return final / archive.top  # another process extracted it while we waited
        staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=root))
        _extract(archive, staging)
        (staging / CACHE_COMPLETE).write_text(archive.sha256 + "\n", encoding="utf-8")
        if final.exists():  # an extraction interrupted before it completed
            shutil.rmtree(final, ignore_errors=True)
        os.rename(staging, final)
    except OSError as exc:
        raise ModelError(f"cannot write to the model cache {root}: {exc.strerror or exc}") from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        lock.release()
    return final / archive.top


def install_from_file(path: str | Path, *, expected: PinnedPackage | None = None, source_name: str | None = None) -> ModelInfo:
    """Check an .argosmodel and install it into :func:`packages_dir`.

    Refuses (ModelError, nothing changed) a damaged or hostile archive, another language
    pair, a pinned package whose checksum does not match, and the test fixture.
    ``expected`` forces the pin to check against (used after a download);
    ``source_name`` is the file name to report and match pins by.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        return install_folder(path)
    name = source_name or path.name
    archive = _inspect_archive(path, display=name)
    if _is_fixture(archive.metadata):
        raise ModelError(
            f"{name} is a test fixture, not a translator: fixtures are used with --model PATH "
            "and never installed"
        )
    if _check_pin(archive, name, expected) is None:
        log.warning("%s is not a pinned package version; installing it unverified (sha256 %s)", name, archive.sha256)

    root = packages_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = _install_lock(root)
    except OSError as exc:
        raise ModelError(f"cannot write to the packages directory {root}: {exc.strerror or exc}; set ARGOS_PACKAGES_DIR to a writable folder") from None
    with lock:
        staging = None
        try:
            _recover_leftovers(root)
            staging = Path(tempfile.mkdtemp(prefix=".publisher-install-", dir=root))
            new_dir = _extract(archive, staging)
            sidecar = {"sha256": archive.sha256, "size": archive.size, "source": name, "installed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            (new_dir / SIDECAR).write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
            metadata = _check_package_dir(new_dir)
            final = root / archive.top
            _swap_into_place(new_dir, final)
        except OSError as exc:
            raise ModelError(f"cannot install into {root}: {exc.strerror or exc}") from None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    log.info("installed %s into %s", name, final)
    return _info(metadata, archive.sha256, final)


# ------------------------------------------------------------------------ CTranslate2 folders


def _loaded_ct2(folder: Path, layout: ModelLayout, sha256: str) -> LoadedModel:
    info = _info(read_info(folder), sha256, folder, kind=layout.kind)
    return LoadedModel(info=info, model_dir=layout.model_dir, sp_model=layout.source_spm, package_dir=folder, layout=layout)


def _installed_ct2(child: Path) -> ModelInfo | None:
    """An installed CTranslate2 folder's info (None: an Argos package, scanned by _scan)."""
    layout = detect(child)
    if layout.kind == ARGOS:
        return None
    return _loaded_ct2(child, layout, _dir_sha256(child)).info


def _scan_ct2() -> tuple[list[ModelInfo], list[str]]:
    """Installed CTranslate2 ko->en folders (by name) and what is wrong with broken ones."""
    return _scan_folders(models_dir(), _installed_ct2)


def verify_loadable(model_dir: Path) -> None:
    """Load the CTranslate2 model once (catches a damaged model.bin before it is installed)."""
    import ctranslate2

    try:
        ctranslate2.Translator(str(model_dir), device="cpu", intra_threads=1)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"{model_dir} does not load as a CTranslate2 model ({exc}); convert it again") from None


def install_folder(folder: str | Path) -> ModelInfo:
    """Check a CTranslate2 model folder (Marian, M2M-100, NLLB) and copy it into :func:`models_dir`.

    An Argos package folder is refused here (install its .argosmodel instead), as is a
    test fixture. The copy is made in a staging folder and renamed into place, so an
    interrupted install leaves the installed models as they were.
    """
    folder = Path(folder).expanduser()
    layout = detect(folder)
    if layout.kind == ARGOS:
        raise ModelError(f"{folder} is an extracted Argos package; install its .argosmodel file instead")
    meta = read_info(folder)
    if _is_fixture(meta):
        raise ModelError(f"{folder.name} is a test fixture, not a translator: fixtures are used with --model PATH and never installed")
    verify_loadable(layout.model_dir)
    sha256 = _tree_sha256(folder)
    root = models_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = _install_lock(root)
    except OSError as exc:
        raise ModelError(f"cannot write to the models directory {root}: {exc.strerror or exc}; set PUBLISHER_MODELS_DIR to a writable folder") from None
    final = root / folder.resolve().name
    with lock:
        staging = None
        try:
            _recover_leftovers(root)
            staging = Path(tempfile.mkdtemp(prefix=".publisher-install-", dir=root))
            new_dir = staging / final.name
            shutil.copytree(folder, new_dir, symlinks=False, ignore=shutil.ignore_patterns(SIDECAR))
            sidecar = {"sha256": sha256, "kind": layout.kind, "source": str(folder), "installed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            (new_dir / SIDECAR).write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
            if _tree_sha256(new_dir) != sha256:
                raise ModelError(f"{folder} changed while it was being copied; install it again")
            _swap_into_place(new_dir, final)
        except (OSError, shutil.Error) as exc:
            raise ModelError(f"cannot install into {root}: {exc}") from None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    log.info("installed %s (%s) into %s", folder, layout.kind, final)
    return _loaded_ct2(final, detect(final), sha256).info


def _install_lock(root: Path):
    from filelock import FileLock

    return FileLock(str(root / ".publisher-install.lock"), timeout=600)


def _swap_into_place(new_dir: Path, final: Path) -> None:
    """Rename the complete new package into place; an older copy is removed only afterwards."""
    if not final.exists():
        os.rename(new_dir, final)
        return
    old_parent = Path(tempfile.mkdtemp(prefix=".publisher-old-", dir=final.parent))
    old = old_parent / final.name
    os.rename(final, old)
    try:
        os.rename(new_dir, final)
    except OSError:
        os.rename(old, final)  # put the working model back
        raise
    shutil.rmtree(old_parent, ignore_errors=True)


def _recover_leftovers(root: Path) -> None:
    """Clean up after an install that was killed half-way (called while holding the lock).

    A staging folder is simply removed. A package moved aside for replacement is moved
    back if the new one never arrived, so a kill at the worst moment loses nothing.
    """
    for child in root.glob(".publisher-old-*"):
        for moved in child.iterdir() if child.is_dir() else ():
            if not (root / moved.name).exists():
                os.rename(moved, root / moved.name)
                log.warning("restored %s after an interrupted install", root / moved.name)
        shutil.rmtree(child, ignore_errors=True)
    for child in root.glob(".publisher-install-*"):
        shutil.rmtree(child, ignore_errors=True)


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


def _index_json_url(base: str) -> str:
    if base.endswith(".json"):
        return base
    return base if base.endswith("/") else base + "/"


def _fetch_index(url: str, timeout: float) -> list:
    import http.client
    import urllib.error
    import urllib.request

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
    candidates = [
        e for e in entries
        if isinstance(e, dict) and e.get("from_code") == FROM_CODE and e.get("to_code") == TO_CODE
        and e.get("type", "translate") == "translate"
    ]
    if not candidates:
        raise ModelError("the Argos package index lists no ko->en package; install one with 'publisher models install --file PATH'")
    pinned: list[tuple[dict, PinnedPackage]] = []
    for e in candidates:
        version = str(e.get("package_version") or "")
        names = {PurePosixPath(str(link).split("?")[0]).name for link in e.get("links") or []}
        for pin in PINNED_PACKAGES:
            if pin.version == version or pin.filename in names:
                pinned.append((e, pin))
                break
    if not pinned:
        offered = ", ".join(sorted(str(e.get("package_version")) for e in candidates))
        raise ModelError(
            f"the Argos package index offers ko->en version {offered}, for which publisher has no pinned "
            "checksum; install a verified file with 'publisher models install --file PATH'"
        )
    return max(pinned, key=lambda ep: _version_key(ep[1].version))


def _download(links: list[str], dest: Path, pin: PinnedPackage, timeout: float, progress: ProgressCallback | None) -> None:
    import http.client
    import urllib.error
    import urllib.request

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
