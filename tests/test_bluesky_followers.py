"""Follower snapshots from the real Bluesky network (PLC, PDS and AppView of @atproto/dev-env):
new accounts follow camille, one labels itself ``!no-unauthenticated``, one says ``#nobot``; the
snapshot names the others by DID and handle and keeps those two as fingerprints only; an
unfollow and a new follow show in the next snapshot's changes; an unchanged list writes
nothing."""

from __future__ import annotations

import os

import requests
from test_bluesky_backfeed import Account, camilles_adapter, settle

from roost.commands.cmd_audience import _snapshot
from roost.commands.snapshot_files import SnapshotFiles
from roost.people import Moderation
from roost.store import Store

KEY = b"a-long-random-key-for-the-tests-0123456789"


class Newcomer(Account):
    """A new account on the test network, made as any Bluesky app would sign someone up."""

    def __init__(self, devnet, handle: str):
        r = requests.post(
            f"{devnet.pds}/xrpc/com.atproto.server.createAccount",
            json={"email": f"{handle}@example.com", "handle": handle, "password": "pw-" + handle},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        self.pds, self.handle = devnet.pds, handle
        self.did, self.jwt = r.json()["did"], r.json()["accessJwt"]

    def follow(self, did: str) -> dict:
        return self.create("app.bsky.graph.follow", {"subject": did})

    def profile(self, **record) -> None:
        body = {"repo": self.did, "collection": "app.bsky.actor.profile", "rkey": "self",
                "record": {"$type": "app.bsky.actor.profile", **record}}  # fmt: skip
        self.call("com.atproto.repo.putRecord", json=body)


def followers_of(devnet, did: str) -> dict[str, dict]:
    r = requests.get(f"{devnet.appview}/xrpc/app.bsky.graph.getFollowers",
                     params={"actor": did, "limit": 100}, timeout=30)  # fmt: skip
    return {f["did"]: f for f in r.json().get("followers", [])}


def test_followers_snapshot_on_the_real_network(devnet, tmp_path):
    adapter = camilles_adapter(devnet, tmp_path)
    camille = devnet.accounts["camille"]["did"]
    tag = os.urandom(3).hex()
    ada, bea, cyd, dot = (Newcomer(devnet, f"{n}{tag}.test") for n in ("ada", "bea", "cyd", "dot"))
    cyd.profile(labels={"$type": "com.atproto.label.defs#selfLabels",
                        "values": [{"val": "!no-unauthenticated"}]})  # fmt: skip
    dot.profile(description="Lurking. #nobot")
    follows = {who.did: who.follow(camille) for who in (ada, bea, cyd, dot)}

    def listed(*dids: str) -> bool:
        found = followers_of(devnet, camille)
        labelled = {x.get("val") for x in (found.get(cyd.did) or {}).get("labels") or []}
        return set(dids) <= set(found) and (
            cyd.did not in dids or "!no-unauthenticated" in labelled
        )

    settle(devnet, lambda: listed(*follows))
    store = Store(tmp_path / "social")
    files = SnapshotFiles(store, "bluesky")
    assert _snapshot(store, "bluesky", adapter, KEY, Moderation())
    text = files.list_path.read_text()
    assert f"{ada.did} @{ada.handle}" in text and f"{bea.did} @{bea.handle}" in text
    for hidden in (cyd, dot):
        assert hidden.did not in text and hidden.handle not in text
    ours = [x for x in text.splitlines()[1:] if x.split(" ")[0] in (ada.did, bea.did)]
    unnamed = [x for x in text.splitlines()[1:] if x.startswith("~")]
    assert len(ours) == 2 and len(unnamed) >= 2

    before = files.list_path.read_bytes(), files.log_path.read_bytes()
    assert _snapshot(store, "bluesky", adapter, KEY, Moderation())  # nothing changed
    assert (files.list_path.read_bytes(), files.log_path.read_bytes()) == before

    ada.delete(follows[ada.did])
    eve = Newcomer(devnet, f"eve{tag}.test")
    eve.follow(camille)
    settle(devnet, lambda: listed(eve.did) and ada.did not in followers_of(devnet, camille))
    assert _snapshot(store, "bluesky", adapter, KEY, Moderation())
    came, left, _ = files.changes(0, 1)
    assert set(came) == {eve.did} and set(left) == {ada.did}
    assert came[eve.did] == f"{eve.did} @{eve.handle}"
