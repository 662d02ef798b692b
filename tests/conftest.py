"""Shared test set-up.

Every test runs with its own translation-memory cache and argos packages directory, so a
test never sees (or changes) the models and caches of the machine it runs on.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

import pytest

# Ray, wherever a test starts it (a local instance, a test cluster, a head node for Ray
# Client): on 127.0.0.1 only (by default Ray binds the machine's routable address), and
# with an authentication token of this test process (by default Ray writes one into
# ~/.ray/auth_token, which is the user's). Set before Ray is imported: it reads both then.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray's switch for "this node is the cluster": loopback
os.environ.setdefault("RAY_AUTH_MODE", "token")
os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(16))
# A Ray cluster that answers slowly is given up after --ray-timeout (default 30 s). On a
# loaded 2-core test machine a Ray Client's first connection to a head started a moment ago
# can take longer than that; the tests of the timeout itself pass --ray-timeout explicitly.
os.environ.setdefault("PUBLISHER_RAY_TIMEOUT", "300")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURE_MODEL = REPO / "tests" / "fixture" / "ko_en_test.argosmodel"
SHARED_ARTICLE = SHARED / "articles" / "openai-seoul-office.ko.txt"

# A test that runs the fixture model through CTranslate2 (whose int8 kernels differ between
# CPUs) carries the ``fixture_model`` marker, and `make test` runs those tests a second time
# with CT2_FORCE_CPU_ISA=GENERIC (CTranslate2's portable code path): an assertion that fails
# there was machine-specific. See tests/fixture/README.md. A test gets the marker by requesting
# the ``fixture_model`` fixture (directly or through another fixture), or by carrying
# ``@pytest.mark.fixture_model`` where it uses FIXTURE_MODEL itself; a test that only names the
# model (a path in a help text, a wheel's contents) uses FIXTURE_MODEL and no marker.


def pytest_report_header(config):
    return f"CT2_FORCE_CPU_ISA={os.environ.get('CT2_FORCE_CPU_ISA', '(not set: the CPU decides)')}"


# Tests that take tens of seconds each go first, so that pytest-xdist's workers finish together
# instead of one running a long test alone at the end (groups of tests are handed out first anyway).
_LONG = ("load", "stress", "wheel")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "fixture_model" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.fixture_model)
    items.sort(key=lambda item: not any(item.get_closest_marker(name) for name in _LONG))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session):
    """Keep ``xdist_group`` working under pytest-xdist's ``--dist loadgroup`` (make test).

    pytest-xdist 3.8 sends a grouped test to its group's worker by appending ``@group`` to the
    test's node id through ``item._nodeid``, which pytest 9.2 no longer reads (pytest-xdist issue
    1386, open): the groups were silently ignored, the wheel was built twice and the Ray modules
    ran side by side. This adds the suffix where it is missing, before a worker reports its tests.
    """
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")})
        if not names or item.nodeid.rfind("@") > item.nodeid.rfind("]"):
            continue  # no group, or pytest-xdist already added it
        item._id = type(item._id).parse(f"{item.nodeid}@{'_'.join(names)}")
        assert item.nodeid.endswith("@" + "_".join(names)), "pytest changed how node ids are stored: xdist groups do not work"


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


@pytest.fixture(scope="session")
def fixture_model() -> Path:
    """The committed test fixture model; a test that requests it runs it (see above)."""
    assert FIXTURE_MODEL.exists(), "the committed test fixture model is missing; run 'make fixture'"
    return FIXTURE_MODEL


def wait_until(predicate, timeout: float = 30, what: str = "condition", interval: float = 0.05):
    """Poll ``predicate`` until it returns something true (returned) or ``timeout`` seconds pass
    (an AssertionError naming ``what``): a test waits for the event itself, never a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class FileOpens:
    """Counts the times any process opens one file, from creation on (Linux inotify, IN_OPEN):
    how a test sees that another process has reached a file (a lock it polls, say) without
    guessing a time. Use as a context manager; :meth:`wait` blocks until ``count`` opens."""

    IN_OPEN = 0x20

    def __init__(self, path: Path):
        import ctypes

        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0 or self._libc.inotify_add_watch(self._fd, os.fsencode(path), self.IN_OPEN) < 0:
            raise OSError(ctypes.get_errno(), f"cannot watch {path} with inotify")
        self.count = 0

    def wait(self, count: int, timeout: float, what: str) -> None:
        import select
        import struct

        deadline = time.monotonic() + timeout
        while self.count < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout:g}s waiting for {what} ({self.count} of {count} opens)")
            if select.select([self._fd], [], [], left)[0]:
                data, offset = os.read(self._fd, 4096), 0
                while offset < len(data):
                    _, mask, _, size = struct.unpack_from("iIII", data, offset)
                    offset += 16 + size
                    self.count += bool(mask & self.IN_OPEN)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self._fd)


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
