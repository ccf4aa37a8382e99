"""The JSON Feed of the published posts, written by the build (``ROOST_JSON_FEED``).

Follows JSON Feed version 1.1 (https://jsonfeed.org/version/1.1): the top-level ``version``,
``title`` and ``items`` it requires, and ``home_page_url``, ``feed_url``, ``description``,
``icon``, ``favicon``, ``authors``, ``language`` and, with ``ROOST_WEBSUB_HUB`` set, ``hubs``
(``[{"type": "WebSub", "url": ...}]``). Each item has the ``id`` its Atom entry has (the same
``tag:`` URI, so one post is one post in every format), ``url``, ``title``, ``content_html``
(the whole post, links made absolute), ``summary`` (plain text), ``date_published`` and
``date_modified`` (RFC 3339), ``authors``, ``tags``, ``language`` and ``image`` where the post
names one.

It holds what Pelican's "all" feeds hold: the published posts and their translations (never a
draft, a hidden post or one dated in the future), in the site's order, at most
``FEED_MAX_ITEMS``. Pure: it reads the generator's posts and writes one file.
"""

from __future__ import annotations

import json
import logging
import os

from feedgenerator import get_tag_uri
from markupsafe import Markup
from pelican.utils import order_content, sanitised_join, set_date_tzinfo

from .events import event_for
from .feeds import absolute, absolute_links

log = logging.getLogger(__name__)

VERSION = "https://jsonfeed.org/version/1.1"


def article_writer_finalized(generator, writer=None) -> None:
    """Pelican's ``article_writer_finalized`` signal: write the JSON Feed once the posts are."""
    settings = generator.settings
    path = settings.get("ROOST_JSON_FEED")
    if not path:
        return
    posts = list(generator.articles)
    for post in generator.articles:
        posts.extend(post.translations)
    order_content(posts, order_by=settings.get("ARTICLE_ORDER_BY", "reversed-date"))
    feed = json_feed(posts[: settings.get("FEED_MAX_ITEMS")], settings)
    target = sanitised_join(generator.output_path, path)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            json.dump(feed, f, ensure_ascii=False, indent=1)
            f.write("\n")
    except OSError as e:
        log.error("roost: cannot write the JSON Feed %s: %s", target, e.strerror or e)


def json_feed(posts: list, settings: dict) -> dict:
    """The feed as a JSON-ready dict."""
    domain = settings.get("FEED_DOMAIN") or settings.get("SITEURL") or ""
    siteurl = settings.get("SITEURL") or domain
    home = absolute(domain, "")
    feed: dict = {
        "version": VERSION,
        "title": _text(settings.get("SITENAME", "")),
        "home_page_url": home,
        "feed_url": absolute(domain, settings["ROOST_JSON_FEED"]),
    }
    if settings.get("SITESUBTITLE"):
        feed["description"] = _text(settings["SITESUBTITLE"])
    if settings.get("AUTHOR_PHOTO"):
        feed["icon"] = absolute(domain, settings["AUTHOR_PHOTO"])
    # The theme's icon, where base.html links it (the theme's static files are copied later).
    if os.path.isfile(os.path.join(settings.get("THEME", ""), "static", "img", "favicon.png")):
        static = settings.get("THEME_STATIC_DIR", "theme")
        feed["favicon"] = absolute(domain, f"{static}/img/favicon.png")
    if settings.get("AUTHOR"):
        feed["authors"] = [{"name": settings["AUTHOR"], "url": home}]
        if "icon" in feed:
            feed["authors"][0]["avatar"] = feed["icon"]
    if settings.get("DEFAULT_LANG"):
        feed["language"] = settings["DEFAULT_LANG"]
    if settings.get("ROOST_WEBSUB_HUB"):
        feed["hubs"] = [{"type": "WebSub", "url": settings["ROOST_WEBSUB_HUB"]}]
    feed["items"] = [_item(post, settings, siteurl, domain) for post in posts]
    return feed


def _item(post, settings: dict, siteurl: str, domain: str) -> dict:
    timezone = settings.get("TIMEZONE")
    url = absolute(siteurl, post.url)
    published = set_date_tzinfo(post.date, timezone)
    item: dict = {
        # What Pelican's writer gives the Atom entry: one post, one id, in every format.
        "id": get_tag_uri(url, post.date),
        "url": url,
        "title": _text(post.title),
        "content_html": absolute_links(post.get_content(siteurl), url),
    }
    summary = _text(post.summary)
    if summary:
        item["summary"] = summary
    item["date_published"] = published.isoformat()
    if getattr(post, "modified", None):
        item["date_modified"] = set_date_tzinfo(post.modified, timezone).isoformat()
    authors = [a.name for a in getattr(post, "authors", []) or []]
    if authors:
        item["authors"] = [{"name": name} for name in authors]
    tags = []
    if getattr(post, "category", None):
        tags.append(post.category.name)
    tags += [t.name for t in getattr(post, "tags", []) or []]
    if tags:
        item["tags"] = list(dict.fromkeys(tags))
    if getattr(post, "lang", None):
        item["language"] = post.lang
    image = getattr(post, "image", None)
    if image:
        item["image"] = (
            image if image.startswith(("http://", "https://")) else absolute(domain, image)
        )
    event = event_for(post)
    if event:
        # JSON Feed has no event field; an extension is a key starting with "_" (spec, 1.1).
        item["_event"] = {
            "start": event["start"],
            "end": event["end"],
            "location": event["location"],  # plain text already, as written
            "url": event["url"],
            "calendar": absolute(siteurl, event["calendar"]) if event["calendar"] else None,
        }
    return item


def _text(html) -> str:
    """Plain text of a title or a summary (JSON Feed's ``title`` and ``summary`` are text)."""
    # Only to strip the tags: the text is written to JSON, never rendered as safe HTML.
    return Markup(str(html)).striptags()  # noqa: S704
