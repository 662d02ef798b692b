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


def segment_summary(t: dict) -> str:
    """Where each segment's English came from, in words whose numbers add up to the total:
    ``131 segments: 1 translated by the model, 130 from the translation memory``.

    The parts are the translator's counts (:class:`~publisher.engine.TranslationStats`):
    a segment with no text to translate (an empty caption, a lone marker) has no English
    and is counted as "empty".
    """
    total = t.get("segments_total", 0)
    parts = [
        (t.get("translated_segments", 0), "translated by the model"),
        (t.get("from_memory", 0), "from the translation memory"),
        (t.get("edited", 0), "editor's corrections"),
        (t.get("copied", 0), "copied as written (numbers, Latin script)"),
    ]
    empty = total - sum(n for n, _ in parts)
    if empty > 0:
        parts.append((empty, "empty (nothing to translate)"))
    words = [f"{n} {what}" for i, (n, what) in enumerate(parts) if n or i < 2]
    return f"{total} segment{'s' if total != 1 else ''}: {', '.join(words)}"
