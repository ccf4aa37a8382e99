"""The author's own latest posts on X, for the account watch (``commands/watch.py``).

Follows docs.x.com x-api/posts/timelines (user posts timeline): ``GET /2/users/:id/tweets``,
newest first, ``since_id`` (only posts newer than that id), ``max_results`` 5 to 100,
``pagination_token`` (``meta.next_token``) and ``exclude=retweets`` unless reposts are asked
for. ``tweet.fields`` ``created_at,referenced_tweets,in_reply_to_user_id`` tell a post from a
quote, a repost, an answer to someone else and a continuation of the author's own thread.
Replies are not excluded on X's side: ``exclude=replies`` would drop the author's own threads
too, which the watch must see.

Every read is billed: each post returned is an owned read (``prices.py``). Each request is
checked against the monthly budget before it is sent, as the backfeed's reads are, and charged
with what came back; ``commands/watch.py`` adds it to ``social/spending.json``. A quiet run is
one request that returns nothing, so it costs nothing; the first look asks for the fewest X
allows (5) to learn where the account stands. The author's user id comes from the backfeed's
cursor or from the mark, so no billed ``users/me`` is needed after the first run. The mark is
``"<user id> <newest post id seen>"``.
"""

from __future__ import annotations

import html

from ...model import format_time
from ..harvesting import parse_time
from ..http import PageGuard
from ..own_posts import OwnPost, OwnPosts

FIELDS = "created_at,referenced_tweets,in_reply_to_user_id"
PAGE = 100  # the most X gives
FIRST = 5  # the fewest X gives: the first look only needs the newest id
#: Pages read in one run: 400 posts, newest first (at most $0.40 at X's owned-read price).
MOST_PAGES = 4


class XOwnPosts:
    """The watch's side of the adapter: mixed into it, sharing its API client and meter."""

    def own_posts(self, mark: str | None, kinds: frozenset[str]) -> OwnPosts:
        user, since = ((mark or "").split(" ") + ["", ""])[:2]
        # The user id never changes: kept in the mark (and the backfeed's cursor, read earlier
        # in the same run), it saves a billed users/me read, as the backfeed's cursor does.
        self._me = self._me or user or None
        me = self.me()
        first = user != me or not since.isdigit()
        params = {"max_results": FIRST if first else PAGE, "tweet.fields": FIELDS}
        if not first:
            params["since_id"] = since
        if "repost" not in kinds:
            params["exclude"] = "retweets"  # not returned, so not billed
        found: list[dict] = []
        newest = None
        guard = PageGuard(self.NAME, "your recent posts")
        token = None
        for _ in range(1 if first else MOST_PAGES):
            guard.next(token)
            most = self.meter.price("owned_read", params["max_results"])
            self.meter.check(most, "reading your latest posts (the account watch)")
            query = {**params, **({"pagination_token": token} if token else {})}
            page = self.api.get(f"/2/users/{me}/tweets", params=query) or {}
            posts = page.get("data") or []
            self.meter.charge("owned_read", len(posts))
            found += posts
            meta = page.get("meta") or {}
            newest = newest or meta.get("newest_id")
            token = meta.get("next_token")
            if not token or not posts:
                break
        if newest is None and found:
            newest = max((str(p["id"]) for p in found), key=int)
        mark = f"{me} {newest or (since if not first else '0')}"
        if first:
            return OwnPosts([], mark, first=True)
        posts = [own_post(p, me, self.handle) for p in found]
        posts.sort(key=lambda p: int(p.id), reverse=True)
        return OwnPosts([p for p in posts if p.kind in kinds], mark)


def own_post(post: dict, me: str, handle: str) -> OwnPost:
    """A post of the author's as the watch sees it (its kind, its first words)."""
    refs = {str(r.get("type")) for r in post.get("referenced_tweets") or []}
    if "retweeted" in refs:
        kind = "repost"
    elif "replied_to" in refs:
        kind = "thread" if str(post.get("in_reply_to_user_id") or "") == me else "reply"
    elif "quoted" in refs:
        kind = "quote"
    else:
        kind = "post"
    pid = str(post["id"])
    return OwnPost(
        id=pid,
        url=f"https://x.com/{handle}/status/{pid}",
        published=format_time(parse_time(post["created_at"])),
        kind=kind,
        text=html.unescape(str(post.get("text") or "")),  # X escapes &, < and >
    )
