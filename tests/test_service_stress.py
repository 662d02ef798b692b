"""The publishing service under kills and load (issue 22): not in `make test-fast`.

`kill -9` of the whole service (its process group, as systemd's SIGKILL does) in the middle of
a build, then a restart: every accepted job is published exactly once, no brief finished before
the kill is built again, and out/ is whole. A burst of 50 new files gives one build. 200
articles from 20 concurrent clients (some POSTs retried under their Idempotency-Key) are each
published once, as one `publisher brief` of the inbox publishes them.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import wait_until
from test_service import article, assert_same_publication, assert_whole, new_service, reference_build  # noqa: F401 (new_service: a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.service, pytest.mark.fixture_model, pytest.mark.timeout(900), pytest.mark.isa_neutral]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.stress
def test_kill_9_in_the_middle_of_a_build_then_a_restart_publishes_every_job_once(new_service):
    s = new_service()
    token = s.token("cms", "submit", "read")
    s.start()
    s.idle()
    jobs: dict[str, str] = {}
    with s.client(token) as c:
        for i in range(8):
            r = c.post("/api/v1/articles", json=article(i))
            assert r.status_code == 202
            jobs[r.json()["slug"]] = r.json()["job"]

    def mid_build():
        done = [slug for slug in jobs if (s.out / slug / "brief.json").is_file()]
        return 2 <= len(done) < len(jobs) and done

    wait_until(mid_build, 120, "a build half-way through the articles", interval=0.02)
    children = [int(p) for p in os.popen(f"pgrep -g {s.proc.pid}").read().split()]
    os.killpg(s.proc.pid, signal.SIGKILL)
    s.proc.wait(30)
    wait_until(lambda: not any(_alive(p) for p in children), 30, "the build process to die with the service")
    before = {slug: (s.out / slug / "brief.json").read_bytes() for slug in jobs if (s.out / slug / "brief.json").is_file()}
    assert 2 <= len(before) < len(jobs)

    s.start()
    states = s.wait_jobs(token, jobs.values(), timeout=240)
    assert {st["state"] for st in states.values()} == {"published"}, states
    published = [job for job, state, _ in s.events() if state == "published" and job in jobs.values()]
    assert sorted(published) == sorted(jobs.values())  # each job published exactly once
    for slug, doc in before.items():  # a brief finished before the kill was not built again
        assert (s.out / slug / "brief.json").read_bytes() == doc, slug
    assert_whole(s.out, s.inbox)
    assert s.stop() == 0


@pytest.mark.stress
def test_a_burst_of_50_new_files_gives_one_build(new_service):
    s = new_service().start()
    s.idle()
    builds = s.builds()
    for i in range(50):
        a = article(i, per=2)
        (s.inbox / f"burst-{i:02d}.ko.txt").write_text(f"---\ntitle: {a['title']}\n---\n{a['body']}\n", encoding="utf-8")
    wait_until(lambda: s.builds() > builds, 120, "a build")
    health = s.idle(timeout=600)
    assert health["last_build"]["builds_total"] == builds + 1 and health["last_build"]["built"] == 50
    assert_whole(s.out, s.inbox)
    assert s.stop() == 0


@pytest.mark.load
def test_200_articles_from_20_clients_are_each_published_once_as_publisher_brief_publishes_them(new_service, tmp_path):
    s = new_service()
    tokens = [s.token(f"cms{k}", "submit", "read") for k in range(20)]
    s.start()
    s.idle()
    latencies: list[float] = []

    def client(k: int) -> dict[int, set[str]]:
        seen: dict[int, set[str]] = {}
        with s.client(tokens[k]) as c:
            for n in range(10):
                i = k * 10 + n
                tries = 2 if i % 7 == 0 else 1  # a retried POST, as after a lost answer
                for _ in range(tries):
                    t = time.perf_counter()
                    r = c.post("/api/v1/articles", json=article(i, per=2), headers={"Idempotency-Key": f"article-{i}"})
                    latencies.append(time.perf_counter() - t)
                    assert r.status_code == 202, r.text
                    seen.setdefault(i, set()).add(r.json()["job"])
        return seen

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(client, range(20)))
    jobs = {i: js for r in results for i, js in r.items()}
    assert len(jobs) == 200 and all(len(js) == 1 for js in jobs.values())
    ids = [next(iter(js)) for js in jobs.values()]
    states = s.wait_jobs(tokens[0], ids[:50], timeout=900)  # 50 looked up (the rate limit is per token)
    assert {st["state"] for st in states.values()} == {"published"}
    published = [job for job, state, _ in s.events() if state == "published"]
    assert sorted(j for j in published if j in set(ids)) == sorted(ids)
    assert_whole(s.out, s.inbox)
    reference_build(s, tmp_path / "reference")
    assert_same_publication(tmp_path / "reference", s.out)
    q = statistics.quantiles(latencies, n=20)
    print(f"POST latency while building: p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {q[18] * 1000:.0f} ms")
    assert s.stop() == 0


@pytest.mark.stress
def test_sigterm_finishes_the_build_in_hand_and_leaves_the_rest_queued(new_service):
    s = new_service()
    token = s.token("cms", "submit", "read")
    s.start()
    s.idle()
    with s.client(token) as c:
        first = c.post("/api/v1/articles", json=article(20)).json()
        wait_until(lambda: s.health()["building"], 60, "the build of the first article")
        later = [c.post("/api/v1/articles", json=article(21 + k)).json() for k in range(2)]
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(120) == 0
    states = {job: state for job, state, _ in s.events()}  # the last event of each job
    assert states[first["job"]] == "published" and (s.out / first["slug"] / "brief.json").is_file()
    assert all(states[a["job"]] == "queued" for a in later)  # accepted, kept for the next start
    s.start()
    final = s.wait_jobs(token, [a["job"] for a in later])
    assert {st["state"] for st in final.values()} == {"published"}
    assert s.stop() == 0
