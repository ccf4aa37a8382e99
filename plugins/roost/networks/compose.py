"""What a post says on a network: its text, composed to fit the network's own counter. Pure.

The author steers it from the front matter (read by ``commands/posts.py``):

    Syndicate: no                      never post this one anywhere
    Syndicate: mastodon                only these networks (comma-separated)
    Syndicate_text: A custom text      instead of the default (the link is added if missing)
    Mastodon_text: ... / Bluesky_text: the same, for one network
    Thread: yes                        post a long text as a thread instead of trimming it

The default text is the title, the summary trimmed to fit, the canonical link, and hashtags
from the post's tags. Trimming happens at a word boundary and is measured by the network's own
counter, which the adapter passes in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

_TAG_CHARS = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class Post:
    key: str
    title: str
    summary: str  # plain text
    url: str  # canonical, absolute
    date: datetime
    tags: tuple[str, ...] = ()
    lang: str | None = None
    image: Path | None = None  # a file of the site, for the first post's picture
    image_alt: str = ""
    image_url: str = ""  # where the deployed site serves the picture (SITEURL + its path)
    networks: frozenset[str] | None = None  # None: every configured network
    texts: dict[str, str] = field(default_factory=dict)  # network (or "*") -> custom text
    thread: bool = False
    source: str | None = None  # the Markdown file, relative to the content folder

    def text_for(self, network: str) -> str | None:
        return self.texts.get(network) or self.texts.get("*")

    def wants(self, network: str) -> bool:
        return self.networks is None or network in self.networks


def plain_text(fragment: str) -> str:
    """HTML (a Pelican summary) as one line of plain text."""
    text = re.sub(r"<[^>]+>", " ", fragment or "")
    return " ".join(html.unescape(text).split())


def hashtag(tag: str) -> str:
    """'small web' -> '#SmallWeb'; 'indieweb' -> '#indieweb'."""
    words = [w for w in _TAG_CHARS.split(tag) if w]
    if len(words) == 1:
        return "#" + words[0]
    return "#" + "".join(w[:1].upper() + w[1:] for w in words)


def compose(post: Post, network: str, fits: Callable[[str], bool]) -> str:
    """The text to post: the author's own if given, else title, summary, link, hashtags,
    with the summary (then the tags, then the title) shortened until it fits."""
    custom = post.text_for(network)
    if custom:
        return custom if post.url in custom else f"{custom.rstrip()}\n\n{post.url}"
    tags = " ".join(hashtag(t) for t in post.tags)

    def assemble(title: str, summary: str, tags: str) -> str:
        return "\n\n".join(p for p in (title, summary, post.url, tags) if p)

    summary = post.summary
    if fits(assemble(post.title, summary, tags)):
        return assemble(post.title, summary, tags)
    words = summary.split()
    lo, hi = 0, len(words)
    while lo < hi:  # the most words of the summary that still fit
        mid = (lo + hi + 1) // 2
        if fits(assemble(post.title, " ".join(words[:mid]) + "…", tags)):
            lo = mid
        else:
            hi = mid - 1
    if lo:
        return assemble(post.title, " ".join(words[:lo]) + "…", tags)
    for candidate in (assemble(post.title, "", tags), assemble(post.title, "", "")):
        if fits(candidate):
            return candidate
    return assemble("", "", "")  # the link alone


def address(url: str) -> str:
    """An address as posts are matched by it (a Webmention's target, a link in a mention): no
    scheme, no "www.", no trailing slash, no query."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"
