"""The models group (install, status, compare) and the cache group (stats, clear)."""

from __future__ import annotations

from pathlib import Path

import click

from .context import current_config, decoding, resolved
from .options import decoding_options, glossary_option, output_file_option


@click.group()
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
    from .. import models as m
    from ..models import KIND_LABELS

    current_config()  # [paths].models and [paths].cache of publisher.toml
    info = m.install_from_file(file) if file is not None else m.install_from_index()
    click.echo(f"installed {info.name} {info.version} ({KIND_LABELS.get(info.kind, info.kind)}, sha256 {info.sha256[:12]}) in {info.path}")


@models.command("status")
def models_status():
    """Say which ko->en models are installed and where.

    \b
    Example:
        publisher models status
    """
    from .. import models as m
    from ..models import KIND_LABELS

    current_config()  # [paths].models of publisher.toml
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
@output_file_option("The HTML page to write (default: compare-<article>.html here).")
@glossary_option
@decoding_options
@click.pass_context
def models_compare(ctx, model_a, model_b, article, output, glossary, beam, threads, compute_type, batch_tokens):
    """Translate ARTICLE with two models and write an HTML page comparing them segment by segment.

    MODEL_A and MODEL_B are model paths (.argosmodel, an Argos package folder, a CTranslate2
    OPUS-MT/M2M-100/NLLB folder) or the word 'installed' for the installed model.

    \b
    Example:
        publisher models compare installed ./opus-mt-ko-en-ct2 articles/seoul.ko.txt --output compare.html
    """
    from ..compare import compare_models, write_comparison

    config = resolved(ctx)  # the glossary and decoding default to publisher.toml's [build]
    comparison = compare_models(model_a, model_b, article, decoding=decoding(ctx, config), glossary=config.build.glossary)
    path = write_comparison(comparison, output or Path(f"compare-{Path(article).stem}.html"))
    click.echo(f"wrote {path}: {comparison.differences} of {len(comparison.rows)} segments differ")


# ----------------------------------------------------------------------------- cache


@click.group()
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
    from ..memory import TranslationMemory

    current_config()  # [paths].cache of publisher.toml
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
    from ..memory import TranslationMemory

    current_config()  # [paths].cache of publisher.toml
    if not yes:
        click.confirm("Clear the translation memory?", abort=True)
    mem = TranslationMemory.open_default()
    removed = mem.clear()
    click.echo(f"cleared {removed['translations']} stored translation(s); editor corrections kept")
