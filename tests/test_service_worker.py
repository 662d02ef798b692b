"""The service worker's retry rule (unit tests of logic: a real queue file, a stand-in build process)."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest

pytest.importorskip("prometheus_client")

from publisher.building import BuildSettings  # noqa: E402
from publisher.service.metrics import Metrics  # noqa: E402
from publisher.service.queue import JobQueue  # noqa: E402
from publisher.service.worker import Transient, Worker  # noqa: E402


class _Pool:
    """Answers every build with ``outcome`` (an exception is raised, a dict is the report)."""

    def __init__(self, outcome):
        self.outcome = outcome
        self.calls = 0

    def submit(self, fn, *args):
        self.calls += 1
        f = Future()
        if isinstance(self.outcome, BaseException):
            f.set_exception(self.outcome)
        else:
            f.set_result(self.outcome)
        return f


def _worker(tmp_path, outcome, attempts=3):
    queue = JobQueue(tmp_path / "queue.sqlite")
    w = Worker(queue, tmp_path / "articles", BuildSettings(out_dir=tmp_path / "out"), Metrics(queue), max_attempts=attempts)
    w.pool = _Pool(outcome)
    return queue, w


def _due_now(queue):
    queue._db.execute("UPDATE jobs SET not_before = 0")


def test_a_transient_fault_is_retried_with_growing_delays_then_fails_with_its_reason(tmp_path):
    queue, w = _worker(tmp_path, Transient("another build holds out/.publisher.lock; try again when it has finished"))
    job = queue.add("submit", "a")
    delays = []
    for _ in range(3):
        assert w.run_once()
        j = queue.get(job.id)
        if j.state == "queued":
            delays.append(j.not_before - j.updated)
            assert j.reason.startswith("retrying in") and "another build holds" in j.reason
            assert not w.run_once()  # not due yet: nothing is built
            _due_now(queue)
    assert delays == pytest.approx([2.0, 4.0], abs=0.1)
    j = queue.get(job.id)
    assert j.state == "failed" and j.reason.startswith("gave up after 3 tries: another build holds")
    assert w.pool.calls == 3


def test_a_permanent_article_fault_fails_only_its_own_job(tmp_path):
    (tmp_path / "out" / "good").mkdir(parents=True)
    (tmp_path / "out" / "good" / "brief.json").write_text("{}")
    report = {"built": ["good"], "skipped": [], "failed": [[str(tmp_path / "articles" / "bad.ko.txt"), "the file is neither UTF-8 nor CP949/EUC-KR text"]],
              "removed": [], "site_error": None, "translation": {}, "seconds": 0.1}
    queue, w = _worker(tmp_path, report)
    good, bad, inbox = queue.add("submit", "good"), queue.add("submit", "bad"), queue.add("inbox")
    assert w.run_once()
    assert queue.get(good.id).state == "published"
    assert queue.get(bad.id).state == "failed" and "neither UTF-8" in queue.get(bad.id).reason
    assert queue.get(inbox.id).state == "failed" and queue.get(inbox.id).reason.startswith("bad: ")
    assert queue.depth() == 0 and time.time() - queue.get(good.id).updated < 60


def test_what_the_watcher_and_the_slug_rules_take():
    from publisher.service.inbox import Submission, check_slug, derive_slug
    from publisher.service.watch import relevant

    assert all(relevant(f"/in/{n}") for n in ("a.ko.txt", "a.md", "a.html", "a.ko.corrections.csv", "glossary.csv", "staff.csv"))
    assert not any(relevant(f"/in/{n}") for n in (".a.ko.txt.x1.tmp", ".hidden.md", "notes.csv", "a.pdf", "a.ko.txt~"))
    for bad in ("../x", "a/b", "A", "a--b", "-a", "assets", "a.b", ""):
        with pytest.raises(ValueError):
            check_slug(bad)
    assert check_slug("2026-12-06-서울-office") == "2026-12-06-서울-office"
    one = Submission(title="제목", body="본문", date="2026-12-06", source_url="https://news.example.kr/a/1")
    assert derive_slug(one) == derive_slug(Submission(title="다른 제목", body="x", date="2026-12-06", source_url="https://news.example.kr/a/1"))
    assert derive_slug(one).startswith("2026-12-06-") and derive_slug(Submission(title="t", body="b")).startswith("article-")


def test_out_held_by_another_build_is_a_transient_fault_of_the_build(tmp_path):
    """The real build function (here, of an empty inbox) while out/'s lock is held: Transient, retried."""
    from publisher.building.publish import lock_out_dir
    from publisher.service.worker import build_inbox

    (tmp_path / "articles").mkdir()
    held = lock_out_dir(tmp_path / "out", 0)
    try:
        with pytest.raises(Transient, match="another build holds"):
            build_inbox(str(tmp_path / "articles"), BuildSettings(out_dir=tmp_path / "out", lock_timeout=0))
    finally:
        held.release()
