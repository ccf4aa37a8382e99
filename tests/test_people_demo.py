"""The demo's audience: `roost people` on the demo records, and the evidence they allow (Sam
Okafor's Bluesky handle is his domain, sam.example, where his Webmentions come from; Kenji
Watanabe's profile links kenji.example, which does not link back). The demo's fetches go to a
fake site server; the merges it records are the ones committed in social/identities.json."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

from roost.audience.directory import load_directory, read_identities
from roost.commands.people_verify import verify
from roost.networks.guarded_fetch import GuardedFetcher, allow_in_tests
from roost.store import Store

from conftest import run_roost
from sites import REPO

SAM_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def test_the_demo_people_before_and_after_verifying(tmp_path):
    from fakes.websites import FakeWebsites

    social = tmp_path / "social"
    shutil.copytree(REPO / "social", social, ignore=shutil.ignore_patterns("media", ".*"))
    for name in ("identities.json", "identity-evidence.json"):
        (social / name).unlink()
    before = load_directory(social)
    sites = FakeWebsites()
    sites.start()
    try:
        allow_in_tests("127.0.0.1", int(sites.url.rsplit(":", 1)[1]))
        sites.did("sam.example", SAM_DID)
        sites.rel_me("https://kenji.example/", "https://kenji.example/about")  # not Kenji W.
        done = verify(Store(social), GuardedFetcher(), local=sites.local,
                      now=datetime(2026, 11, 30, 12, tzinfo=UTC))  # fmt: skip
    finally:
        sites.stop()
    after = load_directory(social)
    assert (len(before.people), len(after.people)) == (14, 13)
    [merge] = done.merged
    assert merge.kind == "bluesky-domain"
    sam = after.find("webmention:sam.example")
    assert sam.name == "Sam Okafor" and {a.network for a in sam.accounts} == {
        "bluesky",
        "webmention",
    }
    assert after.find("webmention:kenji.example") is not after.find("mastodon:kenji@fedi.example")
    committed = read_identities(REPO / "social")
    assert [m.to_dict() for m in read_identities(social).merges] == [
        m.to_dict() for m in committed.merges
    ]


def test_roost_people_lists_and_shows_the_demo_audience():
    listed = run_roost("people", "--json")
    assert listed.returncode == 0, listed.stderr
    people = json.loads(listed.stdout)
    assert len(people) == 13
    posts = [p["posts"] for p in people]
    assert posts == sorted(posts, reverse=True)  # most engaged first
    sam = next(p for p in people if p["name"] == "Sam Okafor")
    assert {a["network"] for a in sam["accounts"]} == {"bluesky", "webmention"}
    shown = run_roost("people", "show", "webmention:sam.example")
    assert shown.returncode == 0, shown.stderr
    assert "bluesky-domain" in shown.stdout and "https://sam.example/" in shown.stdout
    assert "bird-walk-and-small-web-meetup:" in shown.stdout
    by_alias = run_roost("people", "show", sam["aliases"][0], "--json")
    assert json.loads(by_alias.stdout)["id"] == sam["id"]
    missing = run_roost("people", "show", "mastodon:nobody@nowhere.example")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
