"""`publisher serve` hands out only what readers get: never a brief's QA page, the build's
lock, staging folders or temporary files, whether asked for by name or through a link (issue 24)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest

from publisher.serve import INTERNAL, is_internal, make_server


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "out"
    for name, text in {
        "index.html": "<html>index</html>",
        "feed.xml": "<feed/>",
        "bus/brief.html": "<html>brief</html>",
        "bus/brief.pdf": "%PDF-1.7",
        "bus/editor.html": "<html>QA flags</html>",
        "bus/.brief.html.x1.tmp": "half",
        ".publisher.lock": "",
        ".staging-bus-abc/brief.html": "<html>next</html>",
    }.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    (out / "qa.html").symlink_to(out / "bus" / "editor.html")
    server = make_server(out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["index.html", "feed.xml", "bus/brief.html", "bus/brief.pdf", ""])
def test_what_readers_get_is_served(site, path):
    with urllib.request.urlopen(site + path, timeout=10) as resp:
        assert resp.status == 200


@pytest.mark.parametrize(
    "path",
    [
        "bus/editor.html",
        "bus/EDITOR.html/../editor.html",
        "bus/%65ditor.html",
        ".publisher.lock",
        ".staging-bus-abc/brief.html",
        "bus/.brief.html.x1.tmp",
        "qa.html",  # a link inside out/ to a QA page
        "bus/",  # no folder listings: they would name the QA page
    ],
)
def test_internal_files_are_refused(site, path):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(site + path, timeout=10)
    assert info.value.code == 404


def test_the_rule_is_the_documented_rsync_exclude_list():
    assert INTERNAL == (".*", "editor.html")
    assert is_internal("bus/editor.html") and is_internal(".publisher.lock") and is_internal("a/.staging-x/b")
    assert not is_internal("bus/brief.html") and not is_internal("index.html")
