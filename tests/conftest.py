"""Shared test set-up.

Every test runs with its own translation-memory cache and argos packages directory, so a
test never sees (or changes) the models and caches of the machine it runs on.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest

# Ray, wherever a test starts it (a local instance, a test cluster, a head node for Ray
# Client): on 127.0.0.1 only (by default Ray binds the machine's routable address), and
# with an authentication token of this test process (by default Ray writes one into
# ~/.ray/auth_token, which is the user's). Set before Ray is imported: it reads both then.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray's switch for "this node is the cluster": loopback
os.environ.setdefault("RAY_AUTH_MODE", "token")
os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(16))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURE_MODEL = REPO / "tests" / "fixture" / "ko_en_test.argosmodel"
SHARED_ARTICLE = SHARED / "articles" / "openai-seoul-office.ko.txt"

# A test module that names the fixture model runs it through CTranslate2, whose int8 kernels
# differ between CPUs. Its tests carry the ``fixture_model`` marker, and `make test` runs them
# a second time with CT2_FORCE_CPU_ISA=GENERIC (CTranslate2's portable code path): an
# assertion that fails there was machine-specific. See tests/fixture/README.md.
_FIXTURE_NAMES = ("FIXTURE_MODEL", "fixture_model", "ko_en_test.argosmodel")


def pytest_report_header(config):
    return f"CT2_FORCE_CPU_ISA={os.environ.get('CT2_FORCE_CPU_ISA', '(not set: the CPU decides)')}"


def pytest_collection_modifyitems(config, items):
    uses_fixture: dict[str, bool] = {}
    for item in items:
        path = str(item.fspath)
        if path not in uses_fixture:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError:
                text = ""
            uses_fixture[path] = any(name in text for name in _FIXTURE_NAMES)
        if uses_fixture[path]:
            item.add_marker(pytest.mark.fixture_model)


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory, monkeypatch):
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(state / "cache"))
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(state / "packages"))
    monkeypatch.setenv("XDG_DATA_HOME", str(state / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(state / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(state / "config"))
    yield


@pytest.fixture
def shared_article() -> Path:
    if not SHARED_ARTICLE.exists():
        pytest.skip(f"shared article not available at {SHARED_ARTICLE} (only team machines and CI have ../shared)")
    return SHARED_ARTICLE


@pytest.fixture
def fixture_model() -> Path:
    assert FIXTURE_MODEL.exists(), "the committed test fixture model is missing; run 'make fixture'"
    return FIXTURE_MODEL


def require_tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed; 'make test' installs it (Debian package)"
    return path


def chromium_driver(profile: Path, page_load_timeout: float = 30):
    """Headless Chromium through Selenium, able to reach 127.0.0.1 only (a generator: quit after use)."""
    chromium = require_tool("chromium")
    chromedriver = require_tool("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium never phones home
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        # Any host but 127.0.0.1 fails to resolve: a page that tries to reach out cannot.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:
    """Every URL the pages asked for since the last call (Chrome's network log)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def write_corrections_csv(path: Path, rows) -> Path:
    """An editor's corrections file as a spreadsheet saves it: BOM, the header, then each
    row's cells (id, korean, machine_english, corrected_english) exactly as given (not
    neutralised: publisher's own writer is tested on its own)."""
    import csv
    import io

    from publisher.corrections import COLUMNS

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return path
