"""Links that look right when shared: a brief page's canonical URL, Open Graph and Twitter
card tags, its share image, and the site's ``sitemap.xml``.

Which URLs are absolute is decided per tag by what its specification accepts:

* ``<link rel="canonical">`` and ``<link rel="alternate" type="application/pdf">``: HTML
  resolves a relative href against the page (RFC 6596 allows a relative canonical), so they
  are relative (``brief.html``, ``brief.pdf``) without a base URL and absolute with one;
* ``og:url``, ``og:image`` and ``twitter:image``: the Open Graph protocol and Twitter cards
  want absolute URLs (the page's address is not known to whoever reads them), so they are
  left out when no base URL is configured;
* ``sitemap.xml``: sitemaps.org requires fully qualified ``<loc>`` URLs, so the sitemap is
  written only when a base URL is configured (see :func:`render_sitemap`).

The share image is the site's logo when it is a PNG (Open Graph consumers do not show SVG),
else a picture of the top of the PDF's first page (:func:`first_page_png`) in the brief's
folder as ``share.png``: rendered with pypdfium2 when installed (``publisher[share]``), else
with poppler's ``pdftoppm`` when on the PATH, else there is no image and the card is the
plain ``summary`` kind.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from .config import SiteConfig
    from .document import Brief

log = logging.getLogger(__name__)

SHARE_IMAGE = "share.png"
SHARE_WIDTH = 600  # pixels; cropped to the 1.91:1 of a large summary card (600 x 314)
SHARE_RATIO = 1.91
SITEMAP = "sitemap.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org); more: a sitemap index


@dataclass(frozen=True)
class Share:
    """What a brief page's <head> says to whoever fetches it for a preview."""

    canonical: str  # absolute with a base URL, else "brief.html"
    pdf: str  # the PDF's URL, same rule
    title: str  # og:title: the English title (the Korean one when there is none)
    description: str  # og:description: the lead English summary sentence
    site_name: str
    url: str | None = None  # og:url: absolute only
    image: str | None = None  # og:image / twitter:image: absolute only
    image_alt: str | None = None
    card: str = "summary"  # twitter:card
    published: str | None = None  # article:published_time (the article's date)


def logo_href(site: SiteConfig) -> str | None:
    """Where the newsroom's logo is served, relative to the site root (the theme copies it
    there: ``assets/theme/logo.png`` or ``.svg``, :func:`publisher.theme.copy_theme_assets`)."""
    from .theme import THEME_ASSETS, Theme

    name = Theme(site=site).logo_name
    return f"assets/{THEME_ASSETS}/{name}" if name is not None else None


def uses_page_image(site: SiteConfig) -> bool:
    """Whether a brief gets a ``share.png``: only when a card can point at it (a base URL) and
    the logo is not a PNG that does the job."""
    return bool(site.base_url) and not (site.logo is not None and site.logo.suffix.lower() == ".png")


def share_meta(brief: Brief, site: SiteConfig, slug: str, *, has_image: bool = False) -> Share:
    """The share tags of the brief published as ``<base>/<slug>/brief.html``."""
    base = site.base_url
    folder = f"{base}{quote(slug)}/" if base else ""
    image = None
    card = "summary"
    if base and site.logo is not None and site.logo.suffix.lower() == ".png":
        image = base + logo_href(site)
    elif base and has_image:
        image, card = folder + SHARE_IMAGE, "summary_large_image"
    title = brief.title_en or brief.title_ko
    return Share(
        canonical=folder + "brief.html",
        pdf=folder + "brief.pdf",
        title=title,
        description=brief.lead_en or title,
        site_name=site.name,
        url=folder + "brief.html" if base else None,
        image=image,
        image_alt=(f"The first page of the PDF brief “{title}”" if card == "summary_large_image" else f"{site.name} logo") if image else None,
        card=card,
        published=brief.date_iso,
    )


# ------------------------------------------------------------------ the share image


def first_page_png(pdf: bytes, width: int = SHARE_WIDTH) -> bytes | None:
    """The top of the PDF's first page as a ``width``-pixel PNG cropped to 1.91:1, or None
    when no renderer is installed (pypdfium2, else poppler's pdftoppm)."""
    from PIL import Image  # WeasyPrint's own dependency

    picture = _pdfium_page(pdf, width) or _pdftoppm_page(pdf, width)
    if picture is None:
        log.info("no share image: install publisher[share] (pypdfium2) or poppler-utils (pdftoppm)")
        return None
    with Image.open(io.BytesIO(picture)) as im:
        im = im.convert("RGB")
        scale = width / im.width
        if scale != 1:
            im = im.resize((width, round(im.height * scale)), Image.LANCZOS)
        im = im.crop((0, 0, width, min(im.height, round(width / SHARE_RATIO))))
        buf = io.BytesIO()
        im.save(buf, "PNG", optimize=True)
        return buf.getvalue()


def _pdfium_page(pdf: bytes, width: int) -> bytes | None:
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return None
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        bitmap = page.render(scale=width / page.get_width())
        buf = io.BytesIO()
        bitmap.to_pil().save(buf, "PNG")
        return buf.getvalue()
    finally:
        doc.close()


def _pdftoppm_page(pdf: bytes, width: int) -> bytes | None:
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory(prefix="publisher-share-") as tmp:
        src = os.path.join(tmp, "brief.pdf")
        Path(src).write_bytes(pdf)
        done = subprocess.run(
            [tool, "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to-x", str(width), "-scale-to-y", "-1", src, os.path.join(tmp, "page")],
            capture_output=True,
        )
        out = Path(tmp) / "page.png"
        if done.returncode != 0 or not out.is_file():
            log.warning("pdftoppm could not render the share image: %s", done.stderr.decode(errors="replace").strip())
            return None
        return out.read_bytes()


# ------------------------------------------------------------------ sitemap.xml


def render_sitemap(base: str, pages: Iterable[tuple[str, str | None]]) -> str:
    """A sitemaps.org ``<urlset>``: ``pages`` are (path under the site root, W3C date or None)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for path, lastmod in pages:
        loc = escape(base + path)
        lines.append(f"<url><loc>{loc}</loc><lastmod>{escape(lastmod)}</lastmod></url>" if lastmod else f"<url><loc>{loc}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def render_sitemap_index(base: str, names: Iterable[str]) -> str:
    """A sitemaps.org ``<sitemapindex>`` of the sitemap files ``names`` (a site over 50,000 pages)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    lines += [f"<sitemap><loc>{escape(base + n)}</loc></sitemap>" for n in names]
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"
