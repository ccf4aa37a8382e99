"""The author's own latest posts on Threads, for the account watch (``commands/watch.py``).

Follows developers.facebook.com/documentation/threads (retrieve posts, "a list of all of a
user's threads"): ``GET /me/threads`` with ``fields`` (``id,permalink,text,timestamp,
is_quote_post,media_type``), newest first, ``since`` (a Unix time, inclusive), ``limit`` up to
100 and cursor paging (``paging.cursors.after``, while ``paging.next`` is given). That edge holds
the author's top-level posts, quotes (``is_quote_post``) and reposts (``media_type``
``REPOST_FACADE``); replies, the author's own thread continuations among them, are on another
edge (``/me/replies``) that this does not read, so ``"replies"`` lists what ``"posts"`` does.

Times have whole seconds, so the mark is ``"<api> <handle> <newest time> <ids at that second>"``:
the next run asks ``since`` that second and drops the ids it already saw there. A quiet run is
one request; so is the first look (the newest post, or none, is where the account stands; a
whole page is asked, so that every post of that second is known).
Another ``api`` or ``handle`` in the settings starts again from where that account stands.
"""

from __future__ import annotations

from itertools import islice

from ...model import format_time
from ..harvesting import parse_time
from ..own_posts import OwnPost, OwnPosts
from . import graph

FIELDS = "id,permalink,text,timestamp,is_quote_post,media_type"
PAGE = 100  # the most Threads gives
#: Pages read in one run: 1,000 posts, newest first. Older ones between the mark and those are
#: not read (Threads has no way to read forward from a point).
MOST_PAGES = 10


class ThreadsOwnPosts:
    """The watch's side of the adapter: mixed into it, sharing its API client."""

    def own_posts(self, mark: str | None, kinds: frozenset[str]) -> OwnPosts:
        api, handle, when, seen = ((mark or "").split(" ") + ["", "", "", ""])[:4]
        first = api != self.base or handle != self.handle or not when.isdigit()
        params = {"fields": FIELDS, "limit": PAGE}
        if not first:
            params["since"] = when
        listed = graph.pages(self.api, self.NAME, "/me/threads", params)
        found = [p for data in islice(listed, 1 if first else MOST_PAGES) for p in data]
        posts = [own_post(p) for p in found]
        known = set(seen.split(",")) if not first else set()
        posts = [p for p in posts if not (_second(p) == when and p.id in known)]
        newest = max([_second(p) for p in posts] + ([when] if not first else []), key=int,
                     default="0")  # fmt: skip
        at_newest = {p.id for p in posts if _second(p) == newest}
        if newest == when:  # nothing newer: the ids of that second are still the ones to skip
            at_newest |= known
        mark = f"{self.base} {self.handle} {newest} {','.join(sorted(at_newest)) or '-'}"
        if first:
            return OwnPosts([], mark, first=True)
        posts.sort(key=lambda p: (p.published, p.id), reverse=True)
        return OwnPosts([p for p in posts if p.kind in kinds], mark)


def own_post(media: dict) -> OwnPost:
    """A post of the author's as the watch sees it (its kind, its first words)."""
    if media.get("media_type") == "REPOST_FACADE":
        kind = "repost"
    elif media.get("is_quote_post"):
        kind = "quote"
    else:
        kind = "post"
    return OwnPost(
        id=str(media["id"]),
        url=str(media.get("permalink") or ""),
        published=format_time(parse_time(media["timestamp"])),
        kind=kind,
        text=str(media.get("text") or ""),
    )


def _second(post: OwnPost) -> str:
    """The post's time as whole Unix seconds, as ``since`` takes it."""
    return str(int(parse_time(post.published).timestamp()))
