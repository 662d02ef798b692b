"""The one check of an http(s) address: an article's source link and the site's public address.

Parsed with urllib.parse: scheme http or https, a valid host name (IDNA) or IP address, a
port from 1 to 65535, no user name, and no control, bidi, space, quote or other character
that could break out of an attribute or mislead a reader. A *base* address (the site's) may
carry no query or fragment either.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_URL_UNSAFE = set("\"'<>\\^`{|}")


class BadURL(ValueError):
    """Why an address was refused (a phrase: "has no host name")."""


def check_http_url(value: str, *, base: bool = False) -> str:
    """``value`` if it is a usable http(s) address, else :class:`BadURL` saying why.

    ``base``: the address of a folder (the site): no query or fragment either.
    """
    for ch in value:
        cat = unicodedata.category(ch)
        if cat[0] in "CZ" or ch in _URL_UNSAFE:  # controls, format (bidi) characters, spaces
            name = unicodedata.name(ch, "a control character")
            raise BadURL(f"contains U+{ord(ch):04X} ({name})")
    try:
        parts = urlsplit(value)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise BadURL(f"is not a valid address ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadURL("is not an http(s) address")
    if not host:
        raise BadURL("has no host name")
    if parts.username is not None or parts.password is not None:
        raise BadURL("carries a user name; a public address has none")
    if base and (parts.query or parts.fragment or value.endswith(("?", "#"))):
        raise BadURL("has a query or fragment; give the folder's address")
    if port is not None and port == 0:
        raise BadURL("has port 0")
    _check_host(host, ipv6="[" in parts.netloc)
    return value


def _check_host(host: str, *, ipv6: bool) -> None:
    if ipv6:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise BadURL("has an invalid IPv6 address") from None
        return
    try:
        ipaddress.IPv4Address(host)
        return
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadURL("has an invalid host name") from None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise BadURL("has an invalid host name")


def safe_link(url: str | None) -> str | None:
    """``url`` (stripped) when it is a usable http(s) address to link to, else None."""
    url = (url or "").strip()
    if not url:
        return None
    try:
        return check_http_url(url)
    except BadURL:
        return None
