"""A multi-node Ray cluster on this machine (ray.cluster_utils.Cluster): a node removed mid-run.

Two 1-CPU nodes, one translation actor on each. When two articles are published the worker
node is removed; its work is retried on the head node, and every article is still published
exactly once.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import ray
from ray.cluster_utils import Cluster
from test_ray import SAMPLES, make_inbox, ray_build, settings

from publisher.ray import RayOptions

# one Ray at a time on this machine (address 'auto' finds whichever is running): the Ray modules share a worker
pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.xdist_group("ray"), pytest.mark.fixture_model, pytest.mark.timeout(900)]


@pytest.fixture
def two_nodes():
    if ray.is_initialized():  # another module's Ray must not be reused here
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, configure_logging=False, log_to_driver=False)
    try:
        yield cluster, worker
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_removing_a_node_mid_run_still_publishes_every_article_exactly_once(two_nodes, tmp_path):
    cluster, worker = two_nodes
    inbox = make_inbox(tmp_path, generated=3)
    total = 4 * len(SAMPLES)
    out = tmp_path / "out"
    events = []

    def progress(stage, done, n):
        events.append(done)
        if done == 2 and worker in cluster.worker_nodes:
            cluster.remove_node(worker)  # mid-run: 2 of `total` articles are published

    report = ray_build([inbox], settings(out), RayOptions(address="auto", actors=2, threads=1, batch_articles=1, max_in_flight=4), progress)
    assert worker not in cluster.worker_nodes, "the node was never removed: the run ended too early"
    assert report.failed == [], report.failed
    # Whether the removed node's actor is restarted or its batches go to the other actor
    # depends on timing; either way the run completes. (test_ray.py kills an actor and
    # checks that it is replaced and its batch retried.)
    counts = Counter(report.built)
    assert len(counts) == total and set(counts.values()) == {1}, counts  # exactly once
    assert sorted(p.parent.name for p in out.glob("*/brief.json")) == sorted(counts)
    for slug in counts:
        doc = json.loads((out / slug / "brief.json").read_text(encoding="utf-8"))
        # every segment was translated (what the fixture writes for unseen text is CPU-dependent)
        assert doc["data"]["inputs"] and all(seg["en"] is not None for b in doc["data"]["article"]["blocks"] for seg in b["segments"])
    assert events[-1] == total and sorted(events) == events  # progress counted each article once
    assert len(list(out.glob("index*.html"))) == 1 and "brief.pdf" in (out / "feed.xml").read_text(encoding="utf-8")
