"""The editor's tools: check, edits export, serve and desk."""

from __future__ import annotations

from pathlib import Path

import click

from ..document import InputError
from .context import build_settings, decoding, inbox, resolved, setting
from .options import decoding_options, glossary_option, model_option, output_file_option
from .output import echo_warnings


@click.command()
@click.argument("articles", nargs=-1, type=click.Path(path_type=Path))
@model_option
@glossary_option
@click.option("--strict", is_flag=True, help="Treat a flagged segment as an error: exit non-zero when any segment is flagged (gate publication on it).")
@decoding_options
@click.pass_context
def check(ctx, articles, model, glossary, strict, beam, threads, compute_type, batch_tokens):
    """Print the segments whose translation is flagged, with the reasons.

    ARTICLES default to the inbox ([paths].inbox of publisher.toml, else articles/); the
    model, glossary and decoding to publisher.toml's [build], as for 'brief'.

    \b
    Example:
        publisher check articles/
        publisher check --strict articles/seoul.ko.txt
    """
    from ..checks import describe_flag
    from ..building.stages import translate_files

    config = resolved(ctx)
    results, _ = translate_files(inbox(articles, config), config.build.model, config.build.glossary, decoding(ctx, config))
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
    echo_warnings([r.stale_summary for r in results if r.ok and r.stale_summary], [w for r in results for w in r.warnings])
    for path, msg in failed:
        click.echo(f"Error: {path}: {msg}", err=True)
    if failed:
        raise click.exceptions.Exit(1)
    if strict and flagged:
        raise click.exceptions.Exit(1)


@click.group()
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
@output_file_option("Where to write the CSV (default: beside the article, ARTICLE-stem.corrections.csv). Never overwrites.")
@click.pass_context
def edits_export(ctx, article, model, glossary, output):
    """Write a corrections CSV (id, korean, machine_english, corrected_english) for ARTICLE.

    Fill in the corrected_english column and run 'make brief' again. Cells that a spreadsheet
    would run as a formula (starting with =, +, -, @) are written with a leading apostrophe,
    which is removed again when the file is read.

    \b
    Example:
        publisher edits export articles/seoul.ko.txt
    """
    from ..building.stages import export_corrections

    config = resolved(ctx)  # the model and glossary default to publisher.toml's [build], as for 'brief'
    click.echo(f"wrote {export_corrections(article, config.build.model, config.build.glossary, output)}")


@click.command()
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True, help="The folder to serve (as built by 'brief'). QA pages, the lock and staging folders are never served.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.pass_context
def serve(ctx, out_dir, port):
    """Preview OUT on http://127.0.0.1:PORT/ (local only).

    \b
    Example:
        publisher serve --port 8000
    """
    from ..serve import serve as serve_site

    out_dir = setting(ctx, "out_dir", "paths.out")
    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: nothing to serve; run 'make brief' first")
    serve_site(out_dir, port, announce=lambda url: click.echo(f"serving {out_dir} on {url} (Ctrl-C to stop)"))


@click.command()
@click.argument("articles", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True, help="Output directory (as for 'brief').")
@model_option
@glossary_option
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.pass_context
def desk(ctx, articles, out_dir, model, glossary, port):
    """Review and correct translations in the browser, and republish (local only).

    ARTICLES are the inbox (default: [paths].inbox of publisher.toml, else articles/). The desk listens on 127.0.0.1 only and
    writes nothing but the articles' corrections files (and, on Republish, OUT).

    \b
    Example:
        publisher desk articles/ -o out
        publisher desk articles/ --model tests/fixture/ko_en_test.argosmodel --port 0
    """
    from ..desk import serve as serve_desk

    config = resolved(ctx)
    settings = build_settings(ctx, config)

    def announce(url: str) -> None:
        click.echo(f"desk: {url} (Ctrl-C to stop)")

    serve_desk(inbox(articles, config), settings, port=port, announce=announce)
