"""`publisher serve --port 0` prints the port it really listens on."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request

import pytest

pytestmark = [pytest.mark.timeout(60)]


def test_serve_on_port_0_prints_the_real_port(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<!doctype html><title>x</title><p>site</p>\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from publisher.cli import cli; cli()", "serve", "-o", str(out), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m and int(m.group(1)) > 0, line + proc.stderr.read() if proc.poll() is not None else line
        with urllib.request.urlopen(m.group(0) + "index.html", timeout=10) as resp:
            assert resp.status == 200 and b"site" in resp.read()
    finally:
        proc.terminate()
        proc.wait(10)
