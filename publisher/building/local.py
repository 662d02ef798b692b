"""The local executor: every step in this process, the whole run translated in one batch.

Reading every article first and translating all their segments in one call lets
CTranslate2 sort and batch the run's sentences together, and sends a sentence that several
articles share to the model once.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..document import PublisherError
from .article import PreparedArticle, prepare_article, render_article, translate_prepared
from .job import BuildJob
from .settings import Item


class LocalExecutor:
    """Read (as the plan is decided), translate in one batch, then render and publish each brief."""

    def open(self, job: BuildJob) -> None:
        pass

    def run(self, job: BuildJob, plan: Iterator[Item]) -> None:
        prepared: list[tuple[Item, PreparedArticle]] = []
        for item in plan:
            job.progress("read", job.done + len(prepared), job.total)
            try:
                prepared.append((item, prepare_article(item.path)))
            except PublisherError as exc:
                job.fail(item.path, str(exc))
        job.progress("read", job.total, job.total)
        if not prepared:
            return
        job.progress("translate", 0, 1)
        results = translate_prepared(job.translator, [p for _, p in prepared])
        job.progress("translate", 1, 1)
        job.report.translation = job.translator.stats.as_dict()
        for i, ((item, _), result) in enumerate(zip(prepared, results)):
            job.progress("render", i, len(prepared))
            request = job.render_request(item, result)
            if request is None:
                continue
            try:
                files = render_article(request)
            except PublisherError as exc:
                job.fail(item.path, str(exc))
                continue
            job.publish(item, files)
        job.progress("render", len(prepared), len(prepared))

    def close(self) -> None:
        pass
