"""The fetch command: an editor pulls Korean article pages into the inbox by hand."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("-o", "--out", "inbox", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The inbox folder to write the article files into (default: [paths].inbox, articles/).")
def fetch(urls, inbox):
    """Fetch article pages and write them into the inbox as article files.

    Each page's article (title, date, byline, captions, source URL) is kept; menus, related
    articles, comments, share buttons and footers are left out. Prints each file written. A
    page that cannot be fetched or holds no article is one Error line and nothing is written
    for it; an existing file an editor changed is never overwritten. The User-Agent,
    timeout and per-host delay are [service]'s in publisher.toml.

    \b
    Example:
        publisher fetch https://news.example.kr/news/articleView.html?idxno=1001
        publisher fetch URL1 URL2 -o articles/
    """
    from ..document import PublisherError
    from ..sources.http import make_client
    from ..sources.pages import fetch_article, write_with_state
    from ..sources.state import SourceState, state_dir_for
    from .context import current_config

    config = current_config()
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
