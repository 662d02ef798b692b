"""The service command: run the publishing service, and manage its API tokens."""

from __future__ import annotations

from pathlib import Path

import click

from .options import model_option


@click.group(invoke_without_command=True)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="publisher.toml to read (default: ./publisher.toml or $PUBLISHER_CONFIG).")
@click.option("--inbox", type=click.Path(file_okay=False, path_type=Path), default=None, help="The inbox folder to watch and write into (default: [paths] inbox).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output directory (default: [paths] out).")
@model_option
@click.option("--host", default=None, help="Address to listen on (default: [service] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default: [service] port, 8780; 0: any free port, printed).")
@click.option("--log-json", is_flag=True, default=None, help="Log JSON lines instead of text.")
@click.pass_context
def service(ctx, config_file, inbox, out_dir, model, host, port, log_json):
    """Run the publishing service: the inbox watched, feeds followed, an API for the CMS.

    One long-running process builds exactly what 'publisher brief INBOX -o OUT' would, each
    time the inbox changes or an article arrives. It listens on 127.0.0.1 unless told
    otherwise and prints its address. The API (OpenAPI at /docs) needs a token: see
    'publisher service token add'. Stop it with SIGTERM or Ctrl-C: the build in hand finishes.

    \b
    Example:
        publisher service token add cms --scope submit --scope takedown --scope read
        publisher service --inbox articles -o out
        publisher service --config newsroom/publisher.toml --port 0 --log-json
    """
    ctx.ensure_object(dict)
    ctx.obj["config_file"] = config_file
    if ctx.invoked_subcommand is not None:
        return
    from ..building import BuildSettings
    from ..config import load_config
    from ..service import logs
    from ..service.run import ServiceOptions, serve

    config = load_config(config_file).with_options(
        {"service.host": host, "service.port": port, "service.log_json": log_json or None, "build.model": model}
    )
    logs.setup(config.service.log_json)
    b = config.build
    decoding = None
    if any(v is not None for v in (b.beam, b.threads, b.compute_type, b.batch_tokens)):
        from ..decoding import TranslateSettings

        decoding = TranslateSettings(**{k: v for k, v in (("beam_size", b.beam), ("intra_threads", b.threads), ("compute_type", b.compute_type),
                                                           ("max_batch_tokens", b.batch_tokens)) if v is not None})
    out = out_dir or config.paths.out
    theme = config.paths.templates if config.file is not None and config.paths.templates.is_dir() else None
    settings = BuildSettings(out_dir=out, model=b.model, glossary=b.glossary, layout=b.layout, summary_count=b.summary_count,
                             decoding=decoding, site=config.site, theme=theme)
    options = ServiceOptions(inbox=inbox or config.paths.inbox, out_dir=out, settings=settings, host=config.service.host, port=config.service.port)

    def announce(url: str) -> None:
        click.echo(f"service: {url} (API docs: {url}docs; SIGTERM or Ctrl-C to stop)")
        import sys

        sys.stdout.flush()

    serve(config, options, announce=announce)


@service.group()
def token():
    """Manage the API's bearer tokens (stored hashed in [service] tokens_file).

    \b
    Example:
        publisher service token add cms --scope submit --scope read
        publisher service token list
        publisher service token revoke cms
    """


def _store(ctx):
    from ..config import load_config
    from ..service.run import tokens_path
    from ..service.tokens import TokenStore

    return TokenStore(tokens_path(load_config(ctx.obj.get("config_file"))))


@token.command("add")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["submit", "takedown", "read"]), required=True, help="What the token may do (repeat).")
@click.pass_context
def token_add(ctx, name, scopes):
    """Create a token NAME with SCOPES; prints the token once (only its hash is kept).

    \b
    Example:
        publisher service token add cms --scope submit --scope takedown --scope read
    """
    click.echo(_store(ctx).add(name, list(scopes)))


@token.command("list")
@click.pass_context
def token_list(ctx):
    """List the tokens (names, scopes, creation time; never the tokens).

    \b
    Example:
        publisher service token list
    """
    for name, scopes, created in _store(ctx).list():
        click.echo(f"{name}\t{','.join(scopes)}\t{created}")


@token.command("revoke")
@click.argument("name")
@click.pass_context
def token_revoke(ctx, name):
    """Revoke the token NAME (a running service refuses it at once).

    \b
    Example:
        publisher service token revoke cms
    """
    _store(ctx).revoke(name)
    click.echo(f"revoked {name}")
