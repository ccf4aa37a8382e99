"""The account watch on the real Bluesky network (PLC, PDS and AppView of @atproto/dev-env):
the author's posts made outside Roost are listed, Roost's own thread is not, the first look lists
none of the account's history, marking works, and a quiet look costs one request."""

from __future__ import annotations

import dataclasses
from datetime import date

from test_bluesky_backfeed import Account, camilles_adapter, indexed, settle

from roost.commands.syndicate import Syndicator
from roost.commands.watch import mark_ok, unknown_posts, watch
from roost.store import Store

from sites import make_post


def counted(adapter) -> list[str]:
    """Every request the adapter's API client sends from now on (method and path)."""
    sent: list[str] = []
    session = adapter.api._session
    real = session.request

    def request(method, url, **kwargs):
        sent.append(f"{method} {url.split('/xrpc/', 1)[-1]}")
        return real(method, url, **kwargs)

    session.request = request
    return sent


def test_posts_made_outside_roost_are_listed_and_roosts_own_thread_is_not(devnet, tmp_path):
    store = Store(tmp_path / "social")
    adapter = camilles_adapter(devnet, tmp_path)
    camille, alice = Account(devnet, "camille"), Account(devnet, "alice")
    history = camille.post("An old post, from before Roost")
    settle(devnet, lambda: indexed(devnet, history["uri"]))
    assert watch(store, adapter) is None  # the first look: where the account stands
    assert unknown_posts(store) == []
    mark = store.read_cursors()["bluesky"]["watch"]
    assert mark.startswith(camille.did + " ") and mark.endswith(history["uri"])

    # Roost posts a thread; the author answers a reader, reposts and quotes someone, continues
    # a thread of their own; and someone with the password posts in their name.
    long = " ".join(f"word{i}" for i in range(90))
    post = make_post(key="thread", url="https://camille.blog/thread/", thread=True,
                     texts={"bluesky": long})  # fmt: skip
    Syndicator(store, {"bluesky": adapter}, since=date(2025, 1, 1), check_deployed=False).run(
        [post]
    )
    parts = [c.id for c in store.read_post("thread").copies("bluesky")]
    assert len(parts) > 1
    hers = alice.post("Swifts over the river tonight")
    settle(devnet, lambda: indexed(devnet, hers["uri"]))
    answer = camille.reply("@alice.test lovely!", hers, hers)
    camille.repost(hers)
    quote = camille.quote("Look at this", hers)
    spam = camille.post("Send 1 BTC\u202e to double it\x07 now")
    more = camille.reply("and there is more", spam, spam)
    settle(devnet, lambda: indexed(devnet, *parts, answer["uri"], quote["uri"], more["uri"]))

    assert watch(store, adapter) is None
    found = {u.post.id: u for u in unknown_posts(store)}
    assert set(found) == {quote["uri"], spam["uri"], more["uri"]}  # not the reply, not the repost
    assert [found[u].post.kind for u in (quote["uri"], spam["uri"], more["uri"])] == [
        "quote", "post", "thread"
    ]  # fmt: skip
    line = found[spam["uri"]].line()
    assert line.startswith("bluesky: not sent by Roost, 20")
    assert f"/profile/{camille.did}/post/{spam['uri'].rsplit('/', 1)[1]}" in line
    assert "“Send 1 BTC to double it now”" in line  # no override, no bell

    # A quiet look: a request or two. Every post on the devnet is seconds old, inside the slack
    # the watch keeps for clocks, so it may read one more page to see where the feed ends (an
    # account whose last posts are older stops at the first). Marking takes posts off the list.
    sent = counted(adapter)
    assert watch(store, adapter) is None
    assert sent in (
        ["GET app.bsky.feed.getAuthorFeed"] * 1,
        ["GET app.bsky.feed.getAuthorFeed"] * 2,
    )
    marked, missing = mark_ok(store, [found[spam["uri"]].post.url, more["uri"]])
    assert len(marked) == 2 and missing == []
    assert [u.post.id for u in unknown_posts(store)] == [quote["uri"]]
    print(f"\nbluesky watch: quiet look {len(sent)} request(s)")


def test_replies_and_reposts_count_when_the_setting_asks(devnet, tmp_path):
    store = Store(tmp_path / "social")
    adapter = camilles_adapter(devnet, tmp_path)
    adapter.settings = dataclasses.replace(adapter.settings, watch="all")
    camille, bob = Account(devnet, "camille"), Account(devnet, "bob")
    assert watch(store, adapter) is None
    his = bob.post("Rain again")
    settle(devnet, lambda: indexed(devnet, his["uri"]))
    answer = camille.reply("@bob.test again!", his, his)
    camille.repost(his)
    spam = camille.post("Free money")
    settle(devnet, lambda: indexed(devnet, answer["uri"], spam["uri"]))
    sent = counted(adapter)
    assert watch(store, adapter) is None
    kinds = sorted(u.post.kind for u in unknown_posts(store))
    assert kinds == ["post", "reply", "repost"]
    print(f"\nbluesky watch: a look with new posts {len(sent)} request(s)")
