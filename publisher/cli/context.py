"""The newsroom's publisher.toml on the command line: loaded once, lazily, by the commands that need it.

The group's ``--config FILE`` only records the file (``publisher --help`` never imports
pydantic); the first command that asks for a setting loads and validates the whole config
(:func:`current_config`), before it does any work, and keeps it on the click context. From
then on the config's process-wide settings (cache, models, site address, feed size) are in
effect for the rest of the command (:func:`publisher.config.applied`).

A command reads each of its settings with the one precedence rule: the option, when it was
given on the command line; else the environment variable or publisher.toml (the config
already holds whichever won); else the default (the schema's, which the option's
``default`` repeats for ``--help``). :func:`resolved` applies the options a command was given
on top of the config, so the command then reads everything from one :class:`~publisher.config.Config`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from ..building import BuildSettings
    from ..config import Config

_FILE = "publisher.config_file"
_CONFIG = "publisher.config"

# Which option sets which key, for every command that takes it: key -> (parameter name, option).
OPTION_KEYS: dict[str, tuple[str, str]] = {
    "build.model": ("model", "--model"),
    "build.glossary": ("glossary", "--glossary"),
    "build.layout": ("layout", "--layout"),
    "build.summary_count": ("count", "--count"),
    "build.beam": ("beam", "--beam"),
    "build.threads": ("threads", "--threads"),
    "build.compute_type": ("compute_type", "--compute-type"),
    "build.batch_tokens": ("batch_tokens", "--batch-tokens"),
    "paths.out": ("out_dir", "--out"),
}


def remember_config_file(ctx: click.Context, path: Path | None) -> None:
    """The group's ``--config FILE``: recorded here, read when a command first needs a setting."""
    ctx.meta[_FILE] = path


def current_config(ctx: click.Context | None = None) -> Config:
    """The newsroom's config (``--config``, ``$PUBLISHER_CONFIG`` or ./publisher.toml, with the
    environment on top), loaded and validated once per invocation; a bad value is a ConfigError."""
    ctx = ctx or click.get_current_context()
    if _CONFIG not in ctx.meta:
        from ..config import applied, load_config

        config = load_config(ctx.meta.get(_FILE))
        ctx.find_root().with_resource(applied(config))  # undone when the command ends (CliRunner runs in one process)
        ctx.meta[_CONFIG] = config
    return ctx.meta[_CONFIG]


def given(ctx: click.Context, name: str) -> bool:
    """Whether the option ``name`` was given (on the command line or through click's own envvar)."""
    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT, ParameterSource.PROMPT)


def setting(ctx: click.Context, name: str, key: str):
    """The option ``name``'s value if it was given, else the config's value of ``key``
    (environment variable or publisher.toml), else the default."""
    if given(ctx, name):
        return ctx.params[name]
    return current_config(ctx).value(key)


def resolved(ctx: click.Context | None = None) -> Config:
    """The config with the options of :data:`OPTION_KEYS` this command was given on top
    (their origin is "command line"), checked with the schema's ranges."""
    ctx = ctx or click.get_current_context()
    config = current_config(ctx)
    options = {key: ctx.params[name] for key, (name, _) in OPTION_KEYS.items() if name in ctx.params and given(ctx, name)}
    return config.with_options(options, names={key: option for key, (_, option) in OPTION_KEYS.items()})


def decoding(ctx: click.Context, config: Config):
    """TranslateSettings from the config's [build] decoding keys (after :func:`resolved`), with ``--fast``."""
    from .options import decoding_settings

    b = config.build
    beam = b.beam
    if ctx.meta.get("publisher.fast") and not given(ctx, "beam"):
        beam = None  # --fast (beam 1) beats a beam from the environment or the file
    return decoding_settings(beam, b.threads, b.compute_type, b.batch_tokens)


def inbox(articles, config: Config) -> list[Path]:
    """ARTICLES as given, else the config's ``[paths].inbox`` (default ``articles/``)."""
    return list(articles) or [config.paths.inbox]


def build_settings(ctx: click.Context, config: Config, **fixed) -> BuildSettings:
    """BuildSettings for a build command: the output, model, glossary, layout, summary length and
    decoding of ``config`` (after :func:`resolved`), its ``[site]`` and its theme folder (if it
    exists); ``fixed`` are the command's own (force, keep_removed)."""
    from ..building import BuildSettings

    b = config.build
    theme = config.paths.templates
    return BuildSettings(
        out_dir=config.paths.out,
        model=b.model,
        glossary=b.glossary,
        layout=b.layout,
        summary_count=b.summary_count,
        decoding=decoding(ctx, config),
        site=config.site,
        theme=theme if theme.is_dir() else None,
        **fixed,
    )
