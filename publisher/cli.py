"""Command-line interface. Click only: parse options, call the library, report.

One error boundary (:class:`PublisherGroup`) turns a PublisherError into ``Error: <message>``
on stderr and the exit code its class carries; each command calls one library function.
Heavy libraries are imported inside the commands so that ``publisher --help`` is
instant.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

from . import __version__
from .document import BuildFailed, PublisherError

EXIT_INTERNAL = 70


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(code)


def _print_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _write_json(value, output: Path | None) -> None:
    if output is None:
        _print_json(value)
    else:
        from .fsutil import atomic_write_text

        atomic_write_text(output, json.dumps(value, ensure_ascii=False, indent=2) + "\n")
        click.echo(f"wrote {output}", err=True)


model_option = click.option(
    "--model",
    "model",
    metavar="PATH",
    default=None,
    help="Use this model instead of the installed one: a .argosmodel file (e.g. the test fixture), "
    "an Argos package folder, or a CTranslate2 folder converted from OPUS-MT, M2M-100 or NLLB.",
)
def decoding_options(fn):
    """--beam, --threads, --compute-type and --batch-tokens: the translator's settings."""
    options = [
        click.option("--beam", type=click.IntRange(1, 16), default=None, help="Beam size (default 4, as Argos Translate decodes)."),
        click.option(
            "--fast",
            is_flag=True,
            expose_value=False,
            callback=_remember_fast,
            help="Greedy decoding (beam 1): 2-3x faster, slightly worse English; for quick previews.",
        ),
        click.option("--threads", type=click.IntRange(1, 64), default=None, help="CPU threads for translation (default: up to 4)."),
        click.option(
            "--compute-type",
            type=click.Choice(["int8", "int8_float32", "float32", "default"]),
            default=None,
            help="CTranslate2 compute type (default int8).",
        ),
        click.option("--batch-tokens", type=click.IntRange(1, 1_000_000), default=None, help="Source tokens per translation batch (default 4096 divided by the beam size)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _remember_fast(ctx, _param, value):
    if value:
        ctx.meta["publisher.fast"] = True
    return value


def _decoding(beam, threads, compute_type, batch_tokens):
    """TranslateSettings from the options, or None for the defaults (Argos's beam 4)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get("publisher.fast"):
        if beam not in (None, 1):
            raise click.UsageError("--fast is greedy decoding (beam 1); leave out --beam")
        beam = 1
    changes = {
        k: v
        for k, v in (("beam_size", beam), ("intra_threads", threads), ("compute_type", compute_type), ("max_batch_tokens", batch_tokens))
        if v is not None
    }
    if not changes:
        return None
    from .decoding import TranslateSettings

    return TranslateSettings(**changes)


glossary_option = click.option(
    "--glossary",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Glossary CSV (ko,en[,note]); default: glossary.csv beside the articles.",
)


class PublisherGroup(click.Group):
    """The one error boundary of the command line.

    A :class:`PublisherError` becomes ``Error: <first line>`` on stderr and its class's
    ``exit_code``; Ctrl-C exits 130; an OSError names its file; anything unforeseen is one
    line too (the traceback with ``PUBLISHER_DEBUG=1``), exit 70. The library never
    mentions click, and no command catches errors itself.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except PublisherError as exc:
            _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(f"{where}{exc.strerror or exc}", 1)
        except Exception as exc:  # an unforeseen bug: one line, the traceback only on request
            if os.environ.get("PUBLISHER_DEBUG"):
                raise
            _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with PUBLISHER_DEBUG=1 for details", EXIT_INTERNAL)


@click.group(cls=PublisherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
@click.option("-v", "--verbose", is_flag=True, help="Show diagnostic logging on stderr.")
def cli(verbose: bool) -> None:
    """Offline bilingual (Korean -> English) news briefs.

    \b
    Example:
        publisher brief articles/ -o out
        publisher models install --file translate-ko_en-1_1.argosmodel
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


# ------------------------------------------------------------------------------ brief


@cli.command()
@click.argument("articles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True, help="Output directory.")
@model_option
@glossary_option
@click.option("--layout", type=click.Choice(["columns", "interleaved"]), default="columns", show_default=True, help="PDF full-text layout.")
@click.option("--count", type=click.IntRange(1, 20), default=None, help="Summary sentences (default: 3-5 by article length).")
@click.option("--force", is_flag=True, help="Rebuild briefs even when nothing changed.")
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
def brief(articles, out_dir, model, glossary, layout, count, force, keep_removed, beam, threads, compute_type, batch_tokens, ray_address, actors, in_flight):
    """Build bilingual briefs (HTML, PDF, JSON) for ARTICLES and refresh the index and feed.

    ARTICLES are files (.txt, .md, .html) or directories of them: the inbox. OUT then holds
    exactly the inbox's briefs: a brief whose article is no longer among ARTICLES is removed
    (with the index and feed entries) unless --keep-removed is given. Two articles that
    would share a folder (seoul.ko.txt and seoul.md) are both refused.

    \b
    Example:
        publisher brief articles/ -o out
        publisher brief articles/seoul.ko.txt --model tests/fixture/ko_en_test.argosmodel
        publisher brief desk-b/ -o out --keep-removed
        publisher brief archive/ -o out --ray auto --actors 8 --threads 4
    """
    from .build import BuildSettings, build
    from .models import remember_model

    settings = BuildSettings(
        out_dir=out_dir,
        model=model,
        glossary=glossary,
        layout=layout,
        summary_count=count,
        decoding=_decoding(beam, threads, compute_type, batch_tokens),
        force=force,
        keep_removed=keep_removed,
    )
    if ray_address is None and (actors != 1 or in_flight is not None):
        from .document import InputError

        raise InputError("--actors and --in-flight only apply with --ray ADDRESS")
    if model is not None:
        remember_model(model)  # a real model named here is installed, so the next plain build finds it
    if ray_address is not None:
        from .ray import RayExecutor, RayOptions

        executor = RayExecutor(RayOptions(address=ray_address.strip(), actors=actors, threads=threads or 2, max_in_flight=in_flight))
        report = _with_progress(_RateProgress(), lambda bar: build(articles, settings, progress=bar, executor=executor))
    else:
        report = _with_progress(_StageProgress(), lambda bar: build(articles, settings, progress=bar))
    _print_report(report, out_dir, ray=ray_address is not None)


def _with_progress(bar, run):
    try:
        return run(bar)
    finally:
        bar.close()


def _echo_warnings(stale: list[str], warnings: list[str]) -> None:
    """The editor's warnings of a run (brief and check print the same lines): stale
    corrections, one line per corrections file, then the others."""
    for msg in stale:
        click.echo(f"Warning: stale correction {msg}", err=True)
    for msg in warnings:
        click.echo(f"Warning: {msg}", err=True)


def _print_report(report, out_dir: Path, ray: bool) -> None:
    """What a build did, one line per brief; BuildFailed when any article (or the site) failed."""
    if report.test_model:
        click.echo("Warning: built with the TEST FIXTURE model: the English is not a translation.", err=True)
    for slug in report.built:
        click.echo(f"built {out_dir / slug}/brief.pdf")
    if report.skipped:
        click.echo(f"unchanged, skipped: {', '.join(report.skipped)}")
    t = report.translation
    if t:
        click.echo(
            f"segments: {t.get('segments_total', 0)}, translated by the model: {t.get('translated', 0)}, "
            f"from the translation memory: {t.get('from_memory', 0)}"
        )
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
    _echo_warnings(report.stale_corrections, report.warnings)
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
        import time

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


# ---------------------------------------------------------------------------- stages


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole structure (blocks, segments, ids, footnote refs) as JSON.")
@click.option("--plain", is_flag=True, help="Same as 'publisher split-sentences FILE' (kept for old scripts).")
def segment(file, as_json, plain):
    """Split an article into segments and print one per line.

    \b
    Example:
        publisher segment articles/seoul.ko.txt
        publisher segment --json articles/seoul.ko.txt > seoul.json
    """
    from .document import InputError, document
    from .build.stages import prepare_named

    if plain:
        if as_json:
            raise InputError("--plain and --json cannot be combined")
        _echo_lines(_split(file))
        return
    article = prepare_named(file)
    if as_json:
        _print_json(document("article", article))
        return
    for block, seg in article.iter_segments():
        click.echo(f"{seg.id}\t{block.kind}\t{seg.text}")


def _split(file: Path) -> list[str]:
    from .build.stages import split_text_file

    return split_text_file(file)


def _echo_lines(values) -> None:
    for value in values:
        click.echo(value)


@cli.command("split-sentences")
@click.argument("file", type=click.Path(path_type=Path))
def split_sentences_command(file):
    """Split running text (no article structure) into sentences, one per line.

    \b
    Example:
        publisher split-sentences running-text.txt
    """
    _echo_lines(_split(file))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@model_option
@glossary_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the JSON here instead of stdout.")
@decoding_options
def translate(file, model, glossary, output, beam, threads, compute_type, batch_tokens):
    """Translate an article (or the JSON from 'publisher segment --json') and print it as JSON.

    \b
    Example:
        publisher segment --json articles/seoul.ko.txt > seoul.json
        publisher translate seoul.json -o seoul.en.json
    """
    from .document import document, to_dict
    from .build.stages import translate_file

    done, model_info = translate_file(file, model, glossary, _decoding(beam, threads, compute_type, batch_tokens))
    _write_json({**document("article", done), "model": to_dict(model_info)}, output)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sentences", is_flag=True, help="Same as 'publisher summarize-lines FILE' (kept for old scripts).")
@click.option("--count", type=click.IntRange(1, 100), default=None, help="How many sentences to pick (default: 20% of the sentences, 3 to 5).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the brief JSON here instead of stdout.")
def summarize(file, sentences, count, output):
    """Pick the summary sentences of an article (translated JSON from 'publisher translate').

    \b
    Example:
        publisher summarize seoul.en.json -o seoul.brief.json
    """
    from .document import document
    from .build.stages import summarize_file, summarize_lines_file

    if sentences:
        _echo_lines(summarize_lines_file(file, count))
        return
    _write_json(document("brief", summarize_file(file, count)), output)


@cli.command("summarize-lines")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--count", type=click.IntRange(1, 100), default=None, help="How many sentences to pick (default: 20% of the sentences, 3 to 5).")
def summarize_lines(file, count):
    """FILE holds one sentence per line: print the 0-based indices of the summary sentences.

    \b
    Example:
        publisher summarize-lines --count 3 sentences.txt
    """
    from .build.stages import summarize_lines_file

    _echo_lines(summarize_lines_file(file, count))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True)
@click.option("--layout", type=click.Choice(["columns", "interleaved"]), default="columns", show_default=True)
def render(file, out_dir, layout):
    """Render a brief JSON (from 'publisher summarize') to HTML and PDF in OUT/<slug>/.

    \b
    Example:
        publisher render seoul.brief.json -o out
    """
    from .build.stages import render_brief_file

    path = render_brief_file(file, out_dir, layout)
    click.echo(f"wrote {path}")


# ---------------------------------------------------------------------------- models


@cli.group()
def models():
    """Install and inspect the ko->en translation model.

    \b
    Example:
        publisher models install
        publisher models install --file translate-ko_en-1_1.argosmodel
        publisher models status
    """


@models.command("install")
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path),
    default=None,
    help="Install from a local .argosmodel (air-gapped machines) or a CTranslate2 folder converted from OPUS-MT, M2M-100 or NLLB.",
)
def models_install(file):
    """Download (or take from --file) the ko->en model, check it and install it.

    \b
    Example:
        publisher models install
        publisher models install --file /media/usb/translate-ko_en-1_1.argosmodel
        publisher models install --file ./opus-mt-ko-en-ct2
    """
    from . import models as m
    from .models import KIND_LABELS

    info = m.install_from_file(file) if file is not None else m.install_from_index()
    click.echo(f"installed {info.name} {info.version} ({KIND_LABELS.get(info.kind, info.kind)}, sha256 {info.sha256[:12]}) in {info.path}")


@models.command("status")
def models_status():
    """Say which ko->en models are installed and where.

    \b
    Example:
        publisher models status
    """
    from . import models as m
    from .models import KIND_LABELS

    found = m.status()
    click.echo(f"packages directory: {m.packages_dir()}")
    click.echo(f"models directory (OPUS-MT, M2M-100, NLLB): {m.models_dir()}")
    if not found:
        click.echo("no ko->en model installed; run 'make models' or 'publisher models install --file PATH'")
        raise click.exceptions.Exit(1)
    for info in found:
        kind = KIND_LABELS.get(info.kind, info.kind)
        click.echo(f"{info.name} {info.version}  {kind}  sha256 {info.sha256[:12] if info.sha256 else '?'}  {info.path}")


@models.command("compare")
@click.argument("model_a", metavar="MODEL_A")
@click.argument("model_b", metavar="MODEL_B")
@click.argument("article", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The HTML page to write (default: compare-<article>.html here).")
@glossary_option
@decoding_options
def models_compare(model_a, model_b, article, output, glossary, beam, threads, compute_type, batch_tokens):
    """Translate ARTICLE with two models and write an HTML page comparing them segment by segment.

    MODEL_A and MODEL_B are model paths (.argosmodel, an Argos package folder, a CTranslate2
    OPUS-MT/M2M-100/NLLB folder) or the word 'installed' for the installed model.

    \b
    Example:
        publisher models compare installed ./opus-mt-ko-en-ct2 articles/seoul.ko.txt -o compare.html
    """
    from .compare import compare_models, write_comparison

    comparison = compare_models(model_a, model_b, article, decoding=_decoding(beam, threads, compute_type, batch_tokens), glossary=glossary)
    path = write_comparison(comparison, output or Path(f"compare-{Path(article).stem}.html"))
    click.echo(f"wrote {path}: {comparison.differences} of {len(comparison.rows)} segments differ")


# ----------------------------------------------------------------------------- cache


@cli.group()
def cache():
    """Inspect or clear the translation memory.

    \b
    Example:
        publisher cache stats
        publisher cache clear
    """


@cache.command("stats")
def cache_stats():
    """Print what the translation memory holds.

    \b
    Example:
        publisher cache stats
    """
    from .memory import TranslationMemory

    mem = TranslationMemory.open_default()
    for key, value in mem.stats().items():
        if isinstance(value, dict):
            click.echo(f"{key}:")
            for sub, n in value.items():
                click.echo(f"  {sub}: {n}")
        else:
            click.echo(f"{key}: {value}")


@cache.command("clear")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def cache_clear(yes):
    """Delete the machine translations in the translation memory (editor corrections are kept).

    \b
    Example:
        publisher cache clear --yes
    """
    from .memory import TranslationMemory

    if not yes:
        click.confirm("Clear the translation memory?", abort=True)
    mem = TranslationMemory.open_default()
    removed = mem.clear()
    click.echo(f"cleared {removed['translations']} stored translation(s); editor corrections kept")


# ------------------------------------------------------------------------ editor tools


@cli.command()
@click.argument("articles", nargs=-1, required=True, type=click.Path(path_type=Path))
@model_option
@glossary_option
@click.option("--strict", is_flag=True, help="Exit non-zero when any segment is flagged (gate publication on it).")
@decoding_options
def check(articles, model, glossary, strict, beam, threads, compute_type, batch_tokens):
    """Print the segments whose translation is flagged, with the reasons.

    \b
    Example:
        publisher check articles/
        publisher check --strict articles/seoul.ko.txt
    """
    from .checks import describe_flag
    from .build.stages import translate_files

    results, _ = translate_files(articles, model, glossary, _decoding(beam, threads, compute_type, batch_tokens))
    translated = [r.article for r in results if r.ok]
    failed = [(str(r.path), r.error) for r in results if not r.ok]
    flagged = 0
    for article in translated:
        for _, seg in article.iter_segments():
            if not seg.flags:
                continue
            flagged += 1
            reasons = "; ".join(describe_flag(f) for f in seg.flags)
            click.echo(f"{article.slug} {seg.id}: {reasons}")
            click.echo(f"    ko: {seg.text}")
            click.echo(f"    en: {seg.en}")
    click.echo(f"{flagged} flagged segment(s) in {len(translated)} article(s)")
    _echo_warnings([r.stale_summary for r in results if r.ok and r.stale_summary], [w for r in results for w in r.warnings])
    for path, msg in failed:
        click.echo(f"Error: {path}: {msg}", err=True)
    if failed:
        raise click.exceptions.Exit(1)
    if strict and flagged:
        raise click.exceptions.Exit(1)


@cli.group()
def edits():
    """Editors' corrections files.

    \b
    Example:
        publisher edits export articles/seoul.ko.txt
    """


@edits.command("export")
@click.argument("article", type=click.Path(dir_okay=False, path_type=Path))
@model_option
@glossary_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Where to write (default: beside the article). Never overwrites.")
def edits_export(article, model, glossary, output):
    """Write a corrections CSV (id, korean, machine_english, corrected_english) for ARTICLE.

    Fill in the corrected_english column and run 'make brief' again. Cells that a spreadsheet
    would run as a formula (starting with =, +, -, @) are written with a leading apostrophe,
    which is removed again when the file is read.

    \b
    Example:
        publisher edits export articles/seoul.ko.txt
    """
    from .build.stages import export_corrections

    click.echo(f"wrote {export_corrections(article, model, glossary, output)}")


@cli.command()
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
def serve(out_dir, port):
    """Preview OUT on http://127.0.0.1:PORT/ (local only).

    \b
    Example:
        publisher serve --port 8000
    """
    from .serve import serve as serve_site

    if not out_dir.is_dir():
        from .document import InputError

        raise InputError(f"{out_dir}: nothing to serve; run 'make brief' first")
    click.echo(f"serving {out_dir} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    serve_site(out_dir, port)


@cli.command()
@click.argument("articles", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True, help="Output directory (as for 'brief').")
@model_option
@glossary_option
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
def desk(articles, out_dir, model, glossary, port):
    """Review and correct translations in the browser, and republish (local only).

    ARTICLES are the inbox (default: articles/). The desk listens on 127.0.0.1 only and
    writes nothing but the articles' corrections files (and, on Republish, OUT).

    \b
    Example:
        publisher desk articles/ -o out
        publisher desk articles/ --model tests/fixture/ko_en_test.argosmodel --port 0
    """
    from .desk import serve as serve_desk
    from .build import BuildSettings

    settings = BuildSettings(out_dir=out_dir, model=model, glossary=glossary)
    inbox = list(articles) or [Path("articles")]

    def announce(url: str) -> None:
        click.echo(f"desk: {url} (Ctrl-C to stop)")

    serve_desk(inbox, settings, port=port, announce=announce)


def main() -> None:
    cli(prog_name="publisher")


if __name__ == "__main__":
    main()
