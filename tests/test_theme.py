"""Themes and the masthead: a newsroom's templates folder and publisher.toml's [site].

The fast tests render the sample brief with the two test themes (tests/themes/, golden files
tests/golden/theme-*.html: ``make golden`` or UPDATE_GOLDEN=1 rewrites them), check the
loader, the errors, the digest, the static files and that docs/templates.md lists every
variable the templates receive. The module's builds (real CTranslate2 with the fixture
model, real WeasyPrint) make one newsroom folder with ``publisher init`` and edit it
(publisher.toml: a name, a logo, an accent colour and a footer; templates/ overriding one
block of brief.html.j2), and compare its briefs with the default look: headless Chromium
screenshots (the masthead differs, the bilingual full text is pixel-identical), pdftotext
and pdftoppm of the PDF's first page, the index, the rebuild rule and a broken template
through ``publisher brief``.

The module's two builds go through the library (``BuildSettings(theme=config.paths.templates,
site=config.site)`` from :func:`publisher.config.load_config`, as the CLI makes them); the
broken-template test runs ``publisher brief`` in the newsroom folder, which reads its
publisher.toml.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import math
import os
import pickle
import re
import shutil
import subprocess
import threading
from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURE_MODEL, REPO, chromium_driver, require_tool
from render_samples import sample_brief, three_briefs

from publisher.config import SiteConfig, load_config
from publisher.document import OutputError
from publisher.render import TEMPLATES_DIR, check_templates, environment, render_html, render_pdf_html, render_template
from publisher.theme import Theme, copy_theme_assets, site_view, theme_digest

THEMES = REPO / "tests" / "themes"
GOLDEN = REPO / "tests" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
LOGO = THEMES / "harbour-logo.svg"
ACCENT = "#1d4e89"
THEME_SITES = {
    "broadsheet": SiteConfig(name="The Harbour Herald", logo=LOGO, accent=ACCENT, footer="The Harbour Herald · 바다 신문, Incheon"),
    "minimal": SiteConfig(name="Quiet Post", accent="#2f6b3a", source_label="Korean", target_label="English"),
}

pytestmark = [pytest.mark.xdist_group("theme"), pytest.mark.isa_neutral]  # the module's builds and browser, once


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def check_golden(name: str, text: str) -> None:
    """The convention of tests/test_render.py: UPDATE_GOLDEN=1 rewrites, else compare."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run 'make golden' to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file; if the change is intended, run 'make golden' and review the diff"


def theme(name: str) -> Theme:
    return Theme(THEMES / name, THEME_SITES[name])


# ------------------------------------------------------------------ rendering with a theme


@pytest.mark.parametrize("name", sorted(THEME_SITES))
def test_theme_golden(name):
    first, second = render_html(sample_brief(), theme=theme(name)), render_html(sample_brief(), theme=theme(name))
    assert first == second, "rendering is not deterministic"
    check_golden(f"theme-{name}.html", first)


def test_the_two_themes_look_different_and_keep_the_body():
    pages = {name: soup(render_html(sample_brief(), theme=theme(name))) for name in THEME_SITES}
    broad, minimal = pages["broadsheet"], pages["minimal"]
    assert broad.select_one(".masthead .nameplate .nameplate-name").get_text() == "The Harbour Herald"
    assert broad.select_one(".nameplate-logo")["src"] == "../assets/theme/logo.svg"
    assert minimal.select_one(".masthead .quiet-bar").get_text() == "Quiet Post"
    assert minimal.select_one(".nameplate") is None and broad.select_one(".quiet-bar") is None
    assert minimal.select_one("footer.quiet-footer") is not None
    default = soup(render_html(sample_brief()))
    for page in pages.values():
        assert str(page.select_one("#fulltext").select_one(".blk")) == str(default.select_one("#fulltext").select_one(".blk"))
        assert page.select_one("link[href='../assets/theme/extra.css']") is not None


def test_default_settings_and_an_empty_theme_folder_are_the_packaged_look(tmp_path):
    packaged = render_html(sample_brief())
    assert packaged == (GOLDEN / "brief.html").read_text(encoding="utf-8")
    assert render_html(sample_brief(), theme=Theme()) == packaged
    # This repository's own templates/ holds only its README: the packaged look.
    assert render_html(sample_brief(), theme=Theme(REPO / "templates")) == packaged
    assert render_pdf_html(sample_brief(), theme=Theme(REPO / "templates")) == (GOLDEN / "brief-pdf-columns.html").read_text(encoding="utf-8")
    view = site_view(Theme(), "../assets")
    assert not view.branded and not view.custom_accent and view.logo is None and view.extra_css is None


def test_masthead_accent_labels_and_footer_from_site_settings():
    site = SiteConfig(name="Harbour <Herald>", accent="#0A7E8C", source_label="Korean", target_label="Anglais", footer="© 2026 <b>Harbour</b>")
    doc = soup(render_html(sample_brief(), theme=Theme(None, site)))
    bar = doc.select_one("header.masthead > .site-bar")
    assert bar.select_one(".site-name").get_text() == "Harbour <Herald>"  # escaped text, not markup
    assert bar.select_one("a.site-home")["href"] == "../index.html"
    assert ":root { --accent: #0a7e8c; }" in doc.find("style").get_text()
    assert [label.get_text() for label in doc.select(".viewswitch label")][1:] == ["Korean", "Anglais"]
    assert doc.select_one(".col-heads .ko").get_text() == "Korean 원문"
    assert "한국어" not in doc.select_one(".viewswitch").get_text()
    foot = doc.select(".page > footer")[-1]
    assert "site-footer" in foot["class"] and foot.get_text() == "© 2026 <b>Harbour</b>"
    pdf = soup(render_pdf_html(sample_brief(), theme=Theme(None, site)))
    assert pdf.select_one(".first-page .masthead .site-name").get_text() == "Harbour <Herald>"
    assert pdf.select_one("thead th").get_text() == "Korean 원문"
    assert pdf.select("body > footer")[-1].get_text() == "© 2026 <b>Harbour</b>"


def test_a_theme_overrides_by_name_and_reaches_the_packaged_template(tmp_path):
    (tmp_path / "index.html.j2").write_text("<!doctype html><title>{{ site.name }}</title><p>{{ entries | length }} briefs</p>\n", encoding="utf-8")
    t = Theme(tmp_path, SiteConfig(name="Own Index"))
    assert render_template("index.html.j2", t, entries=[1, 2], site=site_view(t, "assets")) == "<!doctype html><title>Own Index</title><p>2 briefs</p>\n"
    # publisher/NAME is always the packaged one; the other names fall through to the package.
    assert environment(t).get_template("publisher/index.html.j2").filename == str(TEMPLATES_DIR / "index.html.j2")
    assert environment(t).get_template("brief.html.j2").filename == str(TEMPLATES_DIR / "brief.html.j2")
    # One environment per theme folder, reused.
    assert environment(t) is environment(Theme(tmp_path)) and environment(t) is not environment()


def test_a_broken_template_is_one_line_naming_the_file_and_line(tmp_path):
    (tmp_path / "brief.html.j2").write_text('{% extends "publisher/brief.html.j2" %}\n{% block site_bar %}\n{% if site.name %}\n{% endblock %}\n', encoding="utf-8")
    with pytest.raises(OutputError) as err:
        check_templates(Theme(tmp_path))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'brief.html.j2'}:4: ") and message.endswith("fix the theme's template")

    (tmp_path / "brief.html.j2").write_text('{% extends "publisher/brief.html.j2" %}\n{% block site_bar %}\n\n<p>{{ site.nmae }}</p>\n{% endblock %}\n', encoding="utf-8")
    with pytest.raises(OutputError, match=re.escape(f"{tmp_path / 'brief.html.j2'}:4: template brief.html.j2 failed: ") + ".*nmae"):
        render_html(sample_brief(), theme=Theme(tmp_path))


def test_the_theme_digest_covers_its_files_the_logo_and_what_a_brief_shows(tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(THEMES / "broadsheet", folder)
    logo = tmp_path / "logo.svg"
    shutil.copy(LOGO, logo)
    site = SiteConfig(name="Herald", logo=logo)
    before = theme_digest(Theme(folder, site))
    assert theme_digest(Theme(folder, site)) == before  # nothing changed
    assert theme_digest(Theme(folder, site.model_copy(update={"feed_entries": 7, "page_size": 3}))) == before  # site pages only
    changes = {
        "a template": lambda: (folder / "brief.html.j2").write_text((folder / "brief.html.j2").read_text() + "\n", encoding="utf-8"),
        "a static file": lambda: (folder / "static" / "new.png").write_bytes(b"\x89PNG"),
        "the logo": lambda: logo.write_text(logo.read_text().replace("#f2c14e", "#f2c14f"), encoding="utf-8"),
    }
    seen = {before}
    for what, change in changes.items():
        change()
        now = theme_digest(Theme(folder, site))
        assert now not in seen, what
        seen.add(now)
    for update in ({"name": "Other"}, {"accent": "#000000"}, {"footer": "x"}, {"source_label": "Korean"}):
        assert theme_digest(Theme(folder, site.model_copy(update=update))) not in seen, update


def test_static_files_and_the_logo_are_copied_and_kept_in_step(tmp_path):
    from PIL import Image

    folder = tmp_path / "templates"
    shutil.copytree(THEMES / "minimal", folder)
    (folder / "static" / "img").mkdir()
    (folder / "static" / "img" / "rule.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    png = tmp_path / "Mark.PNG"
    Image.new("RGB", (8, 8), (47, 107, 58)).save(png)
    t = Theme(folder, SiteConfig(name="Quiet", logo=png))
    assets = tmp_path / "out" / "assets"
    copy_theme_assets(assets, t)
    got = sorted(p.relative_to(assets).as_posix() for p in assets.rglob("*") if p.is_file())
    assert got == ["theme/extra.css", "theme/img/rule.svg", "theme/logo.png"]
    assert (assets / "theme" / "logo.png").read_bytes() == png.read_bytes()
    assert site_view(t, "../assets").logo == "../assets/theme/logo.png"
    (folder / "static" / "img" / "rule.svg").unlink()
    copy_theme_assets(assets, t)
    assert not (assets / "theme" / "img").exists()
    copy_theme_assets(assets, Theme())
    assert not (assets / "theme").exists()
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_index_carries_the_masthead(tmp_path):
    from publisher.site import build_site

    out = tmp_path / "out"
    three_briefs(out)
    build_site(out, theme=theme("broadsheet"))
    doc = soup((out / "index.html").read_text(encoding="utf-8"))
    bar = doc.select_one("header.masthead > .site-bar")
    assert bar.select_one(".site-name").get_text() == "The Harbour Herald"
    assert (out / bar.select_one("img.site-logo")["src"]).read_bytes() == LOGO.read_bytes()
    assert f"--accent: {ACCENT}" in doc.find("style").get_text()
    assert doc.title.get_text().endswith(" · The Harbour Herald")
    assert doc.select_one(".site-footer-text").get_text() == THEME_SITES["broadsheet"].footer
    css = [link["href"] for link in doc.select("link[rel=stylesheet]") if not link["href"].startswith("pagefind/")]  # the search box's own
    assert css == ["assets/css/site.css", "assets/theme/extra.css"] and (out / css[1]).is_file()
    # A changed theme rewrites the pages; the same theme again rewrites none.
    again = build_site(out, theme=theme("broadsheet"))
    assert again.pages_written == []
    plain = build_site(out)
    assert "index.html" in plain.pages_written and soup((out / "index.html").read_text()).select_one(".site-bar") is None
    assert not (out / "assets" / "theme").exists()


def test_a_render_request_with_a_theme_travels_to_a_ray_task():
    from publisher.building.article import RenderRequest

    article = sample_brief().article
    request = RenderRequest(article, None, "x+y", None, "columns", theme("broadsheet"))
    back = pickle.loads(pickle.dumps(request))
    assert back == request and back.theme.site.logo == LOGO


# ------------------------------------------------------------------ docs/templates.md


DOC = REPO / "docs" / "templates.md"


def documented(section: str) -> set[str]:
    """The backticked names in the first column of the table under ``### section``."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"\n### {section}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", body, flags=re.M))


def test_docs_list_every_variable_each_template_receives(monkeypatch, tmp_path):
    """Two ways round: what render passes (recorded) is what the page lists, and every name a
    template reads (jinja2.meta) is documented."""
    from jinja2 import meta

    from publisher.site import Pager, build_site

    passed: dict[str, set[str]] = {}
    real = jinja2.Template.render

    def recording(self, *args, **kwargs):
        passed.setdefault(self.name, set()).update(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", recording)
    render_html(sample_brief())
    render_html(sample_brief(), editor=True)
    render_pdf_html(sample_brief())
    three_briefs(tmp_path)
    build_site(tmp_path)
    env = environment()
    glob = set(env.globals)
    assert glob == {"TEST_MODEL_BANNER", "range", "dict", "lipsum", "cycler", "joiner", "namespace"}
    assert documented("_parts.html.j2") == {"TEST_MODEL_BANNER"}
    for name in ("brief.html.j2", "brief_pdf.html.j2", "index.html.j2"):
        assert documented(name) == passed[name], f"docs/templates.md and what render passes to {name} differ"
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
        tree = env.parse(source)
        imported = {node.target for node in tree.find_all(jinja2.nodes.Import)}  # seen by blocks at run time
        missing = meta.find_undeclared_variables(tree) - imported - documented(name) - {"TEST_MODEL_BANNER"}
        assert not missing, f"{name} reads {sorted(missing)}, which docs/templates.md does not list"

    text = DOC.read_text(encoding="utf-8")
    from publisher.cards import Entry
    from publisher.theme import SiteView
    from publisher.views import View

    for prefix, cls in (("site", SiteView), ("v", View), ("e", Entry), ("pager", Pager)):
        for f in dataclasses.fields(cls):
            assert f"`{prefix}.{f.name}`" in text, f"docs/templates.md does not describe {prefix}.{f.name}"
    for block in re.findall(r"{%-?\s*block (\w+)", (TEMPLATES_DIR / "brief.html.j2").read_text()):
        assert f"| `{block}` |" in text, f"block {block} is not documented"


# ------------------------------------------------------------------ a newsroom, built


ARTICLE = """바다 소식

서울시는 새 공원을 개장했다. 시민들은 주말에 한강 공원을 찾았다.

부산시는 바다 축제를 연다. 오늘 서울은 맑고 따뜻하다.

지하철 요금이 다음 달부터 오른다. 버스 요금은 그대로 유지된다.
"""


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """A newsroom folder made by ``publisher init``, then edited: publisher.toml's [site] gets a
    name, a logo, an accent colour and a footer; templates/ gets the broadsheet theme
    (brief.html.j2 overrides the site_bar block, static/extra.css); articles/ one article."""
    from click.testing import CliRunner

    from publisher.cli import cli

    root = tmp_path_factory.mktemp("newsroom") / "herald"
    made = CliRunner().invoke(cli, ["init", str(root)])
    assert made.exit_code == 0, made.output
    for sample in (root / "articles").iterdir():
        sample.unlink()
    (root / "articles" / "harbour.ko.txt").write_text(ARTICLE, encoding="utf-8")
    shutil.copytree(THEMES / "broadsheet", root / "templates", dirs_exist_ok=True)
    shutil.copy(LOGO, root / "logo.svg")
    toml = (root / "publisher.toml").read_text(encoding="utf-8")
    for default, mine in (
        ('# name = "publisher"', 'name = "The Harbour Herald"'),
        ('# logo = ""', 'logo = "logo.svg"'),
        ('# accent = "#b3261e"', 'accent = "#1d4e89"'),
        ('# footer = ""', 'footer = "The Harbour Herald, Incheon"'),
    ):
        assert toml.count(default) == 1, default
        toml = toml.replace(default, mine)
    (root / "publisher.toml").write_text(toml, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def builds(newsroom, fixture_model, tmp_path_factory):
    """The same inbox built twice: the default look (sites/plain) and the newsroom's (sites/herald)."""
    from publisher.building import BuildSettings, build

    sites = tmp_path_factory.mktemp("sites")
    config = load_config(newsroom / "publisher.toml")
    assert config.paths.templates == newsroom / "templates" and config.site.logo == newsroom / "logo.svg"
    settings = {
        "plain": BuildSettings(out_dir=sites / "plain", model=str(fixture_model)),
        "herald": BuildSettings(out_dir=sites / "herald", model=str(fixture_model), theme=config.paths.templates, site=config.site),
    }
    with pytest.MonkeyPatch.context() as mp:  # the memory and card index go to a test cache, never the user's
        mp.setenv("PUBLISHER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        for name, s in settings.items():
            report = build([newsroom / "articles"], s)
            assert report.ok and report.built == ["harbour"], (name, report.failed, report.site_error)
        yield sites, settings, mp


@pytest.mark.slow
def test_built_brief_links_the_theme_and_its_files(builds, newsroom):
    sites, _, _ = builds
    page = soup((sites / "herald" / "harbour" / "brief.html").read_text(encoding="utf-8"))
    assert [link["href"] for link in page.select("link[rel=stylesheet]")] == ["../assets/css/brief.css", "../assets/theme/extra.css"]
    assert page.select_one(".nameplate-name").get_text() == "The Harbour Herald"
    theme_dir = sites / "herald" / "assets" / "theme"
    assert sorted(p.name for p in theme_dir.iterdir()) == ["extra.css", "logo.svg"]
    assert (theme_dir / "logo.svg").read_bytes() == (newsroom / "logo.svg").read_bytes()
    assert not (sites / "plain" / "assets" / "theme").exists()
    assert soup((sites / "herald" / "index.html").read_text()).select_one(".site-name").get_text() == "The Harbour Herald"


@pytest.mark.slow
def test_pdf_first_page_carries_the_masthead(builds, tmp_path):
    from PIL import Image

    require_tool("pdftoppm")
    sites, _, _ = builds

    def first_page(site: str) -> tuple[str, Image.Image]:
        pdf = sites / site / "harbour" / "brief.pdf"
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        prefix = tmp_path / site
        subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-singlefile", "-png", str(pdf), str(prefix)], check=True)
        return text, Image.open(f"{prefix}.png").convert("RGB")

    def accent_pixels(img: Image.Image, top: float) -> int:
        r0, g0, b0 = (int(ACCENT[i : i + 2], 16) for i in (1, 3, 5))
        box = img.crop((0, 0, img.width, int(img.height * top)))
        return sum(1 for r, g, b in box.get_flattened_data() if abs(r - r0) + abs(g - g0) + abs(b - b0) < 40)

    text, img = first_page("herald")
    plain_text, plain_img = first_page("plain")
    assert "The Harbour Herald" in text and "The Harbour Herald" not in plain_text
    assert accent_pixels(img, 0.25) > 150, "the accent colour is not in the masthead"
    assert accent_pixels(plain_img, 1.0) == 0


def _shot(driver, selector: str, *, at_top: bool = False):
    """A screenshot of the element's box (whole pixels: a clip from x=32.25 would resample its edge).

    ``at_top``: first paint the element less than a pixel lower, so that it starts on a whole
    pixel, and scroll it to the top of the window: text is rasterized relative to the pixel
    grid and dotted rules relative to the screen, so the same element laid out from y=622.94
    and from y=851.59 differs in its anti-aliasing although nothing about it changed.
    (Relative positioning moves the painting only; the layout inside stays as it was.)
    """
    from PIL import Image

    if at_top:
        driver.execute_script(
            "const e = document.querySelector(arguments[0]); const top = e.getBoundingClientRect().top + window.scrollY;"
            "e.style.position = 'relative'; e.style.top = (Math.ceil(top) - top) + 'px'; window.scrollTo(0, Math.ceil(top));",
            selector,
        )
    x, y, w, h = driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];",
        selector,
    )
    left, top = math.floor(x), math.floor(y)
    clip = {"x": left, "y": top, "width": math.ceil(x + w) - left, "height": math.ceil(y + h) - top, "scale": 1}
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": not at_top})
    return Image.open(io.BytesIO(base64.b64decode(data["data"]))).convert("RGB")


@pytest.mark.slow
@pytest.mark.browser
def test_screenshots_masthead_differs_and_the_bilingual_body_is_identical(builds, tmp_path_factory):
    from PIL import ImageChops

    from publisher.serve import make_server

    sites, _, _ = builds
    server = make_server(sites, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shots = {}
    try:
        for driver in chromium_driver(tmp_path_factory.mktemp("chrome-profile")):
            for site in ("plain", "herald"):
                driver.get(f"{base}{site}/harbour/brief.html")
                driver.execute_async_script("document.fonts.ready.then(() => arguments[arguments.length - 1]())")
                shots[site] = {"masthead": _shot(driver, "header.masthead"), "body": _shot(driver, "#fulltext", at_top=True)}
                assert driver.execute_script("return getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()") == (
                    ACCENT if site == "herald" else "#b3261e"
                )
                assert driver.execute_script("return document.querySelector('.nameplate-logo')?.naturalWidth || 0") == (64 if site == "herald" else 0)
    finally:
        server.shutdown()
        server.server_close()
    plain, herald = shots["plain"], shots["herald"]
    assert plain["body"].size == herald["body"].size and plain["body"].height > 200
    assert ImageChops.difference(plain["body"], herald["body"]).getbbox() is None, "the bilingual body changed with the theme"
    masthead_differs = plain["masthead"].size != herald["masthead"].size or ImageChops.difference(plain["masthead"], herald["masthead"]).getbbox()
    assert masthead_differs, "the masthead looks the same with the theme"
    assert herald["masthead"].height > plain["masthead"].height  # the nameplate above the titles


@pytest.mark.slow
def test_a_broken_theme_template_through_publisher_brief(builds, newsroom, monkeypatch):
    """One ``Error:`` line naming the theme's file and line, non-zero exit, the briefs in place."""
    from click.testing import CliRunner

    from publisher.cli import cli

    sites, _, _ = builds
    theme_file = newsroom / "templates" / "brief.html.j2"
    good = theme_file.read_text(encoding="utf-8")
    before = {p: p.read_bytes() for p in (sites / "herald" / "harbour").iterdir()}
    monkeypatch.chdir(newsroom)  # publisher.toml here: [site] and templates/ come from it
    line = good.splitlines().index(next(x for x in good.splitlines() if "{{ site.name }}" in x)) + 1
    for broken, says in (("{{ site.name | nosuchfilter }}", "nosuchfilter"), ("{{ site.nmae }}", "has no attribute 'nmae'")):  # parse, render
        try:
            theme_file.write_text(good.replace("{{ site.name }}", broken), encoding="utf-8")
            result = CliRunner().invoke(cli, ["brief", "articles", "-o", str(sites / "herald"), "--model", str(FIXTURE_MODEL)])
        finally:
            theme_file.write_text(good, encoding="utf-8")
        lines = result.stderr.strip().splitlines()
        assert result.exit_code != 0 and len(lines) == 1, result.stderr
        assert lines[0].startswith(f"Error: {theme_file}:{line}: template brief.html.j2 failed: ") and says in lines[0], lines[0]
        assert lines[0].endswith("fix the theme's template") and "Traceback" not in result.output
        assert {p: p.read_bytes() for p in (sites / "herald" / "harbour").iterdir()} == before
    # Mended, the command finds the brief current: its settings from publisher.toml are the library build's.
    result = CliRunner().invoke(cli, ["brief", "articles", "-o", str(sites / "herald"), "--model", str(FIXTURE_MODEL)])
    assert result.exit_code == 0 and "unchanged, not rebuilt: harbour" in result.output, result.output + result.stderr


@pytest.mark.slow
def test_a_theme_change_rebuilds_every_brief_and_nothing_else_does(builds, newsroom):
    from publisher.building import build

    sites, settings, _ = builds
    herald = settings["herald"]
    again = build([newsroom / "articles"], herald)
    assert again.built == [] and again.skipped == ["harbour"]
    extra = newsroom / "templates" / "static" / "extra.css"
    extra.write_text(extra.read_text(encoding="utf-8") + "\n.nameplate-motto { color: #ffe; }\n", encoding="utf-8")
    changed = build([newsroom / "articles"], herald)
    assert changed.built == ["harbour"]
    assert "#ffe" in (sites / "herald" / "assets" / "theme" / "extra.css").read_text(encoding="utf-8")
    renamed = dataclasses.replace(herald, site=herald.site.model_copy(update={"name": "The Harbour Gazette"}))
    assert build([newsroom / "articles"], renamed).built == ["harbour"]
    assert "The Harbour Gazette" in (sites / "herald" / "harbour" / "brief.html").read_text(encoding="utf-8")
    assert build([newsroom / "articles"], renamed).built == []
