"""Received Webmentions, from webmention.io's API, into the same archive as everything else.

Follows aaronpk/webmention.io's API (shared/docs/social-apis.md 7.2): ``GET /api/mentions.jf2``
with the account ``token``, the site's ``domain``, ``since_id`` (strictly greater) and
``sort-dir=up``, paged with ``page`` and ``per-page``. Each jf2 entry becomes an interaction of
the post it targets (``wm-target``, matched on the post's canonical address): ``in-reply-to`` a
reply, ``like-of`` a like, ``repost-of`` a repost, ``bookmark-of`` a bookmark, ``mention-of`` a
mention. Private entries (``wm-private``) and RSVPs are not archived. So replies that arrive
through Bridgy, or from other people's blogs, land beside the rest.

webmention.io lists only verified, undeleted mentions and says nothing about deletions, so
nothing is ever removed from this source without the author's moderation.

Settings: ``ROOST_WEBMENTION_IO = {"domain": "camille.blog"}``, plus optionally ``token_env``
(default ``ROOST_WEBMENTION_IO_TOKEN``) and ``api`` (default ``https://webmention.io``).
"""

from __future__ import annotations

import os

import requests

from .archive import Change, Harvest
from .backfeed import merge_into
from .compose import address
from .model import Interaction, Person, format_time, parse_time
from .networks.base import NetworkError, NotConfigured, Unavailable, error_for
from .store import Store

KINDS = {
    "in-reply-to": "reply",
    "like-of": "like",
    "repost-of": "repost",
    "bookmark-of": "bookmark",
    "mention-of": "mention",
}
PER_PAGE = 100


def _http(value) -> str | None:
    value = str(value or "")
    return value if value.startswith(("https://", "http://")) else None


class WebmentionIO:
    NAME = "webmention"

    def __init__(self, config: dict, env: dict | None = None):
        self.domain = str(config.get("domain", ""))
        if not self.domain:
            raise NotConfigured(self.NAME, 'set ROOST_WEBMENTION_IO["domain"] to your domain')
        self.api = str(config.get("api", "https://webmention.io")).rstrip("/")
        self.token_env = str(config.get("token_env", "ROOST_WEBMENTION_IO_TOKEN"))
        self.env = os.environ if env is None else env

    def check(self) -> str:
        """One read-only call (the newest entry of the feed), for ``roost doctor``."""
        self._get({"per-page": 1, "page": 0})
        return f"the key for {self.domain}"

    def mentions(self, since_id: str | None) -> list[dict]:
        found, page = [], 0
        while True:
            params = {"per-page": PER_PAGE, "page": page, "sort-dir": "up"}
            if since_id:
                params["since_id"] = since_id
            children = self._get(params)
            found += children
            if len(children) < PER_PAGE:
                return found
            page += 1

    def _get(self, params: dict) -> list[dict]:
        """One page of the jf2 feed: its entries; errors translated."""
        token = self.env.get(self.token_env, "")
        if not token:
            raise NotConfigured(
                self.NAME, f"set the environment variable {self.token_env} to your API key"
            )
        params = {"token": token, "domain": self.domain, **params}
        try:
            r = requests.get(f"{self.api}/api/mentions.jf2", params=params, timeout=30)
        except requests.RequestException as e:
            raise Unavailable(self.NAME, f"mentions: {type(e).__name__}") from None
        if r.status_code != 200:
            try:
                message = r.json().get("error_description") or r.json().get("error")
            except ValueError:
                message = r.text[:200]
            raise error_for(
                self.NAME, r.status_code, str(message), credentials=f"the key in {self.token_env}"
            )
        try:
            return list(r.json()["children"])
        except (ValueError, KeyError, TypeError):
            raise Unavailable(self.NAME, "the answer is not a jf2 feed") from None


def backfeed_webmentions(store: Store, source: WebmentionIO, posts: dict[str, str]):
    """``posts`` maps each post's canonical URL to its key. Returns (Change, failure or "")."""
    by_address = {address(url): key for url, key in posts.items()}
    cursors = store.read_cursors()
    since = cursors.get("webmention", {}).get("since_id")
    try:
        entries = source.mentions(since)
    except NetworkError as e:
        return Change(), str(e)
    harvests: dict[str, Harvest] = {}
    highest = since
    for entry in entries:
        wm_id = str(entry.get("wm-id", ""))
        if wm_id.isdigit() and (highest is None or int(wm_id) > int(highest)):
            highest = wm_id
        kind = KINDS.get(str(entry.get("wm-property", "")))
        key = by_address.get(address(str(entry.get("wm-target", ""))))
        if not kind or not key or entry.get("wm-private") or not wm_id.isdigit():
            continue
        author = entry.get("author") or {}
        home = str(author.get("url") or entry.get("wm-source") or "")
        person = Person(
            id=f"webmention:{address(home).split('/')[0] or 'unknown'}",
            network="webmention",
            name=str(author.get("name") or ""),
            handle=address(home).split("/")[0],
            url=_http(home),
            avatar_source=_http(author.get("photo")),
        )
        when = entry.get("published") or entry.get("wm-received")
        try:
            published = format_time(parse_time(str(when)))
        except ValueError:
            continue  # no usable time: not archived rather than archived wrong
        content = entry.get("content") or {}
        harvest = harvests.setdefault(key, Harvest())
        harvest.people.append(person)
        harvest.interactions.append(
            Interaction(
                id=f"webmention:{wm_id}",
                network="webmention",
                kind=kind,
                author=person.id,
                published=published,
                url=_http(entry.get("url")) or _http(entry.get("wm-source")),
                content=str(content.get("html") or content.get("text") or "")
                if kind in ("reply", "mention")
                else "",
            )
        )
    cursor = {"since_id": highest} if highest and highest != since else {}
    total = merge_into(store, harvests, "webmention", cursor)
    return total, ""
