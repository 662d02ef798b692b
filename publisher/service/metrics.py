"""``GET /metrics``: Prometheus text format (prometheus-client), in a registry of the service's own.

Jobs by state are read from the queue file when scraped (a gauge that is always true after a
restart); build seconds, segments translated and failures by reason are counted by this
process.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _JobsCollector:
    def __init__(self, queue):
        self.queue = queue

    def collect(self):
        gauge = GaugeMetricFamily("publisher_jobs", "Jobs in the queue file, by state", labels=["state"])
        for state, n in sorted(self.queue.counts().items()):
            gauge.add_metric([state], n)
        yield gauge


class Metrics:
    def __init__(self, queue):
        self.registry = CollectorRegistry()
        self.registry.register(_JobsCollector(queue))
        self.build_seconds = Histogram(
            "publisher_build_seconds", "Wall time of each build", registry=self.registry,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
        )
        self.segments = Counter("publisher_segments_translated", "Segments translated by the model", registry=self.registry)
        self.from_memory = Counter("publisher_segments_from_memory", "Segments taken from the translation memory", registry=self.registry)
        self.briefs = Counter("publisher_briefs_built", "Briefs written into the output folder", registry=self.registry)
        self.failures = Counter("publisher_failures", "Failures by reason (article, transient, build, internal)", ["reason"], registry=self.registry)
        self.api_seconds = Histogram(
            "publisher_api_request_seconds", "Time the service spends on an API request (gate to answer)", ["method"], registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.requests = Counter("publisher_api_refusals", "API requests refused, by status", ["status"], registry=self.registry)

    def build_done(self, seconds: float, report: dict) -> None:
        self.build_seconds.observe(seconds)
        t = report.get("translation") or {}
        self.segments.inc(t.get("translated", 0))
        self.from_memory.inc(t.get("from_memory", 0))
        self.briefs.inc(len(report.get("built", [])))

    def failure(self, reason: str) -> None:
        self.failures.labels(reason).inc()

    def refused(self, status: int) -> None:
        self.requests.labels(str(status)).inc()

    def text(self) -> bytes:
        return generate_latest(self.registry)
