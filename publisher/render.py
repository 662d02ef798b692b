"""Brief -> bilingual HTML page, editor page and PDF (jinja2 + WeasyPrint).

The templates get a *view* of the brief (:mod:`publisher.views`): every piece of article
text is escaped by jinja2's autoescaping (footnote markers become links only after
escaping), so nothing an article contains can turn into markup, a template expression or
a script.

Layout of an output folder::

    out/assets/css/*.css, out/assets/fonts/BriefGothic-*.ttf (+ OFL.txt)
    out/<slug>/brief.html, editor.html, brief.pdf, brief.json

Pages link their assets relatively (``../assets/...``): the folder can be served from
anywhere or opened from disk, and a page never asks another host for anything.
"""

from __future__ import annotations

import atexit
import logging
import os
from contextlib import ExitStack
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2

from .document import BRIEF_JSON, Brief, OutputError, brief_json
from .fsutil import safe_slug, tree_sha256, write_if_changed
from .theme import Theme, check_logo, copy_theme_assets, site_view
from .views import View, build_view, document_meta, keep_view_words
from .wellformed import check_text

if TYPE_CHECKING:
    from .share import Share

log = logging.getLogger(__name__)


def _templates_dir() -> Path:
    """The package's templates, stylesheets and fonts (package data, found with importlib.resources).

    An installed package is a folder, so this is a plain path; from a zipped install the
    folder is extracted once for the life of the process (WeasyPrint and jinja2 read files).
    """
    found = resources.files(__package__) / "templates"
    if isinstance(found, Path):
        return found
    stack = ExitStack()
    atexit.register(stack.close)
    return Path(stack.enter_context(resources.as_file(found)))


TEMPLATES_DIR = _templates_dir()
CSS_DIR = TEMPLATES_DIR / "css"
FONTS_DIR = TEMPLATES_DIR / "fonts"
LAYOUTS = ("columns", "interleaved")
FONT_FILES = (
    "BriefGothic-Regular.ttf",
    "BriefGothic-Bold.ttf",
    "BriefHanja-Regular.ttf",
    "BriefEmoji-Regular.ttf",
    "OFL.txt",
    "OFL-NotoEmoji.txt",
    "README.md",
)
CSS_FILES = ("fonts.css", "brief.css", "site.css")

TEST_MODEL_BANNER = "Test model, not a translation"
PACKAGE_PREFIX = "publisher"  # "publisher/brief.html.j2": the packaged template, even where a theme overrides it


# ------------------------------------------------------------------ templates


def templates_digest() -> str:
    """A digest of every template, stylesheet and font: a change to any of them rebuilds every brief."""
    return tree_sha256(TEMPLATES_DIR)


def _loader(folder: str | None) -> jinja2.BaseLoader:
    """The packaged templates, with a theme folder's templates first (by name) when given.

    ``publisher/NAME`` always names the packaged template, so a theme's ``brief.html.j2``
    can extend the one it replaces: ``{% extends "publisher/brief.html.j2" %}``.
    """
    package = jinja2.FileSystemLoader(str(TEMPLATES_DIR))
    if folder is None:
        return package
    return jinja2.ChoiceLoader([jinja2.PrefixLoader({PACKAGE_PREFIX: package}), jinja2.FileSystemLoader(folder), package])


@lru_cache(maxsize=16)
def _env(folder: str | None = None) -> jinja2.Environment:
    """The jinja2 environment of one theme folder (None: the packaged templates alone), one per
    folder and process: autoescaping for every template, undefined names are errors. Its
    loaders notice a template changed on disk (a long-running desk or service sees edits)."""
    env = jinja2.Environment(
        loader=_loader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["TEST_MODEL_BANNER"] = TEST_MODEL_BANNER
    return env


def environment(theme: Theme | None = None) -> jinja2.Environment:
    """The environment that renders with ``theme``'s templates folder (default: the package's)."""
    folder = theme.folder if theme is not None else None
    return _env(os.fspath(folder) if folder is not None else None)  # the path as given: no syscalls per page


def _where(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line an exception in jinja2 came from (innermost template frame)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or exc.name, exc.lineno
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):  # jinja2 rewrites the traceback: template frames carry the file
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def template_error(template: str, exc: BaseException, theme: Theme | None = None) -> OutputError:
    """One line naming the template file (the theme's own path when it came from the theme) and line."""
    filename, line = _where(exc)
    if isinstance(exc, jinja2.TemplateNotFound):
        filename, line = None, None
        message = f"template {exc.name} not found"
    else:
        message = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    place = f"{filename}:{line}" if filename and line else (filename or template)
    folder = theme.folder if theme is not None else None
    in_theme = bool(filename and folder is not None and Path(filename).resolve().is_relative_to(Path(folder).resolve()))
    fix = "fix the theme's template" if in_theme or folder is not None and filename is None else "reinstall publisher (its templates are incomplete)"
    return OutputError(f"{place}: template {template} failed: {message}; {fix}")


def render_template(template: str, theme: Theme | None = None, **context: Any) -> str:
    """A page from a template of ``theme``'s folder or the package (autoescaped); OutputError
    (one line: template file and line) when it fails to parse or render."""
    try:
        return environment(theme).get_template(template).render(**context)
    except Exception as exc:  # a theme's template may raise anything: none may reach the editor raw
        raise template_error(template, exc, theme) from None


def render_html(brief: Brief, editor: bool = False, *, view: View | None = None, theme: Theme | None = None, share: Share | None = None) -> str:
    """The reader's page (or, with ``editor=True``, the editor's page with quality flags).

    ``view``: the brief's view when the caller already built it (both pages share one).
    ``theme``: the newsroom's templates folder and ``[site]`` (default: the packaged look).
    ``share``: the canonical URL, Open Graph and Twitter card tags of the reader's page
    (:mod:`publisher.share`); None leaves them out (the editor's page, golden files).
    """
    view = view or build_view(brief)
    return render_template(
        "brief.html.j2",
        theme,
        v=view,
        meta=document_meta(view),
        editor=editor,
        share=share,
        assets="../assets",
        generator=f"publisher {brief.publisher_version or ''}".strip(),
        site=site_view(theme, "../assets", "../index.html"),
    )


def render_pdf_html(brief: Brief, layout: str = "columns", theme: Theme | None = None) -> str:
    """The HTML that WeasyPrint lays out for the PDF."""
    if layout not in LAYOUTS:
        raise OutputError(f"unknown layout {layout!r}; use one of: {', '.join(LAYOUTS)}")
    view = build_view(brief)
    meta = document_meta(view)  # plain text, before the Korean words get their spans
    keep_view_words(view)
    return render_template(
        "brief_pdf.html.j2",
        theme,
        v=view,
        meta=meta,
        layout=layout,
        generator=f"publisher {brief.publisher_version or ''}".strip(),
        site=site_view(theme, None),
    )


def check_templates(theme: Theme | None = None) -> None:
    """Before a build: every template of ``theme`` and the package parses, and the pages render
    for an empty brief; else one OutputError line naming the template file and line."""
    check_logo(theme)
    env = environment(theme)
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        try:
            env.get_template(name)
        except Exception as exc:
            raise template_error(name, exc, theme) from None
    from .document import Article

    empty = Brief(article=Article(slug="theme-check", source="theme-check.txt", title="theme check"))
    render_html(empty, theme=theme)
    render_html(empty, editor=True, theme=theme)
    render_pdf_html(empty, theme=theme)


# ------------------------------------------------------------------ PDF


def _local_fetcher(*allowed: Path):
    """A WeasyPrint URL fetcher that reads only files under templates/ (and ``allowed``: the
    theme folder, the logo): nothing else, no network."""
    from weasyprint.urls import URLFetcher

    roots = (TEMPLATES_DIR.resolve(), *(Path(p).resolve() for p in allowed))

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise ValueError(f"refusing to fetch {url}: briefs use local files only")
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise ValueError(f"refusing to read {path}: outside the templates folder")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=["file"])


@lru_cache(maxsize=1)
def _pdf_resources():
    """Font configuration and parsed print stylesheet, shared by every PDF in a process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    fetcher = _local_fetcher()
    css = CSS(filename=str(CSS_DIR / "print.css"), font_config=font_config, url_fetcher=fetcher)
    # Release the font configuration while the interpreter is still whole: left to the
    # final teardown, its __del__ can fail noisily ("Exception ignored in ...").
    atexit.register(_pdf_resources.cache_clear)
    return font_config, css, fetcher


PDF_VARIANTS = ("none", "pdf/a-3u", "pdf/ua-1")  # [site].pdf_variant, --pdf-variant


@lru_cache(maxsize=16)
def _theme_fetcher(allowed: tuple[Path, ...]):
    return _local_fetcher(*allowed)


def render_pdf(brief: Brief, layout: str = "columns", theme: Theme | None = None) -> bytes:
    """An A4 PDF of the brief: page one titles + summary, then the aligned full text, notes.

    Tagged (a structure tree for screen readers), with title/author/subject/keywords/language
    metadata and an outline, whatever the ``variant``: "none" claims no conformance;
    "pdf/a-3u" (archival: XMP identification, sRGB output intent) and "pdf/ua-1"
    (accessible) are WeasyPrint's own variants. The fonts are always embedded (subset).
    """
    variant = theme.site.pdf_variant if theme is not None else "none"
    if variant not in PDF_VARIANTS:
        raise OutputError(f"unknown PDF variant {variant!r}; use one of: {', '.join(PDF_VARIANTS)}")
    html_text = render_pdf_html(brief, layout, theme)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango/cairo libraries missing
        raise OutputError(f"WeasyPrint is not usable ({exc}); install the Pango libraries (Debian: libpango-1.0-0 libpangoft2-1.0-0) and rerun 'make brief'") from None
    font_config, css, fetcher = _pdf_resources()
    if theme is not None and (theme.folder is not None or theme.site.logo is not None):
        allowed = tuple(Path(p) for p in (theme.folder, theme.site.logo) if p is not None)
        fetcher = _theme_fetcher(allowed)
    doc = HTML(string=html_text, base_url=str(CSS_DIR) + "/", url_fetcher=fetcher)
    try:
        return doc.write_pdf(
            stylesheets=[css],
            font_config=font_config,
            pdf_variant=None if variant == "none" else variant,
            pdf_tags=True,
            uncompressed_pdf=False,
        )
    except Exception as exc:  # WeasyPrint raises many kinds; none may reach the editor raw
        log.debug("WeasyPrint failed", exc_info=True)
        raise OutputError(f"PDF rendering failed for {brief.article.slug}: {type(exc).__name__}: {exc}") from None


# ------------------------------------------------------------------ output folder


def copy_assets(out_dir: Path, theme: Theme | None = None) -> Path:
    """Copy the stylesheets and bundled fonts to ``out_dir/assets``, and the theme's static files
    and logo to ``out_dir/assets/theme`` (atomically, only when changed)."""
    assets = Path(out_dir) / "assets"
    pairs = [(CSS_DIR / n, assets / "css" / n) for n in CSS_FILES]
    pairs += [(FONTS_DIR / n, assets / "fonts" / n) for n in FONT_FILES]
    for src, dst in pairs:
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise OutputError(f"cannot read {src}: {exc.strerror or exc}; reinstall publisher (its templates are incomplete)") from None
        write_if_changed(dst, data)
    copy_theme_assets(assets, theme)
    return assets


def render_brief_files(brief: Brief, layout: str = "columns", theme: Theme | None = None) -> tuple[tuple[str, bytes], ...]:
    """The files of one brief's folder as ``(name, bytes)``, ``brief.json`` last.

    ``theme``: the newsroom's templates folder and ``[site]`` (default: the packaged look and
    the default [site]): the look, the PDF variant, and the brief page's share tags with its
    share image (:mod:`publisher.share`).

    Every HTML page is parsed back first (:func:`publisher.wellformed.check_text`): a page
    that would not parse is an OutputError here, wherever the rendering runs (this process
    or a Ray task), and nothing is written. ``brief.json`` comes last because it carries
    the inputs hash that lets the next build skip this brief: the writer
    (``building.publish.write_brief_folder``) writes in this order, so it never describes files
    that were not written.
    """
    from .share import SHARE_IMAGE, first_page_png, share_meta, uses_page_image

    site = (theme or Theme()).site
    slug = safe_slug(brief.article.slug)
    what = f"article {slug}"
    view = build_view(brief)  # the PDF builds its own: it glues Korean words in its copy
    editor = check_text("editor.html", render_html(brief, editor=True, view=view, theme=theme), what)
    pdf = render_pdf(brief, layout, theme)
    image = first_page_png(pdf) if uses_page_image(site) else None  # the share image needs the PDF
    share = share_meta(brief, site, slug, has_image=image is not None)
    html = check_text("brief.html", render_html(brief, view=view, theme=theme, share=share), what)
    files = [("brief.pdf", pdf)]
    if image is not None:
        files.append((SHARE_IMAGE, image))
    files += [("editor.html", editor.encode("utf-8")), ("brief.html", html.encode("utf-8")), (BRIEF_JSON, brief_json(brief).encode("utf-8"))]
    return tuple(files)
