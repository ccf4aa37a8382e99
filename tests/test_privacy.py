"""What the demo's comment policy (content/pages/comment-policy.md) promises, held true: only
public interactions are ever stored, and the people files keep no one the interactions do not
name.

Mastodon: ``public`` and ``unlisted`` statuses are kept (an unlisted one is on the person's
profile and at its address for anyone: only left out of the public timelines); ``private``
(followers only) and ``direct`` (the people mentioned only) are never kept, whichever way they
arrive: a reply in the thread, an answer deeper in it, a mention outside it, a quote. The
author's token can read them all (they mention the author), so this is Roost's choice, not the
server's. webmention.io: an entry marked ``wm-private`` (a private Webmention, sent with a
code) is never kept, whatever its kind. Bluesky has no private posts; its "do not show me to
logged-out visitors" label is tested with the devnet in test_bluesky_backfeed.py.

Nothing of a private interaction may be left anywhere in the records: not its text, not its
author in the people files, not a picture.
"""

from __future__ import annotations

from datetime import date

import pytest
import requests

from roost.commands.backfeed import backfeed
from roost.commands.syndicate import Syndicator
from roost.networks.mastodon.adapter import Mastodon
from roost.store import Store

from sites import make_post, webmention_backfeed


def act(fake, who: str, method: str, path: str, **body) -> dict:
    r = requests.request(
        method, fake.url + path, json=body or None,
        headers={"Authorization": f"Bearer {who}-token"}, timeout=10,
    )  # fmt: skip
    r.raise_for_status()
    return r.json()


def everything_stored(root) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in root.rglob("*.json"))


@pytest.fixture()
def swifts(tmp_path, fake):
    store = Store(tmp_path / "social")
    adapter = Mastodon({"instance": fake.url}, env={"ROOST_MASTODON_TOKEN": "good-token"})
    post = make_post(key="swifts", url="https://camille.blog/swifts/")
    Syndicator(store, {"mastodon": adapter}, since=date(2025, 1, 1), check_deployed=False).run(
        [post]
    )
    fake.tokens |= {"ola-token": "ola", "ruth-token": "ruth"}
    return store, adapter, store.read_post("swifts").copies("mastodon")[0].id


def test_mastodon_followers_only_and_direct_statuses_are_never_kept(fake, swifts):
    store, adapter, copy = swifts

    def say(who, text, visibility="public", **more):
        return act(fake, who, "POST", "/api/v1/statuses", status=text, visibility=visibility,
                   **more)  # fmt: skip

    public = say("bob", "@camille Swifts sleep on the wing!", in_reply_to_id=copy)
    unlisted = say("ruth", "@camille Mine came back on Tuesday.", "unlisted", in_reply_to_id=copy)
    say("ines", "@camille (followers) SECRET-ONE", "private", in_reply_to_id=copy)
    say("ola", "@camille @bob (followers) SECRET-TWO", "private", in_reply_to_id=public["id"])
    say("ola", "@camille just us: SECRET-THREE https://camille.blog/swifts/", "direct")
    say("ines", "@camille SECRET-FOUR", "direct", quoted_status_id=copy)

    public_mention = say("kenji", "@camille read https://camille.blog/swifts/ (public)")
    report = backfeed(
        store, adapter, posts_by_url=lambda: {"https://camille.blog/swifts/": "swifts"}
    )
    assert not report.failed
    kept = {x.id for x in store.read_post("swifts").interactions}
    assert kept == {f"mastodon:{i['id']}" for i in (public, unlisted, public_mention)}
    stored = everything_stored(store.root)
    assert "SECRET" not in stored
    people = store.read_people()
    assert "mastodon:ines@other.example" not in people  # known only by what she said privately
    assert "mastodon:ola@other.example" not in people


def test_webmention_io_private_entries_are_never_kept(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    target = "https://camille.blog/2026/swifts/"
    fake.add(target, "in-reply-to", "tomas.example", content={"text": "Lovely swifts"})
    private = {"wm-private": True}
    fake.add(target, "in-reply-to", "eve.example", content={"text": "SECRET reply"}, **private)
    fake.add(target, "mention-of", "dan.example", content={"text": "SECRET mention"}, **private)
    fake.add(target, "like-of", "carol.example", **private)
    fake.add(target, "rsvp", "hal.example", rsvp="yes", content={"text": "SECRET"}, **private)
    change, failure = webmention_backfeed(store, source, {target: "swifts"})
    assert not failure and change.added == 1
    assert [x.author for x in store.read_post("swifts").interactions] == [
        "webmention:tomas.example"
    ]
    assert "SECRET" not in everything_stored(store.root)
    assert set(store.read_people()) == {"webmention:tomas.example"}


def test_someone_whose_every_interaction_was_deleted_is_not_kept(fake, swifts):
    """Bob replied and liked, then deleted his reply and took the like back; Ruth's reply stays.
    Once the network says so, nothing names Bob: his people entry and his avatar go too."""
    store, adapter, copy = swifts
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille hi", in_reply_to_id=copy)
    act(fake, "bob", "POST", f"/api/v1/statuses/{copy}/favourite")
    act(fake, "ruth", "POST", "/api/v1/statuses", status="@camille hello", in_reply_to_id=copy)
    backfeed(store, adapter)
    people = store.read_people()
    avatar = people["mastodon:bob@other.example"].avatar
    assert avatar and (store.root / avatar).is_file()
    assert people["mastodon:ruth@other.example"].avatar == avatar  # the same picture: shared
    act(fake, "bob", "DELETE", f"/api/v1/statuses/{bob['id']}")
    fake.favourites[copy].remove("bob")
    act(fake, "ruth", "POST", f"/api/v1/statuses/{copy}/favourite")  # activity: read again
    report = backfeed(store, adapter)
    assert report.change.removed == 2 and not report.failed
    people = store.read_people()
    assert "mastodon:bob@other.example" not in people
    assert "mastodon:ruth@other.example" in people
    assert (store.root / avatar).is_file()  # still Ruth's


def test_a_person_named_by_a_record_that_cannot_be_read_is_kept(fake, swifts):
    """A record that cannot be read may name them: nobody is dropped until it is mended."""
    store, adapter, copy = swifts
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille hi", in_reply_to_id=copy)
    act(fake, "ruth", "POST", "/api/v1/statuses", status="@camille hello", in_reply_to_id=copy)
    backfeed(store, adapter)
    (store.root / "posts" / "broken.json").write_text("{not json")
    act(fake, "bob", "DELETE", f"/api/v1/statuses/{bob['id']}")
    act(fake, "ruth", "POST", f"/api/v1/statuses/{copy}/favourite")
    backfeed(store, adapter)
    assert "mastodon:bob@other.example" in store.read_people()
