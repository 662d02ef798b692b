"""The build: which briefs to (re)build from an inbox, and publishing them into ``out/``.

(Named ``building``, not ``build``: ``build/`` is where setuptools and many ignore files
put disposable output, and a package of that name gets left out of copies and images.)

``inbox`` (which files), ``freshness`` (is a brief up to date?), ``article`` (the
per-article step), ``publish`` (slugs, the out/ lock, the one writer of a brief folder,
unpublishing), ``settings`` (what a build is told and reports), ``job`` (a build as its executor sees it,
and the executor interface), ``run`` (the one skeleton, :func:`build`),
``local`` (the default executor), ``review`` (the desk's view of an article) and
``stages`` (one stage at a time, for the CLI's stage commands).
"""

from .inbox import corrections_path, default_glossary, expand_articles
from .local import LocalExecutor
from .job import BuildJob, Executor
from .run import build, open_translator
from .settings import BuildReport, BuildSettings, Item

__all__ = [
    "BuildJob",
    "BuildReport",
    "BuildSettings",
    "Executor",
    "Item",
    "LocalExecutor",
    "build",
    "corrections_path",
    "default_glossary",
    "expand_articles",
    "open_translator",
]
