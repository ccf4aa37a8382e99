"""``roost people merge`` and ``split``: the author's own word on who is whom, recorded in
``identities.json`` beside the evidence, so each can be read back, audited and undone.

A merge joins two people (each named by a person id, an older id, or an account id): a
:class:`~roost.audience.identities.Merge` of kind ``author`` between an account of each, the
first keeping its person id. A split takes one account out of its person: every merge that names
it and another account of that person is marked undone (with the date), and the pair is kept
apart so that ``roost people verify`` does not join them again. Nothing is deleted: merging again
after a split works, and lifts the split for that pair.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..audience.directory import load_directory, read_identities
from ..audience.identities import Apart, Merge
from ..model import format_time
from ..store import Store
from .people_records import write_identities


class NotFound(ValueError):
    """A person or account the records do not know (or moderation leaves out)."""


def merge(store: Store, first: str, second: str, note: str = "", now=None) -> Merge:
    """Record that ``second`` is the same person as ``first``; the merge made."""
    stamp = format_time(now or datetime.now(UTC))
    directory = load_directory(store.root)
    a, b = directory.find(first), directory.find(second)
    for ref, found in ((first, a), (second, b)):
        if found is None:
            raise NotFound(f"nobody known as {ref!r} (see `roost people`)")
    if a is b:
        raise NotFound(f"{first!r} and {second!r} are already one person ({a.id})")
    accounts_a, accounts_b = {p.id for p in a.accounts}, {p.id for p in b.accounts}
    made = Merge((a.accounts[0].id, b.accounts[0].id), "author", stamp, note=note)
    with store.lock():
        identities = read_identities(store.root)
        identities.apart = [
            x
            for x in identities.apart
            if not (set(x.accounts) & accounts_a and set(x.accounts) & accounts_b)
        ]
        identities.merges.append(made)
        write_identities(store, identities)
    return made


def split(store: Store, account: str, now=None) -> list[Merge]:
    """Take ``account`` out of its person; the merges undone."""
    stamp = format_time(now or datetime.now(UTC))
    someone = load_directory(store.root).find(account)
    ids = [p.id for p in someone.accounts] if someone else []
    if someone and account not in ids and len(ids) == 1:
        raise NotFound(f"{account!r} has one account ({ids[0]}): there is nothing to split")
    if someone and account not in ids:  # a person's id: which of its accounts to take out
        raise NotFound(f"{account!r} is a person; split takes one of their accounts: "
                       f"{', '.join(ids)}")  # fmt: skip
    if account not in ids:
        raise NotFound(f"no account {account!r} (an account id, e.g. mastodon:bob@birds.example)")
    if len(ids) == 1:
        raise NotFound(f"{account!r} is a person of its own already ({someone.id})")
    others = [i for i in ids if i != account]
    undone = []
    with store.lock():
        identities = read_identities(store.root)
        for m in identities.active():
            if account in m.accounts and set(m.accounts) - {account} <= set(others):
                m.undone, m.note = stamp, (m.note + " " if m.note else "") + "split by the author"
                undone.append(m)
        for other in others:
            if not identities.kept_apart(account, other):
                identities.apart.append(Apart((other, account), stamp))
        write_identities(store, identities)
    return undone
