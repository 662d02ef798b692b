"""What the commands print: JSON, lines, and the editor's warnings of a run."""

from __future__ import annotations

import json
from pathlib import Path

import click


def print_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def write_json(value, output: Path | None) -> None:
    if output is None:
        print_json(value)
    else:
        from ..fsutil import atomic_write_text

        atomic_write_text(output, json.dumps(value, ensure_ascii=False, indent=2) + "\n")
        click.echo(f"wrote {output}", err=True)


def echo_lines(values) -> None:
    for value in values:
        click.echo(value)


def echo_warnings(stale: list[str], warnings: list[str]) -> None:
    """The editor's warnings of a run (brief and check print the same lines): stale
    corrections, one line per corrections file, then the others."""
    for msg in stale:
        click.echo(f"Warning: stale correction {msg}", err=True)
    for msg in warnings:
        click.echo(f"Warning: {msg}", err=True)
