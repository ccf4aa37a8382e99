"""What the backfeed asks of Bluesky (app.bsky.notification.listNotifications, feed.getPostThread,
getLikes, getRepostedBy, getQuotes, actor.getProfiles; through the PDS, which hands app.bsky.* to
the AppView): notifications newest first down to a high-water mark, the whole thread of an active
post (a reply notifies only the four ancestors above it), the lists whose counts changed.

Evidence of a deletion: ``NotFound`` for a post's own thread, a ``notFoundPost`` in a thread, a
like or repost missing from a complete list. Pictures come from the replier's own PDS, found
through their DID document by the guarded fetch.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from ...archive import Harvest
from ...people import Person
from ..base import Rejected
from ..guarded_fetch import FetchError, GuardedFetcher
from ..harvesting import Activity, Hints, add_reactions, gone_on_evidence, lists_to_read, today
from ..http import PageGuard
from . import reading

DID_DOCUMENT_BYTES = 64 * 1024  # real ones are under 2 KB
REASONS = ("like", "repost", "reply", "quote", "mention")


class BlueskyBackfeed:
    """The backfeed's side of the adapter: mixed into it, sharing its API client."""

    # -- bringing home -------------------------------------------------------------------------

    def activity(self, cursor: str | None, ours: dict[str, str], since=None) -> Activity:
        """Notifications come newest first and page backwards: read from the top down to the
        stored high-water mark ("<indexedAt> <uri>")."""
        mark = tuple(cursor.split(" ", 1)) if cursor else None
        # With no mark yet, nothing older than the oldest copy can concern one.
        floor = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if since and not mark else ""
        found, top, page = Activity(cursor=cursor), None, None
        guard = PageGuard(self.NAME, "the notifications")
        while True:
            guard.next(page)
            params: dict[str, Any] = {"limit": 100, "reasons": list(REASONS)}
            if page:
                params["cursor"] = page
            data = self.api.get("/app.bsky.notification.listNotifications", params=params)
            items = data.get("notifications") or []
            reached = False
            for n in items:
                here = (str(n.get("indexedAt", "")), str(n.get("uri", "")))
                if (mark and here <= mark) or (floor and here[0] < floor):
                    reached = True  # everything below was seen by an earlier run, or predates us
                    break
                top = max(top, here) if top else here
                self._note(found, n, ours)
            page = data.get("cursor")
            if reached or not items or not page:
                break
        if top:
            found.cursor = " ".join(top)
        return found

    def _note(self, found: Activity, n: dict, ours: dict[str, str]) -> None:
        record = n.get("record") or {}
        reason, subject = n.get("reason"), str(n.get("reasonSubject") or "")
        if reason in ("like", "repost") and subject in ours:
            hints = found.posts.setdefault(ours[subject], Hints())
            did = str((n.get("author") or {}).get("did", ""))
            when = str(record.get("createdAt") or n.get("indexedAt") or "")
            hints.times[f"bluesky:{reason}:{reading.rkey(subject)}:{did}"] = when
            hints.touched.add((reason, subject))
            return
        reply = record.get("reply") or {}
        quoted = reading.quoted_uri(record)
        for uri in (
            (reply.get("root") or {}).get("uri"),
            (reply.get("parent") or {}).get("uri"),
            quoted,
            subject,
        ):
            if uri in ours:
                hints = found.posts.setdefault(ours[uri], Hints())
                if reason == "quote":
                    hints.touched.add(("quote", uri))
                return
        if reason == "mention":  # names the author outside our threads: maybe about a post
            found.mentions.append(reading.mention(n, self.app_url, self.me, self._pds_of))

    def harvest(self, record, hints: Hints, counts: dict[str, str]) -> Harvest:
        copies = record.copies(self.NAME)
        ours = {c.id for c in copies}
        harvest = Harvest(counts=dict(counts))
        thread = self._thread(copies[0].id)
        if thread is None:
            return harvest  # our copy is gone: nothing to learn, nothing to remove
        harvest.counts = {}
        self.me = str(thread["post"]["author"].get("did", ""))
        views: dict[str, dict] = {thread["post"]["uri"]: thread["post"]}
        listed: set[str] = set()
        stack = [thread]
        while stack:
            node = stack.pop()
            for child in node.get("replies") or []:
                kind = child.get("$type", "")
                uri = str((child.get("post") or child).get("uri", ""))
                if kind.endswith("#notFoundPost") and uri:
                    harvest.gone.add(f"bluesky:{uri}")  # the network says: not found
                if not kind.endswith("#threadViewPost"):
                    continue
                post = child["post"]
                views[uri] = post
                stack.append(child)
                if uri in ours:
                    continue  # a later part of our own thread
                listed.add(f"bluesky:{uri}")
                here = node["post"]["uri"]
                harvest.people.append(self.person(post["author"]))
                parent = None if here in ours else f"bluesky:{here}"
                harvest.interactions.append(self._interaction(post, "reply", parent))
        known = {x.id: x for x in record.interactions}
        self._gone(harvest, known, "reply", listed)
        for copy in copies:
            view = views.get(copy.id)
            if view is None:
                continue
            harvest.counts[copy.id] = reading.counts(view)
            # Only the lists that changed; the others' stored likes, reposts and quotes stand.
            before = counts.get(copy.id)
            wanted = lists_to_read(copy.id, before, harvest.counts[copy.id], hints, known)
            self._reactions(harvest, known, hints, copy.id, wanted)
            if "quote" in wanted:
                self._quotes(harvest, known, copy.id)
        return harvest

    def profiles(self, people: list[Person]) -> list[Person]:
        """Up to 25 profiles a request (``app.bsky.actor.getProfiles``), by DID."""
        dids = [p.id.removeprefix("bluesky:") for p in people if p.id.startswith("bluesky:did:")]
        found = []
        for i in range(0, len(dids), 25):
            data = self.api.get("/app.bsky.actor.getProfiles", params={"actors": dids[i : i + 25]})
            found += [self.person(a) for a in data.get("profiles") or [] if isinstance(a, dict)]
        return found

    def person(self, actor: dict) -> Person:
        return reading.person(actor, self.app_url, self.me)

    def _interaction(self, post: dict, kind: str, in_reply_to: str | None):
        return reading.interaction(post, kind, in_reply_to, self.app_url, self._pds_of)

    def _thread(self, uri: str) -> dict | None:
        """The thread under a post, or None when the network says it is not there."""
        try:
            data = self.api.get(
                "/app.bsky.feed.getPostThread",
                params={"uri": uri, "depth": 1000, "parentHeight": 0},
            )
        except Rejected as e:
            if e.code == "NotFound" or e.status == 404:
                return None
            raise
        thread = data.get("thread") or {}
        if not str(thread.get("$type", "")).endswith("#threadViewPost"):
            return None
        return thread

    def _reactions(self, harvest: Harvest, known: dict, hints: Hints, uri: str, wanted) -> None:
        for kind in ("like", "repost"):
            if kind not in wanted:
                continue
            if kind == "like":  # likes carry their time; reposts do not
                likes = self.api.cursor_pages(
                    "/app.bsky.feed.getLikes", "likes", {"uri": uri, "limit": 100}
                )
                entries = [(x.get("actor") or {}, x.get("createdAt")) for x in likes]
            else:
                reposts = self.api.cursor_pages(
                    "/app.bsky.feed.getRepostedBy", "repostedBy", {"uri": uri, "limit": 100}
                )
                entries = [(actor, None) for actor in reposts]
            found = []
            for actor, created in entries:
                who = self.person(actor)
                found.append((reading.reaction(kind, uri, who, created, today()), who))
            add_reactions(harvest, known, hints, f"bluesky:{kind}:{reading.rkey(uri)}:", found)

    def _quotes(self, harvest: Harvest, known: dict, uri: str) -> None:
        listed = set()
        quotes = self.api.cursor_pages(
            "/app.bsky.feed.getQuotes", "posts", {"uri": uri, "limit": 100}
        )
        for post in quotes:
            listed.add(f"bluesky:{post['uri']}")
            harvest.people.append(self.person(post["author"]))
            harvest.interactions.append(self._interaction(post, "quote", None))
        self._gone(harvest, known, "quote", listed)  # a quote of another part: still there

    def _gone(self, harvest: Harvest, known: dict, kind: str, listed: set[str]) -> None:
        """Stored posts of this kind a complete crawl no longer holds: gone on NotFound."""

        def still_there(iid: str) -> bool | None:
            uri = iid.removeprefix("bluesky:")
            return self._thread(uri) is not None if uri.startswith("at://") else None

        gone_on_evidence(harvest, known, self.NAME, kind, listed, still_there)

    def _pds_of(self, did: str) -> str | None:
        """Where a DID's data lives (its DID document's #atproto_pds), or None if unknown. The
        document comes from the PLC directory or, for did:web, from the DID's own domain: both
        through the guarded fetch, with a byte cap (a DID document is a few hundred bytes)."""
        if did not in self._homes:
            self._homes[did] = None
            if did.startswith("did:plc:"):
                url = f"{self.plc}/{did}"
            elif did.startswith("did:web:"):
                url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
            else:
                return None
            try:
                fetcher = self.fetcher or GuardedFetcher(self.trusted_origins())
                got = fetcher.get(url, max_bytes=DID_DOCUMENT_BYTES, accept="application/json")
                doc = json.loads(got.body)
                for service in doc.get("service") or []:
                    if str(service.get("id", "")).endswith("#atproto_pds"):
                        endpoint = str(service.get("serviceEndpoint", "")).rstrip("/")
                        if endpoint.startswith(("https://", "http://")):
                            self._homes[did] = endpoint
            except (FetchError, ValueError, AttributeError, TypeError, RecursionError):
                pass  # no picture then, a placeholder; the next harvest tries again
        return self._homes[did]
