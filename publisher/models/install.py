"""Installing a model: an ``.argosmodel`` into the packages directory, a CTranslate2
folder (Marian, M2M-100, NLLB) into the models directory.

Every install is checked before anything is written (:mod:`publisher.models.archive` for
an archive, :func:`publisher.models.kinds.detect` and a trial load for a folder), then
built in a staged folder beside its place and swapped in whole
(:func:`publisher.fsutil.staged_dir`) while holding the directory's install lock. A
refused or failing install leaves the installed model as it was; leftovers of an install
killed half-way are tidied (or put back) by the next one.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from ..document import ModelError, ModelInfo, OutputError
from ..fsutil import clean_staging, staged_dir
from .archive import PinnedPackage, check_pin, extract, inspect_archive, is_fixture
from .kinds import ARGOS, detect, read_info
from .store import SIDECAR, check_package_dir, content_sha256, load_model, loaded_ct2, model_info, models_dir, packages_dir, status

log = logging.getLogger(__name__)

LOCK_NAME = ".publisher-install.lock"


def install_from_file(path: str | Path, *, expected: PinnedPackage | None = None, source_name: str | None = None) -> ModelInfo:
    """Check an .argosmodel and install it into :func:`~publisher.models.store.packages_dir`
    (a folder is handed to :func:`install_folder`).

    Refuses (ModelError, nothing changed) a damaged or hostile archive, another language
    pair, a pinned package whose checksum does not match, and the test fixture.
    ``expected`` forces the pin to check against (used after a download);
    ``source_name`` is the file name to report and match pins by.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        return install_folder(path)
    name = source_name or path.name
    archive = inspect_archive(path, display=name)
    if is_fixture(archive.metadata):
        raise ModelError(
            f"{name} is a test fixture, not a translator: fixtures are used with --model PATH "
            "and never installed"
        )
    if check_pin(archive, name, expected) is None:
        log.warning("%s is not a pinned package version; installing it unverified (sha256 %s)", name, archive.sha256)

    final = packages_dir() / archive.top
    with _installing(final, "packages directory", "ARGOS_PACKAGES_DIR") as new_dir:
        extract(archive, new_dir)
        _write_sidecar(new_dir, {"sha256": archive.sha256, "size": archive.size, "source": name})
        metadata = check_package_dir(new_dir)
        # test-loaded as folders are, before it replaces anything: a garbage model.bin under a
        # working model's name must not take its place
        verify_loadable(new_dir / "model", name)
    log.info("installed %s into %s", name, final)
    return model_info(metadata, archive.sha256, final)


def install_folder(folder: str | Path) -> ModelInfo:
    """Check a CTranslate2 model folder (Marian, M2M-100, NLLB) and copy it into
    :func:`~publisher.models.store.models_dir`.

    An Argos package folder is refused here (install its .argosmodel instead), as is a
    test fixture, and a model that does not load. The copy is checked against the
    folder's digest before it replaces an installed copy of the same name.
    """
    folder = Path(folder).expanduser()
    layout = detect(folder)
    if layout.kind == ARGOS:
        raise ModelError(f"{folder} is an extracted Argos package; install its .argosmodel file instead")
    if is_fixture(read_info(folder)):
        raise ModelError(f"{folder.name} is a test fixture, not a translator: fixtures are used with --model PATH and never installed")
    verify_loadable(layout.model_dir, folder.name, generator=layout.generator)
    sha256 = content_sha256(folder)
    final = models_dir() / folder.resolve().name
    with _installing(final, "models directory", "PUBLISHER_MODELS_DIR") as new_dir:
        shutil.copytree(folder, new_dir, symlinks=False, ignore=shutil.ignore_patterns(SIDECAR), dirs_exist_ok=True)
        _write_sidecar(new_dir, {"sha256": sha256, "kind": layout.kind, "source": str(folder)})
        if content_sha256(new_dir) != sha256:
            raise ModelError(f"{folder} changed while it was being copied; install it again")
    log.info("installed %s (%s) into %s", folder, layout.kind, final)
    return loaded_ct2(final, detect(final), sha256).info


def remember_model(spec: str | Path) -> ModelInfo | None:
    """Install a real model archive named on the command line (``brief --model FILE``), so
    that the next plain ``make brief`` finds it; returns what was installed, or None.

    A test fixture is never installed; a folder or an archive already installed is left
    as it is. The commands that build call this; loading a model (:func:`load_model`)
    never installs anything.
    """
    path = Path(spec)
    if not path.is_file():
        return None
    info = load_model(path).info
    if info.test_fixture or any(installed.sha256 == info.sha256 for installed in status()):
        return None
    return install_from_file(path)


def verify_loadable(model_dir: Path, label: str | None = None, *, generator: bool = False) -> None:
    """Load the CTranslate2 model once (catches a damaged model.bin before it is installed):
    a Translator, or a Generator for a decoder-only model; ModelError naming ``label``
    (default: the folder). The model installed before stays."""
    import ctranslate2

    try:
        (ctranslate2.Generator if generator else ctranslate2.Translator)(str(model_dir), device="cpu", intra_threads=1)
    except (RuntimeError, ValueError, OSError) as exc:
        first = " ".join(str(exc).split())[:200]
        raise ModelError(f"{label or model_dir} does not load as a CTranslate2 model ({first}); nothing was installed, the model installed before is kept") from None


@contextmanager
def _installing(final: Path, what: str, env: str) -> Iterator[Path]:
    """Holding the install lock of ``final``'s directory, yield a staged folder that
    replaces ``final`` whole when the block succeeds; on any error the installed model
    stays (ModelError saying what failed)."""
    root = final.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot write to the {what} {root}: {exc.strerror or exc}; set {env} to a writable folder") from None
    with FileLock(str(root / LOCK_NAME), timeout=600):
        try:
            # Leftovers of an install killed half-way (no other install is staging here
            # while we hold the lock): staged folders go, a model moved aside for its
            # replacement is put back if the new one never arrived.
            clean_staging(root)
            with staged_dir(final) as new_dir:
                yield new_dir
        except OSError as exc:  # shutil.Error (copytree) is an OSError too
            raise ModelError(f"cannot install into {root}: {exc.strerror or exc}") from None
        except OutputError as exc:
            raise ModelError(f"{exc}; set {env} to a writable folder") from None


def _write_sidecar(folder: Path, record: dict) -> None:
    """Record where an installed model came from (and its checksum) next to it."""
    record = {**record, "installed": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (folder / SIDECAR).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

