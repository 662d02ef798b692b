"""A Ray cluster that cannot be reached: one ``Error:`` line naming the address, in bounded time.

Runs the real ``publisher brief --ray HOST:PORT`` in a subprocess (Ray's own retries would
otherwise be invisible), against a port where nothing listens and against a listener that
accepts connections and never answers (not a Ray head node). The out/ lock must be free after.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import FIXTURE_MODEL, REPO

pytest.importorskip("ray", reason="publisher[ray] is not installed")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _brief(tmp_path, address: str, timeout: str):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text("부산시가 새 항만 계획을 발표했습니다.\n", encoding="utf-8")
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "publisher.cli", "brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL),
         "--ray", address, "--ray-timeout", timeout],
        capture_output=True, text=True, timeout=90, env=env, cwd=tmp_path,
    )
    return proc, time.monotonic() - t0, out


def _assert_one_error_line(proc, address: str) -> None:
    assert proc.returncode not in (0, 70), proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert address in lines[0]
    assert "Traceback" not in proc.stderr


def _assert_lock_free(out) -> None:
    from publisher.building.publish import lock_out_dir

    if out.exists():
        lock_out_dir(out, 0).release()  # raises when a build still holds it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_is_one_error_line_at_once(tmp_path):
    address = f"127.0.0.1:{_free_port()}"
    proc, took, out = _brief(tmp_path, address, "20")
    _assert_one_error_line(proc, address)
    assert took < 30, f"took {took:.0f} s"
    _assert_lock_free(out)


def test_a_listener_that_never_answers_is_given_up_after_the_timeout(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)  # accepts (the kernel completes the handshake) and never speaks
        address = f"127.0.0.1:{server.getsockname()[1]}"
        proc, took, out = _brief(tmp_path, address, "2")
    _assert_one_error_line(proc, address)
    assert took < 60, f"took {took:.0f} s"
    _assert_lock_free(out)


def test_ray_client_without_grpcio_names_the_missing_package(monkeypatch):
    """Unit test of the message: a ray:// address where the 'grpc' module cannot be found."""
    import importlib.util

    from publisher.ray.cluster import ClusterError, connect

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "grpc" else real(name, *a))
    with pytest.raises(ClusterError, match=r"needs the Python package 'grpcio'.*publisher\[ray\]"):
        connect("ray://127.0.0.1:10001", timeout=1)
