"""roost people export --bluesky-list NAME against Bluesky's own reference servers: the list is
made once on the author's account, holds everyone on Bluesky in the records, and a second run
adds only who is missing, keeps whoever the author added by hand, and takes off only whoever the
author has since blocked."""

from __future__ import annotations

import json

import requests
from test_exports import records

from roost.commands.cli import main
from roost.people import Person
from roost.store import Store

from sites import write_settings

NAME = "Readers of Field Notes"


def repo_records(devnet, did: str, collection: str) -> list[dict]:
    answer = requests.get(
        f"{devnet.pds}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": collection, "limit": 100},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["records"]


def members(devnet, me: str, list_uri: str) -> list[str]:
    items = repo_records(devnet, me, "app.bsky.graph.listitem")
    return sorted(r["value"]["subject"] for r in items if r["value"]["list"] == list_uri)


def test_a_bluesky_list_made_once_and_kept_up_to_date(devnet, tmp_path, monkeypatch, capsys):
    acc = devnet.accounts
    me, alice, bob, carol = (acc[n]["did"] for n in ("camille", "alice", "bob", "carol"))
    people = [
        Person(f"bluesky:{alice}", "bluesky", "Alice", "@alice.test"),
        Person(f"bluesky:{bob}", "bluesky", "Bob", "@bob.test"),
        Person("mastodon:dan@birds.example", "mastodon", "Dan", "@dan@birds.example"),
        Person(f"bluesky:{me}", "bluesky", "Camille", "@camille.test", is_author=True),
    ]
    social = records(tmp_path, people, merges=())
    (tmp_path / "content").mkdir()
    bluesky = {"handle": "camille.test", "service": devnet.pds, "plc": devnet.plc,
               "session_cache": str(tmp_path / "session.json")}  # fmt: skip
    write_settings(tmp_path / "publishconf.py", SITEURL="https://blog.example",
                   ROOST_NETWORKS={"bluesky": bluesky})  # fmt: skip
    monkeypatch.setenv("ROOST_BLUESKY_APP_PASSWORD", acc["camille"]["password"])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)

    assert main(["people", "export", "--bluesky-list", NAME]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert f"Bluesky list '{NAME}' made: 2 added, 0 already there, 0 removed" in said
    lists = repo_records(devnet, me, "app.bsky.graph.list")
    assert [(r["value"]["name"], r["value"]["purpose"]) for r in lists] == [
        (NAME, "app.bsky.graph.defs#curatelist")
    ]
    uri = lists[0]["uri"]
    assert members(devnet, me, uri) == sorted([alice, bob])

    # The author adds Carol by hand; then blocks Bob.
    session = requests.post(
        f"{devnet.pds}/xrpc/com.atproto.server.createSession",
        json={"identifier": "camille.test", "password": acc["camille"]["password"]},
        timeout=30,
    ).json()
    by_hand = {"$type": "app.bsky.graph.listitem", "subject": carol, "list": uri,
               "createdAt": "2026-11-26T10:00:00.000Z"}  # fmt: skip
    made = requests.post(
        f"{devnet.pds}/xrpc/com.atproto.repo.createRecord",
        json={"repo": me, "collection": "app.bsky.graph.listitem", "record": by_hand},
        headers={"Authorization": f"Bearer {session['accessJwt']}"},
        timeout=30,
    )
    assert made.status_code == 200, made.text
    store = Store(social)
    with store.lock():
        moderation = store.read_moderation()
        moderation.blocked_accounts.append(f"bluesky:{bob}")
        store.write_moderation(moderation)

    assert main(["people", "export", "--bluesky-list", NAME]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert f"Bluesky list '{NAME}' found: 0 added, 2 already there, 1 removed" in said
    assert members(devnet, me, uri) == sorted([alice, carol])  # Carol stays, Bob is gone
    assert len(repo_records(devnet, me, "app.bsky.graph.list")) == 1

    assert main(["people", "export", "--bluesky-list", NAME]) == 0
    assert "0 added, 2 already there, 0 removed" in capsys.readouterr().out
    assert members(devnet, me, uri) == sorted([alice, carol])

    # The AppView serves it as a list anyone can read.
    devnet.process()
    shown = requests.get(f"{devnet.appview}/xrpc/app.bsky.graph.getList",
                         params={"list": uri}, timeout=30)  # fmt: skip
    assert shown.status_code == 200, shown.text
    listed = shown.json()
    assert listed["list"]["name"] == NAME
    assert sorted(i["subject"]["did"] for i in listed["items"]) == sorted([alice, carol])
    assert json.dumps(listed).count(bob) == 0


def test_without_bluesky_settings_the_list_is_not_started(tmp_path, monkeypatch, capsys):
    records(tmp_path)
    (tmp_path / "content").mkdir()
    write_settings(tmp_path / "publishconf.py", SITEURL="https://blog.example")
    monkeypatch.chdir(tmp_path)
    assert main(["people", "export", "--bluesky-list", NAME]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        'roost: publishconf.py: ROOST_NETWORKS["bluesky"] is not set; the list is made on your '
        "Bluesky account (docs/settings.md)"
    ]
