"""Which accounts are one person, and why: the records file ``social/identities.json``.

Pure (no I/O; :mod:`roost.audience.identity_store` reads and writes the file). Every link
between two accounts is a :class:`Merge` that says why it was made (``kind``: the evidence, the
addresses it was read from, the date it was checked). A merge is never deleted: ``split`` marks
it undone (with the date), and records the two accounts as :class:`Apart`, so the evidence that
joined them does not join them again. The file is the audit trail; ``git log`` on it is the
history.

Kinds of evidence (``docs/design-notes/people.md`` says how each is checked):

* ``rel-me``: the account's profile links a site, and the site links back to that profile with
  ``rel="me"``, both read by Roost;
* ``bluesky-domain``: a Bluesky handle that is a domain, whose
  ``https://<handle>/.well-known/atproto-did`` names the account's DID;
* ``same-website``: two accounts each verified (``rel-me`` or ``bluesky-domain``) to the same
  website, or a Webmention author whose site is that website;
* ``author``: the blog's author said so (``roost people merge A B``);
* ``renamed``: never written, made by the directory as it reads: an account Roost once knew by
  an older id (a Webmention author known by their host alone) and now by their own address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..model import FORMAT, check_format
from ..record_fields import RecordError, _dict, _list, _str, _time

EVIDENCE_KINDS = ("rel-me", "bluesky-domain", "same-website", "author", "renamed")


def person_id(account_id: str) -> str:
    """The id a person gets from the first account they were known by; it never changes."""
    return "person:" + hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:12]


@dataclass
class Merge:
    """``accounts[1]`` is the same person as ``accounts[0]`` (whose person id is kept)."""

    accounts: tuple[str, str]
    kind: str
    made: str  # when the merge was recorded
    urls: list[str] = field(default_factory=list)  # where the evidence was read
    checked: str | None = None  # when the evidence was last read (None for the author's word)
    note: str = ""
    undone: str | None = None  # when it was split again

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Merge:
        d = _dict(d, where)
        accounts = _pair(d, where)
        kind = _str(d, "kind", where)
        if kind not in EVIDENCE_KINDS:
            raise RecordError(f"{where}kind {kind!r} is not one of {', '.join(EVIDENCE_KINDS)}")
        urls = _list(d, "urls", where)
        if not all(isinstance(u, str) and u.startswith(("https://", "http://")) for u in urls):
            raise RecordError(f"{where}urls must be http(s) addresses")
        return cls(
            accounts=accounts,
            kind=kind,
            made=_time(d, "made", where),
            urls=list(urls),
            checked=_time(d, "checked", where, required=False),
            note=_str(d, "note", where, required=False, default=""),
            undone=_time(d, "undone", where, required=False),
        )

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            "accounts": list(self.accounts),
            "kind": self.kind,
            "urls": self.urls,
            "checked": self.checked,
            "made": self.made,
        }
        if self.note:
            d["note"] = self.note
        if self.undone:
            d["undone"] = self.undone
        return d


@dataclass
class Apart:
    """The author said these two accounts are different people (``roost people split``)."""

    accounts: tuple[str, str]
    made: str

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Apart:
        d = _dict(d, where)
        return cls(_pair(d, where), _time(d, "made", where))

    def to_dict(self) -> dict:
        return {"accounts": list(self.accounts), "made": self.made}


@dataclass
class Identities:
    merges: list[Merge] = field(default_factory=list)
    apart: list[Apart] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: Any) -> Identities:
        d = _dict(d, "")
        check_format(d)
        merges = [Merge.from_dict(m, f"merges[{i}].") for i, m in enumerate(_list(d, "merges", ""))]
        apart = [Apart.from_dict(a, f"apart[{i}].") for i, a in enumerate(_list(d, "apart", ""))]
        return cls(merges, apart)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "merges": [m.to_dict() for m in self.merges],
            "apart": [a.to_dict() for a in self.apart],
        }

    def active(self) -> list[Merge]:
        return [m for m in self.merges if not m.undone]

    def kept_apart(self, a: str, b: str) -> bool:
        return any({a, b} == set(x.accounts) for x in self.apart)


def _pair(d: dict, where: str) -> tuple[str, str]:
    accounts = _list(d, "accounts", where)
    if len(accounts) != 2 or not all(isinstance(a, str) and ":" in a for a in accounts):
        raise RecordError(f"{where}accounts must be two account ids ('network:name')")
    if accounts[0] == accounts[1]:
        raise RecordError(f"{where}accounts names {accounts[0]!r} twice")
    return accounts[0], accounts[1]
