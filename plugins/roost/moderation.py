"""The author's moderation decisions, applied to what is stored: one place, used wherever records
are written (``roost hide``/``block``/``forget``, the backfeed, ``invoke push-records`` after it
merged another run's records) and checked by ``roost check``.

A moderation decision wins everywhere:

* **hidden** interactions stay in the records (the author may change their mind) and are never
  shown nor stored again (``archive.merge``, ``views``);
* **blocked** accounts and domains, **forgotten** people and people who **opted out** (their
  profile says ``#nobot`` or ``#nobridge``, Mastodon's ``noindex``, Bluesky's
  ``!no-unauthenticated``) keep nothing: their interactions and their people entry are removed
  from every record, and the pictures only they used are deleted from the records' media.

Nothing here fetches anything; every function that writes needs ``Store.lock`` held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Moderation, Person, RecordError, person_fingerprint
from .store import Store


@dataclass
class Applied:
    interactions: int = 0  # removed
    people: int = 0  # removed
    files: list[str] = field(default_factory=list)  # media deleted, as the author would type them


def author_of(people: dict[str, Person], person_id: str) -> Person:
    """The stored person, or one made from the id alone, so that a domain block still applies
    to someone whose people entry is missing (``mastodon:bob@spam.example``)."""
    found = people.get(person_id)
    if found is not None:
        return found
    return Person(id=person_id, network=person_id.split(":", 1)[0])


def refused(moderation: Moderation, people: dict[str, Person], person_id: str) -> bool:
    return moderation.refuses(author_of(people, person_id), person_id)


def apply(store: Store, also_refuse: set[str] = frozenset()) -> Applied:
    """Remove from every record what the moderation file refuses, and the people in
    ``also_refuse`` (those found to have opted out); delete the media files no one kept uses.
    Call with the store locked. A record that cannot be read is left as it is."""
    moderation = store.read_moderation()
    people = store.read_people()
    done = Applied()
    gone = {pid for pid, p in people.items() if pid in also_refuse or moderation.refuses(p, pid)}
    gone |= set(also_refuse)
    used_before, used_after, unreadable = set(), set(), False
    for key in store.post_keys():
        try:
            record = store.read_post(key)
        except RecordError:
            unreadable = True  # roost check names it; nothing is written over it
            continue
        media = {m.path for x in record.interactions for m in x.media if m.path}
        used_before |= media
        kept = [
            x
            for x in record.interactions
            if x.author not in gone and not refused(moderation, people, x.author)
        ]
        if len(kept) != len(record.interactions):
            done.interactions += len(record.interactions) - len(kept)
            record.interactions = kept
            store.write_post(record)
        used_after |= {m.path for x in kept for m in x.media if m.path}
    networks = {people[pid].network for pid in gone if pid in people}
    used_before |= {p.avatar for p in people.values() if p.avatar}
    for pid in gone:
        if people.pop(pid, None) is not None:
            done.people += 1
    used_after |= {p.avatar for p in people.values() if p.avatar}
    for network in sorted(networks):
        store.write_people(network, people)
    # A file an unreadable record might still show is kept until that record is mended.
    for rel in sorted(used_before - used_after if not unreadable else ()):
        path = store.media_file(rel)
        if path.is_file():
            path.unlink()
            done.files.append(store.display(path))
    return done


def hide(store: Store, interaction_id: str) -> None:
    with store.lock():
        moderation = store.read_moderation()
        moderation.hidden.append(interaction_id)
        store.write_moderation(moderation)


def block(store: Store, target: str) -> Applied:
    """Block an account (a person id, ``mastodon:bob@b.example``) or a domain, and remove what
    is already stored of them."""
    with store.lock():
        moderation = store.read_moderation()
        if ":" in target:
            moderation.blocked_accounts.append(target)
        else:
            moderation.blocked_domains.append(target.lower().lstrip("."))
        store.write_moderation(moderation)
        return apply(store)


def forget(store: Store, person_id: str) -> Applied | None:
    """Remove everything of a person and keep only a fingerprint to refuse them again; None
    when the records know nobody by that id."""
    with store.lock():
        known = person_id in store.read_people() or any(
            x.author == person_id
            for key in store.post_keys()
            for x in _readable(store, key).interactions
        )
        if not known:
            return None
        moderation = store.read_moderation()
        moderation.forgotten.append(person_fingerprint(person_id))
        store.write_moderation(moderation)
        return apply(store, {person_id})


def problems(store: Store) -> list[str]:
    """What the records hold that the moderation refuses, or that points at a missing picture:
    one line each, for ``roost check``."""
    try:
        moderation = store.read_moderation()
        people = store.read_people()
    except RecordError:
        return []  # already reported as unreadable
    found = []
    for pid, person in sorted(people.items()):
        where = store.display(store.people_path(person.network))
        if moderation.refuses(person, pid):
            found.append(f"{where}: {pid} is refused by the moderation; run `roost moderate`")
        if person.avatar and not store.media_file(person.avatar).is_file():
            found.append(f"{where}: the avatar of {pid} ({person.avatar}) is missing")
    for key in store.post_keys():
        try:
            record = store.read_post(key)
        except RecordError:
            continue
        where = store.display(store.post_path(key))
        for i, x in enumerate(record.interactions):
            if refused(moderation, people, x.author):
                found.append(
                    f"{where}: interactions[{i}] is by {x.author}, whom the moderation refuses; "
                    "run `roost moderate`"
                )
            for m in x.media:
                if m.path and not store.media_file(m.path).is_file():
                    found.append(f"{where}: interactions[{i}] shows {m.path}, which is missing")
    return found


def _readable(store: Store, key: str):
    try:
        return store.read_post(key)
    except RecordError:
        from .model import PostRecord

        return PostRecord(key=key)
