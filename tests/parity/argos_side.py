"""Argos Translate's side of `make parity` (runs in .venv-parity, with the full argostranslate).

Reads a JSON list of Korean texts, translates each one with Argos Translate 1.11's own
``apply_packaged_translation`` through the given package (a sentencizer that returns the
text unchanged, since publisher segments the same way), and writes the English as JSON.
The CTranslate2 translator is created exactly as Argos's PackageTranslation creates it,
from Argos's own settings.

usage: argos_side.py PACKAGE_DIR IN.json OUT.json
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    package_dir, src, dst = (Path(a) for a in argv)
    import os

    # Argos reads its settings at import: keep it away from the user's packages.
    os.environ.setdefault("ARGOS_PACKAGES_DIR", tempfile.mkdtemp(prefix="argos-parity-"))
    import ctranslate2
    from argostranslate import settings
    from argostranslate.package import Package
    from argostranslate.sbd import ISentenceBoundaryDetectionModel
    from argostranslate.translate import apply_packaged_translation

    class AsIs(ISentenceBoundaryDetectionModel):
        """The text is already one segment."""

        def split_sentences(self, text: str) -> list[str]:
            return [text]

    pkg = Package(package_dir)
    translator = ctranslate2.Translator(
        str(pkg.package_path / "model"),
        device=settings.device,
        inter_threads=settings.inter_threads,
        intra_threads=settings.intra_threads,
        compute_type=settings.compute_type,
    )
    texts = json.loads(src.read_text(encoding="utf-8"))
    out = [apply_packaged_translation(pkg, t, translator, AsIs(), num_hypotheses=1)[0].value for t in texts]
    import argostranslate

    info = {
        "argostranslate": getattr(argostranslate, "__version__", None) or _version("argostranslate"),
        "ctranslate2": ctranslate2.__version__,
        "compute_type": translator.compute_type,
        "beam_size": settings.beam_size,
        "batch_size": settings.batch_size,
    }
    dst.write_text(json.dumps({"info": info, "english": out}, ensure_ascii=False), encoding="utf-8")
    return 0


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
