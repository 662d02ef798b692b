"""Headless Chromium against `publisher.serve.serve`: what a reader actually gets.

Opens the index through the preview server, follows a brief, switches the language views,
downloads the PDF, checks that no request leaves 127.0.0.1 and that hostile article text
stays text (no script runs).
"""

from __future__ import annotations

import socket
import threading
import urllib.request

import pytest
from conftest import chromium_driver, requested_urls, wait_until
from render_samples import HOSTILE, hostile_brief, sample_brief

from publisher.building.publish import publish_brief as write_brief
from publisher.serve import serve
from publisher.site import build_site

# one worker: one site server and one Chromium for the module
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser-site")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("out")
    write_brief(sample_brief(), out)
    write_brief(hostile_brief(), out)
    with pytest.MonkeyPatch.context() as mp:  # the site's card index goes to a test cache, never the user's
        mp.setenv("PUBLISHER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        build_site(out)
    port = free_port()
    threading.Thread(target=serve, args=(out, port), daemon=True).start()
    base = f"http://127.0.0.1:{port}/"
    wait_until(lambda: answers(base), 10, f"the preview server on {base}")
    return base


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium_driver(tmp_path_factory.mktemp("chrome-profile"), page_load_timeout=30)


def displayed(driver, selector: str) -> list[bool]:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0);",
        selector,
    )


def test_reader_journey(site, browser):
    from selenium.webdriver.common.by import By

    requested_urls(browser)  # drop what the browser loaded for itself at start-up
    browser.get(site)
    assert "Bilingual briefs" in browser.title
    link = browser.find_element(By.CSS_SELECTOR, 'a.read[href="harbor-drones/brief.html"]')
    pdf_link = browser.find_element(By.CSS_SELECTOR, 'a.pdf[href="harbor-drones/brief.pdf"]')
    assert pdf_link.get_attribute("download") == "2026-11-19-harbor-drones.pdf"
    link.click()
    assert browser.current_url == site + "harbor-drones/brief.html"
    assert browser.find_element(By.CSS_SELECTOR, ".title-ko").text == "항구 위를 나는 드론 택배"

    # The bundled font, loaded from out/assets through a relative URL.
    browser.execute_async_script("document.fonts.ready.then(arguments[0])")
    assert browser.execute_script("return document.fonts.check('16px BriefGothic', '한국어')")
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert site + "assets/fonts/BriefGothic-Regular.ttf" in resources

    # Wide window: Korean and English side by side.
    ko = browser.find_element(By.CSS_SELECTOR, "#seg-p1\\.1 .ko").rect
    en = browser.find_element(By.CSS_SELECTOR, "#seg-p1\\.1 .en").rect
    assert en["x"] >= ko["x"] + ko["width"] and abs(en["y"] - ko["y"]) < 5

    # Language views: all three, switched with the labels (no JavaScript on the page).
    assert browser.execute_script("return document.scripts.length") == 0
    assert all(displayed(browser, ".seg.ko")) and all(displayed(browser, ".seg.en"))
    browser.find_element(By.CSS_SELECTOR, 'label[for="view-en"]').click()
    assert not any(displayed(browser, ".seg.ko")), "Korean still visible in the English-only view"
    assert not any(displayed(browser, ".title-ko, .summary-ko"))
    assert all(displayed(browser, ".seg.en"))
    browser.find_element(By.CSS_SELECTOR, 'label[for="view-ko"]').click()
    assert not any(displayed(browser, ".seg.en")) and all(displayed(browser, ".seg.ko"))
    browser.find_element(By.CSS_SELECTOR, 'label[for="view-both"]').click()
    assert all(displayed(browser, ".seg.ko")) and all(displayed(browser, ".seg.en"))

    # A summary sentence jumps to its segment in the full text.
    browser.find_element(By.CSS_SELECTOR, '.summary-en a[href="#seg-p2.1"]').click()
    assert browser.execute_script("return location.hash") == "#seg-p2.1"
    assert browser.execute_script("return getComputedStyle(document.querySelector(':target')).backgroundColor") != "rgba(0, 0, 0, 0)"

    # Narrow window: interleaved, English under its Korean.
    browser.set_window_size(420, 1000)
    ko = browser.find_element(By.CSS_SELECTOR, "#seg-p1\\.1 .ko").rect
    en = browser.find_element(By.CSS_SELECTOR, "#seg-p1\\.1 .en").rect
    assert en["y"] >= ko["y"] + ko["height"] - 1
    browser.set_window_size(1280, 1000)

    # Download the PDF the way the page links it.
    status, ctype, size = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch('brief.pdf').then(async r => done([r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]))
                          .catch(e => done([0, String(e), 0]));
        """
    )
    assert (status, ctype) == (200, "application/pdf") and size > 10_000

    # Nothing left 127.0.0.1.
    urls = requested_urls(browser)
    assert any(u.endswith("/brief.pdf") for u in urls), "the network log is empty: the check would prove nothing"
    # chrome:// and chrome-extension:// are the browser's own built-in resources (its PDF
    # viewer), data: and blob: never touch the network; everything else must be ours.
    internal = ("chrome:", "chrome-extension:", "data:", "blob:", "about:")
    outside = [u for u in urls if not u.startswith(site) and not u.startswith(internal)]
    assert outside == [], outside
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert names and all(n.startswith(site) for n in names)


def test_hostile_text_is_shown_and_never_runs(site, browser):
    from selenium.webdriver.common.by import By

    requested_urls(browser)  # drop earlier entries
    browser.get(site + "hostile/brief.html")
    browser.execute_async_script("document.fonts.ready.then(arguments[0])")
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script("return document.scripts.length + document.images.length") == 0
    assert browser.execute_script("return document.querySelectorAll('a[href^=\"javascript:\"], [onerror], [onmouseover]').length") == 0
    assert browser.find_element(By.CSS_SELECTOR, "#seg-p1\\.1 .ko").text == HOSTILE
    assert "{{ 7*7 }}" in browser.find_element(By.CSS_SELECTOR, "#seg-p1\\.2 .en").text
    # Hovering and clicking what looks like markup does nothing either.
    from selenium.webdriver import ActionChains

    ActionChains(browser).move_to_element(browser.find_element(By.CSS_SELECTOR, ".outlet")).perform()
    browser.find_element(By.CSS_SELECTOR, "#seg-p1\\.1 .ko").click()
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    # The index shows the same text as text.
    browser.get(site)
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert "<script>window.__pwned = 1</script>" in browser.find_element(By.CSS_SELECTOR, 'a[href="hostile/brief.html"]').find_element(By.XPATH, "../..").text
    assert all(u.startswith((site, "chrome:", "chrome-extension:", "data:", "blob:", "about:")) for u in requested_urls(browser))
