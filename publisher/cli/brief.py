"""The brief command: build the inbox, print what the build did, with a progress bar while it runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..document import BuildFailed, InputError
from .context import build_settings, given, inbox, resolved
from .options import count_option, decoding_options, glossary_option, model_option
from .output import echo_warnings, segment_summary


@click.command()
@click.argument("articles", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True, help="Output folder: one folder per brief, the index and the feed.")
@model_option
@glossary_option
@click.option("--layout", type=click.Choice(["columns", "interleaved"]), default="columns", show_default=True, help="PDF full-text layout.")
@count_option
@click.option("--force", is_flag=True, help="Rebuild briefs even when nothing changed.")
@click.option(
    "--strict",
    is_flag=True,
    help="Treat a file in the inbox that is not an article (a .docx, a FIFO...) as an error: exit non-zero and build nothing. "
    "Without it such files are named as skipped.",
)
@click.option(
    "--keep-removed",
    is_flag=True,
    help="Keep briefs in OUT whose article is not among ARTICLES (several inboxes publishing into one OUT).",
)
@decoding_options
@click.option(
    "--ray",
    "ray_address",
    metavar="ADDRESS",
    default=None,
    help="Run on a Ray cluster: 'local' (start one on this machine), 'auto', or ray://HOST:PORT. Needs publisher[ray].",
)
@click.option("--actors", type=click.IntRange(1, 4096), default=1, show_default=True, help="With --ray: translation actors (each loads the model once; --threads is per actor, default 2).")
@click.option("--in-flight", "in_flight", type=click.IntRange(1, 100_000), default=None, help="With --ray: articles between reading and writing at once (default 24 per actor).")
@click.option(
    "--ray-timeout",
    "ray_timeout",
    type=click.FloatRange(0, 3600, min_open=True),
    default=30.0,
    show_default=True,
    envvar="PUBLISHER_RAY_TIMEOUT",
    help="With --ray: seconds to reach the cluster before giving up (env PUBLISHER_RAY_TIMEOUT).",
)
@click.pass_context
def brief(ctx, articles, out_dir, model, glossary, layout, count, force, strict, keep_removed, beam, threads, compute_type, batch_tokens, ray_address, actors, in_flight, ray_timeout):
    """Build bilingual briefs (HTML, PDF, JSON) for ARTICLES and refresh the index and feed.

    ARTICLES are files (.txt, .md, .html) or directories of them: the inbox (default:
    [paths].inbox of publisher.toml, else articles/). Every option not given falls back to
    publisher.toml's value, then the default ('publisher config' shows which). OUT then holds
    exactly the inbox's briefs: a brief whose article is no longer among ARTICLES is removed
    (with the index and feed entries) unless --keep-removed is given. Two articles that
    would share a folder (seoul.ko.txt and seoul.md) are both refused. Any other file in
    an inbox folder (a .docx, a FIFO, a sub-folder) is named as skipped, with the reason;
    hidden files are left out silently.

    \b
    Example:
        publisher brief articles/ -o out
        publisher brief articles/seoul.ko.txt --model tests/fixture/ko_en_test.argosmodel
        publisher brief desk-b/ -o out --keep-removed
        publisher brief archive/ -o out --ray auto --actors 8 --threads 4
    """
    from ..building import build
    from ..models import remember_model

    config = resolved(ctx)  # publisher.toml and the environment, checked before any work
    settings = build_settings(ctx, config, force=force, keep_removed=keep_removed, strict=strict or config.build.strict)
    articles, out_dir, threads = inbox(articles, config), settings.out_dir, config.build.threads
    if ray_address is None and (actors != 1 or in_flight is not None):
        raise InputError("--actors and --in-flight only apply with --ray ADDRESS")
    if given(ctx, "model"):
        remember_model(model)  # a real model named here is installed, so the next plain build finds it
    if ray_address is not None:
        from ..ray import RayExecutor, RayOptions

        executor = RayExecutor(RayOptions(address=ray_address.strip(), actors=actors, threads=threads or 2, max_in_flight=in_flight, timeout=ray_timeout))
        report = _with_progress(_RateProgress(), lambda bar: build(articles, settings, progress=bar, executor=executor))
    else:
        report = _with_progress(_StageProgress(), lambda bar: build(articles, settings, progress=bar))
    _print_report(report, out_dir, ray=ray_address is not None)


def _with_progress(bar, run):
    try:
        return run(bar)
    finally:
        bar.close()


def _print_report(report, out_dir: Path, ray: bool) -> None:
    """What a build did, one line per brief; BuildFailed when any article (or the site) failed."""
    if report.test_model:
        click.echo("Warning: built with the TEST FIXTURE model: the English is not a translation.", err=True)
    for slug in report.built:
        click.echo(f"built {out_dir / slug}/brief.pdf")
    if report.skipped:
        click.echo(f"unchanged, not rebuilt: {', '.join(report.skipped)}")
    for path, why in report.ignored:
        click.echo(f"skipped {path}: {why}")
    t = report.translation
    if t:
        click.echo(segment_summary(t))
    for slug in report.removed:
        click.echo(f"removed {out_dir / slug}/ (its article is no longer in the inbox)")
    if ray and t:
        minutes = t.get("wall_seconds", 0) / 60
        done = len(report.built) + len(report.skipped) + len(report.failed)
        click.echo(
            f"ray: {done} articles in {t.get('wall_seconds', 0):.0f} s ({done / minutes if minutes else 0:.1f} articles/min); "
            f"peak memory: driver {t.get('driver_peak_mb', 0)} MB, translation actor {t.get('actor_peak_mb', 0)} MB, "
            f"task worker {t.get('task_worker_peak_mb', 0)} MB"
        )
    echo_warnings(report.stale_corrections, report.warnings)
    if report.site_error:
        click.echo(f"Error: index and feed not updated (the previous ones are kept): {report.site_error}", err=True)
    else:
        click.echo(f"index: {out_dir / 'index.html'}")
    if report.failed:
        for path, msg in report.failed:
            click.echo(f"Error: {path}: {msg}", err=True)
        raise BuildFailed(f"{len(report.failed)} article(s) failed: {', '.join(p for p, _ in report.failed)}")
    if report.site_error:
        raise BuildFailed(report.site_error)


class _RateProgress:
    """One bar for a streaming (--ray) build: articles done, articles per minute, time left.

    Without a terminal, a line every minute on stderr (for a back-fill run under nohup).
    """

    def __init__(self, every: float = 60.0):
        self.clock = time.monotonic
        self.start = self.clock()
        self.last_line = self.start
        self.every = every
        self.bar = None
        self.done = 0

    def rate(self) -> float:
        minutes = (self.clock() - self.start) / 60
        return self.done / minutes if minutes > 0 else 0.0

    def eta(self, total: int) -> str:
        rate = self.rate()
        if not rate:
            return "--:--"
        left = (total - self.done) / rate * 60
        return f"{int(left // 3600):d}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"

    def __call__(self, stage: str, done: int, total: int) -> None:
        step, self.done = done - self.done, done
        if sys.stderr.isatty():
            if self.bar is None:
                self.bar = click.progressbar(
                    length=max(total, 1), label="articles", file=sys.stderr, show_pos=True, show_eta=False,
                    item_show_func=lambda _: f"{self.rate():.1f} articles/min, {self.eta(total)} left" if self.done else None,
                )
                self.bar.__enter__()
            if step > 0:
                self.bar.update(step, current_item=done)
        elif self.clock() - self.last_line >= self.every or (done == total and done):
            self.last_line = self.clock()
            click.echo(f"{done}/{total} articles, {self.rate():.1f} articles/min, {self.eta(total)} left", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


class _StageProgress:
    """A click progress bar per stage, on stderr."""

    def __init__(self):
        self.stage = None
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=max(total, 1), label=f"{stage:<9}", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
            self.done = 0
        if done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            self.stage = None
