"""Backfeed from X (the fake X): mentions since a cursor, replies at any depth by conversation
search within X's 7 days, likes, reposts and quotes where the access allows, each read priced
and counted against the monthly budget."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from test_x import ENV

from roost.commands.backfeed import backfeed
from roost.commands.syndicate import Syndicator
from roost.networks.x.adapter import X
from roost.store import Store

from sites import make_post

BOB, INES, KENJI = "2002", "3003", "4004"


def adapter_for(fake_x, **settings) -> X:
    return X({"handle": "camille", "api": fake_x.url, **settings}, env=ENV)


@pytest.fixture()
def blog(tmp_path, fake_x):
    """Two posts on the fake X; the ids of their copies."""
    store = Store(tmp_path / "social")
    posts = [make_post(key=k, url=f"https://camille.blog/{k}/") for k in ("swifts", "owls")]
    x = adapter_for(fake_x)
    Syndicator(store, {"x": x}, since=date(2025, 1, 1), check_deployed=False).run(posts)
    copies = {k: store.read_post(k).copies("x")[0].id for k in ("swifts", "owls")}
    fake_x.requests.clear()
    fake_x.billed.clear()
    return store, copies


def archive(store: Store, key: str) -> dict[str, tuple[str, str | None]]:
    return {x.id: (x.kind, x.in_reply_to) for x in store.read_post(key).interactions}


def spent(store: Store) -> float:
    path = store.root / "spending.json"
    months = json.loads(path.read_text())["networks"]["x"].values()
    return sum(float(m["usd"]) for m in months)


def test_replies_at_any_depth_likes_reposts_quotes_and_mentions(fake_x, blog):
    store, copies = blog
    before = spent(store)
    bob = fake_x.reply_as(BOB, copies["swifts"], "Lovely!")
    ines = fake_x.create(INES, "Agreed, & more <3", reply_to=bob)["id"]  # names nobody
    fake_x.like_as(INES, copies["swifts"])
    fake_x.repost_as(BOB, copies["swifts"])
    quote = fake_x.quote_as(INES, copies["swifts"], "Read this @camille")
    mention = fake_x.mention_as(BOB, "@camille wrote https://camille.blog/owls/ about owls")
    x = adapter_for(fake_x)
    report = backfeed(store, x, posts_by_url=lambda: {"https://camille.blog/owls/": "owls"})
    assert not report.failed, report.failed
    assert archive(store, "swifts") == {
        f"x:{bob}": ("reply", None),
        f"x:{ines}": ("reply", f"x:{bob}"),  # found by the conversation search, not a mention
        f"x:{quote}": ("quote", None),
        f"x:like:{copies['swifts']}:{INES}": ("like", None),
        f"x:repost:{copies['swifts']}:{BOB}": ("repost", None),
    }
    assert archive(store, "owls") == {f"x:{mention}": ("mention", None)}
    text = next(i for i in store.read_post("swifts").interactions if i.id == f"x:{ines}")
    assert text.content == "<p>Agreed, &amp; more &lt;3</p>"  # X's escaping undone once
    owls = store.read_post("owls").interactions[0]
    assert 'href="https://camille.blog/owls/"' in owls.content  # not the t.co address
    assert store.read_people()[f"x:{BOB}"].handle == "@bob"
    # What Roost counted is what X billed; it is in the month's spend, and was printed.
    assert report.cost == pytest.approx(fake_x.dollars())
    assert spent(store) == pytest.approx(before + fake_x.dollars())
    assert store.read_cursors()["x"]["notifications"] == f"{mention}/1001"  # newest, and me


def test_a_person_who_asks_not_to_be_archived_is_not(fake_x, blog):
    store, copies = blog
    fake_x.reply_as(KENJI, copies["swifts"], "Please do not keep this")  # profile says #nobot
    backfeed(store, adapter_for(fake_x))
    assert archive(store, "swifts") == {}


def test_replies_older_than_seven_days_are_said_once_to_be_out_of_reach(fake_x, blog):
    store, copies = blog
    bob = fake_x.reply_as(BOB, copies["swifts"])
    backfeed(store, adapter_for(fake_x))
    assert f"x:{bob}" in archive(store, "swifts")
    for key in copies.values():
        fake_x.age(key, 8)
    fake_x.age(bob, 8)
    fake_x.reply_as(INES, copies["owls"])
    fake_x.reply_as(INES, copies["swifts"])
    report = backfeed(store, adapter_for(fake_x), sweep=2)
    assert len([n for n in report.notes if "older than 7 days" in n]) == 1
    assert f"x:{bob}" in archive(store, "swifts")  # out of reach is not gone


def test_what_the_access_does_not_allow_is_said_once_and_the_rest_goes_on(fake_x, blog):
    store, copies = blog
    fake_x.forbidden = {"liking_users", "quote_tweets"}
    for key in copies.values():
        fake_x.like_as(BOB, key)
        fake_x.quote_as(INES, key)
        fake_x.repost_as(INES, key)
        fake_x.reply_as(BOB, key)
    report = backfeed(store, adapter_for(fake_x), sweep=2)
    assert not report.failed
    likes = [n for n in report.notes if "does not allow reading likes" in n]
    quotes = [n for n in report.notes if "does not allow reading quotes" in n]
    assert len(likes) == 1 and len(quotes) == 1
    assert "answered 403, client-forbidden: " in likes[0] and "ROOST_X" not in likes[0]
    kinds = {kind for key in copies for kind, _ in archive(store, key).values()}
    assert kinds == {"reply", "repost"}


def test_the_budget_stops_the_backfeed_before_it_is_passed(fake_x, blog):
    store, copies = blog
    fake_x.reply_as(BOB, copies["swifts"])
    before = spent(store)
    x = adapter_for(fake_x, monthly_budget_usd=round(before + 0.05, 6))
    report = backfeed(store, x)
    assert "would pass the monthly budget" in report.failed
    assert spent(store) <= before + 0.05 + 1e-9


def test_what_a_quiet_run_and_a_busy_one_cost(fake_x, blog, capsys):
    """The figures the design notes give: requests and dollars of a backfeed run with nothing
    new (without the sweep, and with the default sweep of one post), and of one with 50 new
    interactions (20 replies, 20 likes, 5 reposts, 5 quotes) on two posts, both looked at. X
    has no feed of likes, reposts or quotes that do not name the author: the sweep finds them."""
    store, copies = blog
    backfeed(store, adapter_for(fake_x))  # the first run sets the cursor
    figures = {}

    def run(name, sweep, later=0):
        fake_x.requests.clear()
        fake_x.billed.clear()
        now = datetime.now(UTC) + timedelta(days=later)  # a day on: posts are due again
        report = backfeed(store, adapter_for(fake_x), sweep=sweep, now=now)
        assert not report.failed and report.cost == pytest.approx(fake_x.dollars())
        figures[name] = (len(fake_x.requests), report.cost, dict(fake_x.billed))
        return report

    run("quiet, no sweep", 0)
    run("quiet, one post swept", 1, later=2)
    people = [str(5000 + i) for i in range(50)]  # fifty people, one interaction each
    for uid in people:
        fake_x.users[uid] = {"id": uid, "username": f"reader{uid}", "name": f"Reader {uid}"}
    for uid in people[:20]:
        fake_x.reply_as(uid, copies["swifts"], f"reply from {uid}")
    for i, uid in enumerate(people[20:40]):
        fake_x.like_as(uid, copies["swifts" if i % 2 else "owls"])
    for uid in people[40:45]:
        fake_x.repost_as(uid, copies["owls"])
    for uid in people[45:]:
        fake_x.quote_as(uid, copies["owls"], f"quote from {uid}")
    busy = run("50 new, both posts", 2, later=4)
    with capsys.disabled():
        for name, (n, usd, billed) in figures.items():
            print(f"\n{name}: {n} requests, ${usd:.3f} {billed}", end="")
        print()
    assert figures["quiet, no sweep"][:2] == (1, 0)  # the mentions: none new, none billed
    assert busy.change.added == 50
    kinds = [x.kind for key in copies for x in store.read_post(key).interactions]
    assert {k: kinds.count(k) for k in set(kinds)} == {
        "reply": 20,
        "like": 20,
        "repost": 5,
        "quote": 5,
    }
    assert figures["50 new, both posts"][0] <= 12
