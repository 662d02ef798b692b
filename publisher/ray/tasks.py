"""The per-article steps that run as Ray tasks: reading from shipped bytes, and rendering.

Each returns a tagged tuple rather than raising, so an article's own problem comes back as
its message (``("failed", message)``), while Ray keeps its retries for dead workers.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..building.article import RenderRequest, read_segmented, render_article
from ..document import Article, PublisherError, article_from_dict, to_dict
from .cluster import peak_rss_mb


def _relocate(article: Article, temp: str, source: str) -> Article:
    """Replace the temporary path the task read from by the article's real path, everywhere."""
    raw = json.dumps(to_dict(article), ensure_ascii=False)
    if temp not in raw:
        return article
    return article_from_dict(json.loads(raw.replace(json.dumps(temp)[1:-1], json.dumps(source)[1:-1])))


def prepare_task(source: str, data: bytes) -> tuple:
    """Read and segment one article from its bytes: ("ok", article) or ("failed", message)."""
    with tempfile.TemporaryDirectory(prefix="publisher-read-") as tmp:
        path = Path(tmp) / Path(source).name
        path.write_bytes(data)
        try:
            article = read_segmented(path)
        except PublisherError as exc:
            return ("failed", str(exc).replace(str(path), source))
        return ("ok", _relocate(article, str(path), source))


def render_task(request: RenderRequest) -> tuple:
    """Summarise and render one translated article: ("ok", files, worker peak MB) or ("failed", message)."""
    try:
        files = render_article(request)
    except PublisherError as exc:
        return ("failed", str(exc))
    return ("ok", files, peak_rss_mb())
