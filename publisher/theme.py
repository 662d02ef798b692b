"""A newsroom's look: its templates folder (the theme) and publisher.toml's ``[site]``.

:class:`Theme` is the one value render and the site receive for it (a plain, picklable
value: it travels to Ray tasks inside a render request). It says

* which folder overrides the packaged templates by name (``templates/`` beside
  ``publisher.toml``; :mod:`publisher.render` puts it first in a jinja2 ``ChoiceLoader``);
* what the masthead shows (:func:`site_view`: the ``site`` variable of every template);
* which static files go to ``out/assets/theme/`` (:func:`copy_theme_assets`: the folder's
  ``static/`` files and the logo);
* and its digest (:func:`theme_digest`), part of every brief's freshness inputs, so that a
  changed theme file or ``[site]`` setting rebuilds every brief and nothing else does.

With the defaults (no folder, default ``[site]``) pages are exactly the packaged look.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import SiteConfig
from .document import OutputError
from .fsutil import MISSING, fingerprint, write_if_changed

THEME_ASSETS = "theme"  # out/assets/theme/: the theme's static files and the logo
STATIC = "static"  # <theme>/static/: copied into out/assets/theme/
EXTRA_CSS = "extra.css"  # <theme>/static/extra.css: linked by the pages after the packaged CSS

DEFAULT_SITE = SiteConfig()

# [site] keys that only the index, the feed or the search index use: changing them rebuilds no brief.
SITE_ONLY_KEYS = frozenset({"feed_entries", "page_size", "search"})

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Theme:
    """The templates folder that overrides the packaged templates (None: none) and ``[site]``."""

    folder: Path | None = None
    site: SiteConfig = field(default_factory=SiteConfig)

    @classmethod
    def of(cls, settings) -> Theme:
        """The theme of a build's :class:`~publisher.building.settings.BuildSettings`."""
        return cls(settings.theme, settings.site)

    @property
    def static(self) -> Path | None:
        return self.folder / STATIC if self.folder is not None else None

    @property
    def logo_name(self) -> str | None:
        """The logo's name in ``out/assets/theme/`` (``logo.svg`` or ``logo.png``)."""
        logo = self.site.logo
        return f"logo{Path(logo).suffix.lower()}" if logo is not None else None

    @property
    def is_default(self) -> bool:
        return self.folder is None and self.site == DEFAULT_SITE


@dataclass(frozen=True)
class SiteView:
    """The ``site`` variable of every page template (see docs/templates.md)."""

    name: str  # the newsroom's name ([site].name)
    base_url: str | None  # the public address of out/, ending in "/" (None: not configured)
    source_label: str  # the Korean side's label ([site].source_label, default "한국어")
    target_label: str  # the English side's label ([site].target_label, default "English")
    logo: str | None  # the logo's address from this page (None: no logo)
    accent: str  # the accent colour, "#rrggbb"
    custom_accent: bool  # the accent differs from the packaged one: pages set --accent
    footer: str  # the footer text ("" : none)
    branded: bool  # a name or logo of the newsroom's own: the masthead shows the site bar
    home: str | None  # the index page's address from this page (None: none, e.g. in a PDF without base_url)
    extra_css: str | None  # the theme's static/extra.css from this page (None: the theme has none)


def site_view(theme: Theme | None, assets: str | None, home: str | None = None) -> SiteView:
    """The masthead's facts for a page whose assets are at ``assets`` (e.g. ``../assets``).

    ``assets=None``: a PDF page, which WeasyPrint reads from disk: the logo is the source
    file's ``file:`` URI and no theme CSS is linked (a theme styles its PDF with the
    ``extra_head`` block of brief_pdf.html.j2).
    """
    theme = theme or Theme()
    site = theme.site
    accent = site.accent if _HEX.match(site.accent or "") else DEFAULT_SITE.accent
    logo = None
    if site.logo is not None:
        logo = Path(site.logo).resolve().as_uri() if assets is None else f"{assets}/{THEME_ASSETS}/{theme.logo_name}"
    extra = None
    if assets is not None and theme.static is not None and (theme.static / EXTRA_CSS).is_file():
        extra = f"{assets}/{THEME_ASSETS}/{EXTRA_CSS}"
    if assets is None and home is None and site.base_url:
        home = site.base_url + "index.html"
    return SiteView(
        name=site.name,
        base_url=site.base_url,
        source_label=site.source_label,
        target_label=site.target_label,
        logo=logo,
        accent=accent.lower(),
        custom_accent=accent.lower() != DEFAULT_SITE.accent.lower(),
        footer=site.footer,
        branded=site.name != DEFAULT_SITE.name or logo is not None,
        home=home,
        extra_css=extra,
    )


def theme_digest(theme: Theme | None) -> str:
    """Every theme file, the logo's bytes and the ``[site]`` settings a brief shows: one digest."""
    theme = theme or Theme()
    h = hashlib.sha256()
    folder = theme.folder
    h.update(_folder_digest(folder).encode())
    h.update(b"\0")
    shown = {k: v for k, v in theme.site.model_dump(mode="json").items() if k not in SITE_ONLY_KEYS}
    h.update(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode())
    h.update(b"\0")
    h.update(fingerprint(Path(theme.site.logo) if theme.site.logo is not None else None).encode())
    return h.hexdigest()


def _folder_digest(folder: Path | None) -> str:
    """The files of a theme folder that change what a brief shows: its templates (``*.j2``,
    found by name) and ``static/``. A README or an ``.example`` file rebuilds nothing, and a
    folder with none of these is no theme (MISSING, as no folder)."""
    if folder is None or not Path(folder).is_dir():
        return MISSING
    folder = Path(folder)
    h = hashlib.sha256()
    count = 0
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if p.suffix == ".j2" or rel.parts[0] == STATIC:
            h.update(rel.as_posix().encode() + b"\0" + fingerprint(p).encode() + b"\0")
            count += 1
    return h.hexdigest() if count else MISSING


def check_logo(theme: Theme | None) -> None:
    """OutputError in one line when ``[site].logo`` names a file that cannot be read."""
    logo = (theme or Theme()).site.logo
    if logo is not None and not Path(logo).is_file():
        raise OutputError(f"site.logo {logo}: no such file; put the SVG or PNG there or fix [site].logo in publisher.toml")


def theme_files(theme: Theme | None) -> dict[str, Path]:
    """``{name under out/assets/theme/: source file}``: the theme's static files, then the logo."""
    theme = theme or Theme()
    files: dict[str, Path] = {}
    static = theme.static
    if static is not None and static.is_dir():
        for p in sorted(static.rglob("*")):
            rel = p.relative_to(static)
            if p.is_file() and not any(part.startswith(".") for part in rel.parts):
                files[rel.as_posix()] = p
    if theme.site.logo is not None:
        files[theme.logo_name] = Path(theme.site.logo)
    return files


def copy_theme_assets(assets: Path, theme: Theme | None) -> None:
    """Make ``assets/theme/`` hold exactly the theme's static files and logo.

    Each file is written atomically and only when it changed; a file the theme no longer
    has is removed (the folder belongs to the theme alone). No theme: no folder.
    """
    target = Path(assets) / THEME_ASSETS
    wanted = theme_files(theme)
    for name, src in wanted.items():
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise OutputError(f"cannot read the theme's file {src}: {exc.strerror or exc}") from None
        write_if_changed(target / name, data)
    if not target.is_dir():
        return
    for p in sorted(target.rglob("*"), reverse=True):  # files before their folders
        rel = p.relative_to(target).as_posix()
        try:
            if p.is_file() and rel not in wanted:
                p.unlink()
            elif p.is_dir() and not any(p.iterdir()):
                p.rmdir()
        except OSError:
            pass
    try:
        if not wanted:
            target.rmdir()
    except OSError:
        pass
