"""What the backfeed asks of X (API v2: users/:id/mentions, tweets/search/recent, tweets
lookup, liking_users, retweeted_by, quote_tweets), each read priced before it is made.

* the cursor feed is the account's mentions since the newest id seen (``since_id``; an owned
  read; the cursor also keeps the author's user id, so a quiet run is that one request). A
  reply to one of our posts normally names the author, so it shows here, and its
  ``conversation_id`` says which post it belongs to;
* a post named there (or due in the sweep) is harvested: its copies' counts (one lookup), every
  reply at any depth by ``conversation_id:<root>`` search, which X keeps for 7 days only: for an
  older post that is said once per run, plainly, and what is stored stays; then the like,
  repost and quote lists whose counts changed;
* what the app's access does not allow (403: likes, reposts and quotes were taken from the
  self-serve tiers in April 2026) is said once per run and per list, and the rest goes on;
  nothing stored is removed on a refusal.

Evidence of a deletion: a reply missing from a complete search (within the 7 days) is looked up
and only X's not-found removes it; a like or repost missing from a complete list is gone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...archive import Harvest
from ..base import Rejected, Unauthorized
from ..harvesting import Activity, Hints, add_reactions, gone_on_evidence, lists_to_read, parse_time
from ..http import PageGuard
from . import reading

SEARCH_DAYS = 7  # GET /2/tweets/search/recent reaches this far back
POST_FIELDS = "author_id,created_at,conversation_id,referenced_tweets,entities,attachments"
USER_FIELDS = "name,username,profile_image_url,description"
MEDIA_FIELDS = "type,url,preview_image_url,alt_text"
EXPAND = {
    "tweet.fields": POST_FIELDS,
    "expansions": "author_id,attachments.media_keys",
    "user.fields": USER_FIELDS,
    "media.fields": MEDIA_FIELDS,
}
#: (kind, endpoint, what it returns, how many a page at most, what X bills for each).
LISTS = (
    ("like", "liking_users", "users", 100, "user_read"),
    ("repost", "retweeted_by", "users", 100, "user_read"),
    ("quote", "quote_tweets", "posts", 100, "post_read"),
)


class XBackfeed:
    """The backfeed's side of the X adapter: mixed into it, sharing its API client and meter."""

    def activity(self, cursor: str | None, ours: dict[str, str], since=None) -> Activity:
        # The cursor is "<newest mention id>/<the author's user id>": the id never changes, and
        # keeping it saves a billed users/me read on every run.
        cursor, _, me = (cursor or "").partition("/")
        self._me = self._me or me or None
        params = {**EXPAND, "max_results": 100}
        if cursor:
            params["since_id"] = cursor
        elif since is not None:
            params["start_time"] = _time(since)
        posts, users, media, newest = self._pages(
            f"/2/users/{self.me()}/mentions", params, "owned_read", "your mentions"
        )
        found = Activity(cursor=f"{newest or cursor}/{self._me}")
        for post in posts:
            conversation = str(post.get("conversation_id") or "")
            quoted = reading.quoted_of(post)
            if conversation in ours:
                found.posts.setdefault(ours[conversation], Hints())
            elif quoted in ours:
                found.posts.setdefault(ours[quoted], Hints()).touched.add(("quote", quoted))
            else:
                found.mentions.append(reading.mention(post, users, media, self._me))
        return found

    def harvest(self, record, hints: Hints, counts: dict[str, str]) -> Harvest:
        copies = record.copies(self.NAME)
        ours = {c.id for c in copies}
        harvest = Harvest(counts=dict(counts))
        looked = self._lookup([c.id for c in copies])
        if copies[0].id not in looked:
            return harvest  # our copy is gone: nothing to learn, nothing to remove
        known = {x.id: x for x in record.interactions}
        root = looked[copies[0].id]
        if parse_time(root["created_at"]) >= datetime.now(UTC) - timedelta(days=SEARCH_DAYS):
            replies, users, media, _ = self._pages(
                "/2/tweets/search/recent",
                {**EXPAND, "query": f"conversation_id:{copies[0].id}", "max_results": 100},
                "post_read",
                "the replies",
            )
            listed = set()
            for post in replies:
                if str(post["id"]) in ours:
                    continue
                author = users.get(str(post.get("author_id")))
                harvest.people.append(reading.person(author, str(post.get("author_id")), self._me))
                harvest.interactions.append(reading.interaction(post, "reply", ours, users, media))
                listed.add(f"x:{post['id']}")
            gone_on_evidence(harvest, known, self.NAME, "reply", listed, self._still_there)
        else:
            self._note(
                "replies to posts older than 7 days cannot be searched on X (its recent search "
                "keeps 7 days): replies already archived stay, newer ones come with mentions"
            )
        harvest.counts = {}
        for copy in copies:
            if copy.id not in looked:
                continue
            harvest.counts[copy.id] = reading.counts(looked[copy.id])
            wanted = lists_to_read(
                copy.id, counts.get(copy.id), harvest.counts[copy.id], hints, known
            )
            for kind, endpoint, returns, most, item in LISTS:
                if kind in wanted:
                    self._list(
                        harvest, known, hints, copy.id, ours, kind, endpoint, returns, most, item
                    )
        return harvest

    # -- helpers -------------------------------------------------------------------------------

    def _list(self, harvest, known, hints, copy_id, ours, kind, endpoint, returns, most, item):
        params = {"max_results": most}
        if returns == "posts":
            params |= EXPAND
        else:
            params["user.fields"] = USER_FIELDS
        try:
            found, users, media, _ = self._pages(
                f"/2/tweets/{copy_id}/{endpoint}", params, item, f"the {kind}s"
            )
        except Unauthorized as e:
            if e.status != 403:
                raise
            said = e.message.split(" (check ")[0]  # the words, not the credentials hint
            self._note(
                f"the app's access does not allow reading {kind}s (GET /2/tweets/:id/{endpoint} "
                f"answered 403, {said}); the rest goes on, and the {kind}s stored stay"
            )
            return
        if returns == "users":
            pairs = []
            for user in found:
                who = reading.person(user, str(user["id"]), self._me)
                pairs.append((reading.reaction(kind, copy_id, who), who))
            add_reactions(harvest, known, hints, f"x:{kind}:{copy_id}:", pairs)
            return
        listed = set()
        for post in found:
            author = users.get(str(post.get("author_id")))
            harvest.people.append(reading.person(author, str(post.get("author_id")), self._me))
            harvest.interactions.append(reading.interaction(post, "quote", ours, users, media))
            listed.add(f"x:{post['id']}")
        gone_on_evidence(harvest, known, self.NAME, "quote", listed, self._still_there)

    def _pages(self, path: str, params: dict, item: str, what: str):
        """Every page of a list (``meta.next_token``): (items, users, media, newest id). Each
        page's worst price is checked against the budget first; what it returned is charged."""
        items, users, media, newest = [], {}, {}, None
        guard, token = PageGuard(self.NAME, what), None
        most = int(params.get("max_results", 100))
        while True:
            guard.next(token)
            self.meter.check(self.meter.price(item, most), f"reading {what}")
            key = "next_token" if "search" in path else "pagination_token"
            page = self.api.get(path, params={**params, **({key: token} if token else {})}) or {}
            found = page.get("data") or []
            self.meter.charge(item, len(found))
            items += found
            users |= reading.users_of(page)
            media |= reading.media_of(page)
            meta = page.get("meta") or {}
            newest = newest or meta.get("newest_id")
            token = meta.get("next_token")
            if not token or not found:
                return items, users, media, newest

    def _lookup(self, ids: list[str]) -> dict[str, dict]:
        """Our copies as X has them now (public_metrics for the counts); gone ones left out."""
        self.meter.spend("post_read", len(ids), "looking up your copies")
        page = (
            self.api.get(
                "/2/tweets",
                params={"ids": ",".join(ids), "tweet.fields": "created_at,public_metrics"},
            )
            or {}
        )
        return {str(p["id"]): p for p in page.get("data") or []}

    def _still_there(self, iid: str) -> bool | None:
        post_id = iid.split(":", 1)[1]
        if ":" in post_id:
            return None
        self.meter.spend("post_read", 1, "looking up a reply")
        try:
            page = self.api.get(f"/2/tweets/{post_id}") or {}
        except Rejected as e:
            return False if e.status == 404 else None
        return bool(page.get("data"))  # X answers 200 with errors[] for a post that is gone

    def _note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)


def _time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
