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

from ..model import RecordError
from ..people import Moderation, Person, person_fingerprint
from ..store import Store


@dataclass
class Applied:
    interactions: int = 0  # removed
    people: int = 0  # removed
    files: list[str] = field(default_factory=list)  # media deleted, as the author would type them
    gone: list = field(default_factory=list)  # the removed interactions and people themselves
    unreadable: list[str] = field(default_factory=list)  # record files left as they were


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
        except RecordError as e:
            unreadable = True  # roost check names it; nothing is written over it
            done.unreadable.append(str(e))
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
            done.gone += [x for x in record.interactions if x not in kept]
            record.interactions = kept
            store.write_post(record)
        used_after |= {m.path for x in kept for m in x.media if m.path}
    networks = {people[pid].network for pid in gone if pid in people}
    used_before |= {p.avatar for p in people.values() if p.avatar}
    for pid in gone:
        person = people.pop(pid, None)
        if person is not None:
            done.people += 1
            done.gone.append(person)
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


def block_target(target: str) -> tuple[str, str]:
    """("account", person id) or ("domain", domain) for what the author typed: a person id
    (``mastodon:bob@birds.example``), a handle as the networks show it (``@bob@birds.example``,
    ``@alice.bsky.social``), a profile address, or a domain. ValueError naming the forms
    otherwise: a block that matches nobody must not be stored as if it worked."""
    import re

    from ..registry import NETWORKS

    text = target.strip()
    network, _, rest = text.partition(":")
    if network in NETWORKS and rest and not rest.startswith("//"):
        return "account", text
    if text.startswith(("https://", "http://")):
        from ..people import network_accounts

        found = network_accounts(text)
        if found:
            return "account", found[0].id
    handle = re.fullmatch(r"@([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})", text)
    if handle:
        return "account", f"mastodon:{handle.group(1)}@{handle.group(2).lower()}"
    domain = text.removeprefix("@").lower().lstrip(".")
    if re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", domain):
        return "domain", domain
    raise ValueError(
        f"{target!r} is neither an account (mastodon:bob@birds.example, @bob@birds.example, "
        "bluesky:did:plc:..., @alice.bsky.social, a profile address) nor a domain "
        "(spam.example)"
    )


def block(store: Store, target: str) -> Applied:
    """Block an account or a domain (as ``block_target`` reads it), and remove what is already
    stored of them."""
    kind, value = block_target(target)
    with store.lock():
        moderation = store.read_moderation()
        if kind == "account":
            moderation.blocked_accounts.append(value)
        else:
            moderation.blocked_domains.append(value)
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
        from .people_records import forget_account

        forget_account(store, person_id)  # their merges and checks name them too
        return apply(store, {person_id})


def purge_lines(done: Applied, person_id: str) -> list[str]:
    """``git filter-repo --replace-text`` lines that take what ``forget`` removed out of the
    repository's history too: the person's id, handle, name and addresses, and each of their
    interactions' id, address and words as the record files held them (JSON-escaped, as they
    are in the files). Earlier versions of their words, edited since, are not known here."""
    import json

    from ..model import Interaction
    from ..people import Person

    strings = {person_id}
    for item in done.gone:
        if isinstance(item, Person):
            strings |= {item.handle, item.url or "", item.avatar_source or "", *item.links}
            strings |= {item.name} if len(item.name) >= 4 else set()  # "Bo" is in every file
        elif isinstance(item, Interaction):
            strings |= {item.id, item.url or ""}
            strings |= {m.source or "" for m in item.media}
            if item.content:
                strings.add(json.dumps(item.content, ensure_ascii=False)[1:-1])
    lines = []
    for text in sorted(s for s in strings if s and "\n" not in s):
        lines.append(f"literal:{text}==>[forgotten]")
    return lines


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
        from ..model import PostRecord

        return PostRecord(key=key)
