"""One check for every http(s) address: the article's source link and the site's address."""

from __future__ import annotations

import re

import pytest

from publisher.urls import BadURL, check_http_url, safe_link


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.com/2026/03/02/drone?id=123#top",  # an article link may carry a query
        "http://127.0.0.1:8080/a",
        "https://[::1]/x",
        "https://한빛일보.kr/기사/1",
    ],
)
def test_links_a_reader_may_follow(url):
    assert safe_link(f"  {url} ") == url


@pytest.mark.parametrize(
    "url,reason",
    [
        ("javascript:alert(1)", "not an http(s) address"),
        ("https://example.com/\"onmouseover=x", "U+0022"),
        ("https://example.com/\u202egnp.exe", "U+202E"),
        ("https://user:pw@example.com/", "user name"),
        ("https://exa mple.com/", "U+0020"),
        ("https:///path", "no host name"),
        ("https://-bad-.example/", "invalid host name"),
        ("https://example.com:0/", "port 0"),
        ("https://[zz::1]/", "not a valid address"),
    ],
)
def test_addresses_that_are_refused(url, reason):
    with pytest.raises(BadURL, match=re.escape(reason)):
        check_http_url(url)
    assert safe_link(url) is None


def test_a_base_address_has_no_query_or_fragment():
    assert check_http_url("https://news.example.com/briefs/?x=1") == "https://news.example.com/briefs/?x=1"
    for url in ("https://news.example.com/briefs/?x=1", "https://news.example.com/briefs/#a", "https://news.example.com/?"):
        with pytest.raises(BadURL, match="query or fragment"):
            check_http_url(url, base=True)


def test_nothing_is_no_link():
    assert safe_link(None) is None and safe_link("   ") is None
