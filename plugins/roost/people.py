"""The people in the records: who interacted (:class:`Person`, one file per network), and the
author's decisions about them (:class:`Moderation`). Like ``model.py``, nothing here does I/O,
and ``from_dict`` is where a file is validated, with errors naming the key.

A person is known by ``<network>:<a stable name there>``. :func:`network_accounts` reads the
network account a profile address names, so a decision about someone on their network holds
when they arrive another way (a Webmention through Bridgy).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .model import FORMAT, check_format
from .record_fields import _MEDIA_PATH_RE, RecordError, _dict, _list, _network, _str, _url


def person_fingerprint(person_id: str) -> str:
    """What `forget` keeps of a person: enough to refuse them again, nothing to identify them."""
    return "sha256:" + hashlib.sha256(person_id.encode("utf-8")).hexdigest()


@dataclass
class Person:
    """Someone who interacted. ``id`` is ``<network>:<stable handle or DID>``."""

    id: str
    network: str
    name: str = ""
    handle: str = ""
    url: str | None = None
    avatar: str | None = None  # mirrored media path, never a remote URL
    avatar_source: str | None = None  # where the avatar was mirrored from; never rendered
    opted_out: bool = False  # their profile asked not to be archived (#nobot, #nobridge)
    is_author: bool = False  # one of the blog author's own accounts
    ref: str | None = None  # the network's own id of the account, to look its profile up again
    # The https sites their profile links (Mastodon's profile fields): claims only, until
    # ``roost people verify`` finds the site linking back (audience/identities.py).
    links: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Person:
        d = _dict(d, where)
        network = _network(d, where)
        pid = _str(d, "id", where)
        if not pid.startswith(network + ":"):
            raise RecordError(f"{where}id {pid!r} must start with '{network}:'")
        avatar = _str(d, "avatar", where, required=False)
        if avatar is not None and not _MEDIA_PATH_RE.fullmatch(avatar):
            raise RecordError(f"{where}avatar {avatar!r} is not a mirrored media path")
        opted_out = d.get("opted_out", False)
        if not isinstance(opted_out, bool):
            raise RecordError(f"{where}opted_out must be true or false")
        return cls(
            id=pid,
            network=network,
            name=_str(d, "name", where, required=False, default=""),
            handle=_str(d, "handle", where, required=False, default=""),
            url=_url(d, "url", where),
            avatar=avatar,
            avatar_source=_url(d, "avatar_source", where),
            opted_out=opted_out,
            is_author=d.get("is_author", False) is True,
            ref=_str(d, "ref", where, required=False),
            links=_links(d, where),
        )

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            "id": self.id,
            "network": self.network,
            "name": self.name,
            "handle": self.handle,
            "url": self.url,
            "avatar": self.avatar,
        }
        if self.avatar_source:
            d["avatar_source"] = self.avatar_source
        if self.opted_out:
            d["opted_out"] = True
        if self.is_author:
            d["is_author"] = True
        if self.ref:
            d["ref"] = self.ref
        if self.links:
            d["links"] = list(self.links)
        return d

    @property
    def domain(self) -> str:
        """The person's home domain, for domain blocks: the server of a ``user@server`` handle,
        a Bluesky handle (a domain name itself), else the host of their address, else what
        their id names."""
        from urllib.parse import urlsplit

        handle = self.handle.lstrip("@")
        if handle.count("@") == 1 and "/" not in handle:
            return handle.rsplit("@", 1)[1].lower()
        if self.network == "bluesky" and handle and "/" not in handle:
            return handle.lower()
        if self.url:
            return (urlsplit(self.url).hostname or "").lower()
        rest = self.id.split(":", 1)[-1]  # "mastodon:user@domain", "webmention:blog.example"
        if "@" in rest and "/" not in rest:
            return rest.rsplit("@", 1)[1].lower()
        return rest.split("/")[0].lower() if self.network == "webmention" else ""


#: The most site links a person record keeps (Mastodon allows 4 fields, some servers more).
MAX_LINKS = 8


def _links(d: dict, where: str) -> list[str]:
    links = _list(d, "links", where)
    for i, link in enumerate(links):
        if not isinstance(link, str) or not link.startswith("https://") or len(link) > 500:
            raise RecordError(f"{where}links[{i}] must be an https address")
    return list(links[:MAX_LINKS])


@dataclass
class Moderation:
    """The author's decisions: blocked accounts and domains, hidden interactions, forgotten
    people."""

    blocked_accounts: list[str] = field(default_factory=list)  # Person ids
    blocked_domains: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # Interaction ids
    forgotten: list[str] = field(default_factory=list)  # person_fingerprint() values

    @classmethod
    def from_dict(cls, d: Any) -> Moderation:
        d = _dict(d, "")
        check_format(d)
        out = cls()
        for name in ("blocked_accounts", "blocked_domains", "hidden", "forgotten"):
            items = _list(d, name, "")
            for i, v in enumerate(items):
                if not isinstance(v, str):
                    raise RecordError(f"{name}[{i}] must be a string")
            setattr(out, name, list(items))
        out.blocked_domains = [x.lower().lstrip(".") for x in out.blocked_domains]
        return out

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "blocked_accounts": sorted(set(self.blocked_accounts)),
            "blocked_domains": sorted(set(self.blocked_domains)),
            "hidden": sorted(set(self.hidden)),
            "forgotten": sorted(set(self.forgotten)),
        }

    def refuses(self, person: Person | None, person_id: str) -> bool:
        """True when nothing by this person may be stored or shown: blocked (their account or
        their domain), forgotten, or opted out. Someone who arrived from the web as a network
        account (through Bridgy) is refused as that account would be."""
        if person_id in self.blocked_accounts:
            return True
        if person_fingerprint(person_id) in self.forgotten:
            return True
        if person is None:
            return False
        if person.opted_out:
            return True
        domain = person.domain
        if any(domain == d or domain.endswith("." + d) for d in self.blocked_domains):
            return True
        if person.network == "webmention" and person.url:
            return any(self.refuses(a, a.id) for a in network_accounts(person.url))
        return False


def network_accounts(url: str | None) -> list[Person]:
    """The network accounts a profile address names (``https://birds.example/@bob`` is
    ``mastodon:bob@birds.example``; ``https://bsky.app/profile/<DID or handle>`` a Bluesky
    account), so that what the author decided about them holds when they come through Bridgy."""
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return []
    if not host or not url.startswith(("https://", "http://")):
        return []
    path = urlsplit(url).path.rstrip("/")
    found = []
    mastodon = re.fullmatch(r"/(?:@|users/)([A-Za-z0-9_.-]+)", path)
    if mastodon:
        user = mastodon.group(1)
        found.append(Person(f"mastodon:{user}@{host}", "mastodon", handle=f"@{user}@{host}"))
    bluesky = re.fullmatch(r"/profile/([A-Za-z0-9:._-]+)", path)
    if bluesky and host in ("bsky.app", "staging.bsky.app"):
        who = bluesky.group(1)
        handle = "" if who.startswith("did:") else "@" + who
        found.append(Person(f"bluesky:{who}", "bluesky", handle=handle))
    return found


def people_file(data: object, network: str) -> dict[str, Person]:
    """The people of one network's file (``people/<network>.json``), checked, by id."""
    if not isinstance(data, dict):
        raise RecordError("the file must be an object")
    check_format(data)
    if data.get("network") != network:
        raise RecordError(f"network is {data.get('network')!r} but the file name says {network!r}")
    people = data.get("people", [])
    if not isinstance(people, list):
        raise RecordError("people must be a list")
    out: dict[str, Person] = {}
    for i, p in enumerate(people):
        person = Person.from_dict(p, f"people[{i}].")
        if person.network != network:
            raise RecordError(f"people[{i}].network must be {network!r}")
        if person.id in out:
            raise RecordError(f"people[{i}].id {person.id!r} appears twice")
        out[person.id] = person
    return out
