"""``social/watch.json``: what the account watch found on the author's accounts, and what the
author said about it (``docs/watch.md``; the folder is ``docs/records.md``'s). Pure: ``Store``
reads and writes it.

Per network, three lists, each sorted and keyed by the network's id of the post:

* ``unknown``: posts on the account that Roost did not send, as first seen (address, when the
  network saw it, kind, the first words of its text, sanitised);
* ``ok``: posts the author marked as theirs (``roost watch ok``), never listed again;
* ``deleted``: copies Roost itself took down (``roost unsyndicate``), so a network still showing
  one for a moment is not taken for a stranger's post.

Where the watch stopped on each account (its mark) is a cursor like the backfeed's, in
``cursors.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import FORMAT, check_format
from .record_fields import RecordError, _dict, _list, _str, _time

TEXT_KEPT = 140  # characters of a post's text kept: enough to recognise it


@dataclass
class Seen:
    """A post on the account that Roost did not send."""

    id: str
    url: str
    published: str
    kind: str
    text: str = ""

    @classmethod
    def from_dict(cls, d, where: str) -> Seen:
        d = _dict(d, where)
        return cls(
            id=_str(d, "id", where),
            url=_str(d, "url", where, required=False, default=""),
            published=_time(d, "published", where),
            kind=_str(d, "kind", where, required=False, default="post"),
            text=_str(d, "text", where, required=False, default=""),
        )

    def to_dict(self) -> dict:
        return {"id": self.id, "url": self.url, "published": self.published, "kind": self.kind,
                "text": self.text}  # fmt: skip


@dataclass
class Mine:
    """A post the author marked as theirs, and when."""

    id: str
    url: str
    marked: str

    @classmethod
    def from_dict(cls, d, where: str) -> Mine:
        d = _dict(d, where)
        return cls(
            id=_str(d, "id", where),
            url=_str(d, "url", where, required=False, default=""),
            marked=_time(d, "marked", where),
        )

    def to_dict(self) -> dict:
        return {"id": self.id, "url": self.url, "marked": self.marked}


@dataclass
class Account:
    unknown: list[Seen] = field(default_factory=list)
    ok: list[Mine] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def decided(self) -> set[str]:
        """Every id this file already says something about."""
        return {x.id for x in self.unknown} | {x.id for x in self.ok} | set(self.deleted)


@dataclass
class WatchFile:
    networks: dict[str, Account] = field(default_factory=dict)

    def account(self, network: str) -> Account:
        return self.networks.setdefault(network, Account())

    @classmethod
    def from_dict(cls, d) -> WatchFile:
        d = _dict(d, "")
        check_format(d)
        networks = _dict(d.get("networks", {}), "networks.")
        out = cls()
        for name, entry in networks.items():
            where = f"networks.{name}."
            entry = _dict(entry, where)
            deleted = _list(entry, "deleted", where)
            if not all(isinstance(x, str) for x in deleted):
                raise RecordError(f"{where}deleted must be a list of ids (text)")
            out.networks[str(name)] = Account(
                unknown=[
                    Seen.from_dict(x, f"{where}unknown[{i}].")
                    for i, x in enumerate(_list(entry, "unknown", where))
                ],
                ok=[
                    Mine.from_dict(x, f"{where}ok[{i}].")
                    for i, x in enumerate(_list(entry, "ok", where))
                ],
                deleted=list(deleted),
            )
        return out

    def to_dict(self) -> dict:
        networks = {}
        for name, a in sorted(self.networks.items()):
            if not (a.unknown or a.ok or a.deleted):
                continue
            networks[name] = {
                "unknown": [x.to_dict() for x in sorted(_by_id(a.unknown).values(), key=_when)],
                "ok": [x.to_dict() for x in sorted(_by_id(a.ok).values(), key=lambda x: x.id)],
                "deleted": sorted(set(a.deleted)),
            }
        return {"format": FORMAT, "networks": networks}


def _by_id(items: list) -> dict:
    return {x.id: x for x in items}  # the last of one id wins: a list never holds it twice


def _when(x: Seen) -> tuple[str, str]:
    return x.published, x.id
