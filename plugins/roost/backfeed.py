"""Bring home what people did with the copies of each post, at a cost that grows with activity.

Per network (Mastodon today), one run:

1. reads the notifications since the stored cursor (one request when nothing happened);
2. marks the posts they concern as active: a like or repost names our copy; a reply or quote is
   traced to the post through its ancestors;
3. for active posts only, re-crawls the whole thread (notifications miss deep replies: a Mastodon
   reply notifies only if it still mentions you) and reads the complete lists of likes and
   reposts;
4. merges it all (``archive.merge``: evidence, not absence) and writes each post's record, then
   the people, then, last, the cursor. A fetch that fails anywhere leaves the cursor where it
   was, so the next run sees the same notifications again; merging twice changes nothing.

What counts as evidence of a deletion: the network answering 404 for a reply that a complete
crawl no longer lists, and a complete like or repost list without someone in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .archive import Change, Harvest, merge
from .mirror import mirror_avatars
from .model import format_time
from .networks.base import NetworkError
from .store import Store


@dataclass
class Report:
    network: str
    change: Change = field(default_factory=Change)
    posts: int = 0  # active posts crawled
    failed: str = ""


def backfeed_mastodon(store: Store, adapter) -> Report:
    report = Report("mastodon")
    ours: dict[str, str] = {}  # our status id -> post key
    for key in store.post_keys():
        for copy in store.read_post(key).copies("mastodon"):
            ours[copy.id] = key
    if not ours:
        return report
    cursors = store.read_cursors()
    cursor = cursors.get("mastodon", {}).get("notifications")
    try:
        notifications, new_cursor = adapter.notifications(cursor)
        active: dict[str, dict[str, str]] = {}  # post key -> reaction id -> when
        for n in notifications:
            status = n.get("status") or {}
            sid = str(status.get("id", ""))
            if n["type"] in ("favourite", "reblog") and sid in ours:
                kind = "like" if n["type"] == "favourite" else "repost"
                who = adapter.person(n["account"]).id.split(":", 1)[1]
                active.setdefault(ours[sid], {})[f"mastodon:{kind}:{sid}:{who}"] = n["created_at"]
            elif sid in ours:
                active.setdefault(ours[sid], {})  # our own copy changed: look again
            elif sid:
                key = ours.get(str(status.get("in_reply_to_id")))
                if key is None:  # a deeper reply: find our copy among its ancestors
                    key = next(
                        (ours[a["id"]] for a in adapter.ancestors(sid) if a["id"] in ours), None
                    )
                if key is not None:
                    active.setdefault(key, {})
        harvests, crawled = {}, {}
        for key, reaction_times in sorted(active.items()):
            harvests[key] = _harvest(store, adapter, key, set(ours), reaction_times)
            crawled[f"crawled:{key}"] = format_time(datetime.now(UTC))
    except NetworkError as e:
        report.failed = str(e)
        return report  # nothing merged, the cursor stays: the next run sees it all again
    cursor = {**crawled, "notifications": new_cursor} if new_cursor else crawled
    report.change = merge_into(store, harvests, "mastodon", cursor)
    report.posts = len(harvests)
    return report


def merge_into(
    store: Store, harvests: dict[str, Harvest], network: str, cursor: dict[str, str]
) -> Change:
    """Merge every post's harvest, mirror new avatars, then move the network's cursor, under one
    lock and reading people and moderation once: records first, the cursor last, so a crash in
    between makes the next run do the same work again rather than skip any."""
    total = Change()
    with store.lock():
        moderation = store.read_moderation()
        people = store.read_people()
        before = dict(people)
        for key, harvest in sorted(harvests.items()):
            record = store.read_post(key)
            change = merge(record, harvest, moderation, people)
            if change:
                store.write_post(record)
                total += change
        mirror_avatars(store, people, before)  # new or changed avatars only
        store.write_people(network, people)
        if cursor:
            cursors = store.read_cursors()
            cursors.setdefault(network, {}).update(cursor)
            store.write_cursors(cursors)
    return total


def _harvest(store: Store, adapter, key: str, ours: set[str], reaction_times: dict) -> Harvest:
    """Everything the network holds for one post's copies (fetching only; nothing written)."""
    from .model import parse_time

    record = store.read_post(key)
    known = {x.id: x for x in record.interactions}
    harvest = Harvest()
    for copy in record.copies("mastodon"):
        replies = adapter.thread(copy.id)
        if replies is not None:
            for status in replies:
                harvest.people.append(adapter.person(status["account"]))
                harvest.interactions.append(adapter.interaction(status, "reply", ours))
            listed = {f"mastodon:{s['id']}" for s in replies}
            for x in record.interactions:
                sid = x.id.split(":", 1)[1]
                # Missing from a complete crawl is a reason to ask, not yet evidence.
                if (
                    x.kind == "reply"
                    and x.id not in listed
                    and sid.isdigit()
                    and (not adapter.status_exists(sid))
                ):
                    harvest.gone.add(x.id)  # the network says: not found
        for kind, endpoint in (("like", "favourited_by"), ("repost", "reblogged_by")):
            accounts = adapter.everyone(f"/api/v1/statuses/{copy.id}/{endpoint}")
            fresh = set()
            for account in accounts:
                reaction = adapter.reaction(kind, copy.id, account)
                fresh.add(reaction.id)
                if reaction.id in known:
                    reaction.published = known[reaction.id].published
                elif reaction.id in reaction_times:
                    reaction.published = format_time(parse_time(reaction_times[reaction.id]))
                harvest.people.append(adapter.person(account))
                harvest.interactions.append(reaction)
            prefix = f"mastodon:{kind}:{copy.id}:"
            harvest.gone |= {i for i in known if i.startswith(prefix) and i not in fresh}
    return harvest
