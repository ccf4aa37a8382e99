"""Taking posts back from the networks: ``roost unsyndicate`` (delete a post's copies, and
never send it there again) and ``roost mark-handled`` (never send the posts not yet sent). The
syndicator's ledger rules hold: a part that may have gone out unrecorded (an intent) is looked
for before anything is deleted, and the decision is recorded before any request, so a crash
halfway never brings a post back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from ..model import format_time
from ..networks.base import NetworkError
from ..networks.compose import Post
from . import spending
from .outcomes import Outcome
from .syndicate import Syndicator
from .watch import remember_deleted


def mark_handled(syndicator: Syndicator, posts: Iterable[Post], reason: str) -> int:
    """Record every post not yet on a network as handled there, so it is never sent."""
    marked = 0
    with syndicator.store.lock():
        for post in posts:
            record = syndicator.store.read_post(post.key)
            changed = False
            for name in syndicator.adapters:
                if not record.copies(name) and name not in record.skipped:
                    record.skipped[name] = reason
                    changed = True
            if changed:
                syndicator.store.write_post(record)
                marked += 1
    return marked


def unsyndicate(syndicator: Syndicator, key: str, networks: Iterable[str]) -> list[Outcome]:
    """Delete the post's copies, drop them from the ledger, and keep it from coming back. A
    part that may have gone out unrecorded (an intent) is looked for first, and deleted too
    when it is there."""
    outcomes = []
    for name in networks:
        adapter = syndicator.adapters[name]
        try:
            copies = syndicator._settle_intents(key, name, adapter)
            with syndicator.store.lock():  # first: whatever fails below, it is never sent again
                record = syndicator.store.read_post(key)
                record.skipped[name] = f"unsyndicated on {format_time(datetime.now(UTC))}"
                syndicator.store.write_post(record)
            if not copies:
                outcomes.append(Outcome(key, name, "unchanged", "no copy there"))
                continue
            for copy in reversed(copies):  # the replies of a thread first
                syndicator._with_retries(adapter.delete, copy)
                with syndicator.store.lock():
                    record = syndicator.store.read_post(key)
                    record.syndications.remove(copy)
                    syndicator.store.write_post(record)
                    remember_deleted(syndicator.store, name, copy.id)  # the watch's (watch.py)
            outcomes.append(Outcome(key, name, "deleted"))
        except NetworkError as e:
            outcomes.append(Outcome(key, name, "failed", str(e)))
        spending.record(syndicator.store, adapter)
    return outcomes
