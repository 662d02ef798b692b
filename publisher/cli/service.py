"""The service command: run the publishing service, and manage its API tokens."""

from __future__ import annotations

from pathlib import Path

import click

from .context import build_settings, current_config, remember_config_file, resolved
from .options import model_option


@click.group(invoke_without_command=True)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="publisher.toml to read (as 'publisher --config'; default: $PUBLISHER_CONFIG, else ./publisher.toml).")
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
    if config_file is not None:
        remember_config_file(ctx, config_file)  # as the group's --config: read when first needed
    if ctx.invoked_subcommand is not None:
        return
    from ..service import logs
    from ..service.run import ServiceOptions, serve

    config = resolved(ctx)  # publisher.toml and the environment, with --model and -o on top
    config = config.with_options({"service.host": host, "service.port": port, "service.log_json": log_json or None},
                                 names={"service.host": "--host", "service.port": "--port"})
    logs.setup(config.service.log_json)
    settings = build_settings(ctx, config)  # exactly what 'publisher brief' builds with
    options = ServiceOptions(inbox=inbox or config.paths.inbox, out_dir=settings.out_dir, settings=settings,
                             host=config.service.host, port=config.service.port)

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
    from ..service.run import tokens_path
    from ..service.tokens import TokenStore

    return TokenStore(tokens_path(current_config(ctx)))


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
