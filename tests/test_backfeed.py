"""Backfeed from Mastodon (the fake server): complete, threaded, cheap when quiet, and careful."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests

from roost.commands.backfeed import backfeed
from roost.commands.syndicate import Syndicator
from roost.networks.mastodon.adapter import Mastodon
from roost.store import Store

from sites import make_post, same_picture


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

    report = backfeed(store, adapter)
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
    assert same_picture(
        (store.root / people["mastodon:bob@other.example"].avatar).read_bytes(), fake.avatar_png
    )
    assert people["mastodon:kenji@other.example"].avatar is None
    assert people["mastodon:ines@other.example"].avatar is None
    assert store.read_cursors()["mastodon"]["notifications"]


def test_a_quiet_run_costs_two_requests_and_writes_nothing(fake, blog):
    """The notifications, and the profiles of the people archived (up to 40 a request)."""
    store, adapter, copies = blog
    act(
        fake, "bob", "POST", "/api/v1/statuses", status="@camille hi", in_reply_to_id=copies["owls"]
    )
    backfeed(store, adapter)
    files = {p: p.stat().st_mtime_ns for p in store.root.rglob("*.json")}
    before = len(fake.requests)
    report = backfeed(store, adapter)
    assert [path for _, path in fake.requests[before:]] == [
        "/api/v1/notifications",
        "/api/v1/accounts",
    ]
    assert not report.change
    assert {p: p.stat().st_mtime_ns for p in store.root.rglob("*.json")} == files


def test_deletions_need_evidence(fake, blog):
    store, adapter, copies = blog
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille one",
              in_reply_to_id=copies["swifts"])  # fmt: skip
    ines = act(fake, "ines", "POST", "/api/v1/statuses", status="two", in_reply_to_id=bob["id"])
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")
    backfeed(store, adapter)
    act(fake, "bob", "DELETE", f"/api/v1/statuses/{bob['id']}")
    fake.favourites[copies["swifts"]].remove("kenji")  # an un-like sends no notification
    act(fake, "ines", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")  # activity
    report = backfeed(store, adapter)
    ids = set(archive(store, "swifts"))
    assert f"mastodon:{bob['id']}" not in ids  # 404: gone
    assert f"mastodon:{ines['id']}" in ids  # orphaned, not listed, but still there: kept
    assert f"mastodon:like:{copies['swifts']}:kenji@other.example" not in ids
    assert f"mastodon:like:{copies['swifts']}:ines@other.example" in ids
    assert report.change.removed == 2


def archived(store: Store) -> dict:
    """The archive proper: every post's record and the people (not the cursor file)."""
    return {p: p.read_bytes() for d in ("posts", "people") for p in (store.root / d).glob("*")}


@pytest.mark.parametrize("fault", ["503", "truncate", "drop"])
def test_a_fetch_that_fails_halfway_changes_nothing(fake, blog, fault, monkeypatch):
    monkeypatch.setattr("roost.commands.backfeed.RETRY_DELAYS", (0, 0))
    store, adapter, copies = blog
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille first",
        in_reply_to_id=copies["swifts"])  # fmt: skip
    backfeed(store, adapter)
    snapshot = archived(store)
    act(fake, "ines", "POST", "/api/v1/statuses", status="@camille second",
        in_reply_to_id=copies["swifts"])  # fmt: skip
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")
    fake.faults = ["none", fault, fault, fault]  # the notifications, then every try at the post
    report = backfeed(store, adapter)
    assert report.failed and report.posts == 0
    assert archived(store) == snapshot
    # The notifications were read: what they said waits in the cursor file, not lost.
    assert "swifts" in store.read_cursors()["mastodon"]["pending"]
    report = backfeed(store, adapter)  # next time, all of it, with no new notification
    assert not report.failed and report.change.added == 2
    assert "pending" not in store.read_cursors()["mastodon"]
    like = next(x for x in store.read_post("swifts").interactions if x.kind == "like")
    assert not like.published.endswith("T00:00:00Z")  # the notification's time was kept


def test_a_passing_outage_is_tried_again_within_the_run(fake, blog, monkeypatch):
    monkeypatch.setattr("roost.commands.backfeed.RETRY_DELAYS", (0, 0))
    store, adapter, copies = blog
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille hello",
        in_reply_to_id=copies["owls"])  # fmt: skip
    fake.faults = ["none", "503"]
    report = backfeed(store, adapter)
    assert not report.failed and report.change.added == 1


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
    assert status["gone_networks"] == []
    status = status["posts"]
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
    report = backfeed(store, adapter)
    likes = [x for x in store.read_post("owls").interactions if x.kind == "like"]
    assert len(likes) == 130 and report.change.added == 130
    assert ("GET", "/api/v1/notifications") in fake.requests
    assert fake.requests.count(("GET", f"/api/v1/statuses/{copies['owls']}/favourited_by")) == 2


def later(hours: float):
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(hours=hours)


def test_quotes_pictures_private_replies_and_the_authors_own_answers(fake, blog):
    store, adapter, copies = blog
    swifts = copies["swifts"]
    quote = act(fake, "ines", "POST", "/api/v1/statuses", status="Read this!",
                quoted_status_id=swifts)  # fmt: skip
    photo = act(fake, "bob", "POST", "/api/v2/media", file="png", description="A swift, blurred")
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille mine",
              media_ids=[photo["id"]], in_reply_to_id=swifts)  # fmt: skip
    act(fake, "kenji", "POST", "/api/v1/statuses", status="@camille (just us)", visibility="direct",
        in_reply_to_id=swifts)  # fmt: skip
    mine = act(fake, "good", "POST", "/api/v1/statuses", status="@bob lovely shot",
               in_reply_to_id=bob["id"])  # fmt: skip

    report = backfeed(store, adapter)
    assert not report.failed
    got = {x.id: x for x in store.read_post("swifts").interactions}
    assert set(got) == {
        f"mastodon:{quote['id']}",
        f"mastodon:{bob['id']}",
        f"mastodon:{mine['id']}",
    }
    assert got[f"mastodon:{quote['id']}"].kind == "quote"
    assert got[f"mastodon:{quote['id']}"].in_reply_to is None
    picture = got[f"mastodon:{bob['id']}"].media[0]
    assert picture.alt == "A swift, blurred" and picture.source.startswith(fake.url)
    assert same_picture((store.root / picture.path).read_bytes(), fake.avatar_png)  # at home
    people = store.read_people()
    author = got[f"mastodon:{mine['id']}"].author
    assert people[author].is_author and not people["mastodon:bob@other.example"].is_author

    # The quote is deleted: no notification says so, the sweep sees the count drop, and the
    # server's 404 is the evidence.
    act(fake, "ines", "DELETE", f"/api/v1/statuses/{quote['id']}")
    report = backfeed(store, adapter, now=later(2), sweep=2)
    assert report.change.removed == 1 and report.swept == 2
    assert f"mastodon:{quote['id']}" not in archive(store, "swifts")


def test_the_sweep_finds_what_no_notification_announces_and_stays_cheap(fake, blog):
    store, adapter, copies = blog
    quiet = act(fake, "bob", "POST", "/api/v1/statuses", status="no mention, no notification",
                in_reply_to_id=copies["owls"])  # fmt: skip
    assert not backfeed(store, adapter).change  # fresh posts are not due yet
    report = backfeed(store, adapter, now=later(2), sweep=2)  # both are due: both looked at
    assert report.swept == 2 and report.change.added == 1
    assert f"mastodon:{quiet['id']}" in archive(store, "owls")
    before = len(fake.requests)
    assert backfeed(store, adapter, now=later(2.5)).swept == 0  # nothing due
    assert len(fake.requests) - before == 2  # notifications, and bob's profile looked at again
    before = len(fake.requests)
    report = backfeed(store, adapter, now=later(3.5))  # both due again; one a run
    assert report.swept == 1 and not report.change
    assert len(fake.requests) - before == 4  # notifications, one post's status and thread, bob

    # An edit is seen by the next sweep and updates the stored reply.
    act(fake, "bob", "PUT", f"/api/v1/statuses/{quiet['id']}", status="edited, still no mention")
    report = backfeed(store, adapter, now=later(6), sweep=2)
    assert report.change.updated == 1
    reply = next(x for x in store.read_post("owls").interactions if x.kind == "reply")
    assert "edited" in reply.content and reply.updated


def test_the_sweep_schedule_decays_with_age():
    from datetime import UTC, datetime, timedelta

    from roost.commands.backfeed import due_for_sweep

    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    published = {
        "today": now - timedelta(hours=3),
        "last-week": now - timedelta(days=5),
        "last-year": now - timedelta(days=400),
    }
    crawled = {k: now - timedelta(hours=2) for k in published}
    # Looked at two hours ago: only the post of the day is due again (hourly on its first day).
    assert due_for_sweep(published, crawled, now, 10) == ["today"]
    crawled = {k: now - timedelta(days=8) for k in published}
    # Eight days ago: the week-old post (every 6 h) is most overdue, then today's, then the old
    # one (monthly) is not due at all; a budget of 1 takes the most overdue.
    assert due_for_sweep(published, crawled, now, 10) == ["last-week", "today"]
    assert due_for_sweep(published, crawled, now, 1) == ["last-week"]
    assert due_for_sweep(published, {}, now, 0) == []


def test_a_first_run_reads_back_no_further_than_the_oldest_copy(fake, blog):
    """Years of notifications before Roost: the first run does not page through them."""
    store, adapter, copies = blog
    old = act(fake, "bob", "POST", "/api/v1/statuses", status="an old toot")
    for n in range(400):
        fake.notifications.insert(0, {
            "id": str(1000 + n), "type": "favourite", "owner": "camille", "account": "kenji",
            "status": old["id"], "created_at": "2021-03-01T10:00:00.000Z",
        })  # fmt: skip
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille new!",
        in_reply_to_id=copies["owls"])  # fmt: skip
    before = len(fake.requests)
    report = backfeed(store, adapter)
    pages = [r for r in fake.requests[before:] if r[1] == "/api/v1/notifications"]
    assert report.change.added == 1 and len(pages) == 1
    before = len(fake.requests)
    assert not backfeed(store, adapter).change  # and from then on, forward from the newest
    made = [path for _, path in fake.requests[before:]]
    assert made == ["/api/v1/notifications", "/api/v1/accounts"]  # and bob's profile


def test_a_mention_that_links_to_a_post_lands_under_it(fake, blog):
    store, adapter, copies = blog
    mention = act(fake, "kenji", "POST", "/api/v1/statuses",
                  status="@camille wrote: https://camille.blog/owls/ (lovely)")  # fmt: skip
    act(fake, "ines", "POST", "/api/v1/statuses", status="@camille hello, no link")
    posts = {"https://camille.blog/owls/": "owls", "https://camille.blog/swifts/": "swifts"}
    report = backfeed(store, adapter, posts_by_url=lambda: posts)
    assert report.change.added == 1
    got = store.read_post("owls").interactions
    assert [(x.id, x.kind) for x in got] == [(f"mastodon:{mention['id']}", "mention")]
    assert 'href="https://camille.blog/owls/"' in got[0].content
    assert not store.read_post("swifts").interactions


def test_a_post_sent_as_a_thread_is_one_conversation(fake, tmp_path):
    """Replies to any part land under the post; the later parts are the author's, not replies."""
    store = Store(tmp_path / "social")
    adapter = Mastodon({"instance": fake.url}, env={"ROOST_MASTODON_TOKEN": "good-token"})
    text = " ".join(f"point{i}" for i in range(150))
    post = make_post(key="long", url="https://camille.blog/long/", texts={"*": text}, thread=True)
    Syndicator(store, {"mastodon": adapter}, since=date(2025, 1, 1), check_deployed=False).run(
        [post]
    )
    parts = store.read_post("long").copies("mastodon")
    assert len(parts) >= 2
    first = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille on the start",
                in_reply_to_id=parts[0].id)  # fmt: skip
    last = act(fake, "ines", "POST", "/api/v1/statuses", status="@camille on the end",
               in_reply_to_id=parts[-1].id)  # fmt: skip
    act(fake, "kenji", "POST", f"/api/v1/statuses/{parts[-1].id}/favourite")
    report = backfeed(store, adapter)
    assert not report.failed and report.posts == 1
    assert archive(store, "long") == {
        f"mastodon:{first['id']}": ("reply", None),
        f"mastodon:{last['id']}": ("reply", None),  # answers a copy: the post itself
        f"mastodon:like:{parts[-1].id}:kenji@other.example": ("like", None),
    }


def test_a_progress_bar_on_a_terminal_and_none_in_a_log(tmp_path, fake, serve):
    import os
    import pty
    import subprocess

    from test_syndicate import Site

    from conftest import ROOST

    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    for key in ("owls", "swifts"):
        copy = site.ledger(key)["syndications"][0]["id"]
        act(fake, "bob", "POST", "/api/v1/statuses", status="@camille hi", in_reply_to_id=copy)
    main, terminal = pty.openpty()
    env = {**os.environ, **site.env, "COLUMNS": "100", "TERM": "xterm"}
    result = subprocess.run([ROOST, "backfeed"], cwd=site.root, env=env, stderr=terminal,
                            stdout=subprocess.PIPE, text=True, timeout=120)  # fmt: skip
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert result.returncode == 0
    assert b"backfeed from mastodon" in shown  # the bar, on the terminal
    assert result.stdout.splitlines()[-1].split() == ["mastodon", "2", "2", "0", "0"]
    logged = site.run("backfeed")  # no terminal: no bar, no escape codes in the log
    assert "\x1b[" not in logged.stdout + logged.stderr


def test_a_thread_the_server_is_still_fetching_is_read_again_next_run(fake, blog):
    store, adapter, copies = blog
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille one",
        in_reply_to_id=copies["owls"])  # fmt: skip
    fake.async_refresh = True  # Mastodon 4.5: more remote replies are on their way
    assert backfeed(store, adapter).change.added == 1  # what it had is kept now
    assert "owls" in store.read_cursors()["mastodon"]["pending"]
    late = act(fake, "ines", "POST", "/api/v1/statuses", status="a remote reply, no mention",
               in_reply_to_id=copies["owls"])  # fmt: skip
    fake.async_refresh = False
    report = backfeed(store, adapter)  # no notification: the pending post is read again
    assert report.change.added == 1 and f"mastodon:{late['id']}" in archive(store, "owls")
    assert "pending" not in store.read_cursors()["mastodon"]


def test_people_who_share_an_avatar_address_all_get_it(tmp_path):
    """One download for a shared address, and every one of them shows the picture."""
    from roost.commands.mirror import Pictures, mirror_avatars
    from roost.networks.guarded_fetch import Fetched
    from roost.people import Person

    from sites import PNG_1X1

    fetched = []

    class Fetcher:
        spent = False

        def get(self, url, **kw):
            fetched.append(url)
            return Fetched(url, 200, "image/png", PNG_1X1)

    store = Store(tmp_path / "social")
    shared = "https://cdn.example/default.png"
    people = {
        f"mastodon:{n}@a.example": Person(f"mastodon:{n}@a.example", "mastodon",
                                          avatar_source=shared)
        for n in ("ann", "bob")
    }  # fmt: skip
    with Pictures(Fetcher()) as pictures:
        pictures.want_avatars(list(people.values()), {})
        with store.lock():
            assert mirror_avatars(store, people, {}, pictures) == 1
    assert fetched == [shared]
    assert people["mastodon:ann@a.example"].avatar == people["mastodon:bob@a.example"].avatar
    assert people["mastodon:bob@a.example"].avatar


def test_a_picture_that_cannot_be_kept_is_not_asked_for_on_every_run(fake, blog):
    """Kenji's avatar is an SVG (refused): looking at his profile again each run does not fetch
    it again; a new picture is fetched at once."""
    store, adapter, copies = blog
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copies['swifts']}/favourite")
    backfeed(store, adapter)
    assert store.read_people()["mastodon:kenji@other.example"].avatar is None
    before = len(fake.requests)
    backfeed(store, adapter)
    assert not any(path.startswith("/avatars/") for _, path in fake.requests[before:])
    fake.profiles["kenji"] = {"avatar": "/avatars/bob-as-kenji.png"}  # a PNG this time
    backfeed(store, adapter)
    assert store.read_people()["mastodon:kenji@other.example"].avatar
