"""Finding the feeds a website advertises, through the guarded fetch (a reader's website is a
stranger's address), for the OPML export.

Feed autodiscovery as the RSS Advisory Board's "RSS Autodiscovery" and JSON Feed 1.1 describe
it: a ``<link>`` element whose ``rel`` holds the word ``alternate`` and whose ``type`` is
``application/rss+xml``, ``application/atom+xml`` or ``application/feed+json``; its ``href`` is
resolved against the page's address after redirects (or the page's ``<base href>``). Plain
``application/json`` is not taken: WordPress advertises its REST API with it on every page. An
address that is itself a feed (its answer has one of those types) is its own feed.

The page is parsed by the standard library's HTMLParser, which takes time in proportion to the
page's length whatever its nesting (so it needs no child process, unlike the browser-like
parse of ``webmention_send``), and handles comments, ``<script>`` and ``<style>`` as HTML does:
a link written inside them is not a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from .guarded_fetch import GuardedFetcher

#: The largest page read for its feeds (a home page with every post on it included); a larger
#: one is skipped, as the guarded fetch refuses it.
PAGE_MAX_BYTES = 2 * 1024 * 1024
FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
}
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Feeds taken from one page at most (a page listing a feed per tag or per comment thread).
MOST_FEEDS = 10


@dataclass(frozen=True)
class Feed:
    url: str
    type: str  # "rss", "atom" or "json"
    title: str = ""

    def to_dict(self) -> dict:
        return {"url": self.url, "type": self.type, "title": self.title}

    @classmethod
    def from_dict(cls, d: dict) -> Feed:
        return cls(str(d["url"]), str(d.get("type", "rss")), str(d.get("title", "")))


def discover(fetcher: GuardedFetcher, site: str) -> list[Feed]:
    """The feeds ``site`` advertises, first the one it names first (FetchError or Refused,
    saying why, when the site cannot be read)."""
    page = fetcher.get(
        site,
        max_bytes=PAGE_MAX_BYTES,
        accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        only=HTML_TYPES,
    )
    if page.content_type in FEED_TYPES:
        return [Feed(page.url, FEED_TYPES[page.content_type])]
    if page.content_type not in HTML_TYPES:
        return []
    return feeds_in_html(page.body.decode("utf-8", "replace"), page.url)


def feeds_in_html(html: str, page_url: str) -> list[Feed]:
    """Every feed the page's ``<link rel="alternate">`` elements name, in document order,
    resolved to absolute http(s) addresses, each once."""
    finder = _LinkFinder()
    try:
        finder.feed(html)
        finder.close()
    except (ValueError, AssertionError):  # a page too broken to read on: keep what was found
        pass
    base = urljoin(page_url, finder.base) if finder.base else page_url
    found: dict[str, Feed] = {}
    for href, kind, title in finder.links:
        url = urljoin(base, href.strip()).split("#", 1)[0]
        if url.startswith(("https://", "http://")) and url not in found:
            found[url] = Feed(url, kind, " ".join(title.split())[:200])
        if len(found) >= MOST_FEEDS:
            break
    return list(found.values())


class _LinkFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"]
        if tag != "link" or "href" not in a:
            return
        rels = {w.lower() for w in a.get("rel", "").split()}
        kind = FEED_TYPES.get(a.get("type", "").split(";")[0].strip().lower())
        if "alternate" in rels and kind and a["href"].strip():
            self.links.append((a["href"], kind, a.get("title", "")))

    handle_startendtag = handle_starttag
