"""What Pelican's Atom and RSS feeds lack, added as they are generated (the ``feed_generated``
signal), and the feed addresses every part of Roost agrees on.

Pelican writes the feeds with ``feedgenerator``; Roost only touches each feed object before it
is written:

* links and pictures inside each entry's content and summary are made absolute, against the
  entry's own URL (a feed reader shows the content away from the site; RFC 4287 section 7 and
  the RSS 2.0 ``description`` carry HTML with no base of their own);
* an RSS ``<guid>`` that is not a URL (Pelican's ids are ``tag:`` URIs, RFC 4151) says
  ``isPermaLink="false"``: RSS 2.0 reads a guid without the attribute as the post's address;
* with ``ROOST_WEBSUB_HUB`` set, each feed that ``roost websub`` announces names the hub
  beside its ``rel="self"`` link (W3C WebSub, its "Discovery" section: ``<link rel="hub">`` in
  Atom, ``<atom:link rel="hub">`` in RSS 2.0, whose root already declares the Atom namespace).

Entry ids are Pelican's own ``tag:`` URIs (host of SITEURL, the post's date, its path): kept as
they were so that readers subscribed before this change see no post twice (docs/feeds.md).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urljoin

from feedgenerator import Atom1Feed

#: One start tag: in HTML text a literal "<" is always escaped, so this never matches text.
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
#: Each attribute of a start tag, in turn, with its quoting: a value is read whole, so a
#: ``src=`` written inside an alt text or a title is never taken for an attribute.
_ATTR = re.compile(
    r"""(?P<lead>\s+(?P<name>[^\s"'>/=]+)\s*=\s*)"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))|\s+[^\s"'>/=]+""",
)
_URL_ATTRS = {"href", "src", "poster", "cite", "srcset"}


@functools.lru_cache(maxsize=4096)
def absolute_links(html: str, base: str) -> str:
    """(Cached: one post is in several feeds, Atom, RSS, its category's and tags', and the JSON
    Feed, and the answer depends on nothing else.)

    ``html`` with every ``href``, ``src``, ``poster``, ``cite`` and ``srcset`` URL resolved
    against ``base`` (absolute URLs, ``mailto:`` and ``data:`` are left as they are)."""

    def attr(m: re.Match) -> str:
        if (m.group("name") or "").lower() not in _URL_ATTRS:
            return m.group(0)
        value = next(v for v in m.group("dq", "sq", "bare") if v is not None)
        if m.group("name").lower() == "srcset":
            resolved = ", ".join(_srcset_part(part, base) for part in value.split(","))
        else:
            resolved = urljoin(base, value.strip())
        return f'{m.group("lead")}"{resolved.replace(chr(34), "&quot;")}"'

    return _TAG.sub(lambda tag: _ATTR.sub(attr, tag.group(0)), html)


def _srcset_part(part: str, base: str) -> str:
    url, _, descriptor = part.strip().partition(" ")
    return f"{urljoin(base, url)} {descriptor.strip()}".strip()


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def feed_generated(context: dict, feed) -> None:
    """Pelican's ``feed_generated`` signal: fix up one Atom or RSS feed before it is written."""
    for item in feed.items:
        for key in ("content", "description"):
            if item.get(key):
                item[key] = absolute_links(str(item[key]), item["link"])
        if item.get("unique_id") and not is_url(item["unique_id"]):
            item["unique_id_is_permalink"] = False  # written by RSS only; Atom ignores it
    hub = context.get("ROOST_WEBSUB_HUB")
    # Only in the feeds `roost websub` tells the hub about: a category or tag feed naming the
    # hub would have subscribers who are never told of anything.
    if hub and feed.feed.get("feed_url") in feed_urls(context, context.get("ROOST_JSON_FEED")):
        _name_the_hub(feed, hub)


def _name_the_hub(feed, hub: str) -> None:
    """Add ``rel="hub"`` after the root elements feedgenerator writes (which hold ``rel="self"``).
    feedgenerator has no option for extra links; wrapping this one feed's method is the
    smallest change that survives its updates (its classes are chosen inside Pelican)."""
    write_root = feed.add_root_elements
    tag = "link" if isinstance(feed, Atom1Feed) else "atom:link"

    def add_root_elements(handler):
        write_root(handler)
        handler.addQuickElement(tag, "", {"rel": "hub", "href": hub})

    feed.add_root_elements = add_root_elements


def absolute(domain: str, path: str) -> str:
    """A path in ``output/`` as a public URL under FEED_DOMAIN, as Pelican writes ``rel=self``."""
    return f"{domain.rstrip('/')}/{path.lstrip('/')}"


def feed_urls(settings: dict, json_feed: str | None) -> list[str]:
    """Every feed the build writes, as the public URL its ``rel="self"`` names: what
    ``roost websub`` tells the hub about (a hub keys subscriptions on that exact URL)."""
    domain = settings.get("FEED_DOMAIN") or settings.get("SITEURL") or ""
    urls = []
    for key in ("FEED_ALL_ATOM", "FEED_ALL_RSS", "FEED_ATOM", "FEED_RSS"):
        path = settings.get(key)
        if path:
            urls.append(absolute(domain, settings.get(f"{key}_URL") or path))
    if json_feed:
        urls.append(absolute(domain, json_feed))
    return list(dict.fromkeys(urls))
