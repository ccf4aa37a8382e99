"""The author's own latest posts, for the account watch (``commands/watch.py``).

Follows the lexicon of ``app.bsky.feed.getAuthorFeed`` (through the PDS, which hands it to the
AppView): newest first, ``limit`` up to 100, an opaque ``cursor`` to older pages, ``filter``
``posts_and_author_threads`` (the author's posts and their own threads, no answers to others)
or ``posts_with_replies``; reposts come in both (``reason`` ``#reasonRepost``) and are kept only
when asked; ``includePins`` is left false, so a pinned post is not put on top.

Times are the AppView's ``indexedAt`` (when it saw the post), never the record's ``createdAt``,
which the client chooses: the mark is ``"<did> <indexedAt> <uri>"`` of the newest post seen. The
feed is ordered by the earlier of the two, so a post the network saw late sits a little below
newer ones: a run reads on until posts dated ``SLACK`` before the mark. A post backdated by more
than that (a client may claim any ``createdAt``) sorts among old posts and is not seen; it is
not shown at the top of anyone's timeline either.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...model import format_time
from ..harvesting import parse_time
from ..http import PageGuard
from ..own_posts import OwnPost, OwnPosts
from . import reading

PAGE = 30
MOST_PAGES = 10
SLACK = timedelta(minutes=10)
REPOST = "app.bsky.feed.defs#reasonRepost"
QUOTES = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")


class BlueskyOwnPosts:
    """The watch's side of the adapter: mixed into it, sharing its API client and session."""

    def own_posts(self, mark: str | None, kinds: frozenset[str]) -> OwnPosts:
        did = self.session.did
        owner, when, uri = ((mark or "").split(" ") + ["", "", ""])[:3]
        params = {"actor": did, "limit": PAGE, "filter": "posts_and_author_threads"}
        if "reply" in kinds:
            params["filter"] = "posts_with_replies"
        if owner != did or not when:
            data = self.api.get("/app.bsky.feed.getAuthorFeed", params={**params, "limit": 1})
            top = [_seen(item) for item in data.get("feed") or []]
            start = max(top) if top else (format_time(datetime.now(UTC)), "")
            return OwnPosts([], f"{did} {start[0]} {start[1]}", first=True)
        since = (parse_time(when), uri)
        found: list[OwnPost] = []
        newest, cursor = since, None
        guard = PageGuard(self.NAME, "the account's posts")
        for _ in range(MOST_PAGES):
            guard.next(cursor)
            query = {**params, **({"cursor": cursor} if cursor else {})}
            data = self.api.get("/app.bsky.feed.getAuthorFeed", params=query)
            items = data.get("feed") or []
            for item in items:
                at, item_uri = _seen(item)
                here = (parse_time(at), item_uri)
                if here > since:
                    newest = max(newest, here)
                    found.append(self._own_post(item, did, at))
            cursor = data.get("cursor")
            oldest = min((_sorted_at(item) for item in items), default=None)
            if not items or not cursor or (oldest and oldest < since[0] - SLACK):
                break
        mark = f"{did} {format_time_ms(newest[0])} {newest[1]}" if newest != since else mark
        return OwnPosts([p for p in found if p.kind in kinds], mark or "")

    def _own_post(self, item: dict, did: str, at: str) -> OwnPost:
        post = item.get("post") or {}
        record = post.get("record") or {}
        embed = str((record.get("embed") or {}).get("$type", ""))
        parent = str(((record.get("reply") or {}).get("parent") or {}).get("uri", ""))
        if (item.get("reason") or {}).get("$type") == REPOST:
            kind = "repost"
        elif parent:
            kind = "thread" if parent.startswith(f"at://{did}/") else "reply"
        else:
            kind = "quote" if embed in QUOTES else "post"
        author = str((post.get("author") or {}).get("did", did))
        return OwnPost(
            id=str(post["uri"]),
            url=f"{self.app_url}/profile/{author}/post/{reading.rkey(str(post['uri']))}",
            published=format_time(parse_time(at)),
            kind=kind,
            text=str(record.get("text", "")),
        )


def _seen(item: dict) -> tuple[str, str]:
    """When the AppView saw this feed item (a repost: when it saw the repost), and its post."""
    post = item.get("post") or {}
    reason = item.get("reason") or {}
    at = reason.get("indexedAt") if reason.get("$type") == REPOST else post.get("indexedAt")
    return str(at or post.get("indexedAt")), str(post.get("uri", ""))


def _sorted_at(item: dict) -> datetime:
    """Where the feed puts an item: the earlier of its record's date and when it was seen."""
    seen = parse_time(_seen(item)[0])
    try:
        claimed = parse_time((item.get("post") or {}).get("record", {}).get("createdAt"))
    except (ValueError, TypeError, AttributeError):
        return seen
    return min(seen, claimed)


def format_time_ms(t: datetime) -> str:
    """A mark's time, to the millisecond the AppView gives (two posts in one second differ)."""
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
