"""The account watch on Threads and X: a post made on the account directly is listed, Roost's
own posts and the parts of its threads never are, the first look lists nothing of the
account's history, and a quiet look is one request. On X every read is billed: the watch's
reads are checked against the budget, counted and kept in social/spending.json."""

from __future__ import annotations

import json

import pytest
from fakes.threads import aged
from test_x import ENV as X_ENV

from roost.commands.watch import unknown_posts, watch
from roost.model import PostRecord
from roost.networks.base import Draft
from roost.networks.threads.adapter import Threads
from roost.networks.x.adapter import X
from roost.store import Store

THREADS_ENV = {"ROOST_THREADS_TOKEN": "good-token"}
ME, BOB = "1001", "2002"  # camille and bob on the fake X


def threads_adapter(fake, tmp_path, **settings) -> Threads:
    where = {"api": f"{fake.url}/v1.0", "token_file": str(tmp_path / "token.json")}
    a = Threads({"handle": "camille", **where, **settings}, env=THREADS_ENV)
    a.sleep = lambda s: None
    return a


def send_thread(a: Threads, store: Store, key: str) -> list[str]:
    """Roost sends a post of two parts and records its copies; their ids."""
    d = Draft("threads", key, [f"{key} are back.", f"More {key}."], f"https://c.b/{key}/")
    head = a.publish_part(d, 0, None)
    tail = a.publish_part(d, 1, head)
    with store.lock():
        store.write_post(PostRecord(key, syndications=[head, tail]))
    return [head.id, tail.id]


def listed(store: Store) -> list[tuple[str, str]]:
    return [(u.post.id, u.post.kind) for u in unknown_posts(store)]


def watch_requests(fake) -> list[tuple[str, str]]:
    return [r for r in fake.requests if r[1].endswith("/me/threads") and r[0] == "GET"]


def test_threads_a_post_made_in_the_app_is_listed_and_roosts_own_never(threads, tmp_path):
    store = Store(tmp_path / "social")
    a = threads_adapter(threads, tmp_path)
    for n in range(3):
        threads.post_as_author(f"written before Roost {n}")
    assert watch(store, a) is None
    assert listed(store) == []  # the first look only notes where the account stands
    assert len(watch_requests(threads)) == 1

    aged(threads, 60)
    parts = send_thread(a, store, "swifts")
    bob = threads.reply_as("bob", parts[0], "Lovely")
    threads.reply_as("camille", bob["id"], "Thank you")  # the author answers: a reply
    spam = threads.post_as_author("Buy cheap followers now")
    quote = threads.post_as_author("Look at this", quote_post_id=parts[0])
    boost = threads.repost(bob["id"])
    assert watch(store, a) is None
    found = listed(store)
    assert sorted(found) == sorted([(spam["id"], "post"), (quote["id"], "quote")])
    assert not {p for p, _ in found} & set(parts)  # Roost's copies, each part of the thread
    line = unknown_posts(store)[0].line()
    assert line.startswith("threads: not sent by Roost") and "threads.net" in line

    before = len(threads.requests)
    assert watch(store, a) is None  # nothing new: one request, nothing more listed
    assert len(threads.requests) - before == 1 and len(listed(store)) == 2

    everything = threads_adapter(threads, tmp_path, watch="all")
    aged(threads, 60)
    again = threads.repost(spam["id"])
    assert watch(store, everything) is None
    assert (again["id"], "repost") in listed(store) and boost["id"] not in dict(listed(store))


def test_threads_posts_in_the_same_second_as_the_mark_are_neither_lost_nor_listed_twice(
    threads, tmp_path
):
    store = Store(tmp_path / "social")
    a = threads_adapter(threads, tmp_path)
    threads.now = lambda: 1_000_000_000.0  # type: ignore[method-assign]
    threads.post_as_author("old")
    watch(store, a)
    same = threads.post_as_author("same second as the mark")
    watch(store, a)
    watch(store, a)
    assert listed(store) == [(same["id"], "post")]


def test_threads_a_first_look_at_an_empty_account_then_a_long_burst(threads, tmp_path):
    store = Store(tmp_path / "social")
    a = threads_adapter(threads, tmp_path)
    watch(store, a)
    assert listed(store) == []
    aged(threads, 5)
    news = [threads.post_as_author(f"new post {n}") for n in range(105)]  # more than a page
    watch(store, a)
    assert {p for p, _ in listed(store)} == {n["id"] for n in news}
    assert len(watch_requests(threads)) == 3  # the first look, then two pages


def test_threads_watch_off_asks_nothing(threads, tmp_path):
    store = Store(tmp_path / "social")
    watch(store, threads_adapter(threads, tmp_path, watch="off"))
    assert watch_requests(threads) == []


# -- X: every read is billed, so what the watch reads is priced, counted and kept -------------


def x_adapter(fake_x, **settings) -> X:
    return X({"handle": "camille", "api": fake_x.url, **settings}, env=X_ENV)


def x_watch_requests(fake_x) -> list[tuple[str, str]]:
    return [r for r in fake_x.requests if r[1].startswith("/2/users/1001/tweets")]


def test_x_a_post_made_on_x_is_listed_and_roosts_own_never_and_the_reads_are_counted(
    fake_x, tmp_path
):
    store = Store(tmp_path / "social")
    for n in range(8):
        fake_x.create(ME, f"written before Roost {n}")
    assert watch(store, x_adapter(fake_x)) is None
    assert listed(store) == []  # the first look only notes where the account stands
    assert fake_x.billed["Owned Reads"] <= 5  # the fewest X allows, not the history
    first = fake_x.dollars()  # and a users/me read, once

    a = x_adapter(fake_x)
    d = Draft("x", "swifts", ["Swifts are back.", "More swifts."], "https://c.b/swifts/")
    head = a.publish_part(d, 0, None)
    tail = a.publish_part(d, 1, head)
    with store.lock():
        store.write_post(PostRecord("swifts", syndications=[head, tail]))
    bob = fake_x.reply_as(BOB, head.id, "Lovely")
    fake_x.create(ME, "@bob thank you", reply_to=bob)  # an answer to a reader
    fake_x.retweet_as(ME, bob)  # a repost
    spam = fake_x.create(ME, "Buy cheap followers & more")["id"]
    more = fake_x.create(ME, "and more", reply_to=spam)["id"]  # its own thread
    quote = fake_x.create(ME, "Look", quote=head.id)["id"]
    fake_x.billed.clear()
    w = x_adapter(fake_x)
    assert watch(store, w) is None
    assert sorted(listed(store)) == sorted([(spam, "post"), (more, "thread"), (quote, "quote")])
    line = [u.line() for u in unknown_posts(store) if u.post.id == spam][0]
    assert f"https://x.com/camille/status/{spam}" in line and "followers & more" in line
    # Reposts are left out on X's side (exclude=retweets): not returned, so not billed. The
    # answer to a reader and Roost's two parts are returned (and billed), never listed.
    assert fake_x.billed == {"Owned Reads": 6} and w.meter.counts == {"owned_read": 6}
    assert spent_x(store) == pytest.approx(first + fake_x.dollars())  # in social/spending.json

    fake_x.requests.clear()
    fake_x.billed.clear()
    assert watch(store, x_adapter(fake_x)) is None  # a quiet run: one request, nothing billed
    assert len(fake_x.requests) == 1 and fake_x.billed == {}

    fake_x.create(ME, "one more")
    fake_x.requests.clear()
    everything = x_adapter(fake_x, watch="all")
    boost = fake_x.retweet_as(ME, bob)
    assert watch(store, everything) is None
    assert (boost, "repost") in listed(store)


def test_x_the_budget_stops_the_watch_before_a_read_is_sent(fake_x, tmp_path):
    store = Store(tmp_path / "social")
    fake_x.create(ME, "old")
    watch(store, x_adapter(fake_x))
    fake_x.requests.clear()
    broke = x_adapter(fake_x, monthly_budget_usd=0.05)  # a page of 100 could cost $0.10
    line = watch(store, broke)
    assert "monthly budget" in line and "your own posts there were not checked" in line
    assert x_watch_requests(fake_x) == []


def spent_x(store: Store) -> float:
    path = store.root / "spending.json"
    months = json.loads(path.read_text())["networks"]["x"].values()
    return sum(float(m["usd"]) for m in months)
