"""Writing who is whom: ``identities.json`` (the merges and splits,
:mod:`roost.audience.identities`) and ``identity-evidence.json`` (each check ``roost people
verify`` made, with its date), both in the records folder, through the store (atomic,
deterministic, under its lock).

``identity-evidence.json``::

    {"format": 1, "checks": [{"kind": "rel-me", "account": "mastodon:bob@birds.example",
      "url": "https://bob.example/", "expects": "https://birds.example/@bob",
      "ok": true, "why": "...", "checked": "2026-12-01T10:00:00Z"}]}

``ok`` is true (the evidence held), false (the site answered and it did not), or null (nothing
could be read; asked again on the next run). A check is asked again once older than the
interval ``roost people verify --days`` gives (30 by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audience.directory import IDENTITIES, read_identities
from ..audience.identities import Identities
from ..model import FORMAT, RecordError, check_format
from ..record_fields import _dict, _list, _str, _time
from ..store import Store, dumps

EVIDENCE = "identity-evidence.json"


@dataclass
class Check:
    kind: str  # "rel-me" or "bluesky-domain"
    account: str
    url: str  # what was fetched: the site, or the handle's atproto-did address
    expects: str  # what it had to name: the profile's address, or the DID
    ok: bool | None
    why: str
    checked: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.account, self.kind, self.url

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Check:
        d = _dict(d, where)
        ok = d.get("ok")
        if ok not in (True, False, None):
            raise RecordError(f"{where}ok must be true, false or null")
        return cls(
            kind=_str(d, "kind", where),
            account=_str(d, "account", where),
            url=_str(d, "url", where),
            expects=_str(d, "expects", where),
            ok=ok,
            why=_str(d, "why", where, required=False, default=""),
            checked=_time(d, "checked", where),
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "account": self.account,
            "url": self.url,
            "expects": self.expects,
            "ok": self.ok,
            "why": self.why,
            "checked": self.checked,
        }


def read_checks(root: Path) -> dict[tuple[str, str, str], Check]:
    store = Store(root)
    path = Path(root) / EVIDENCE
    data = store._read_json(path)
    if data is None:
        return {}
    try:
        data = _dict(data, "")
        check_format(data)
        checks = [
            Check.from_dict(c, f"checks[{i}].") for i, c in enumerate(_list(data, "checks", ""))
        ]
    except RecordError as e:
        raise e.at(store.display(path)) from None
    return {c.key: c for c in checks}


def write_checks(store: Store, checks: dict[tuple[str, str, str], Check]) -> bool:
    data = {"format": FORMAT, "checks": [checks[k].to_dict() for k in sorted(checks)]}
    return store._write_bytes(store.root / EVIDENCE, dumps(data))


def write_identities(store: Store, identities: Identities) -> bool:
    return store._write_bytes(store.root / IDENTITIES, dumps(identities.to_dict()))


def forget_account(store: Store, account_id: str) -> None:
    """Remove every trace of an account from the identity files (``roost forget``): its merges,
    splits and checks. Call with the store locked."""
    identities = read_identities(store.root)
    identities.merges = [m for m in identities.merges if account_id not in m.accounts]
    identities.apart = [a for a in identities.apart if account_id not in a.accounts]
    if (store.root / IDENTITIES).exists():
        write_identities(store, identities)
    checks = read_checks(store.root)
    if any(k[0] == account_id for k in checks):
        write_checks(store, {k: c for k, c in checks.items() if k[0] != account_id})
