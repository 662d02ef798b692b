"""`publisher brief --ray ray://HOST:PORT`: Ray Client against a head node started here.

The test starts `ray start --head --block` on 127.0.0.1 (its own ports, its own process
group; conftest keeps Ray on loopback and gives the head and the client the same token),
waits for the client server's port to accept connections, runs the real command
in a subprocess, and stops the head by signalling its process group: nothing else of Ray's
on this machine is touched. The Ray build's briefs, index and feed must equal a local
build's, as with `--ray local`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXTURE_MODEL
from test_ray import assert_same_publication, make_inbox, memory_file, settings

from publisher.building import build

# one Ray at a time on this machine: the Ray modules share a worker
pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.xdist_group("ray"), pytest.mark.timeout(600)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    """Until 127.0.0.1:port accepts a connection (the head's client server is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ray start exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)  # polling the port: the event waited for is the connection
    pytest.fail(f"the Ray head's client server did not listen on {port} within {timeout} s")


@dataclass
class RayHead:
    address: str
    temp_dir: Path  # the head's own Ray folder (sessions, logs), not the machine's /tmp/ray

    def client_server_logs(self) -> str:
        """The tail of each log of the head's Ray Client servers: why a connection was refused."""
        parts = []
        for path in sorted(self.temp_dir.glob("session_*/logs/ray_client_server*")):
            text = path.read_text(errors="replace").strip()
            if text:
                parts.append(f"--- {path.name}\n{text[-1500:]}")
        return "\n".join(parts)


@pytest.fixture
def ray_head(tmp_path):
    ray_cli = Path(sys.executable).with_name("ray")
    assert ray_cli.exists(), "the ray command is missing; 'make test' installs publisher[ray]"
    client_port, gcs_port = free_port(), free_port()
    log = tmp_path / "ray-head.log"
    # A short path of its own: Ray's socket paths under it must stay within 107 characters.
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-head-", dir="/tmp"))
    # No drain on SIGTERM: the whole process group, its GCS included, gets the signal at once, so
    # the head's drain could only wait out its 30 s timeout before shutting down anyway.
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(ray_cli), "start", "--head", "--block", "--disable-usage-stats",
                "--node-ip-address=127.0.0.1", f"--port={gcs_port}", f"--ray-client-server-port={client_port}",
                "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp_dir}",
            ],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        wait_for_port(client_port, proc, 120, log)
        yield RayHead(f"ray://127.0.0.1:{client_port}", temp_dir)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.mark.fixture_model
def test_ray_client_build_equals_a_local_build(ray_head, tmp_path):
    inbox = make_inbox(tmp_path, generated=1)
    local = build([inbox], settings(tmp_path / "local"))
    assert local.failed == [] and local.built
    memory_file().unlink()  # the Ray build translates everything itself, as the local one did
    publisher = shutil.which("publisher", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [publisher, "brief", str(inbox), "-o", str(tmp_path / "ray"), "--model", str(FIXTURE_MODEL), "--ray", ray_head.address, "--threads", "1"],
        capture_output=True, text=True, timeout=500,
    )
    assert result.returncode == 0, f"{result.stderr[-3000:]}\n{ray_head.client_server_logs()}"
    assert "ray:" in result.stdout and f"{len(local.built)} articles" in result.stdout
    assert_same_publication(tmp_path / "local", tmp_path / "ray")
