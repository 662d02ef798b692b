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


def test_a_refusal_from_the_head_names_its_reason_not_an_empty_line():
    """Unit test of the message: Ray Client's "Initialization failure from server:" puts the head's
    traceback on the lines after the colon; the one Error line carries the traceback's last line."""
    from publisher.ray.cluster import ClusterError, _raise_for

    refusal = ConnectionAbortedError(
        "Initialization failure from server:\nTraceback (most recent call last):\n"
        '  File "proxier.py", line 770, in Datapath\n'
        "RuntimeError: Proxy failed to Connect to backend! Check `ray_client_server.err`\n"
    )
    with pytest.raises(ClusterError) as caught:
        _raise_for(refusal, "ray://127.0.0.1:10001", "start one")
    message = str(caught.value)
    assert "\n" not in message
    assert "(Initialization failure from server: RuntimeError: Proxy failed to Connect to backend!" in message
    with pytest.raises(ClusterError, match=r"\(Connection refused\); start one"):
        _raise_for(ConnectionError("Connection refused\nmore"), "ray://127.0.0.1:10001", "start one")


class _FakeRay:
    """Unit-test double of the ``ray`` module's connection surface: ``init`` answers in turn
    with each of ``answers`` (an exception is raised, None connects)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0
        self._private = type("P", (), {"utils": type("U", (), {"set_sigterm_handler": staticmethod(lambda handler: None)})})

    def is_initialized(self):
        return False

    def init(self, **kwargs):
        self.calls += 1
        answer = self.answers.pop(0)
        if answer is not None:
            raise answer


REFUSED = "Initialization failure from server:\nTraceback (most recent call last):\nRuntimeError: Starting Ray client server failed."


@pytest.fixture
def listening():
    """A loopback port that accepts TCP connections (the probe before the handshake)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"ray://127.0.0.1:{server.getsockname()[1]}"


def test_a_connection_the_head_could_not_start_a_server_for_is_tried_again(monkeypatch, listening, caplog):
    from publisher.ray import cluster

    fake = _FakeRay(ConnectionAbortedError(REFUSED), None)
    monkeypatch.setattr(cluster, "ray_module", lambda: fake)
    assert cluster.connect(listening, timeout=10) is True
    assert fake.calls == 2
    assert "could not start a server for this connection" in caplog.text and "trying again" in caplog.text


def test_three_refusals_are_one_error_line_and_other_errors_are_not_retried(monkeypatch, listening):
    from publisher.ray import cluster

    fake = _FakeRay(*[ConnectionAbortedError(REFUSED)] * 3)
    monkeypatch.setattr(cluster, "ray_module", lambda: fake)
    with pytest.raises(cluster.ClusterError, match=r"Initialization failure from server: RuntimeError: Starting Ray client server failed\."):
        cluster.connect(listening, timeout=10)
    assert fake.calls == 3
    fake = _FakeRay(ConnectionError("version mismatch"), None)
    monkeypatch.setattr(cluster, "ray_module", lambda: fake)
    with pytest.raises(cluster.ClusterError, match=r"\(version mismatch\)"):
        cluster.connect(listening, timeout=10)
    assert fake.calls == 1
