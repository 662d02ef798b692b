"""The editor's tools: check, edits export, serve and desk."""

from __future__ import annotations

from pathlib import Path

import click

from ..document import InputError
from .options import decoding_options, decoding_settings, glossary_option, model_option
from .output import echo_warnings


@click.command()
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
    from ..checks import describe_flag
    from ..building.stages import translate_files

    results, _ = translate_files(articles, model, glossary, decoding_settings(beam, threads, compute_type, batch_tokens))
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
    from ..building.stages import export_corrections

    click.echo(f"wrote {export_corrections(article, model, glossary, output)}")


@click.command()
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
def serve(out_dir, port):
    """Preview OUT on http://127.0.0.1:PORT/ (local only).

    \b
    Example:
        publisher serve --port 8000
    """
    from ..serve import serve as serve_site

    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: nothing to serve; run 'make brief' first")
    serve_site(out_dir, port, announce=lambda url: click.echo(f"serving {out_dir} on {url} (Ctrl-C to stop)"))


@click.command()
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
    from ..desk import serve as serve_desk
    from ..building import BuildSettings

    settings = BuildSettings(out_dir=out_dir, model=model, glossary=glossary)
    inbox = list(articles) or [Path("articles")]

    def announce(url: str) -> None:
        click.echo(f"desk: {url} (Ctrl-C to stop)")

    serve_desk(inbox, settings, port=port, announce=announce)
