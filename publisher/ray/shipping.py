"""Shipping the model to the nodes: one deterministic zip in the object store, checked and
unpacked once per node."""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

from filelock import FileLock

from ..document import ModelError, PublisherError
from ..fsutil import cache_dir, staged_dir

COMPLETE = ".complete"


def package_blob(package_dir: Path) -> bytes:
    """The model's package folder as one deterministic zip (stored, fixed dates, sorted names).

    Built in a temporary file, so the driver holds the package's bytes once, not twice.
    """
    package_dir = Path(package_dir)
    with tempfile.TemporaryFile() as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for p in sorted(package_dir.rglob("*")):
                if p.is_file():
                    info = zipfile.ZipInfo(f"{package_dir.name}/{p.relative_to(package_dir).as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
                    info.external_attr = 0o644 << 16
                    with open(p, "rb") as src, zf.open(info, "w") as dst:
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
        fh.seek(0)
        return fh.read()


def unpack_package(blob: bytes, digest: str, root: Path | None = None) -> Path:
    """Check ``blob`` against ``digest`` and unpack it once per node; return the package folder."""
    got = hashlib.sha256(blob).hexdigest()
    if got != digest:
        raise ModelError(
            f"the model package reached this node damaged (sha256 {got[:16]}..., expected {digest[:16]}...); "
            "the build cannot trust this node's translations"
        )
    root = Path(root) if root is not None else cache_dir("models", "ray")
    final = root / digest
    try:
        root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(root / f".{digest}.lock"), timeout=600):
            if not (final / COMPLETE).exists():
                with staged_dir(final, prefix=".unpack-") as staging:
                    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
                        zf.extractall(staging)
                    (staging / COMPLETE).write_text(digest + "\n", encoding="utf-8")
    except (OSError, PublisherError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ModelError(f"cannot unpack the model into {root}: {reason}; set PUBLISHER_CACHE_DIR to a writable folder") from None
    tops = [p for p in final.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise ModelError(f"the unpacked model in {final} has {len(tops)} top folders; delete {final} and run again")
    return tops[0]
