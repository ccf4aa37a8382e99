"""The account watch on Threads (and X): a post made on the account directly is listed, Roost's
own posts and the parts of its threads never are, the first look lists nothing of the
account's history, and a quiet look is one request."""

from __future__ import annotations

import pytest
from fakes.threads import FakeThreads, aged

from roost.commands.watch import unknown_posts, watch
from roost.model import PostRecord
from roost.networks.base import Draft
from roost.networks.threads.adapter import Threads
from roost.store import Store

THREADS_ENV = {"ROOST_THREADS_TOKEN": "good-token"}


@pytest.fixture()
def threads():
    fake = FakeThreads()
    fake.start()
    yield fake
    fake.stop()


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
