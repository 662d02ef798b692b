"""One polite HTTP GET for feeds and pages: httpx with timeouts, a User-Agent, a size cap,
redirects followed by hand (a limit, http(s) only, each hop paced) and a per-host delay.

The caller owns the ``httpx.Client`` (:func:`make_client` makes one from the service
settings) so that connections are reused across a poll. Every request, redirects
included, first waits for the host's turn: ``settings.host_delay`` seconds after the
previous request to the same host from this process (:class:`HostPacer`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ..document import PublisherError
from ..urls import BadURL, check_http_url

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
MAX_PAGE_BYTES = 5 * 1024 * 1024  # an article page; larger is not an article
MAX_FEED_BYTES = 10 * 1024 * 1024


class FetchError(PublisherError):
    """A page or feed that could not be fetched (network, HTTP status, size, redirects)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PageGone(FetchError):
    """The server says the page is gone: 404 Not Found or 410 Gone."""


class NotAnArticle(FetchError):
    """The page was fetched but holds no article text (a section front, an image, a login page)."""


@dataclass(frozen=True)
class Fetched:
    """One answer: the status (200 or 304), the final address, headers and body bytes."""

    url: str  # what was asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class HostPacer:
    """Spaces requests to one host: at least ``delay`` seconds from the start of one to the
    start of the next (thread-safe; one per process, shared by feeds and pages)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, url: str, delay: float) -> None:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + max(delay, 0.0)
        if start > now:
            time.sleep(start - now)


PACER = HostPacer()


def make_client(settings) -> httpx.Client:
    """An ``httpx.Client`` with the service's timeout and User-Agent (redirects are followed by :func:`get`)."""
    timeout = httpx.Timeout(settings.fetch_timeout, connect=min(settings.fetch_timeout, 10.0))
    return httpx.Client(
        timeout=timeout,
        headers={"User-Agent": settings.user_agent, "Accept-Language": "ko, en;q=0.5"},
        follow_redirects=False,
        trust_env=False,
    )


def get(client: httpx.Client, url: str, settings, *, headers: dict[str, str] | None = None,
        max_bytes: int = MAX_PAGE_BYTES, pacer: HostPacer | None = None) -> Fetched:
    """GET ``url``: :class:`Fetched` for 200 or 304, else :class:`FetchError` (:class:`PageGone` for 404/410).

    Redirects are followed up to :data:`MAX_REDIRECTS`, each hop an http(s) address and paced
    like any request; a body over ``max_bytes`` is refused without reading it all.
    """
    pacer = pacer or PACER
    current = _checked(url)
    for _hop in range(MAX_REDIRECTS + 1):
        pacer.wait(current, settings.host_delay)
        try:
            with client.stream("GET", current, headers=headers or {}) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308) and "location" in response.headers:
                    current = _checked(str(response.url.join(response.headers["location"])), f"{url} redirects to")
                    continue
                if status in (404, 410):
                    raise PageGone(f"{url}: the page is gone (HTTP {status})", status)
                if status == 304:
                    return Fetched(url, current, 304, _lower(response.headers))
                if status != 200:
                    raise FetchError(f"{url}: the server answered HTTP {status}", status)
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"{url}: the page is {int(declared):,} bytes, over the {max_bytes:,}-byte limit", status)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise FetchError(f"{url}: the page is over the {max_bytes:,}-byte limit", status)
                return Fetched(url, current, 200, _lower(response.headers), bytes(body))
        except httpx.TimeoutException:
            raise FetchError(f"{url}: no answer within {settings.fetch_timeout:g} s (timed out)") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: cannot fetch it ({_reason(exc)})") from None
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _checked(url: str, what: str = "") -> str:
    try:
        return check_http_url(url)
    except BadURL as exc:
        prefix = f"{what} an address that " if what else f"{url!r} "
        raise FetchError(f"{prefix}{exc}") from None


def _lower(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:200]
