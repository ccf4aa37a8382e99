"""Backfeed from Mastodon (the fake server): complete, threaded, cheap when quiet, and careful."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests

from roost.backfeed import backfeed_mastodon
from roost.networks.mastodon.adapter import Mastodon
from roost.store import Store
from roost.syndicate import Syndicator

from sites import make_post


def act(fake, who: str, method: str, path: str, **body) -> dict:
    r = requests.request(
        method, fake.url + path, json=body or None,
        headers={"Authorization": f"Bearer {who}-token"}, timeout=10,
    )  # fmt: skip
    r.raise_for_status()
    return r.json()


@pytest.fixture()
def blog(tmp_path, fake):
    """Two posts syndicated to the fake Mastodon, and the adapter that did it."""
    store = Store(tmp_path / "social")
    adapter = Mastodon({"instance": fake.url}, env={"ROOST_MASTODON_TOKEN": "good-token"})
    posts = [make_post(key=k, url=f"https://camille.blog/{k}/") for k in ("swifts", "owls")]
    Syndicator(store, {"mastodon": adapter}, since=date(2025, 1, 1), check_deployed=False).run(
        posts
    )
    copies = {k: store.read_post(k).copies("mastodon")[0].id for k in ("swifts", "owls")}
    return store, adapter, copies


def archive(store: Store, key: str) -> dict[str, tuple[str, str | None]]:
    return {x.id: (x.kind, x.in_reply_to) for x in store.read_post(key).interactions}


def test_every_reply_however_deep_and_every_like_and_repost(fake, blog):
    store, adapter, copies = blog
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille lovely!",
              in_reply_to_id=copies["swifts"])  # fmt: skip
    ines = act(fake, "ines", "POST", "/api/v1/statuses", status="agreed", in_reply_to_id=bob["id"])
    kenji = act(
        fake, "kenji", "POST", "/api/v1/statuses", status="me too", in_reply_to_id=ines["id"]
    )
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")
    act(fake, "bob", "POST", f"/api/v1/statuses/{copies['swifts']}/reblog")

    report = backfeed_mastodon(store, adapter)
    assert not report.failed and report.posts == 1
    assert archive(store, "swifts") == {
        f"mastodon:{bob['id']}": ("reply", None),
        f"mastodon:{ines['id']}": ("reply", f"mastodon:{bob['id']}"),  # no notification for it
        f"mastodon:{kenji['id']}": ("reply", f"mastodon:{ines['id']}"),
        f"mastodon:like:{copies['swifts']}:kenji@other.example": ("like", None),
        f"mastodon:repost:{copies['swifts']}:bob@other.example": ("repost", None),
    }
    assert archive(store, "owls") == {}
    people = store.read_people()
    assert people["mastodon:bob@other.example"].name == "Bob"
    # Avatars come home: bob's PNG is stored by its hash; kenji's SVG and ines's 404 are not.
    assert (store.root / people["mastodon:bob@other.example"].avatar).read_bytes() == (
        fake.avatar_png
    )
    assert people["mastodon:kenji@other.example"].avatar is None
    assert people["mastodon:ines@other.example"].avatar is None
    assert store.read_cursors()["mastodon"]["notifications"]


def test_a_quiet_run_costs_one_request_and_writes_nothing(fake, blog):
    store, adapter, copies = blog
    act(
        fake, "bob", "POST", "/api/v1/statuses", status="@camille hi", in_reply_to_id=copies["owls"]
    )
    backfeed_mastodon(store, adapter)
    files = {p: p.stat().st_mtime_ns for p in store.root.rglob("*.json")}
    before = len(fake.requests)
    report = backfeed_mastodon(store, adapter)
    assert len(fake.requests) - before == 1 and not report.change
    assert {p: p.stat().st_mtime_ns for p in store.root.rglob("*.json")} == files


def test_deletions_need_evidence(fake, blog):
    store, adapter, copies = blog
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille one",
              in_reply_to_id=copies["swifts"])  # fmt: skip
    ines = act(fake, "ines", "POST", "/api/v1/statuses", status="two", in_reply_to_id=bob["id"])
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")
    backfeed_mastodon(store, adapter)
    act(fake, "bob", "DELETE", f"/api/v1/statuses/{bob['id']}")
    fake.favourites[copies["swifts"]].remove("kenji")  # an un-like sends no notification
    act(fake, "ines", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")  # activity
    report = backfeed_mastodon(store, adapter)
    ids = set(archive(store, "swifts"))
    assert f"mastodon:{bob['id']}" not in ids  # 404: gone
    assert f"mastodon:{ines['id']}" in ids  # orphaned, not listed, but still there: kept
    assert f"mastodon:like:{copies['swifts']}:kenji@other.example" not in ids
    assert f"mastodon:like:{copies['swifts']}:ines@other.example" in ids
    assert report.change.removed == 2


@pytest.mark.parametrize("fault", ["503", "truncate", "drop"])
def test_a_fetch_that_fails_halfway_changes_nothing(fake, blog, fault):
    store, adapter, copies = blog
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille first",
        in_reply_to_id=copies["swifts"])  # fmt: skip
    backfeed_mastodon(store, adapter)
    snapshot = {p: p.read_bytes() for p in store.root.rglob("*.json")}
    act(fake, "ines", "POST", "/api/v1/statuses", status="@camille second",
        in_reply_to_id=copies["swifts"])  # fmt: skip
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")
    fake.faults = ["none", "none", fault]  # notifications, their next page, then the thread
    report = backfeed_mastodon(store, adapter)
    assert report.failed
    assert {p: p.read_bytes() for p in store.root.rglob("*.json")} == snapshot
    assert backfeed_mastodon(store, adapter).change.added == 2  # next time, all of it


def test_after_backfeed_and_a_rebuild_the_comments_are_on_the_page(tmp_path, fake, serve):
    from test_syndicate import Site

    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    copy = site.ledger("owls")["syndications"][0]["id"]
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille Tawny or barn?",
              in_reply_to_id=copy)  # fmt: skip
    act(fake, "ines", "POST", "/api/v1/statuses", status="Barn, surely.", in_reply_to_id=bob["id"])
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copy}/favourite")
    result = site.run("backfeed", check=True)
    assert result.stdout.splitlines()[-1].split() == ["mastodon", "1", "3", "0", "0"]
    site.run("build", "-s", "publishconf.py", "-o", "output", check=True)
    page = (site.root / "output/owls/index.html").read_text()
    assert "Tawny or barn?" in page and "Barn, surely." in page
    assert "in reply to <a" in page and "1 like" in page
    status = json.loads(site.run("status", "-s", "publishconf.py", "--json", check=True).stdout)
    owls = next(row for row in status if row["post"] == "owls")
    assert owls["counts"] == {"mastodon": {"like": 1, "reply": 2}}
    assert set(owls["copies"]) == {"mastodon"} and "mastodon" in owls["last_backfed"]
    quiet = next(row for row in status if row["post"] == "old")
    assert quiet["copies"] == {} and quiet["last_backfed"] == {}


def test_long_lists_are_followed_page_by_page(fake, blog):
    """More than one page of notifications (80 a page) and of likes: nothing left behind."""
    store, adapter, copies = blog
    fans = [f"fan{i}" for i in range(130)]
    fake.favourites[copies["owls"]] = list(fans)
    for fan in fans:
        fake.notify("camille", "favourite", fan, copies["owls"])
    report = backfeed_mastodon(store, adapter)
    likes = [x for x in store.read_post("owls").interactions if x.kind == "like"]
    assert len(likes) == 130 and report.change.added == 130
    assert ("GET", "/api/v1/notifications") in fake.requests
    assert fake.requests.count(("GET", f"/api/v1/statuses/{copies['owls']}/favourited_by")) == 2
