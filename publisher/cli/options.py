"""The options several commands share: the model, the glossary and the decoding settings."""

from __future__ import annotations

from pathlib import Path

import click


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


def decoding_settings(beam, threads, compute_type, batch_tokens):
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
    from ..decoding import TranslateSettings

    return TranslateSettings(**changes)


glossary_option = click.option(
    "--glossary",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Glossary CSV (ko,en[,note]); default: glossary.csv beside the articles.",
)


# One meaning per option name: ``-o``/``--out`` is always a folder (brief, render, serve,
# desk); a file to write is ``--output FILE``. The old ``-o FILE`` of translate, summarize,
# models compare and edits export is kept, hidden, for one release.
def output_file_option(help: str):  # noqa: A002 - click's own name
    """``--output FILE`` (visible) and the old ``-o FILE`` (hidden, with a warning), one value."""

    def take_alias(ctx, _param, value):
        if value is not None:
            click.echo("Warning: '-o FILE' is now '--output FILE' here ('-o' names a folder elsewhere); -o will be removed in the next release.", err=True)
            ctx.meta["publisher.output"] = value
        return value

    def take_output(ctx, _param, value):
        return value if value is not None else ctx.meta.get("publisher.output")

    def decorate(fn):
        fn = click.option("-o", "output_alias", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path), default=None,
                          hidden=True, expose_value=False, is_eager=True, callback=take_alias, help="Old spelling of --output.")(fn)
        return click.option("--output", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path), default=None,
                            callback=take_output, help=help)(fn)

    return decorate


SUMMARY_COUNT = click.IntRange(1, 20)  # the one range: brief, summarize, summarize-lines and [build].summary_count

count_option = click.option(
    "--count",
    type=SUMMARY_COUNT,
    default=None,
    help="Summary sentences, 1-20 (default: 20% of the article's sentences, at least 3 and at most 5).",
)
