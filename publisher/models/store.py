"""Where models live, which are installed, and loading the one to translate with.

Besides Argos packages, publisher takes CTranslate2 model folders converted from OPUS-MT
(Marian), M2M-100 or NLLB models (:mod:`publisher.models.kinds` tells the kind from the
files). Where things are:

* installed Argos packages: :func:`packages_dir` (``$ARGOS_PACKAGES_DIR`` or
  argostranslate's default packages directory); next to each package we install,
  ``.publisher.json`` records the sha256 of the archive it came from;
* installed CTranslate2 folders: :func:`models_dir` (``$PUBLISHER_MODELS_DIR``, default
  ``~/.local/share/publisher/models``), never the packages directory, whose every
  sub-folder argostranslate reads as an Argos package;
* an archive loaded with ``--model PATH`` without installing it (e.g. the test fixture):
  extracted once into :func:`cache_root` ``/<sha256>`` (``$PUBLISHER_CACHE_DIR/models``,
  default ``~/.cache/publisher/models``); the Ray executor unpacks the package it ships
  to each node under the same cache (``<cache_root>/ray/<sha256>``).

Installing is :mod:`publisher.models.install`; this module only reads what is there,
except for the cached extraction, which it stages and swaps in whole
(:func:`publisher.fsutil.staged_dir`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from filelock import FileLock

from ..document import ModelError, ModelInfo, OutputError
from ..fsutil import cache_dir, staged_dir, tree_sha256
from .archive import FROM_CODE, TO_CODE, Archive, check_pair, check_pin, extract, inspect_archive, is_fixture, version_key, vocabulary_present
from .kinds import ARGOS, ModelLayout, detect, read_info, read_json_object

log = logging.getLogger(__name__)

DEFAULT_NAME = "translate-ko_en"
SIDECAR = ".publisher.json"
CACHE_COMPLETE = ".complete"

NOT_INSTALLED = (
    "Translation model ko->en is not installed; run 'make models' or "
    "'publisher models install --file PATH'."
)


@dataclass(frozen=True)
class LoadedModel:
    """A ko->en model ready for translation.

    ``model_dir`` is the CTranslate2 model folder, ``sp_model`` the (source) SentencePiece
    model, ``package_dir`` the model's top folder (installed, extracted into the cache, or
    named on the command line). ``layout`` says how sentences are framed for this kind of
    model (None: an Argos package, pieces in and pieces out).
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
    ``~/.local/share/publisher/models``). publisher.toml's ``[paths].models`` reaches this
    through the same variable (:func:`publisher.config.applied`).
    """
    env = os.environ.get("PUBLISHER_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "publisher" / "models"


def cache_root() -> Path:
    """Where archives loaded without installing are extracted (one folder per sha256)."""
    return cache_dir("models")


# ------------------------------------------------------------------------ what a folder holds


def model_info(metadata: dict, sha256: str, path: Path | None, kind: str = ARGOS) -> ModelInfo:
    """The ModelInfo of a model with this metadata (Argos ``metadata.json`` or ``publisher-model.json``)."""
    default_name = DEFAULT_NAME if kind == ARGOS else (path.name if path is not None else kind)
    return ModelInfo(
        name=str(metadata.get("package_name") or metadata.get("name") or default_name),
        version=str(metadata.get("package_version") or metadata.get("version") or "0"),
        sha256=sha256,
        from_code=FROM_CODE,
        to_code=TO_CODE,
        test_fixture=is_fixture(metadata),
        path=str(path) if path is not None else None,
        kind=kind,
    )


def _read_metadata(package_dir: Path) -> dict:
    path = package_dir / "metadata.json"
    if not path.exists():
        raise ModelError(f"{package_dir} has no metadata.json; it is not an Argos package folder")
    return read_json_object(path, "reinstall the package")


def check_package_dir(package_dir: Path) -> dict:
    """Metadata of a complete ko->en package folder, or ModelError saying what is wrong."""
    metadata = _read_metadata(package_dir)
    check_pair(metadata, str(package_dir))
    files = {str(p.relative_to(package_dir)) for p in package_dir.rglob("*") if p.is_file()}
    missing = [rel for rel in ("sentencepiece.model", "model/model.bin") if rel not in files]
    if not vocabulary_present(files, "model/"):
        missing.append("model/shared_vocabulary.txt (or source/target vocabularies)")
    if missing:
        raise ModelError(f"{package_dir} is incomplete: missing {', '.join(missing)}; reinstall the package")
    return metadata


def content_sha256(folder: Path) -> str:
    """A content digest for a model folder with no archive checksum (our sidecar left out)."""
    return tree_sha256(folder, skip=(SIDECAR,))


def _dir_sha256(package_dir: Path) -> str:
    """The sha256 our sidecar recorded at install time, else the folder's content digest."""
    try:
        recorded = json.loads((package_dir / SIDECAR).read_text(encoding="utf-8")).get("sha256")
        if isinstance(recorded, str) and re.fullmatch(r"[0-9a-f]{64}", recorded):
            return recorded
    except (OSError, ValueError, AttributeError):
        pass
    return content_sha256(package_dir)


def _loaded(package_dir: Path, metadata: dict, sha256: str) -> LoadedModel:
    return LoadedModel(
        info=model_info(metadata, sha256, package_dir),
        model_dir=package_dir / "model",
        sp_model=package_dir / "sentencepiece.model",
        package_dir=package_dir,
    )


def loaded_ct2(folder: Path, layout: ModelLayout, sha256: str) -> LoadedModel:
    """A CTranslate2 folder (Marian, M2M-100, NLLB) of this layout, ready to load."""
    info = model_info(read_info(folder), sha256, folder, kind=layout.kind)
    return LoadedModel(info=info, model_dir=layout.model_dir, sp_model=layout.source_spm, package_dir=folder, layout=layout)


# ------------------------------------------------------------------------ what is installed


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
    return model_info(check_package_dir(child), _dir_sha256(child), child)


def _installed_ct2(child: Path) -> ModelInfo | None:
    """An installed CTranslate2 folder's info (None: an Argos package, scanned by _scan)."""
    layout = detect(child)
    if layout.kind == ARGOS:
        return None
    return loaded_ct2(child, layout, _dir_sha256(child)).info


def _scan() -> tuple[list[ModelInfo], list[str]]:
    """Complete ko->en packages (highest version first) and what is wrong with broken ones."""
    found, problems = _scan_folders(packages_dir(), _installed_package)
    found.sort(key=lambda i: version_key(i.version), reverse=True)
    return found, problems


def _scan_ct2() -> tuple[list[ModelInfo], list[str]]:
    """Installed CTranslate2 ko->en folders (by name) and what is wrong with broken ones."""
    return _scan_folders(models_dir(), _installed_ct2)


def status() -> list[ModelInfo]:
    """Installed, complete ko->en models (``path`` set): Argos packages, highest version
    first, then installed CTranslate2 folders by name."""
    return _scan()[0] + _scan_ct2()[0]


# ------------------------------------------------------------------------ loading


def load_model(spec: str | Path | None = None) -> LoadedModel:
    """The ko->en model to translate with.

    ``None``: the installed package (highest version), else the first installed CTranslate2
    folder. A path to a ``.argosmodel``: that archive, checked and extracted once into the
    cache, never installed (this is how the test fixture is used). A path to an extracted
    package folder or a CTranslate2 folder also works.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        installed, problems = _scan()
        if not installed:
            others, other_problems = _scan_ct2()
            if others:  # no Argos package, but a Marian/M2M-100/NLLB model is installed
                folder = Path(others[0].path or "")
                return loaded_ct2(folder, detect(folder), others[0].sha256)
            problems += other_problems
            raise ModelError(problems[0] if problems else NOT_INSTALLED)
        package_dir = Path(installed[0].path or "")
        metadata = check_package_dir(package_dir)
        return _loaded(package_dir, metadata, installed[0].sha256)
    path = Path(spec).expanduser()
    if path.is_dir():
        layout = detect(path)
        if layout.kind != ARGOS:
            return loaded_ct2(path, layout, _dir_sha256(path))
        metadata = check_package_dir(path)
        return _loaded(path, metadata, _dir_sha256(path))
    if not path.exists():
        raise ModelError(
            f"model file not found: {path}; pass a .argosmodel file, an extracted package folder or a CTranslate2 model folder"
        )
    archive = inspect_archive(path)
    check_pin(archive, path.name)
    package_dir = _cached_extraction(archive)
    metadata = check_package_dir(package_dir)
    return _loaded(package_dir, metadata, archive.sha256)


_TEMPORARY: dict[str, Path] = {}


def _extraction_for_this_run(archive: Archive, root: Path, exc: OSError) -> Path:
    """The cache is an optimisation: when it cannot be written, the archive is extracted once
    into a temporary folder removed when this process exits (with one warning)."""
    import atexit
    import shutil

    if archive.sha256 in _TEMPORARY:
        return _TEMPORARY[archive.sha256] / archive.top
    log.warning("cannot write the model cache %s (%s); extracting the model for this run only", root, exc.strerror or exc)
    try:
        folder = Path(tempfile.mkdtemp(prefix="publisher-model-"))
    except OSError as exc2:
        raise ModelError(f"cannot write to the model cache {root} nor a temporary folder: {exc2.strerror or exc2}; set PUBLISHER_CACHE_DIR to a writable folder") from None
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    try:
        extract(archive, folder / archive.top)
    except OSError as exc2:
        raise ModelError(f"cannot extract {archive.top} into {folder}: {exc2.strerror or exc2}") from None
    _TEMPORARY[archive.sha256] = folder
    return folder / archive.top


def _cached_extraction(archive: Archive) -> Path:
    """Extract ``archive`` into the cache once (``<cache_root>/<sha256>/<top>``, marked
    complete) and return its top folder. The extraction is staged and swapped in whole."""
    root = cache_root()
    final = root / archive.sha256

    def extracted() -> bool:
        return (final / CACHE_COMPLETE).exists() and (final / archive.top).is_dir()

    if extracted():
        return final / archive.top
    try:
        root.mkdir(parents=True, exist_ok=True)
        # Two builds starting at once must not both extract: the second would find the
        # first's folder and, taking it for an interrupted extraction, replace it in use.
        lock = FileLock(str(root / f".{archive.sha256}.lock"))
        lock.acquire(timeout=600)
    except OSError as exc:
        return _extraction_for_this_run(archive, root, exc)
    try:
        if not extracted():  # else another process extracted it while we waited
            # An extraction interrupted before it completed is replaced whole.
            with staged_dir(final, mode=0o700) as folder:
                extract(archive, folder / archive.top)
                (folder / CACHE_COMPLETE).write_text(archive.sha256 + "\n", encoding="utf-8")
    except OSError as exc:
        raise ModelError(f"cannot write to the model cache {root}: {exc.strerror or exc}") from None
    except OutputError as exc:
        raise ModelError(f"{exc}; set PUBLISHER_CACHE_DIR to a writable folder") from None
    finally:
        lock.release()
    return final / archive.top
