"""Backfeed from the real Bluesky network (PLC, PDS and AppView of @atproto/dev-env).

Other accounts (alice, bob, carol) reply five levels deep, like, repost, quote, attach a
picture and delete, through the PDS with their own passwords, exactly as any Bluesky app would.
After each round the archive is compared with what the servers hold.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from roost.commands.backfeed import backfeed
from roost.commands.syndicate import Syndicator
from roost.networks.bluesky import richtext
from roost.networks.bluesky.adapter import Bluesky
from roost.store import Store

from sites import PNG_1X1, make_post, same_picture


class Account:
    """Someone else on the test network, acting through the PDS."""

    def __init__(self, devnet, name: str):
        self.pds = devnet.pds
        me = devnet.accounts[name]
        r = requests.post(
            f"{self.pds}/xrpc/com.atproto.server.createSession",
            json={"identifier": me["handle"], "password": me["password"]},
            timeout=30,
        )
        r.raise_for_status()
        self.did, self.jwt = r.json()["did"], r.json()["accessJwt"]

    def call(self, nsid: str, **kwargs) -> dict:
        method = "GET" if "params" in kwargs else "POST"
        r = requests.request(
            method, f"{self.pds}/xrpc/{nsid}", timeout=30,
            headers={"Authorization": f"Bearer {self.jwt}", **kwargs.pop("headers", {})}, **kwargs,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        return r.json()

    def create(self, collection: str, record: dict) -> dict:
        record = {"$type": collection, "createdAt": _now(), **record}
        body = {"repo": self.did, "collection": collection, "record": record}
        return self.call("com.atproto.repo.createRecord", json=body)

    def reply(self, text: str, parent: dict, root: dict, picture: str | None = None) -> dict:
        record = {"text": text, "reply": {"root": _ref(root), "parent": _ref(parent)}}
        if picture:
            blob = self.call(
                "com.atproto.repo.uploadBlob", data=PNG_1X1, headers={"Content-Type": "image/png"}
            )["blob"]
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [{"image": blob, "alt": picture}],
            }
        return self.create("app.bsky.feed.post", record)

    def post(self, text: str) -> dict:
        """A post with its links and mentions as facets, as an app would make it."""
        facets = []
        for facet in richtext.detect(text):
            did = None
            if facet.kind == "mention":
                did = self.call("com.atproto.identity.resolveHandle",
                                params={"handle": facet.value})["did"]  # fmt: skip
            facets.append(facet.to_record(did))
        return self.create("app.bsky.feed.post", {"text": text, "facets": facets})

    def quote(self, text: str, post: dict) -> dict:
        embed = {"$type": "app.bsky.embed.record", "record": _ref(post)}
        return self.create("app.bsky.feed.post", {"text": text, "embed": embed})

    def like(self, post: dict) -> dict:
        return self.create("app.bsky.feed.like", {"subject": _ref(post)})

    def repost(self, post: dict) -> dict:
        return self.create("app.bsky.feed.repost", {"subject": _ref(post)})

    def delete(self, made: dict) -> None:
        collection, rkey = made["uri"].removeprefix("at://").split("/")[1:]
        self.call(
            "com.atproto.repo.deleteRecord",
            json={"repo": self.did, "collection": collection, "rkey": rkey},
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ref(post: dict) -> dict:
    return {"uri": post["uri"], "cid": post["cid"]}


def settle(devnet, check=lambda: True, seconds: float = 90) -> None:
    """Let the AppView index every write, and poll for what it lists late. On a loaded machine
    indexing can take tens of seconds: the wait ends as soon as ``check`` holds, and a check
    that never holds fails here, not later as a puzzling missing reply."""
    devnet.process()
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"the AppView did not index it within {seconds} s"
        time.sleep(0.2)
        devnet.process()


def indexed(devnet, *uris: str) -> bool:
    """Whether the AppView shows these posts. A reply indexed before its parent notifies
    nobody (the AppView finds no ancestor to notify, and indexing the parent later does not
    notify its own author), so a test lets the copy be indexed before anyone answers it."""
    r = requests.get(f"{devnet.appview}/xrpc/app.bsky.feed.getPosts",
                     params={"uris": list(uris)}, timeout=30)  # fmt: skip
    return r.ok and len(r.json().get("posts", [])) == len(uris)


def truth(devnet, copy: str) -> set[str]:
    """What the servers hold for a copy, read from the AppView: the ids Roost should have."""
    ids = set()
    thread = requests.get(
        f"{devnet.appview}/xrpc/app.bsky.feed.getPostThread",
        params={"uri": copy, "depth": 1000}, timeout=30,
    ).json()["thread"]  # fmt: skip
    stack = list(thread.get("replies", []))
    while stack:
        node = stack.pop()
        ids.add(f"bluesky:{node['post']['uri']}")
        stack += node.get("replies", [])
    rkey = copy.rsplit("/", 1)[1]
    for nsid, field in (("getLikes", "likes"), ("getRepostedBy", "repostedBy")):
        items = requests.get(f"{devnet.appview}/xrpc/app.bsky.feed.{nsid}",
                             params={"uri": copy}, timeout=30).json()[field]  # fmt: skip
        kind = "like" if field == "likes" else "repost"
        ids |= {f"bluesky:{kind}:{rkey}:{(i.get('actor') or i)['did']}" for i in items}
    quotes = requests.get(f"{devnet.appview}/xrpc/app.bsky.feed.getQuotes",
                          params={"uri": copy}, timeout=30).json()["posts"]  # fmt: skip
    return ids | {f"bluesky:{q['uri']}" for q in quotes}


def camilles_adapter(devnet, tmp_path) -> Bluesky:
    """The blog author's Bluesky adapter on the test network, with a session of its own."""
    return Bluesky(
        {"handle": "camille.test", "service": devnet.pds, "plc": devnet.plc,
         "session_cache": str(tmp_path / "session.json")},
        env={"ROOST_BLUESKY_APP_PASSWORD": devnet.accounts["camille"]["password"]},
    )  # fmt: skip


@pytest.fixture()
def herons(devnet, tmp_path):
    """One post syndicated by camille to the test network; its copy as a strong ref."""
    store, adapter = Store(tmp_path / "social"), camilles_adapter(devnet, tmp_path)
    key = f"herons-{tmp_path.name[-12:].replace('_', '-')}"
    post = make_post(
        key=key, url=f"https://camille.blog/{key}/", title="Grey herons",
        date=datetime.now(UTC) - timedelta(minutes=5), texts={"*": f"Grey herons ({key})"},
    )  # fmt: skip
    outcomes = Syndicator(
        store, {"bluesky": adapter}, since=datetime(2025, 1, 1).date(), check_deployed=False
    ).run([post])
    assert [o.action for o in outcomes] == ["posted"], outcomes
    copy = store.read_post(key).copies("bluesky")[0]
    settle(devnet, lambda: indexed(devnet, copy.id))
    return store, adapter, key, {"uri": copy.id, "cid": copy.extra["cid"]}


def test_replies_five_deep_likes_reposts_quotes_pictures_and_deletions(devnet, herons):
    store, adapter, key, copy = herons
    alice, bob, carol = (Account(devnet, n) for n in ("alice", "bob", "carol"))
    chain = [alice.reply("Where was this?", copy, copy, picture="My own heron, at the lake")]
    for who, text in ((bob, "By the canal"), (carol, "Which one?"), (alice, "Near the lock"),
                      (bob, "Thanks!")):  # fmt: skip
        chain.append(who.reply(text, chain[-1], copy))
    like = carol.like(copy)
    repost = bob.repost(copy)
    quote = alice.quote("Look at these herons", copy)
    settle(
        devnet,
        lambda: (
            len(truth(devnet, copy["uri"])) == 8
            and {chain[0]["uri"], quote["uri"]} <= camille_notifications(devnet)
        ),
    )

    # Ground truth about the network itself: the fifth reply notifies nobody above four levels.
    listed = camille_notifications(devnet)
    assert chain[0]["uri"] in listed and chain[4]["uri"] not in listed

    report = backfeed(store, adapter)
    assert not report.failed, report.failed
    got = {x.id: x for x in store.read_post(key).interactions}
    assert set(got) == truth(devnet, copy["uri"])  # complete: all 5 replies, like, repost, quote
    ids = [f"bluesky:{p['uri']}" for p in chain]
    assert [got[i].in_reply_to for i in ids] == [None, *ids[:-1]]  # threaded
    assert got[f"bluesky:{quote['uri']}"].kind == "quote"
    assert got[f"bluesky:{ids[-1].removeprefix('bluesky:')}"].content == "<p>Thanks!</p>"
    like_id = f"bluesky:like:{copy['uri'].rsplit('/', 1)[1]}:{carol.did}"
    assert got[like_id].kind == "like"
    picture = got[ids[0]].media[0]
    assert picture.alt == "My own heron, at the lake"
    assert picture.path and same_picture((store.root / picture.path).read_bytes(), PNG_1X1)
    people = store.read_people()
    assert people[f"bluesky:{alice.did}"].handle == "@alice.test"

    # A quiet run: the notifications (the post is not due for a sweep yet) and the profiles of
    # the people archived (25 a request), nothing written.
    files = {p: p.read_bytes() for p in store.root.rglob("*.json")}
    calls = []
    real_call = adapter.api.call
    adapter.api.call = lambda method, path, **kw: (
        calls.append(path.lstrip("/")) or real_call(method, path, **kw)
    )
    assert not backfeed(store, adapter).change
    assert calls == ["app.bsky.notification.listNotifications", "app.bsky.actor.getProfiles"]
    del adapter.api.call
    assert {p: p.read_bytes() for p in store.root.rglob("*.json")} == files

    # A sixth level and two withdrawals, none of which notifies anybody: the sweep finds them,
    # and the complete lists are the evidence that the like and the repost are gone.
    sixth = carol.reply("Six levels down", chain[-1], copy)
    carol.delete(like)
    bob.delete(repost)
    settle(devnet, lambda: f"bluesky:{sixth['uri']}" in truth(devnet, copy["uri"]))
    assert not backfeed(store, adapter, sweep=0).change  # no notification announces any of it
    report = backfeed(store, adapter, now=datetime.now(UTC) + timedelta(hours=2))
    assert not report.failed, report.failed
    assert report.swept == 1 and report.change.added == 1 and report.change.removed == 2
    got = {x.id: x for x in store.read_post(key).interactions}
    assert set(got) == truth(devnet, copy["uri"])
    assert got[f"bluesky:{sixth['uri']}"].in_reply_to == ids[-1]

    # The fifth reply is deleted: the network's NotFound for it is the evidence. The sixth, now
    # an orphan the thread no longer reaches, is still on the network: kept.
    bob.delete(chain[4])
    settle(devnet, lambda: ids[-1] not in truth(devnet, copy["uri"]))
    report = backfeed(store, adapter, now=datetime.now(UTC) + timedelta(hours=4))
    assert report.change.removed == 1
    got = {x.id: x for x in store.read_post(key).interactions}
    assert ids[-1] not in got and f"bluesky:{sixth['uri']}" in got
    assert set(got) == truth(devnet, copy["uri"]) | {f"bluesky:{sixth['uri']}"}


def test_the_authors_own_answers_are_the_authors(devnet, herons):
    store, adapter, key, copy = herons
    bob = Account(devnet, "bob")
    question = bob.reply("Are they nesting?", copy, copy)
    camille = Account(devnet, "camille")
    answer = camille.reply("Yes, three nests!", question, copy)
    settle(
        devnet,
        lambda: (
            f"bluesky:{answer['uri']}" in truth(devnet, copy["uri"])
            and question["uri"] in camille_notifications(devnet)
        ),  # the AppView lists it late
    )
    # Read as the sweep reads it, so this test is about the answer, not about when the AppView
    # lists a notification (that path has its own tests above).
    assert not backfeed(store, adapter, now=datetime.now(UTC) + timedelta(hours=2)).failed
    got = {x.id: x for x in store.read_post(key).interactions}
    people = store.read_people()
    assert people[got[f"bluesky:{answer['uri']}"].author].is_author
    assert not people[got[f"bluesky:{question['uri']}"].author].is_author


def test_a_failed_fetch_leaves_the_archive_as_it_was(devnet, herons, monkeypatch):
    store, adapter, key, copy = herons
    alice = Account(devnet, "alice")
    alice.reply("First!", copy, copy)
    alice.like(copy)
    settle(devnet, lambda: len(truth(devnet, copy["uri"])) == 2 and camille_notifications(devnet))
    monkeypatch.setattr("roost.commands.backfeed.RETRY_DELAYS", (0, 0))
    snapshot = {p: p.read_bytes() for p in store.root.rglob("posts/*.json")}
    session = adapter.api._session  # the adapter's one connection to its PDS
    real = session.request

    def truncated(method, url, **kwargs):
        r = real(method, url, **kwargs)
        if "getLikes" in url:
            r._content = r.content[: len(r.content) // 2]  # half an answer
        return r

    monkeypatch.setattr(session, "request", truncated)
    report = backfeed(store, adapter)
    assert report.failed and "bluesky" in report.failed
    assert {p: p.read_bytes() for p in store.root.rglob("posts/*.json")} == snapshot
    assert not (store.root / "people").exists()  # nobody stored either
    monkeypatch.setattr(session, "request", real)
    assert backfeed(store, adapter).change.added == 2  # next time, all of it


def test_a_mention_that_links_to_a_post_lands_under_it(devnet, herons):
    store, adapter, key, copy = herons
    carol = Account(devnet, "carol")
    url = f"https://camille.blog/{key}/"
    mention = carol.post(f"@camille.test wrote about herons: {url}")
    carol.post("@camille.test hello, no link")
    settle(devnet, lambda: mention["uri"] in camille_notifications(devnet))
    report = backfeed(store, adapter, posts_by_url=lambda: {url: key})
    assert not report.failed, report.failed
    got = {x.id: x for x in store.read_post(key).interactions}
    assert got[f"bluesky:{mention['uri']}"].kind == "mention"
    assert f'href="{url}"' in got[f"bluesky:{mention['uri']}"].content
    assert len(got) == 1


def test_after_backfeed_and_a_rebuild_the_conversation_is_on_the_page(
    tmp_path, fake, serve, devnet
):
    from test_syndicate import Site

    site = Site(tmp_path, fake, serve, devnet)
    site.run("syndicate", check=True)
    copy = next(s for s in site.ledger("owls")["syndications"] if s["network"] == "bluesky")
    ref = {"uri": copy["id"], "cid": copy["extra"]["cid"]}
    settle(devnet, lambda: indexed(devnet, copy["id"]))
    question = Account(devnet, "bob").reply("Tawny or barn?", ref, ref, picture="A blurry owl")
    answer = Account(devnet, "camille").reply("Tawny, from the call.", question, ref)
    Account(devnet, "carol").like(ref)
    settle(
        devnet,
        lambda: (
            len(truth(devnet, ref["uri"])) == 3 and question["uri"] in camille_notifications(devnet)
        ),
    )
    result = site.run("backfeed", check=True)
    assert "bluesky" in result.stdout and answer["uri"]
    site.run("build", "-s", "publishconf.py", "-o", "output", check=True)
    page = (site.root / f"output/owls{site.salt}/index.html").read_text()
    assert "Tawny or barn?" in page and "Tawny, from the call." in page
    assert '<span class="by-author">author</span>' in page and "1 like" in page
    assert 'alt="A blurry owl"' in page and "social-media/" in page  # the picture, at home
    assert "bsky.public.url" not in page and devnet.pds not in page  # nothing hotlinked


def test_a_post_sent_as_a_thread_is_one_conversation(devnet, tmp_path):
    """Replies to any part land under the post; the later parts are the author's, not replies."""
    store, adapter = Store(tmp_path / "social"), camilles_adapter(devnet, tmp_path)
    text = " ".join(f"egret{i}" for i in range(80))
    post = make_post(key="egrets-thread", url="https://camille.blog/egrets/", thread=True,
                     date=datetime.now(UTC) - timedelta(minutes=3), texts={"*": text})  # fmt: skip
    Syndicator(store, {"bluesky": adapter}, since=datetime(2025, 1, 1).date(),
               check_deployed=False).run([post])  # fmt: skip
    parts = store.read_post("egrets-thread").copies("bluesky")
    assert len(parts) >= 2
    root = {"uri": parts[0].id, "cid": parts[0].extra["cid"]}
    last = {"uri": parts[-1].id, "cid": parts[-1].extra["cid"]}
    settle(devnet, lambda: indexed(devnet, *(p.id for p in parts)))
    alice, bob = Account(devnet, "alice"), Account(devnet, "bob")
    on_start = alice.reply("On the start", root, root)
    on_end = alice.reply("On the end", last, root)
    bob.like(last)
    settle(devnet, lambda: {on_start["uri"], on_end["uri"]} <= camille_notifications(devnet))
    report = backfeed(store, adapter)
    assert not report.failed and report.posts == 1
    got = {x.id: (x.kind, x.in_reply_to) for x in store.read_post("egrets-thread").interactions}
    assert got == {
        f"bluesky:{on_start['uri']}": ("reply", None),
        f"bluesky:{on_end['uri']}": ("reply", None),  # answers a copy: the post itself
        f"bluesky:like:{parts[-1].id.rsplit('/', 1)[1]}:{bob.did}": ("like", None),
    }


def camille_notifications(devnet) -> set[str]:
    camille = Account(devnet, "camille")
    params = {"limit": 100, "reasons": list(Bluesky.REASONS)}  # as the backfeed asks
    data = camille.call("app.bsky.notification.listNotifications", params=params)
    return {n["uri"] for n in data["notifications"]}


def test_someone_who_asks_not_to_be_archived_later_is_removed(devnet, herons):
    """Carol replies, is archived, then writes #nobot in her profile: the next run, with no
    notification and no sweep due, removes her from every record."""
    store, adapter, key, copy = herons
    carol = Account(devnet, "carol")
    answer = carol.reply("Herons at dawn are the best", copy, copy)
    settle(devnet, lambda: answer["uri"] in camille_notifications(devnet))
    backfeed(store, adapter)
    assert f"bluesky:{answer['uri']}" in {x.id for x in store.read_post(key).interactions}

    def profile(description: str) -> None:
        record = {"$type": "app.bsky.actor.profile", "description": description}
        carol.call("com.atproto.repo.putRecord", json={
            "repo": carol.did, "collection": "app.bsky.actor.profile", "rkey": "self",
            "record": record})  # fmt: skip

        def shown():
            r = requests.get(f"{devnet.appview}/xrpc/app.bsky.actor.getProfile",
                             params={"actor": carol.did}, timeout=30)  # fmt: skip
            return r.json().get("description", "") == description

        settle(devnet, shown)

    profile("Birds and boats. #nobot")
    try:
        report = backfeed(store, adapter)
        assert not report.failed
        assert f"bluesky:{carol.did}" not in store.read_people()
        assert all(x.author != f"bluesky:{carol.did}" for x in store.read_post(key).interactions)
    finally:
        profile("")  # the network is shared by the whole session


def test_someone_hidden_from_logged_out_visitors_is_never_kept(devnet, herons):
    """Bluesky has no private posts; what comes closest is the profile setting "discourage apps
    from showing my account to logged-out users" (the self-label ``!no-unauthenticated``). A
    static page is shown to everyone logged out, so such a person's reply and like are never
    stored (the demo's comment policy says only what is public to anyone is kept)."""
    store, adapter, key, copy = herons
    bob = Account(devnet, "bob")
    hidden = {"$type": "com.atproto.label.defs#selfLabels",
              "values": [{"val": "!no-unauthenticated"}]}  # fmt: skip

    def profile(labels: dict | None) -> None:
        record = {"$type": "app.bsky.actor.profile", **({"labels": labels} if labels else {})}
        bob.call("com.atproto.repo.putRecord", json={
            "repo": bob.did, "collection": "app.bsky.actor.profile", "rkey": "self",
            "record": record})  # fmt: skip

        def shown():
            r = requests.get(f"{devnet.appview}/xrpc/app.bsky.actor.getProfile",
                             params={"actor": bob.did}, timeout=30)  # fmt: skip
            vals = {x.get("val") for x in r.json().get("labels", [])}
            return ("!no-unauthenticated" in vals) == bool(labels)

        settle(devnet, shown)

    profile(hidden)
    try:
        answer = bob.reply("Only for people signed in", copy, copy)
        bob.create("app.bsky.feed.like", {"subject": copy})
        settle(devnet, lambda: answer["uri"] in camille_notifications(devnet))
        report = backfeed(store, adapter)
        assert not report.failed
        assert all(x.author != f"bluesky:{bob.did}" for x in store.read_post(key).interactions)
        assert f"bluesky:{bob.did}" not in store.read_people()
        assert "Only for people signed in" not in store.post_path(key).read_text()
    finally:
        profile(None)  # the network is shared by the whole session
