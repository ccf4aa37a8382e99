"""A Bluesky list on the author's account, for ``roost people export --bluesky-list NAME``: an
``app.bsky.graph.list`` record (purpose ``app.bsky.graph.defs#curatelist``, a list people can
follow and read as a feed) and one ``app.bsky.graph.listitem`` per member (lexicons as
shared/docs/formats.md section 3 lists them).

Everything is read from and written to the author's own repository on their PDS, through the
adapter's session and ApiClient (``com.atproto.repo.listRecords``, ``createRecord``,
``applyWrites``), so what was just written is read back at once, with no AppView in between.

Idempotent: the list is found by its name among the author's curate lists (the oldest, if
several have it) and made only when none has; a member already in it is not added again; no
item is removed, except an item whose subject ``unwanted`` names (someone the author has since
blocked or forgotten, or who opted out: moderation wins), whoever added it. People the author
added by hand stay. Items are written in ``applyWrites`` batches of at most ``BATCH`` (what the
PDS accepts), each batch all or nothing; a batch that failed is simply missing on the next run,
which adds what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ...model import format_time

LIST = "app.bsky.graph.list"
ITEM = "app.bsky.graph.listitem"
CURATE = "app.bsky.graph.defs#curatelist"
#: Writes in one applyWrites call: the reference PDS refuses more than 200.
BATCH = 200


@dataclass
class Synced:
    uri: str  # the list's AT URI
    url: str  # where the author sees it
    created: bool
    added: list[str] = field(default_factory=list)  # DIDs
    removed: list[str] = field(default_factory=list)
    kept: int = 0  # members already there


def sync_list(
    bluesky,
    name: str,
    members: list[str],
    unwanted: Callable[[str], bool] = lambda did: False,
    now: datetime | None = None,
) -> Synced:
    """Make the list ``name`` hold every DID of ``members`` (in that order), and none that
    ``unwanted`` names. ``bluesky``: the Bluesky adapter, signed in as the author."""
    me = bluesky.session.did
    stamp = format_time(now or datetime.now(UTC)).replace("Z", ".000Z")
    found = find_list(bluesky, me, name)
    created = found is None
    if found is None:
        record = {"$type": LIST, "purpose": CURATE, "name": name, "createdAt": stamp}
        found = bluesky.api.post(
            "/com.atproto.repo.createRecord",
            json={"repo": me, "collection": LIST, "record": record, "validate": True},
        )["uri"]
    items = list_items(bluesky, me, found)
    there = {item["value"]["subject"] for item in items}
    add = [did for did in dict.fromkeys(members) if did not in there]
    drop = [item for item in items if unwanted(item["value"]["subject"])]
    writes = [
        {"$type": "com.atproto.repo.applyWrites#delete", "collection": ITEM,
         "rkey": item["uri"].rsplit("/", 1)[-1]}
        for item in drop
    ] + [
        {"$type": "com.atproto.repo.applyWrites#create", "collection": ITEM,
         "value": {"$type": ITEM, "subject": did, "list": found, "createdAt": stamp}}
        for did in add
    ]  # fmt: skip
    for start in range(0, len(writes), BATCH):
        bluesky.api.post(
            "/com.atproto.repo.applyWrites",
            json={"repo": me, "validate": True, "writes": writes[start : start + BATCH]},
        )
    rkey = found.rsplit("/", 1)[-1]
    handle = bluesky.session.ensure().get("handle", bluesky.handle)
    return Synced(
        uri=found,
        url=f"{bluesky.app_url}/profile/{handle}/lists/{rkey}",
        created=created,
        added=add,
        removed=sorted({item["value"]["subject"] for item in drop}),
        kept=len(there - {item["value"]["subject"] for item in drop}),
    )


def find_list(bluesky, me: str, name: str) -> str | None:
    """The AT URI of the author's oldest curate list called ``name`` (record keys are times)."""
    mine = [
        r
        for r in records(bluesky, me, LIST)
        if r.get("value", {}).get("name") == name and r["value"].get("purpose") == CURATE
    ]
    return min(mine, key=lambda r: r["uri"].rsplit("/", 1)[-1])["uri"] if mine else None


def list_items(bluesky, me: str, uri: str) -> list[dict]:
    """The author's items of that list (items of their other lists are theirs: left alone)."""
    return [
        r
        for r in records(bluesky, me, ITEM)
        if r.get("value", {}).get("list") == uri and isinstance(r["value"].get("subject"), str)
    ]


def records(bluesky, me: str, collection: str) -> list[dict]:
    return bluesky.api.cursor_pages(
        "/com.atproto.repo.listRecords",
        "records",
        {"repo": me, "collection": collection, "limit": 100},
    )
