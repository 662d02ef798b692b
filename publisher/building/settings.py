"""What a build is told and what it reports: plain values that every part of the build shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SiteConfig
from ..decoding import TranslateSettings


@dataclass(frozen=True)
class BuildSettings:
    out_dir: Path = Path("out")
    model: str | None = None  # None: the installed ko->en model; else a model file or folder
    glossary: Path | None = None
    layout: str = "columns"
    summary_count: int | None = None
    decoding: TranslateSettings = field(default_factory=TranslateSettings)  # None is taken as the defaults
    force: bool = False  # rebuild even when nothing changed
    lock_timeout: float = 600.0
    keep_removed: bool = False  # keep briefs whose article is not in this run's inbox
    site: SiteConfig = field(default_factory=SiteConfig)  # publisher.toml's [site]: what readers see
    theme: Path | None = None  # the newsroom's templates/ folder: overrides the packaged templates by name
    strict: bool = False  # an inbox entry that is not an article is an error ([build].strict, brief --strict)

    def __post_init__(self) -> None:
        if self.decoding is None:  # the one place where "no decoding settings" becomes the defaults
            object.__setattr__(self, "decoding", TranslateSettings())


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # slugs of briefs already up to date (not rebuilt)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # inbox entries not read: (path, why)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # briefs unpublished: their article left the inbox
    stale_corrections: list[str] = field(default_factory=list)  # one summary line per corrections file
    warnings: list[str] = field(default_factory=list)
    site_error: str | None = None  # the index or feed could not be written (the previous ones stay)
    translation: dict = field(default_factory=dict)
    model: str | None = None
    test_model: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and self.site_error is None


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class Item:
    """One article to build: its file, its brief's folder and the digest of its inputs."""

    path: Path
    slug: str
    base: str
