"""Articles from the Korean site: feeds followed, pages fetched, article files written into the inbox.

* :mod:`.http` - one polite GET (timeouts, User-Agent, redirect limit, size cap, per-host delay);
* :mod:`.pages` - a page -> :class:`~.pages.FetchedArticle` (trafilatura) -> an inbox ``.txt``
  with front matter (:func:`~.pages.fetch_article`, :func:`~.pages.write_article`);
* :mod:`.feeds` - one conditional poll of one RSS/Atom feed (:func:`~.feeds.poll_feed`);
* :mod:`.follow` - every feed on its interval, new articles written, takedowns removed
  (:func:`~.follow.poll_feeds`, what the service calls on a timer);
* :mod:`.state` - what was seen and written (SQLite in the cache folder).

Nothing here is imported by ``publisher --help``; httpx, feedparser and trafilatura come
with the ``service`` extra.
"""
