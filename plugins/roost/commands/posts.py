"""The site's published posts, read with Pelican's own readers (no plugins, nothing written), so
what counts as published is exactly what the site publishes: drafts, hidden posts and posts
dated in the future are never candidates, whatever WITH_FUTURE_DATES says. Each becomes a
``networks.compose.Post``, with what its front matter says about syndication:

    Syndicate: no                      never post this one anywhere
    Syndicate: mastodon                only these networks (comma-separated)
    Syndicate_text: A custom text      instead of the default (the link is added if missing)
    Mastodon_text: ... / Bluesky_text: the same, for one network
    Thread: yes                        post a long text as a thread instead of trimming it
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from ..networks.compose import Post, plain_text

log = logging.getLogger(__name__)


def published_articles(settings: dict, now: datetime | None = None, found: list | None = None):
    """``(article, key, date, url)`` for every published article of the site, as Pelican reads
    it (``article.content`` is its HTML, intrasite links resolved). A file Pelican cannot read,
    or whose slug cannot name a record, is left out with one line added to ``found``."""
    from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator

    from ..model import RecordError, post_key

    found = [] if found is None else found
    context = settings.copy()
    context.update(generated_content={}, static_links=set(), static_content={})
    context["localsiteurl"] = settings.get("SITEURL", "")
    # Pages and pictures are read too (nothing is written): {filename} and {static} links in a
    # post resolve against them, or Pelican warns that they are missing.
    generator, *others = (
        kind(context=context, settings=settings, path=settings["PATH"], theme=settings["THEME"],
             output_path=settings.get("OUTPUT_PATH", "output"))
        for kind in (ArticlesGenerator, PagesGenerator, StaticGenerator)
    )  # fmt: skip
    with _PelicanErrors(found):
        for each in (generator, *others):
            each.generate_context()
    now = now or datetime.now(UTC)
    siteurl = settings.get("SITEURL", "").rstrip("/")
    for article in generator.articles:
        date = article.date if article.date.tzinfo else article.date.replace(tzinfo=UTC)
        if date > now or getattr(article, "status", "published") != "published":
            continue  # a future post in a site built WITH_FUTURE_DATES: not yet
        try:
            key = post_key(article.slug)
        except RecordError as e:
            found.append(f"{article.relative_source_path}: {e}")
            continue
        yield article, key, date, f"{siteurl}/{article.url}"


def read_posts(settings: dict, now: datetime | None = None, problems: list | None = None):
    """Every published post of the site, oldest first. A file Pelican cannot read, or whose
    slug cannot name a record, is left out with one line in ``problems`` (logged when no list
    is given); the others are read."""
    found = [] if problems is None else problems
    posts = []
    for article, key, date, url in published_articles(settings, now, found):
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
        image, image_url = None, ""
        if meta.get("image"):
            image = Path(settings["PATH"]) / str(meta["image"])
            # Pelican copies a static file to the same path under the output (STATIC_SAVE_AS
            # "{path}" by default): what networks that fetch pictures by address are given.
            siteurl = str(settings.get("SITEURL", "")).rstrip("/")
            image_url = f"{siteurl}/{str(meta['image']).lstrip('/')}" if siteurl else ""
        posts.append(
            Post(
                key=key,
                title=plain_text(article.title),
                summary=plain_text(article.summary),
                url=url,
                date=date,
                tags=tuple(str(t) for t in getattr(article, "tags", [])),
                lang=getattr(article, "lang", None),
                image=image,
                image_alt=str(meta.get("image_alt", "")),
                image_url=image_url,
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
