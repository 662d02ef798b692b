"""Headless Chromium against the real `publisher desk` (a subprocess on 127.0.0.1, fixture model).

An editor's journeys: find the flagged segment with the keyboard, correct it, save,
republish and see the correction in brief.html, the PDF and the index; revert and see the
machine English back everywhere; a change to the corrections file behind the page's back;
article text with markup in it stays inert; the page at a narrow width.

Set DESK_SCREENSHOTS=/some/dir to keep screenshots of the review page (wide and narrow).
"""

from __future__ import annotations

import html as htmllib
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import chromium_driver, requested_urls, require_tool, wait_until
from desk_support import (
    seeded_desk,
    FLAGGED_EN,
    FLAGGED_KO,
    HOSTILE_EN,
    HOSTILE_KO,
    STORED,
    corrections_rows,
)

from publisher.building import corrections_path

# one worker: one desk and one Chromium for the module
# The desk's English is all stored in the memory beforehand (desk_support.seeded_desk): nothing the
# fixture writes is asserted, so these are left out of the GENERIC pass.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("desk-browser"), pytest.mark.isa_neutral]

NO_KOREAN_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><pattern><patelt name="lang"><string>ko</string></patelt></pattern></rejectfont></selectfont>
</fontconfig>
"""
CORRECTION = "The district office will collect riders' views again next month."


@pytest.fixture(scope="module")
def desk(fixture_model, tmp_path_factory):
    """A running desk on a seeded inbox; it runs the fixture model for what the memory does not hold."""
    with seeded_desk(tmp_path_factory.mktemp("desk-browser")) as desk:
        yield desk


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Chromium that sees no Korean system font (the system's fontconfig with every font that
    covers Korean rejected; with no font at all Chromium loads no web font either): every
    Hangul glyph on the desk must come from the fonts the desk serves."""
    conf = tmp_path_factory.mktemp("fontconfig") / "fonts.conf"
    conf.write_text(NO_KOREAN_FONTCONFIG)
    saved = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(conf)  # inherited by chromedriver and Chromium
    try:
        driver = chromium_driver(tmp_path_factory.mktemp("chrome-profile"), page_load_timeout=60)
        first = next(driver)
    finally:
        if saved is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = saved
    first.fontconfig_file = conf
    yield first
    driver.close()


# --------------------------------------------------------------------------- helpers


def keys(driver, *combo):
    """Press a key combination (modifiers first) on whatever has the focus."""
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    *mods, key = combo
    for m in mods:
        chain = chain.key_down(m)
    chain = chain.send_keys(key)
    for m in reversed(mods):
        chain = chain.key_up(m)
    chain.perform()


def active_id(driver) -> str:
    return driver.execute_script("return document.activeElement && document.activeElement.id")


def status_text(driver) -> str:
    return driver.execute_script("return document.getElementById('status').textContent")


def wait_status(driver, needle: str, timeout: float = 60) -> str:
    return wait_until(lambda: needle in status_text(driver) and status_text(driver), timeout, f"status {needle!r} (now {status_text(driver)!r})")


def republish(driver, timeout: float = 180) -> None:
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("document.getElementById('published').innerHTML = ''")
    keys(driver, Keys.ALT, "p")
    wait_until(lambda: driver.execute_script("return !!document.querySelector('#published .fresh-brief')"), timeout, "the republished brief")


def pdf_text(pdf: Path) -> str:
    require_tool("pdftotext")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def index_entry(out: Path, slug: str) -> str:
    """The <article> of the index that links to the slug's brief."""
    page = (out / "index.html").read_text(encoding="utf-8")
    for part in page.split("<article>")[1:]:
        if f'href="{slug}/brief.html"' in part:
            return part.split("</article>")[0]
    raise AssertionError(f"{slug} is not on the index")


def brief_text(out: Path, slug: str) -> str:
    return htmllib.unescape((out / slug / "brief.html").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- tests


def test_correct_with_the_keyboard_republish_then_revert(desk, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, out, inbox = desk["url"], desk["out"], desk["inbox"]
    flagged = next(i for i, ko in desk["ids"].items() if ko == FLAGGED_KO)
    target = corrections_path(inbox / "village-bus.md")
    if target.exists():
        target.unlink()
    requested_urls(browser)

    # The desk lists the article; follow it to its review page.
    browser.get(url)
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-slug="village-bus"] .flagged-count'), 60, "the article's state")
    wait_until(lambda: browser.execute_script("return document.fonts.status === 'loaded'"), 20, "the fonts")
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-slug="village-bus"]')
    assert row.find_element(By.CSS_SELECTOR, ".flagged-count").text == "1"
    row.find_element(By.CSS_SELECTOR, "a.review").click()
    wait_until(lambda: browser.execute_script("return !!window.htmx"), 20, "htmx loaded")
    assert browser.find_elements(By.CSS_SELECTOR, "li.row.flagged") and len(browser.find_elements(By.CSS_SELECTOR, "li.row.flagged")) == 1
    reasons = browser.find_element(By.CSS_SELECTOR, f'li[data-seg="{flagged}"] .reasons').text
    assert "Korean letters were left in the English" in reasons
    # Footnote markers and glossary terms are shown.
    assert browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p2.1"] mark.marker').text == "[1]"
    assert browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p1.1"] mark.term').text == "마포구"
    assert "Mapo-gu" in browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p1.1"] .keep').text

    # Keyboard: to the first flagged segment, type, save.
    browser.find_element(By.CSS_SELECTOR, "h1").click()
    keys(browser, Keys.ALT, Keys.ARROW_DOWN)
    assert active_id(browser) == f"en-{flagged}"
    field = browser.switch_to.active_element
    assert field.get_attribute("value") == FLAGGED_EN
    keys(browser, Keys.CONTROL, "a")
    field.send_keys(CORRECTION)
    keys(browser, Keys.CONTROL, "s")
    wait_status(browser, f"Saved {flagged}")
    assert active_id(browser) == f"en-{flagged}", "the focus left the row after saving"
    assert "edited" in browser.find_element(By.CSS_SELECTOR, f'li[data-seg="{flagged}"]').get_attribute("class")
    assert [(r["id"], r["korean"], r["corrected_english"]) for r in corrections_rows(target)] == [(flagged, FLAGGED_KO, CORRECTION)]

    # Republish: the fresh brief is shown with the corrected sentence highlighted.
    republish(browser)
    assert CORRECTION in brief_text(out, "village-bus")
    assert squash(CORRECTION) in pdf_text(out / "village-bus" / "brief.pdf")
    assert "item-edited" in index_entry(out, "village-bus")
    frame = browser.find_element(By.CSS_SELECTOR, "#published iframe.fresh")
    assert frame.get_attribute("src").endswith(f"#seg-{flagged}")
    browser.switch_to.frame(frame)
    try:
        wait_until(lambda: browser.execute_script("return document.readyState") == "complete", 20, "the brief in the frame")
        target_el = browser.execute_script("return document.querySelector(':target') && document.querySelector(':target').id")
        assert target_el == f"seg-{flagged}"
        assert CORRECTION in browser.execute_script("return document.querySelector(':target').textContent")
        assert browser.execute_script("return getComputedStyle(document.querySelector(':target')).backgroundColor") != "rgba(0, 0, 0, 0)"
    finally:
        browser.switch_to.default_content()
    assert "up to date" in browser.find_element(By.ID, "state").text

    # Revert: the row goes, and after republishing the machine English is back everywhere.
    browser.find_element(By.ID, f"en-{flagged}").click()
    keys(browser, Keys.ALT, "r")
    wait_status(browser, f"Reverted {flagged}")
    assert corrections_rows(target) == []
    assert browser.find_element(By.ID, f"en-{flagged}").get_attribute("value") == FLAGGED_EN
    assert "edited" not in browser.find_element(By.CSS_SELECTOR, f'li[data-seg="{flagged}"]').get_attribute("class")
    republish(browser)
    text = brief_text(out, "village-bus")
    assert FLAGGED_EN in text and CORRECTION not in text
    pdf = pdf_text(out / "village-bus" / "brief.pdf")
    assert squash(FLAGGED_EN) in pdf and squash(CORRECTION) not in pdf
    assert "item-edited" not in index_entry(out, "village-bus")
    browser.get(url + "a/village-bus")
    assert browser.find_element(By.ID, f"en-{flagged}").get_attribute("value") == FLAGGED_EN

    # Nothing left 127.0.0.1.
    urls = requested_urls(browser)
    assert any(u.endswith("/static/htmx.min.js") for u in urls), "the network log is empty: the check would prove nothing"
    internal = ("chrome:", "chrome-extension:", "data:", "blob:", "about:")
    assert [u for u in urls if not u.startswith(url) and not u.startswith(internal)] == []


def test_a_change_behind_the_pages_back_is_a_conflict_and_both_versions_are_kept(desk, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, inbox = desk["url"], desk["inbox"]
    ids = desk["ids"]
    flagged = next(i for i, ko in ids.items() if ko == FLAGGED_KO)
    other = "p4.1"
    target = corrections_path(inbox / "village-bus.md")
    if target.exists():
        target.unlink()
    browser.get(url + "a/village-bus")
    wait_until(lambda: browser.execute_script("return !!window.htmx"), 20, "htmx loaded")

    # A spreadsheet saves a correction of another row while the page is open.
    theirs = "The drivers pledged safe driving late at night (spreadsheet)."
    behind = f"\ufeffid,korean,machine_english,corrected_english\r\n{other},{ids[other]},{STORED[ids[other]]},{theirs}\r\n"
    target.write_bytes(behind.encode("utf-8"))

    mine = "The district office will ask riders again next month (desk)."
    field = browser.find_element(By.ID, f"en-{flagged}")
    field.click()
    keys(browser, Keys.CONTROL, "a")
    field.send_keys(mine)
    keys(browser, Keys.CONTROL, "s")
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, "#conflict.conflict"), 30, "the conflict panel")
    panel = browser.find_element(By.ID, "conflict")
    assert panel.find_element(By.CSS_SELECTOR, f'tr[data-row="{other}"] .on-disk').text == theirs
    assert panel.find_element(By.CSS_SELECTOR, "q.mine").text == mine
    assert "Not saved" in status_text(browser)
    # Nothing lost: the file is as the spreadsheet left it, the editor's text is still in the field.
    assert target.read_bytes() == behind.encode("utf-8")
    assert browser.find_element(By.ID, f"en-{flagged}").get_attribute("value") == mine

    # The editor writes theirs beside the spreadsheet's row.
    panel.find_element(By.CSS_SELECTOR, "button.keep-mine").click()
    wait_status(browser, f"Saved {flagged}")
    assert {r["id"]: r["corrected_english"] for r in corrections_rows(target)} == {other: theirs, flagged: mine}
    assert browser.find_element(By.ID, "conflict").text.strip() == ""
    # And the next save from the same page is not a conflict (the page follows the file).
    field = browser.find_element(By.ID, f"en-{flagged}")
    field.click()
    keys(browser, Keys.CONTROL, "a")
    field.send_keys(mine + " Again.")
    keys(browser, Keys.CONTROL, Keys.ENTER)
    wait_until(lambda: "Again." in (corrections_rows(target)[-1]["corrected_english"]), 30, "the second save")
    assert {r["id"]: r["corrected_english"] for r in corrections_rows(target)} == {other: theirs, flagged: mine + " Again."}
    target.unlink()


def test_article_text_with_script_is_shown_inert(desk, browser):
    from selenium.webdriver.common.by import By

    url = desk["url"]
    browser.get(url)
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    browser.get(url + "a/hostile")
    wait_until(lambda: browser.execute_script("return !!window.htmx"), 20, "htmx loaded")
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    srcs = browser.execute_script("return [...document.scripts].map(s => s.src)")
    assert sorted(srcs) == [url + "static/desk.js", url + "static/htmx.min.js"]
    assert browser.execute_script("return document.images.length + document.querySelectorAll('[onerror]').length") == 0
    row = browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p1.1"]')
    assert row.find_element(By.CSS_SELECTOR, ".ko").text == HOSTILE_KO
    assert row.find_element(By.CSS_SELECTOR, ".machine-text").text == HOSTILE_EN
    assert row.find_element(By.TAG_NAME, "textarea").get_attribute("value") == HOSTILE_EN
    # Its flag reason carries the numbers from the text: shown as text too.
    assert "ko-only=1,2" in row.find_element(By.CSS_SELECTOR, ".reasons").text
    row.find_element(By.CSS_SELECTOR, ".ko").click()
    assert browser.execute_script("return typeof window.__pwned") == "undefined"


def test_the_review_page_works_at_a_narrow_width(desk, browser):
    from selenium.webdriver.common.by import By

    url = desk["url"]
    shots = os.environ.get("DESK_SCREENSHOTS")
    try:
        browser.set_window_size(1280, 1000)
        browser.get(url + "a/village-bus")
        wide_ko = browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p3.1"] .ko').rect
        wide_en = browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p3.1"] textarea').rect
        assert wide_en["x"] > wide_ko["x"] + wide_ko["width"] - 1, "wide: the English field sits beside the Korean"
        if shots:
            browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p3.1"] textarea').click()
            browser.save_screenshot(str(Path(shots) / "desk-review-wide.png"))
        browser.set_window_size(390, 900)
        browser.get(url + "a/village-bus")
        ko = browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p3.1"] .ko').rect
        en = browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p3.1"] textarea').rect
        assert en["y"] >= ko["y"] + ko["height"] - 1, "narrow: the English field comes under the Korean"
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), "narrow: the page scrolls sideways"
        assert en["width"] > 250
        if shots:
            browser.find_element(By.CSS_SELECTOR, 'li[data-seg="p3.1"] textarea').click()
            browser.save_screenshot(str(Path(shots) / "desk-review-narrow.png"))
            browser.get(url)
            browser.save_screenshot(str(Path(shots) / "desk-inbox-narrow.png"))
        browser.get(url)
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), "narrow: the desk page scrolls sideways"
    finally:
        browser.set_window_size(1280, 1000)


# ------------------------------------------------------------------ fonts, filters, save all


HANGUL_PROBE = ["마", "을", "버", "스", "도", "서", "관"]


def _glyph_pictures(driver, family: str | None) -> dict[str, object]:
    """Each probe syllable drawn alone at 48 px in the page's own font (or ``family``), as a 32x32 picture."""
    import io

    import numpy as np
    from PIL import Image
    from selenium.webdriver.common.by import By

    driver.execute_script(
        """
        const probe = document.createElement('div');
        probe.id = 'glyph-probe';
        for (const ch of arguments[0]) {
          const s = document.createElement('span');
          s.textContent = ch; s.lang = 'ko';
          s.style.fontSize = '48px'; s.style.lineHeight = '1'; s.style.display = 'inline-block';
          s.style.padding = '4px'; s.style.background = '#fff'; s.style.color = '#000';
          if (arguments[1]) s.style.fontFamily = arguments[1];
          probe.appendChild(s);
        }
        document.querySelector('main').prepend(probe);
        """,
        HANGUL_PROBE,
        family,
    )
    wait_until(lambda: driver.execute_script("return document.fonts.status === 'loaded'"), 20, "the fonts")
    pictures = {}
    for ch, el in zip(HANGUL_PROBE, driver.find_elements(By.CSS_SELECTOR, "#glyph-probe span")):
        ink = np.asarray(Image.open(io.BytesIO(el.screenshot_as_png)).convert("L")) < 128
        ys, xs = np.nonzero(ink)
        if len(ys):  # the glyph's own box: where it sits in the span does not count
            ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        pictures[ch] = np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).resize((32, 32))) >= 128
    driver.execute_script("document.getElementById('glyph-probe').remove()")
    return pictures


def _differ(a, b) -> float:
    """The share of pixels that differ between two 32x32 pictures."""
    return float((a != b).mean())


def test_hangul_is_drawn_with_the_served_fonts_without_any_system_font(desk, browser):
    """On the desk page and on a review page, each Hangul syllable is its own glyph, not the
    same empty box: compared as pixels, as the PDF's Hanja test does."""
    require_tool("fc-list")
    conf = browser.fontconfig_file
    fc = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True, env={**os.environ, "FONTCONFIG_FILE": str(conf)}, check=True)
    assert fc.stdout.strip() == "", f"the browser's fontconfig still offers a Korean font: {fc.stdout}"
    url = desk["url"]
    for page in (url, url + "a/village-bus"):
        browser.get(page)
        wait_until(lambda: browser.execute_script("return document.fonts.check('16px BriefGothic', '마')"), 20, "BriefGothic")
        real = _glyph_pictures(browser, None)
        # Control: a family with no Hangul (and no system font to fall back on) draws boxes.
        boxes = _glyph_pictures(browser, "BriefEmoji")
        for ch, pic in real.items():
            assert pic.mean() > 0.05, f"{ch!r} has almost no ink on {page}"
        # Every empty box looks the same; real glyphs differ from it and from each other.
        box_spread = max(_differ(a, b) for a in boxes.values() for b in boxes.values())
        from_box = {ch: _differ(real[ch], boxes[ch]) for ch in HANGUL_PROBE}
        assert box_spread < 0.08, f"the control draws distinct glyphs ({box_spread:.3f}): a Korean system font is visible, the check proves nothing"
        assert min(from_box.values()) > max(0.10, 2 * box_spread), f"a Hangul syllable looks like the empty box on {page}: {from_box}"
        fonts = browser.execute_script("return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert "BriefGothic" in fonts, fonts


def _visible_rows(driver) -> list[str]:
    return driver.execute_script("return [...document.querySelectorAll('li.row')].filter(r => r.offsetParent !== null).map(r => r.dataset.seg)")


def test_filter_flagged_correct_two_rows_save_all_once_and_they_show_edited(desk, browser):
    from selenium.webdriver.common.by import By

    from desk_support import LIBRARY_STORED, segments

    url, inbox, out = desk["url"], desk["inbox"], desk["out"]
    target = corrections_path(inbox / "library.md")
    ids = {ko: i for i, ko in segments(inbox / "library.md").items()}
    flagged = [ids["시는 공원 옆에 작은 도서관을 열었다."], ids["도서관은 주말에도 문을 연다."]]
    clean = ids["주민들은 책을 빌리러 자주 온다."]
    browser.get(url + "a/library")
    wait_until(lambda: browser.execute_script("return !!window.htmx"), 20, "htmx loaded")
    # Reading order: the title first, then the text.
    assert _visible_rows(browser)[0] == ids["공원 옆 작은 도서관"]

    browser.find_element(By.CSS_SELECTOR, 'input[name="filter"][value="flagged"]').click()
    assert sorted(_visible_rows(browser)) == sorted(flagged)
    fixes = {flagged[0]: "The city opened a small library by the park.", flagged[1]: "The library opens at weekends too."}
    for seg, text in fixes.items():
        field = browser.find_element(By.ID, f"en-{seg}")
        field.clear()
        field.send_keys(text)
    button = browser.find_element(By.CSS_SELECTOR, ".save-all-button")
    assert button.is_enabled() and "(2)" in button.text

    # Leaving (or republishing) with unsaved edits is warned about.
    prevented = browser.execute_script("const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented")
    assert prevented, "no beforeunload warning with two unsaved rows"
    browser.execute_script("window.__asked = []; window.confirm = (m) => { window.__asked.push(m); return false; }")
    browser.find_element(By.CSS_SELECTOR, ".republish-button").click()
    wait_until(lambda: browser.execute_script("return window.__asked.length"), 10, "the republish warning")
    assert "2 changed rows are not saved" in browser.execute_script("return window.__asked[0]")
    assert not (out / "library" / "brief.html").exists(), "republished although the editor said no"

    button.click()
    wait_status(browser, "Saved 2 rows")
    rows = {r["id"]: r["corrected_english"] for r in corrections_rows(target)}
    assert rows == fixes, "one save-all wrote both rows"
    for seg in flagged:  # still in view under the filter, now edited and without flags
        row = browser.find_element(By.CSS_SELECTOR, f'li[data-seg="{seg}"]')
        classes = row.get_attribute("class").split()
        assert "edited" in classes and "flagged" not in classes, classes
        assert row.find_element(By.CSS_SELECTOR, ".badge.edited").text == "edited"
        assert not row.find_elements(By.CSS_SELECTOR, ".badge.flag, .reasons")
    assert not browser.execute_script("const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented")

    # Reloaded: the same; the flagged filter is empty, the edited filter shows both.
    browser.get(url + "a/library")
    browser.find_element(By.CSS_SELECTOR, 'input[name="filter"][value="flagged"]').click()
    assert _visible_rows(browser) == []
    browser.find_element(By.CSS_SELECTOR, 'input[name="filter"][value="edited"]').click()
    assert sorted(_visible_rows(browser)) == sorted(flagged)
    assert "0 flagged" in browser.find_element(By.ID, "state").text

    # The next build's QA page agrees: the two rows are edited, not flagged.
    republish(browser)
    qa_page = next(p for p in sorted(out.parent.rglob("editor.html")) if p.parent.name == "library")  # wherever the build keeps it
    qa = htmllib.unescape(qa_page.read_text(encoding="utf-8"))
    flags_panel = qa.split('id="flags"', 1)[1].split("</section>", 1)[0]
    assert "Flagged segments (0)" in flags_panel
    for seg in flagged:
        assert re.search(rf'class="pair is-edited" id="seg-{re.escape(seg)}"', qa), f"{seg} is not shown edited (or still flagged) on the QA page"
    assert LIBRARY_STORED["주민들은 책을 빌리러 자주 온다."] in qa and clean not in flags_panel


def test_the_briefs_summary_is_pairs_beside_each_other_wide_and_under_each_other_narrow(desk, browser):
    """The published brief's summary: each Korean sentence with its English on one row on a
    wide screen, the English right under its Korean on a phone."""
    from selenium.webdriver.common.by import By

    from desk_support import http, page_tokens

    url, out = desk["url"], desk["out"]
    if not (out / "village-bus" / "brief.html").exists():
        token, _ = page_tokens(http(url + "a/village-bus")[1])
        assert http(url + "a/village-bus/republish", data={"focus": ""}, headers={"X-CSRF-Token": token}, timeout=300)[0] == 200
    try:
        for width in (1280, 390):
            browser.set_window_size(width, 1000)
            browser.get(url + "out/village-bus/brief.html")
            pairs = browser.find_elements(By.CSS_SELECTOR, ".summary-pair")
            assert pairs
            for pair in pairs:
                ko = pair.find_element(By.CSS_SELECTOR, ".summary-ko").rect
                en = pair.find_element(By.CSS_SELECTOR, ".summary-en").rect
                if width > 1000:
                    assert abs(ko["y"] - en["y"]) < 2 and en["x"] > ko["x"] + ko["width"] - 1, (ko, en)
                else:
                    assert en["y"] >= ko["y"] + ko["height"] - 1 and abs(en["x"] - ko["x"]) < 2, (ko, en)
    finally:
        browser.set_window_size(1280, 1000)
