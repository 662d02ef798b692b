"""The editor's desk: review and correct translations in the browser, then republish.

``publisher desk articles/ -o out`` serves a small web app on 127.0.0.1 only. The desk
page lists the inbox with each article's state; the review page shows every segment
(Korean, machine English, an editable English field), flagged ones first in line for the
keyboard. Saving writes the article's corrections file (the ``edits export`` format),
republishing rebuilds the article through the normal pipeline under the out/ lock.

Starlette and uvicorn are the ``desk`` extra (``pip install 'publisher[desk]'``); they are
imported only when the desk runs. Nothing here imports the desk's web code at import time.
"""

from __future__ import annotations

from ..document import PublisherError


class DeskUnavailable(PublisherError):
    """Starlette or uvicorn is not installed."""

    exit_code = 2


def require_web_stack() -> None:
    """Fail with a fix-it message when the desk's web libraries are missing."""
    import importlib.util

    missing = [name for name in ("starlette", "uvicorn", "jinja2") if importlib.util.find_spec(name) is None]
    if missing:
        raise DeskUnavailable(
            f"the desk needs {', '.join(missing)}; install them with \"pip install 'publisher[desk]'\" (or 'make desk')"
        )


def serve(articles, settings, port: int = 8765, announce=print) -> None:
    """Run the desk on http://127.0.0.1:<port>/ until interrupted (port 0: any free port).

    ``announce`` receives the real URL once the socket listens. Errors that can be known
    before serving (no model, a bad inbox, a busy port) are raised as PublisherError.
    """
    require_web_stack()
    from .app import run

    run(articles, settings, port=port, announce=announce)
