"""One stage at a time: segment, split-sentences, translate, summarize, summarize-lines, render."""

from __future__ import annotations

from pathlib import Path

import click

from ..document import InputError, document, to_dict
from .context import decoding, resolved
from .options import count_option, decoding_options, glossary_option, model_option, output_file_option
from .output import echo_lines, print_json, write_json


@click.command()
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
    from ..building.stages import prepare_named

    if plain:
        if as_json:
            raise InputError("--plain and --json cannot be combined")
        echo_lines(_split(file))
        return
    article = prepare_named(file)
    if as_json:
        print_json(document("article", article))
        return
    for block, seg in article.iter_segments():
        click.echo(f"{seg.id}\t{block.kind}\t{seg.text}")


def _split(file: Path) -> list[str]:
    from ..building.stages import split_text_file

    return split_text_file(file)


@click.command("split-sentences")
@click.argument("file", type=click.Path(path_type=Path))
def split_sentences_command(file):
    """Split running text (no article structure) into sentences, one per line.

    \b
    Example:
        publisher split-sentences running-text.txt
    """
    echo_lines(_split(file))


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@model_option
@glossary_option
@output_file_option("Write the JSON to FILE instead of stdout.")
@decoding_options
@click.pass_context
def translate(ctx, file, model, glossary, output, beam, threads, compute_type, batch_tokens):
    """Translate an article (or the JSON from 'publisher segment --json') and print it as JSON.

    \b
    Example:
        publisher segment --json articles/seoul.ko.txt > seoul.json
        publisher translate seoul.json --output seoul.en.json
    """
    from ..building.stages import translate_file

    config = resolved(ctx)  # the model, glossary and decoding default to publisher.toml's [build]
    done, model_info = translate_file(file, config.build.model, config.build.glossary, decoding(ctx, config))
    write_json({**document("article", done), "model": to_dict(model_info)}, output)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sentences", is_flag=True, help="Same as 'publisher summarize-lines FILE' (kept for old scripts).")
@count_option
@output_file_option("Write the brief JSON to FILE instead of stdout.")
def summarize(file, sentences, count, output):
    """Pick the summary sentences of an article (translated JSON from 'publisher translate').

    \b
    Example:
        publisher summarize seoul.en.json --output seoul.brief.json
    """
    from ..building.stages import summarize_file, summarize_lines_file

    if sentences:
        echo_lines(summarize_lines_file(file, count))
        return
    write_json(document("brief", summarize_file(file, count)), output)


@click.command("summarize-lines")
@click.argument("file", type=click.Path(path_type=Path))
@count_option
def summarize_lines(file, count):
    """FILE holds one sentence per line: print the 0-based indices of the summary sentences.

    \b
    Example:
        publisher summarize-lines --count 3 sentences.txt
    """
    from ..building.stages import summarize_lines_file

    echo_lines(summarize_lines_file(file, count))


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True, help="Output folder: the brief goes to OUT/<slug>/.")
@click.option("--layout", type=click.Choice(["columns", "interleaved"]), default="columns", show_default=True, help="PDF full-text layout: Korean and English side by side, or each Korean paragraph followed by its English.")
@click.pass_context
def render(ctx, file, out_dir, layout):
    """Render a brief JSON (from 'publisher summarize') to HTML and PDF in OUT/<slug>/.

    \b
    Example:
        publisher render seoul.brief.json -o out
    """
    from ..building.stages import render_brief_file
    from ..theme import Theme

    config = resolved(ctx)  # OUT and the layout default to publisher.toml's [paths].out and [build].layout
    folder = config.paths.templates
    theme = Theme(folder if folder.is_dir() else None, config.site)  # the newsroom's look, as a build renders it
    path = render_brief_file(file, config.paths.out, config.build.layout, theme=theme)
    click.echo(f"wrote {path}")
