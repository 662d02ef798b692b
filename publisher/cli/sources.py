"""The fetch command: an editor pulls Korean article pages into the inbox by hand."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("-o", "--out", "inbox", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The inbox folder to write into (default: [paths].inbox of publisher.toml, else articles/).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="publisher.toml to read the User-Agent, timeout and host delay from.")
def fetch(urls, inbox, config_file):
    """Fetch article pages and write them into the inbox as article files.

    Each page's article (title, date, byline, captions, source URL) is kept; menus, related
    articles, comments, share buttons and footers are left out. Prints each file written. A
    page that cannot be fetched or holds no article is one Error line and nothing is written
    for it; an existing file an editor changed is never overwritten.

    \b
    Example:
        publisher fetch https://news.example.kr/news/articleView.html?idxno=1001
        publisher fetch URL1 URL2 -o articles/
    """
    from ..config import load_config
    from ..sources.http import make_client
    from ..document import PublisherError
    from ..sources.pages import fetch_article, write_with_state
    from ..sources.state import SourceState, state_dir_for

    config = load_config(config_file)
    inbox = inbox or config.paths.inbox
    state_dir = state_dir_for(config)
    failed = 0
    with SourceState(state_dir) as state, make_client(config.service) as client:
        for url in urls:
            try:
                article = fetch_article(url.strip(), client=client, settings=config.service)
                path, changed = write_with_state(inbox, article, state)
            except PublisherError as exc:
                failed += 1
                click.echo(f"Error: {str(exc).splitlines()[0]}", err=True)
                continue
            click.echo(f"{path}" if changed else f"{path} (unchanged)")
    if failed:
        raise click.exceptions.Exit(1)
