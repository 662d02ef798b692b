"""A bounded load check on loopback: 20 clients save and revert corrections on 20 articles
through the real `publisher desk` for 30 s (DESK_LOAD_SECONDS to change it).

Every write must land (each file ends exactly as its client's last writes left it) and no
file may ever be seen half-written (a reader parses all of them throughout).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import threading
import time

import pytest
from desk_support import STORED, VILLAGE_BUS, corrections_rows, http, page_tokens, running_desk, seed_memory

from publisher.building import corrections_path
from publisher.corrections import read_table

pytestmark = [pytest.mark.slow, pytest.mark.load]

CLIENTS = 20
SECONDS = float(os.environ.get("DESK_LOAD_SECONDS", "30"))
_BASE = re.compile(r'id="base" name="base" value="([^"]*)"')


def test_twenty_clients_saving_for_thirty_seconds_lose_nothing(tmp_path):
    inbox = tmp_path / "articles"
    inbox.mkdir()
    for i in range(CLIENTS):
        (inbox / f"bus-{i:02d}.md").write_text(VILLAGE_BUS, encoding="utf-8")
    (inbox / "glossary.csv").write_text("ko,en,note\n마포구,Mapo-gu,district\n", encoding="utf-8")
    ids = seed_memory(inbox / "bus-00.md", STORED, inbox / "glossary.csv")  # the same text in every article
    seg_ids = sorted(ids)

    with running_desk(inbox, tmp_path / "out") as url:
        pages = {i: http(url + f"a/bus-{i:02d}")[1] for i in range(CLIENTS)}
        token = page_tokens(pages[0])[0]
        expected: dict[int, dict[str, str | None]] = {i: {} for i in range(CLIENTS)}
        failures: list[str] = []
        latencies: list[float] = []
        corrupt: list[str] = []
        reads = [0]
        stop = threading.Event()
        start_gate = threading.Barrier(CLIENTS + 1)

        def client(i: int) -> None:
            rnd = random.Random(i)
            base = page_tokens(pages[i])[1]
            n = 0
            start_gate.wait()
            while not stop.is_set():
                seg = rnd.choice(seg_ids)
                revert = rnd.random() < 0.2
                n += 1
                text = f"Client {i} edit {n} of {seg}."
                data = {"seg": seg, "base": base} if revert else {"seg": seg, "english": text, "base": base}
                t0 = time.perf_counter()
                status, body = http(url + f"a/bus-{i:02d}/{'revert' if revert else 'save'}", data=data, headers={"X-CSRF-Token": token}, timeout=60)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    failures.append(f"client {i} op {n}: {status} {body[:200]}")
                    return
                base = _BASE.search(body).group(1)
                expected[i][seg] = None if revert else text

        def reader() -> None:
            while not stop.is_set():
                for i in range(CLIENTS):
                    path = corrections_path(inbox / f"bus-{i:02d}.md")
                    if path.exists():
                        try:
                            read_table(path)
                            reads[0] += 1
                        except Exception as exc:  # a half-written or damaged file
                            corrupt.append(f"{path.name}: {exc}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=reader))
        for t in threads:
            t.start()
        start_gate.wait()
        began = time.monotonic()
        time.sleep(SECONDS)
        stop.set()
        for t in threads:
            t.join(120)
        elapsed = time.monotonic() - began

    assert not failures, failures[:5]
    assert not corrupt, corrupt[:5]
    ops = len(latencies)
    assert ops >= CLIENTS, "the clients hardly ran: the check proves nothing"
    for i in range(CLIENTS):
        path = corrections_path(inbox / f"bus-{i:02d}.md")
        on_disk = {r["id"]: r["corrected_english"] for r in corrections_rows(path)}
        want = {seg: text for seg, text in expected[i].items() if text is not None}
        assert on_disk == want, f"bus-{i:02d}: lost or stray writes"
    leftovers = [p.name for p in inbox.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, leftovers
    lat = sorted(latencies)
    print(
        f"\ndesk load: {CLIENTS} clients, {elapsed:.1f} s, {ops} saves/reverts ({ops / elapsed:.1f}/s), "
        f"latency median {statistics.median(lat) * 1000:.0f} ms, p95 {lat[int(0.95 * (len(lat) - 1))] * 1000:.0f} ms, "
        f"{reads[0]} concurrent file reads, 0 lost, 0 corrupt"
    )
