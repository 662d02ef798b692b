"""Finding, installing, verifying and loading ko->en models of every kind.

One job per module:

* :mod:`.kinds` - which kind of model a folder holds (Argos package, OPUS-MT Marian,
  M2M-100, NLLB), told from its files alone: :class:`ModelLayout`, :func:`detect`;
* :mod:`.archive` - checking an ``.argosmodel`` zip entry by entry, the pinned package
  checksums, extracting a checked archive;
* :mod:`.store` - where models live (:func:`packages_dir`, :func:`models_dir`,
  :func:`cache_root`), which are installed (:func:`status`), loading one
  (:func:`load_model` -> :class:`LoadedModel`);
* :mod:`.install` - installing an archive or a CTranslate2 folder (staged, swapped in
  whole, under a lock);
* :mod:`.index` - installing the pinned package from the Argos package index.

ctranslate2, sentencepiece and argostranslate are imported only where they are used.
"""

from .archive import PINNED_PACKAGES, PinnedPackage
from .index import OFFLINE, install_from_index
from .install import install_folder, install_from_file, remember_model, verify_loadable
from .kinds import KIND_LABELS, ModelLayout, detect
from .store import NOT_INSTALLED, SIDECAR, LoadedModel, cache_root, load_model, models_dir, packages_dir, status

__all__ = [
    "KIND_LABELS",
    "NOT_INSTALLED",
    "OFFLINE",
    "PINNED_PACKAGES",
    "SIDECAR",
    "LoadedModel",
    "ModelLayout",
    "PinnedPackage",
    "cache_root",
    "detect",
    "install_folder",
    "install_from_file",
    "install_from_index",
    "load_model",
    "models_dir",
    "packages_dir",
    "remember_model",
    "status",
    "verify_loadable",
]
