"""The newsroom's own commands: config (the effective settings) and init (a new newsroom folder)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .context import current_config


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON: {key: {value, source}}.")
@click.option("--markdown", is_flag=True, help="Print the reference of every key (the page docs/configuration.md) instead.")
def config(as_json, markdown):
    """Print the effective settings and where each came from.

    A source is publisher.toml's file and line, an environment variable, or 'default'. The
    file is --config FILE, else $PUBLISHER_CONFIG, else ./publisher.toml if there is one.

    \b
    Example:
        publisher config
        publisher --config newsroom/publisher.toml config --json
    """
    if markdown:
        from ..newsroom import reference_markdown

        click.echo(reference_markdown(), nl=False)
        return
    cfg = current_config()
    rows = cfg.effective()
    if as_json:
        values = {key: {"value": _plain(value), "source": source} for key, value, source in rows}
        click.echo(json.dumps({"file": str(cfg.file) if cfg.file else None, "settings": values}, ensure_ascii=False, indent=2))
        return
    click.echo(f"# config file: {cfg.file if cfg.file else 'none (defaults and environment only)'}")
    width = max(len(key) for key, _, _ in rows)
    for key, value, source in rows:
        click.echo(f"{key:<{width}}  {_shown(value):<30}  # {source}")


def _plain(value):
    return str(value) if isinstance(value, Path) else value


def _shown(value) -> str:
    if value is None:
        return "(unset)"
    return json.dumps(_plain(value), ensure_ascii=False)


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder):
    """Create a newsroom folder: publisher.toml, articles/ with a sample, templates/, .gitignore.

    publisher.toml lists every key commented out with its default. Nothing is ever
    overwritten: a file already there is kept as it is, and named.

    \b
    Example:
        publisher init newsroom
        cd newsroom && publisher brief --model ../tests/fixture/ko_en_test.argosmodel
    """
    from ..newsroom import create_newsroom

    report = create_newsroom(folder)
    for path in report.created:
        click.echo(f"created {path}")
    if report.kept:
        click.echo(f"kept as they were (never overwritten): {', '.join(str(p) for p in report.kept)}")
    if report.created:
        click.echo(f"next: cd {folder} && publisher brief")
