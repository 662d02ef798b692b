"""The publishing service (issue 22): POST latency while builds run, and publishing throughput.

Starts the real `publisher service` (fixture model, empty cache, port 0), then 20 clients
submit N articles (distinct sentences of the fixture corpus) as fast as they get answers:
the first half starts a build, the second half is sent, and timed, while that build runs.

Prints:
  1. p50/p95/max latency of POST /api/v1/articles while builds run (goal: p95 <= 100 ms:
     accepting must not wait on translation);
  2. articles published per minute: from the first POST to the last job published, against
     one `publisher brief` process (own empty cache) on the same inbox (goal: the service
     within 15 % of the batch build).

Run: .venv/bin/python tests/bench/bench_service.py [--articles N] [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixture" / "ko_en_test.argosmodel"
CORPUS = [
    line.split("\t")[0]
    for line in (REPO / "tests" / "fixture" / "corpus.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#") and "\t" in line
]


def env_for(root: Path) -> dict:
    env = dict(os.environ)
    env.update(PUBLISHER_CACHE_DIR=str(root / "cache"), ARGOS_PACKAGES_DIR=str(root / "packages"), XDG_DATA_HOME=str(root / "data"),
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    env.pop("PUBLISHER_CONFIG", None)
    return env


def article(i: int, per: int) -> dict:
    first = i * per
    return {"title": CORPUS[first], "body": "\n\n".join(CORPUS[first + 1 : first + per]), "date": f"2026-11-{1 + i % 28:02d}",
            "source_url": f"https://news.example.kr/article/{i}"}


def publisher(*args: str, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "publisher.cli", *args], env=env, capture_output=True, text=True, **kw)


def _post_quantiles(metrics: str) -> str:
    """p50 and p95 bucket bounds of the service's own POST timing histogram."""
    buckets = [(float(le), float(n)) for le, n in re.findall(r'publisher_api_request_seconds_bucket\{le="([^"]+)",method="POST"\} (\S+)', metrics)]
    if not buckets:
        buckets = [(float(le), float(n)) for le, n in re.findall(r'publisher_api_request_seconds_bucket\{method="POST",le="([^"]+)"\} (\S+)', metrics)]
    total = buckets[-1][1] if buckets else 0
    if not total:
        return "no samples"
    p50 = next(le for le, n in buckets if n >= total * 0.5)
    p95 = next(le for le, n in buckets if n >= total * 0.95)
    return f"p50 <= {p50 * 1000:g} ms, p95 <= {p95 * 1000:g} ms (histogram bucket bounds)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--model", default=str(FIXTURE))
    args = ap.parse_args()
    per = max(2, min(4, len(CORPUS) // args.articles))
    root = Path(tempfile.mkdtemp(prefix="bench-service-"))
    try:
        env = env_for(root / "svc")
        (root / "svc").mkdir()
        (root / "svc" / "publisher.toml").write_text("[service]\nrate_limit = 100000\ndebounce = 1.0\n", encoding="utf-8")
        token = publisher("service", "--config", str(root / "svc" / "publisher.toml"), "token", "add", "bench", "--scope", "submit", "--scope", "read",
                          env=env, check=True).stdout.strip()
        inbox, out = root / "svc" / "articles", root / "svc" / "out"
        inbox.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-m", "publisher.cli", "service", "--config", str(root / "svc" / "publisher.toml"), "--inbox", str(inbox),
             "-o", str(out), "--model", args.model, "--port", "0"],
            env=env, stdout=subprocess.PIPE, stderr=open(root / "service.log", "wb"), start_new_session=True, text=True,
        )
        url = re.search(r"http://\S+?/", proc.stdout.readline()).group(0)
        headers = {"Authorization": f"Bearer {token}"}

        def idle() -> None:
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                h = httpx.get(url + "healthz", timeout=30).json()
                if h["queue_depth"] == 0 and not h["building"]:
                    return
                time.sleep(0.2)
            raise SystemExit("the service did not finish within an hour")

        idle()  # the start-up build (an empty inbox) is done; the build process is warm
        latencies: list[float] = []
        lock = threading.Lock()

        def client(k: int, ids: range, measure: bool) -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                for i in ids[k :: args.clients]:
                    t = time.perf_counter()
                    r = c.post("/api/v1/articles", json=article(i, per), headers={"Idempotency-Key": f"a{i}"})
                    dt = time.perf_counter() - t
                    if r.status_code != 202:
                        raise SystemExit(f"POST answered {r.status_code}: {r.text}")
                    if measure:
                        with lock:
                            latencies.append(dt)

        def building() -> bool:
            return httpx.get(url + "healthz", timeout=30).json()["building"]

        # The first half starts a build; the second half is sent (and timed) while it runs.
        half = args.articles // 2
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(lambda k: client(k, range(half), False), range(args.clients)))
        deadline = time.monotonic() + 120
        while not building() and time.monotonic() < deadline:
            time.sleep(0.05)
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(lambda k: client(k, range(half, args.articles), True), range(args.clients)))
        still = building()
        idle()
        service_wall = time.perf_counter() - t0
        server_side = _post_quantiles(httpx.get(url + "metrics", timeout=30).text)
        published = len(list(out.glob("*/brief.json")))
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)

        # The same inbox, one `publisher brief` process with an empty cache of its own.
        benv = env_for(root / "batch")
        t1 = time.perf_counter()
        publisher("brief", str(inbox), "-o", str(root / "batch-out"), "--model", args.model, env=benv, check=True)
        batch_wall = time.perf_counter() - t1

        q = statistics.quantiles(latencies, n=20)
        print(f"POST /api/v1/articles while a build runs ({len(latencies)} requests, {args.clients} clients, build still running after them: {still}): "
              f"p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {q[18] * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms (goal p95 <= 100 ms)")
        print(f"  of which in the service (publisher_api_request_seconds, POST): {server_side}")
        svc_rate, batch_rate = published / service_wall * 60, args.articles / batch_wall * 60
        print(f"service: {published} articles published in {service_wall:.1f} s = {svc_rate:.1f} articles/min "
              f"(first POST to last job published)")
        print(f"publisher brief: {args.articles} articles in {batch_wall:.1f} s = {batch_rate:.1f} articles/min (one process, own cache)")
        for line in (root / "service.log").read_text(encoding="utf-8").splitlines():
            if "finished in" in line:
                print("  " + line.split(": ", 1)[1])
        print(f"service / brief: {svc_rate / batch_rate * 100:.0f} % (goal >= 85 %); load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
