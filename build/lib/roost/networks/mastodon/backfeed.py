"""What the backfeed asks of Mastodon (docs.joinmastodon.org methods/notifications, statuses
context, favourited_by, reblogged_by, quotes, accounts): notifications since a cursor, the whole
thread of an active post, the lists whose counts changed, profiles looked at again.

Evidence of a deletion: a reply or quote missing from a complete crawl is looked up
(``GET /statuses/:id``) and only a 404 removes it; a like or repost missing from a complete list
is gone. Only public and unlisted statuses are archived.
"""

from __future__ import annotations

from datetime import datetime

from ...archive import Harvest
from ...people import Person
from ..base import Rejected
from ..harvesting import Activity, Hints, add_reactions, gone_on_evidence, lists_to_read, parse_time
from ..http import PageGuard
from . import reading

LOOKUPS_A_RUN = 20  # profiles without a stored account id, looked up one by one
NOTIFICATION_TYPES = ("mention", "favourite", "reblog", "quote", "update")


class MastodonBackfeed:
    """The backfeed's side of the adapter: mixed into it, sharing its API client."""

    # -- bringing home -------------------------------------------------------------------------

    def activity(self, cursor: str | None, ours: dict[str, str], since=None) -> Activity:
        notifications, new_cursor = self.notifications(cursor, since)
        found = Activity(cursor=new_cursor)
        for n in notifications:
            status = n.get("status") or {}
            sid = str(status.get("id", ""))
            if n["type"] in ("favourite", "reblog") and sid in ours:
                kind = "like" if n["type"] == "favourite" else "repost"
                who = self.person(n["account"]).id.split(":", 1)[1]
                hints = found.posts.setdefault(ours[sid], Hints())
                hints.times[f"mastodon:{kind}:{sid}:{who}"] = n["created_at"]
                hints.touched.add((kind, sid))
            elif n["type"] == "quote" and (quoted := reading.quoted_id(status)) in ours:
                found.posts.setdefault(ours[quoted], Hints()).touched.add(("quote", quoted))
            elif sid in ours:
                found.posts.setdefault(ours[sid], Hints())  # our own copy changed: look again
            elif sid:
                key = ours.get(str(status.get("in_reply_to_id")))
                if key is None and status.get("in_reply_to_id"):  # deeper: look among ancestors
                    key = next(
                        (ours[a["id"]] for a in self.ancestors(sid) if a["id"] in ours), None
                    )
                if key is not None:
                    found.posts.setdefault(key, Hints())
                elif n["type"] == "mention" and reading.is_public(status):
                    found.mentions.append(reading.mention(status, ours, self.host, self.me))
        return found

    def harvest(self, record, hints: Hints, counts: dict[str, str]) -> Harvest:
        copies = record.copies(self.NAME)
        ours = {c.id for c in copies}
        harvest = Harvest(counts=dict(counts))
        root = self._status(copies[0].id)
        replies = self.thread(copies[0].id) if root is not None else None
        if root is None or replies is None:
            return harvest  # our copy is gone: nothing to learn, nothing to remove
        self.me = self.person(root["account"]).id
        harvest.incomplete = self.still_fetching  # the rest comes later: read it again next run
        harvest.counts = {}
        statuses = {str(s["id"]): s for s in replies}
        known = {x.id: x for x in record.interactions}
        for status in replies:
            if str(status["id"]) in ours or not reading.is_public(status):
                continue
            harvest.people.append(self.person(status["account"]))
            harvest.interactions.append(reading.interaction(status, "reply", ours, self.host))
        self._gone(harvest, known, "reply", {f"mastodon:{s}" for s in statuses})
        for copy in copies:
            status = root if copy.id == copies[0].id else statuses.get(copy.id)
            if status is None:
                continue
            harvest.counts[copy.id] = reading.counts(status)
            # Only the lists that changed; the others' stored likes and reposts stand.
            before = counts.get(copy.id)
            wanted = lists_to_read(copy.id, before, harvest.counts[copy.id], hints, known)
            self._reactions(harvest, known, hints, copy.id, wanted)
            if "quote" in wanted and "quotes_count" in status:  # Mastodon 4.5 and later
                self._quotes(harvest, known, copy.id, ours)
        return harvest

    def profiles(self, people: list[Person]) -> list[Person]:
        """Up to 40 accounts a request (``GET /api/v1/accounts?id[]=``, Mastodon 4.3) by the
        id this server gave them; people archived before Roost kept that id are looked up one
        by one (``/api/v1/accounts/lookup``), a few a run."""
        found: list[Person] = []
        known = [p for p in people if p.ref]
        for i in range(0, len(known), 40):
            query = "&".join(f"id[]={p.ref}" for p in known[i : i + 40])
            try:
                accounts = self.api.get(f"/api/v1/accounts?{query}")
            except Rejected as e:
                if e.status not in (404, 422):
                    raise
                accounts = [self._lookup(f"/api/v1/accounts/{p.ref}") for p in known[i : i + 40]]
            found += [self.person(a) for a in accounts if isinstance(a, dict) and a.get("acct")]
        for person in [p for p in people if not p.ref][:LOOKUPS_A_RUN]:
            account = self._lookup(f"/api/v1/accounts/lookup?acct={person.id.split(':', 1)[1]}")
            if account:
                found.append(self.person(account))
        return found

    def person(self, account: dict) -> Person:
        return reading.person(account, self.host, self.me)

    def notifications(self, cursor: str | None, since=None) -> tuple[list[dict], str | None]:
        """Every notification after ``cursor``, following min_id forward page by page; and the
        new cursor (the highest id seen). Ids compare by (length, text), never as numbers.
        With no cursor yet, the newest are read backwards, down to ``since`` (nothing older can
        concern a copy), rather than the account's whole history from its first day."""
        types = "".join(f"&types[]={t}" for t in NOTIFICATION_TYPES)
        if cursor is None and since is not None:
            return self._notifications_back_to(since, types)
        found, current = [], cursor or "0"
        guard = PageGuard(self.NAME, "the notifications")
        while True:
            guard.next(current)
            page = self.api.get(f"/api/v1/notifications?min_id={current}&limit=80{types}")
            if not isinstance(page, list) or not page:
                break
            found += page
            current = max((n["id"] for n in page), key=reading.id_order)
            if len(page) < 80:
                break  # a short page is the last: no need to ask for an empty one
        return found, (current if found else cursor)

    def _notifications_back_to(self, since: datetime, types: str):
        found, newest, url = [], None, f"/api/v1/notifications?limit=80{types}"
        guard = PageGuard(self.NAME, "the notifications")
        while True:
            guard.next(url)
            page = self.api.get(url)
            if not isinstance(page, list) or not page:
                break
            ids = sorted((n["id"] for n in page), key=reading.id_order)
            newest = newest or ids[-1]
            recent = [n for n in page if parse_time(n["created_at"]) >= since]
            found += recent
            if len(recent) < len(page) or len(page) < 80:
                break  # reached notifications older than every copy, or the first ever
            url = f"/api/v1/notifications?max_id={ids[0]}&limit=80{types}"
        return found, newest

    def thread(self, status_id: str) -> list[dict] | None:
        """Every reply under a status (the whole subtree); None if the status is gone. Sets
        ``still_fetching`` when the server says it is fetching more remote replies (4.5)."""
        try:
            answer = self.api.call("GET", f"/api/v1/statuses/{status_id}/context")
        except Rejected as e:
            if e.status == 404:
                return None
            raise
        self.still_fetching = bool(answer.headers.get("Mastodon-Async-Refresh"))
        return answer.data["descendants"]

    def ancestors(self, status_id: str) -> list[dict]:
        return self.api.get(f"/api/v1/statuses/{status_id}/context")["ancestors"]

    def everyone(self, path: str, limit: int = 80) -> list[dict]:
        """Every item of a list endpoint, following the Link header to the end."""
        return self.api.link_pages(path, limit)

    def _reactions(self, harvest: Harvest, known: dict, hints: Hints, copy_id: str, wanted) -> None:
        for kind, endpoint in (("like", "favourited_by"), ("repost", "reblogged_by")):
            if kind in wanted:
                accounts = self.everyone(f"/api/v1/statuses/{copy_id}/{endpoint}")
                found = []
                for account in accounts:
                    who = self.person(account)
                    found.append((reading.reaction(kind, copy_id, who), who))
                add_reactions(harvest, known, hints, f"mastodon:{kind}:{copy_id}:", found)

    def _quotes(self, harvest: Harvest, known: dict, copy_id: str, ours: set[str]) -> None:
        listed = set()
        for status in self.everyone(f"/api/v1/statuses/{copy_id}/quotes", limit=40):
            state = (status.get("quote") or {}).get("state", "accepted")
            if state != "accepted" or not reading.is_public(status):
                continue
            listed.add(f"mastodon:{status['id']}")
            harvest.people.append(self.person(status["account"]))
            harvest.interactions.append(reading.interaction(status, "quote", ours, self.host))
        self._gone(harvest, known, "quote", listed)

    def _gone(self, harvest: Harvest, known: dict, kind: str, listed: set[str]) -> None:
        """Stored statuses of this kind a complete list no longer holds: gone on a 404."""

        def still_there(iid: str) -> bool | None:
            sid = iid.split(":", 1)[1]
            return None if ":" in sid else self._status(sid) is not None

        gone_on_evidence(harvest, known, self.NAME, kind, listed, still_there)

    def _status(self, status_id: str) -> dict | None:
        return self._lookup(f"/api/v1/statuses/{status_id}", gone=(404,))

    def _lookup(self, path: str, gone=(404, 410, 422)) -> dict | None:
        """What ``path`` names, or None when the server says it is gone (or suspended)."""
        try:
            return self.api.get(path)
        except Rejected as e:
            if e.status in gone:
                return None
            raise
