"""Networks the records still name that the settings no longer configure: "gone" networks.

A network dies (Google+), or the author leaves it and takes it out of ``ROOST_NETWORKS``. What
was archived from it stays in the records and keeps rendering; what changes is that Roost no
longer follows it, so a reader must not be sent there to reply (a reply there would never reach
the blog), ``roost status`` says what was kept, and the commands leave it alone.

A network is gone when all three hold:

* Roost has an adapter for it (a network Roost never reached, say copies on X written by hand,
  was never followed, so nothing about it changed);
* the settings set the setting that configures it (``ROOST_NETWORKS``, or a feed's own setting
  such as ``ROOST_WEBMENTION_IO``), with a valid value, and that value does not name it. A
  settings file that does not set it at all (``pelicanconf.py``, for writing) says nothing about
  which networks are live, so nothing is gone there; an author leaving their last network writes
  ``ROOST_NETWORKS = {}``;
* the records name it (a copy, an interaction or a person).

Pure, and imported by the build: no I/O here but reading the records through the Store, no
network code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .registry import NETWORKS, with_adapters
from .settings import BY_NAME


def configured_networks(settings: dict) -> set[str] | None:
    """The networks the settings configure, or None when they do not say (a settings file that
    sets none of the settings that configure a network, or sets one to a value Roost rejects:
    a typo must not make every network look gone)."""
    said, found = False, set()
    for name in with_adapters():
        key = NETWORKS[name].configured_in
        if key not in settings:
            continue
        value = settings[key]
        if BY_NAME[key].check(value) is not None:
            return None
        said = True
        if (key == "ROOST_NETWORKS" and name in value) or (
            key != "ROOST_NETWORKS" and value is not None
        ):
            found.add(name)
    return found if said else None


def gone_networks(settings: dict, named: Iterable[str]) -> list[str]:
    """Of the networks the records name, those the settings no longer configure, sorted."""
    live = configured_networks(settings)
    if live is None:
        return []
    reachable = set(with_adapters())
    out = set()
    for network in set(named) & reachable:
        key = NETWORKS[network].configured_in
        if key in settings and network not in live:
            out.add(network)
    return sorted(out)


@dataclass
class Kept:
    """What the records keep from one network: interactions by kind, people, avatars at home."""

    network: str
    kinds: Counter = field(default_factory=Counter)
    people: int = 0
    avatars: int = 0

    def to_dict(self) -> dict:
        # Replies, likes and reposts always (a zero says "none were kept"); other kinds if any.
        kinds = {k: self.kinds[k] for k in ("reply", "like", "repost")}
        kinds |= {k: n for k, n in sorted(self.kinds.items()) if n and k not in kinds}
        return {"network": self.network, **kinds, "people": self.people, "avatars": self.avatars}


def kept_from(store, networks: Iterable[str], records, people: dict) -> dict[str, Kept]:
    """What ``records`` (PostRecords, already read) and ``people`` (the people files, read)
    keep from each network; an avatar counts when its mirrored file is in the records folder."""
    kept = {n: Kept(n) for n in networks}
    for record in records:
        for x in record.interactions:
            if x.network in kept:
                kept[x.network].kinds[x.kind] += 1
    for person in people.values():
        k = kept.get(person.network)
        if k is None or person.is_author:
            continue
        k.people += 1
        if person.avatar and store.media_file(person.avatar).is_file():
            k.avatars += 1
    return kept
