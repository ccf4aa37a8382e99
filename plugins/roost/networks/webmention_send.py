"""Sending one Webmention, as the W3C Recommendation "Webmention" (2017-01-12,
https://www.w3.org/TR/webmention/) says under "Sender discovers receiver Webmention endpoint" and
"Sender notifies receiver", through the guarded fetch: the target page and the
endpoint it names are a stranger's addresses.

Discovery: GET the target (redirects followed, each one checked); the endpoint is the first of

1. an HTTP ``Link`` header with ``rel`` holding the word ``webmention`` (RFC 8288: several
   headers, several links in one header, a quoted or unquoted ``rel`` of several words, any
   casing of the header's name);
2. the first ``<link>`` or ``<a>`` element, in document order, with an ``href`` (an empty one
   is the page itself) and a ``rel`` holding the word ``webmention``, found by parsing the page
   as a browser would (html5lib): nothing inside a comment or escaped text is an element.

A relative endpoint is resolved against the page's final URL, after redirects; its query string
is kept. No HEAD request is made: the GET alone answers every case (a server answering HEAD
and GET differently is answered by GET, as webmention.rocks' test 1 expects).

Sending: a form POST of ``source`` and ``target`` to the endpoint; any 2xx is success (200, 201
and 202 are what receivers send). 307/308 are followed, checked; any other answer is an error.
"""

from __future__ import annotations

import multiprocessing
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from .guarded_fetch import FetchError, GuardedFetcher, Refused, shown

#: The largest target page read to look for an endpoint; a larger one is skipped.
PAGE_MAX_BYTES = 2 * 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: The longest one page is parsed for its endpoint. Parsing as browsers do takes, in pure Python,
#: time that grows with the square of a page's nesting (12 KB of "<b>" take half a minute, 2 MB
#: hours), and the page is a stranger's: it is parsed in a child process, stopped after this.
PARSE_SECONDS = 10.0


class NoEndpoint(Exception):
    """The target advertises no Webmention endpoint (most pages do not): not a failure."""


@dataclass
class Sent:
    target: str
    endpoint: str
    status: int


def discover(fetcher: GuardedFetcher, target: str) -> str:
    """The target's Webmention endpoint; NoEndpoint, or FetchError/Refused saying why not."""
    # Only an HTML page's body is read: a large PDF or picture may still have a Link header.
    page = fetcher.get(
        target, max_bytes=PAGE_MAX_BYTES, accept="text/html, */*;q=0.5", only=HTML_TYPES
    )
    for value in page.links:
        for href, rels in link_header_values(value):
            if "webmention" in rels:
                return urljoin(page.url, href)
    if page.content_type in HTML_TYPES:
        href = endpoint_in_page(page.body, target, PARSE_SECONDS)
        if href is not None:
            return urljoin(page.url, href)
    raise NoEndpoint(f"{shown(target)} advertises no Webmention endpoint")


def send(fetcher: GuardedFetcher, source: str, target: str) -> Sent:
    """Discover the target's endpoint and notify it (endpoints may be single-use: discovery is
    done again for every Webmention)."""
    endpoint = discover(fetcher, target)
    answer = fetcher.post_form(endpoint, {"source": source, "target": target})
    return Sent(target, endpoint, answer.status)


# ----------------------------------------------------------------- RFC 8288 Link headers

#: Linear on any input: a target's server writes this header. A parameter's name holds no space,
#: "=" or quote and a link holds no "<", so no value (``<a>;`` and 60,000 spaces, or ``<a,``
#: over and over) makes the match backtrack for minutes.
_LINK = re.compile(
    r"\s*<([^<>]*)>\s*((?:;\s*[^=;,\s\"]+\s*=\s*(?:\"(?:[^\"\\]|\\.)*\"|[^;,\s]*)\s*)*)"
)
_PARAM = re.compile(r";\s*([^=;,\s]+)\s*=\s*(?:\"((?:[^\"\\]|\\.)*)\"|([^;,\s]*))")


def link_header_values(value: str) -> list[tuple[str, set[str]]]:
    """``(href, rel words lowercased)`` for each link in one ``Link`` header's value."""
    links, pos = [], 0
    while pos < len(value):
        m = _LINK.match(value, pos)
        if not m:
            nxt = value.find(",", pos)  # not a link value: skip to the next one
            if nxt < 0:
                break
            pos = nxt + 1
            continue
        rels: set[str] = set()
        for name, quoted, bare in _PARAM.findall(m.group(2)):
            if name.lower() == "rel" and not rels:  # RFC 8288: the first rel counts
                rels = {w.lower() for w in (quoted or bare).split()}
        links.append((m.group(1).strip(), rels))
        pos = m.end()
        while pos < len(value) and value[pos] in " \t,":
            pos += 1
    return links


# ----------------------------------------------------------------- HTML


def endpoint_in_html(body: bytes) -> str | None:
    """The ``href`` of the first ``<link>`` or ``<a>`` whose ``rel`` holds ``webmention``."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html5lib")
    for tag in soup.find_all(["link", "a"]):
        rel = tag.get("rel") or []
        words = rel.split() if isinstance(rel, str) else rel
        if tag.has_attr("href") and "webmention" in {w.lower() for w in words}:
            return tag["href"]
    return None


def endpoint_in_page(body: bytes, target: str, seconds: float = PARSE_SECONDS) -> str | None:
    """:func:`endpoint_in_html` in a child process given ``seconds``; Refused after that,
    FetchError if the page cannot be parsed at all."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":  # each child then starts with the parser loaded
        ctx.set_forkserver_preload([__name__, "bs4", "html5lib"])
    recv, send_end = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_parse_in_child, args=(body, send_end), daemon=True)
    child.start()
    send_end.close()
    try:
        if not recv.poll(seconds):
            raise Refused(f"{shown(target)}: its page took longer than {seconds:.0f} s to parse")
        ok, value = recv.recv()
    except EOFError:
        ok, value = False, "the parser stopped"
    finally:
        recv.close()
        child.kill()
        child.join()
    if not ok:
        raise FetchError(f"{shown(target)}: its page cannot be read ({value})")
    return value


def _parse_in_child(body: bytes, conn) -> None:
    try:
        href = endpoint_in_html(body)
        conn.send((True, None if href is None else str(href)))  # a plain str crosses the pipe
    except (ValueError, RecursionError) as e:
        conn.send((False, type(e).__name__))
    finally:
        conn.close()


__all__ = ["FetchError", "NoEndpoint", "Refused", "Sent", "discover", "send"]
