"""The author's audience: everyone who interacted, one entry per person across networks.

Pure: reads the records folder only (people, posts, moderation, ``identities.json``); no
network, no secrets; safe to import from the build. The contract other parts build on is
``/work/notes/directory-contract.md`` (issue 12): :class:`Someone`, :class:`Directory`,
:func:`load_directory`.

A person is one account, plus every account an active merge in ``identities.json`` joins to it
(:mod:`roost.audience.identities` says which evidence counts). Their id is the id of the account
they were first known by (``person:`` + 12 hex); an account merged in brings its own former id
along, so that id still finds them (an alias).

Moderation wins: a person any of whose accounts the author blocked or forgot, or who opted out
on any network, is left out with all their accounts (the evidence says they are one person, so
the decision is about the person); an account refused only through a domain block is left out on
its own. Hidden interactions are not counted. The author's own accounts are not people here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..model import RecordError
from ..people import Moderation, Person, person_fingerprint
from ..record_fields import parse_time
from ..store import Store
from .identities import Identities, Merge, person_id

IDENTITIES = "identities.json"


@dataclass
class Someone:
    id: str  # stable person id, "person:" + 12 hex; never changes once given
    name: str  # best display name among their accounts ("" if none)
    accounts: list[Person]  # each network account
    websites: list[str]  # their own sites, as verified (may be empty)
    first: datetime | None  # first interaction
    last: datetime | None  # last interaction
    counts: dict[tuple[str, str], int]  # (kind, network) -> number; kinds as model.KINDS
    posts: set[str]  # keys of the posts they interacted with
    merges: list[Merge] = field(default_factory=list)  # why these accounts are one person
    aliases: list[str] = field(default_factory=list)  # older person ids that name them too

    @property
    def engagement(self) -> tuple[int, int]:
        """(posts they came to, all interactions): who comes back post after post first."""
        return len(self.posts), sum(self.counts.values())

    @property
    def interactions(self) -> int:
        return sum(self.counts.values())


@dataclass
class Directory:
    people: list[Someone]  # moderation applied; most engaged first
    _index: dict[str, Someone] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for someone in self.people:
            self._index.setdefault(someone.id, someone)
        for someone in self.people:
            for ref in [*someone.aliases, *(a.id for a in someone.accounts)]:
                self._index.setdefault(ref, someone)

    def find(self, ref: str) -> Someone | None:
        """A person id, an older merged-away id, or an account id."""
        return self._index.get(ref.strip())


def read_identities(social: Path) -> Identities:
    """``identities.json``, or an empty one; :class:`RecordError` naming the file if malformed."""
    path = Path(social) / IDENTITIES
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Identities()
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RecordError(f"not a JSON file ({e})", str(path)) from None
    try:
        return Identities.from_dict(data)
    except RecordError as e:
        raise e.at(str(path)) from None


def groups(accounts: Iterable[str], identities: Identities) -> dict[str, list[str]]:
    """Person id -> the account ids that are that person, in the order they joined. Merges are
    applied in the order they were recorded; the first account of each merge keeps its id."""
    known = set(accounts)
    members: dict[str, list[str]] = {a: [a] for a in sorted(known)}  # root account -> members
    root: dict[str, str] = {a: a for a in known}
    for merge in identities.active():
        a, b = merge.accounts
        if a not in known or b not in known or identities.kept_apart(a, b):
            continue
        ra, rb = root[a], root[b]
        if ra == rb:
            continue
        for acc in members[rb]:
            root[acc] = ra
        members[ra].extend(members.pop(rb))
    return {person_id(r): accs for r, accs in members.items()}


def load_directory(social: Path) -> Directory:
    """Everyone in the records folder ``social``, one entry per person, most engaged first."""
    store = Store(social)
    people = store.read_people()
    moderation = store.read_moderation()
    identities = read_identities(Path(social))
    hidden = set(moderation.hidden)
    said: dict[str, list[tuple[str, str, str, str]]] = {}  # account -> (post, kind, net, time)
    for key in store.post_keys():
        for x in store.read_post(key).interactions:
            if x.id not in hidden:
                said.setdefault(x.author, []).append((key, x.kind, x.network, x.published))
    everyone = set(people) | set(said)
    identities.merges = [*_renamed(people), *identities.merges]
    out = []
    for pid, account_ids in groups(everyone, identities).items():
        someone = _someone(pid, account_ids, people, said, moderation, identities)
        if someone is not None:
            out.append(someone)
    out.sort(key=lambda s: (-s.engagement[0], -s.engagement[1], _newest_first(s.last), s.id))
    return Directory(out)


def _renamed(people: dict[str, Person]) -> list[Merge]:
    """Webmention authors were once known by their host alone (``webmention:medium.com``); such
    a record whose author address is now an account of its own (``webmention:medium.com/@a``)
    is that account under its older id, so the old id still finds them."""
    out = []
    for p in people.values():
        rest = p.id.removeprefix("webmention:")
        if p.network != "webmention" or "/" in rest or not p.url:
            continue
        parts = urlsplit(p.url)
        path = parts.path.rstrip("/")
        newer = f"webmention:{rest}{path}"
        if path and (parts.hostname or "").removeprefix("www.") == rest and newer in people:
            note = "the same author address, known by its host before"
            out.append(Merge((newer, p.id), "renamed", "2026-12-01T00:00:00Z", [p.url], note=note))
    return out


def _someone(pid, account_ids, people, said, moderation: Moderation, identities) -> Someone | None:
    accounts = [people.get(a) or _unknown(a) for a in account_ids]
    if any(_refuses_person(p, moderation) or p.is_author for p in accounts):
        return None
    accounts = [p for p in accounts if not moderation.refuses(p, p.id)]
    if not accounts:
        return None
    ids = {p.id for p in accounts}
    counts: dict[tuple[str, str], int] = {}
    posts: set[str] = set()
    times = []
    for p in accounts:
        for key, kind, network, when in said.get(p.id, []):
            counts[(kind, network)] = counts.get((kind, network), 0) + 1
            posts.add(key)
            times.append(when)
    merges = [m for m in identities.active() if set(m.accounts) <= ids]
    return Someone(
        id=pid,
        name=_best_name(accounts),
        accounts=accounts,
        websites=websites(accounts, merges),
        first=parse_time(min(times)) if times else None,
        last=parse_time(max(times)) if times else None,
        counts=counts,
        posts=posts,
        merges=merges,
        aliases=sorted(person_id(p.id) for p in accounts if person_id(p.id) != pid),
    )


def _refuses_person(p: Person, moderation: Moderation) -> bool:
    """A decision about the person, not their server: blocked or forgotten account, opted out."""
    return (
        p.opted_out
        or p.id in moderation.blocked_accounts
        or person_fingerprint(p.id) in moderation.forgotten
    )


def _unknown(account_id: str) -> Person:
    """An author of interactions with no people entry (a hand-edited file): known by id only."""
    return Person(account_id, account_id.split(":", 1)[0])


def _best_name(accounts: list[Person]) -> str:
    """The name they gave most often; a name that is only their handle or host counts last."""
    names = [p.name.strip() for p in accounts if p.name.strip()]
    real = [n for n, p in zip(names, accounts, strict=False) if n not in (p.handle, p.domain)]
    pool = real or names
    return max(pool, key=pool.count) if pool else ""


def websites(accounts: list[Person], merges: list[Merge]) -> list[str]:
    """Their own sites as verified: the sites their Webmentions came from (webmention.io read the
    page there), and the sites evidence joined their accounts through."""
    from ..people import network_accounts

    found = []
    for p in accounts:
        if p.network == "webmention" and p.url and not network_accounts(p.url):
            found.append(p.url)
    for m in merges:
        if m.kind in ("rel-me", "same-website"):
            found.extend(u for u in m.urls if not _is_profile(u, accounts))
    return sorted(set(found))


def _is_profile(url: str, accounts: list[Person]) -> bool:
    return any(url == p.url for p in accounts if p.network != "webmention")


def _newest_first(when: datetime | None) -> float:
    return -when.timestamp() if when else 0.0
