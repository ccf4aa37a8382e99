"""Merge what a backfeed brought home into a post's record: the rules, with no network in sight.

An adapter reports a :class:`Harvest` for one post: the interactions it saw (already in the
normal form, ``model.Interaction``), the people behind them, and *positive evidence* of what is
gone (the network said deleted, not found, or no longer public). The rules, from the
architecture's "evidence, not absence":

* new interactions are added; one seen again replaces the stored one only when something a
  reader would notice changed (content, media, in-reply-to, updated time, url), so an unchanged
  thread rewrites nothing;
* an interaction is removed only when it is listed in ``gone``. One that a fetch did not return
  stays: a failed, partial, truncated or rate-limited fetch never deletes anything;
* nothing by a blocked, forgotten or opted-out person, and no hidden interaction, is stored; what
  the author hid stays hidden even if the network sends it again;
* HTML is sanitised by the store on the way in, whatever the adapter did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Interaction, PostRecord
from .people import Moderation, Person

#: What a reader would notice; anything else changing (a counter, a fetched-at time) is noise.
_MEANINGFUL = (
    "kind", "author", "content", "media", "in_reply_to", "updated", "url", "published", "rsvp",
)  # fmt: skip


@dataclass
class Harvest:
    """What one fetch learned about one post."""

    interactions: list[Interaction] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # interaction ids the network says are gone
    # The network said its answer is not complete yet (Mastodon-Async-Refresh): look again soon.
    incomplete: bool = False
    # Each copy's like, repost and quote counts at this harvest ("3/1/0"), so the next one reads
    # only the lists whose counts changed.
    counts: dict[str, str] = field(default_factory=dict)
    # What a network counts but does not list, per copy: (network, copy id) -> kind -> number
    # (Threads' likes and reposts); written on the copy, shown as counts.
    tallies: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


@dataclass
class Change:
    added: int = 0
    updated: int = 0
    removed: int = 0
    counted: int = 0  # copies whose counts changed

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.counted)

    def __iadd__(self, other: Change) -> Change:
        self.added += other.added
        self.updated += other.updated
        self.removed += other.removed
        self.counted += other.counted
        return self


def merge(
    record: PostRecord,
    harvest: Harvest,
    moderation: Moderation,
    people: dict[str, Person],
) -> Change:
    """Apply the harvest to the record (and to ``people``) in place; say what changed."""
    change = Change()
    seen = {p.id: p for p in harvest.people}  # what the network says of them now comes first
    for person in harvest.people:
        if not moderation.refuses(person, person.id):
            people[person.id] = person
    stored = {x.id: x for x in record.interactions}
    for gone in harvest.gone:
        if stored.pop(gone, None) is not None:
            change.removed += 1
    for x in harvest.interactions:
        if x.id in harvest.gone or x.id in moderation.hidden:
            continue
        if moderation.refuses(seen.get(x.author) or people.get(x.author), x.author):
            continue
        old = stored.get(x.id)
        if old is None:
            stored[x.id] = x
            change.added += 1
        elif any(getattr(old, f) != getattr(x, f) for f in _MEANINGFUL):
            stored[x.id] = x
            change.updated += 1
    record.interactions = list(stored.values())
    for copy in record.syndications:
        tallies = harvest.tallies.get((copy.network, copy.id))
        tallies = None if tallies is None else {k: n for k, n in tallies.items() if n}
        if tallies is not None and tallies != copy.tallies:
            copy.tallies = tallies
            change.counted += 1
    return change


def forget(record: PostRecord, person_id: str) -> int:
    """Remove everything by this person from the record; how many interactions went."""
    before = len(record.interactions)
    record.interactions = [x for x in record.interactions if x.author != person_id]
    return before - len(record.interactions)
