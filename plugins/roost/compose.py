"""What a post says on a network: read the published posts, and compose their text to fit.

Posts are read with Pelican's own readers (no plugins, nothing written), so what counts as
published is exactly what the site publishes: drafts, hidden posts and posts dated in the future
are never candidates, whatever WITH_FUTURE_DATES says.

The author steers syndication from the front matter:

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
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

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


def read_posts(settings: dict, now: datetime | None = None, problems: list | None = None):
    """Every published post of the site, oldest first. A file Pelican cannot read, or whose
    slug cannot name a record, is left out with one line in ``problems`` (logged when no list
    is given); the others are read."""
    from pelican.generators import ArticlesGenerator

    from .model import RecordError, post_key

    found = [] if problems is None else problems
    context = settings.copy()
    context.update(generated_content={}, static_links=set(), static_content={})
    context["localsiteurl"] = settings.get("SITEURL", "")
    generator = ArticlesGenerator(
        context=context,
        settings=settings,
        path=settings["PATH"],
        theme=settings["THEME"],
        output_path=settings.get("OUTPUT_PATH", "output"),
    )
    with _PelicanErrors(found):
        generator.generate_context()
    now = now or datetime.now(UTC)
    siteurl = settings.get("SITEURL", "").rstrip("/")
    posts = []
    for article in generator.articles:
        date = article.date if article.date.tzinfo else article.date.replace(tzinfo=UTC)
        if date > now or getattr(article, "status", "published") != "published":
            continue  # a future post in a site built WITH_FUTURE_DATES: not yet
        try:
            key = post_key(article.slug)
        except RecordError as e:
            found.append(f"{article.relative_source_path}: {e}")
            continue
        meta = article.metadata
        networks = None
        choice = str(meta.get("syndicate", "")).strip().lower()
        if choice in ("no", "false", "off", "none"):
            networks = frozenset()
        elif choice and choice not in ("yes", "true", "on", "all"):
            networks = frozenset(n.strip() for n in choice.split(",") if n.strip())
        texts = {"*": meta["syndicate_text"]} if meta.get("syndicate_text") else {}
        for name, value in meta.items():
            if name.endswith("_text") and name != "syndicate_text":
                texts[name.removesuffix("_text")] = str(value)
        image = None
        if meta.get("image"):
            image = Path(settings["PATH"]) / str(meta["image"])
        posts.append(
            Post(
                key=key,
                title=plain_text(article.title),
                summary=plain_text(article.summary),
                url=f"{siteurl}/{article.url}",
                date=date,
                tags=tuple(str(t) for t in getattr(article, "tags", [])),
                lang=getattr(article, "lang", None),
                image=image,
                image_alt=str(meta.get("image_alt", "")),
                networks=networks,
                texts=texts,
                thread=str(meta.get("thread", "")).lower() in ("yes", "true", "on"),
                source=str(article.relative_source_path).replace("\\", "/"),
            )
        )
    if problems is None:
        for line in found:
            log.error("roost: %s", line)
    posts.sort(key=lambda p: (p.date, p.key))
    return posts


class _PelicanErrors(logging.Handler):
    """Pelican logs a file it cannot read ("Could not process ...") and goes on: keep those
    lines, with the reason, as problems of the command that read the posts."""

    def __init__(self, found: list):
        super().__init__(level=logging.ERROR)
        self.found = found

    def emit(self, record: logging.LogRecord) -> None:
        import sys

        message = " ".join(record.getMessage().split())
        exc = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        if exc is not None and str(exc) not in message:
            message += f": {type(exc).__name__}: {exc}"
        self.found.append(message)

    def __enter__(self):
        self.logger = logging.getLogger("pelican")
        self.logger.addHandler(self)
        self.propagate, self.logger.propagate = self.logger.propagate, False
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.propagate = self.propagate


def address(url: str) -> str:
    """An address as posts are matched by it (a Webmention's target, a link in a mention): no
    scheme, no "www.", no trailing slash, no query."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"
