"""Who said it, from what was verified: a Webmention cannot speak for another site, a block of
its own site applies, and everyone arriving through Bridgy is their own person."""

from __future__ import annotations

from roost.store import Store

from sites import webmention_backfeed

POSTS = {"https://camille.blog/2026/swifts/": "swifts"}
TARGET = "https://camille.blog/2026/swifts/"


def test_a_page_cannot_claim_to_be_another_site(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    fake.add(TARGET, "in-reply-to", "friend.example", content={"text": "Lovely post."},
             author={"type": "card", "name": "Friend", "url": "https://friend.example/",
                     "photo": "https://friend.example/me.png"})  # fmt: skip
    webmention_backfeed(store, source, POSTS)
    # evil.example's page says its author is https://friend.example/, with friend's name.
    fake.add(TARGET, "in-reply-to", "evil.example", content={"text": "Buy now"},
             author={"type": "card", "name": "Friend", "url": "https://friend.example/",
                     "photo": "https://evil.example/fake.png"})  # fmt: skip
    webmention_backfeed(store, source, POSTS)
    people = store.read_people()
    friend, evil = people["webmention:friend.example"], people["webmention:evil.example"]
    assert (friend.name, friend.avatar_source) == ("Friend", "https://friend.example/me.png")
    assert (evil.name, evil.url, evil.avatar_source) == ("evil.example", "https://evil.example/",
                                                         None)  # fmt: skip
    by = {x.content: x.author for x in store.read_post("swifts").interactions}
    assert by["Buy now"] == "webmention:evil.example"


def test_a_block_of_the_source_s_site_applies_whatever_it_claims(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    with store.lock():
        moderation = store.read_moderation()
        moderation.blocked_domains.append("evil.example")
        store.write_moderation(moderation)
    claim = {"type": "card", "name": "Friend", "url": "https://friend.example/"}
    fake.add(TARGET, "in-reply-to", "evil.example", content={"text": "Buy now"}, author=claim)
    fake.add(TARGET, "in-reply-to", "shop.evil.example", content={"text": "Cheap"})
    change, failure = webmention_backfeed(store, source, POSTS)
    assert not failure and change.added == 0
    assert store.read_post("swifts").interactions == []
    assert store.read_people() == {}


def bridgy(fake, prop: str, account_url: str, name: str, photo: str, n: int) -> None:
    fake.add(TARGET, prop, "brid.gy",
             **{"wm-source": f"https://brid.gy/{prop}/bluesky/camille.blog/post{n}/x{n}",
                "url": f"https://bsky.app/profile/camille.blog/post/abc#liked_by_{n}",
                "author": {"type": "card", "name": name, "url": account_url,
                           "photo": photo}})  # fmt: skip


def test_people_arriving_through_bridgy_are_one_person_each(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    bridgy(fake, "like-of", "https://bsky.app/profile/did:plc:alice", "Alice",
           "https://cdn.bsky.app/alice.jpg", 1)  # fmt: skip
    bridgy(fake, "like-of", "https://bsky.app/profile/did:plc:bob", "Bob",
           "https://cdn.bsky.app/bob.jpg", 2)  # fmt: skip
    bridgy(fake, "repost-of", "https://mastodon.social/@carol", "Carol",
           "https://files.mastodon.social/carol.png", 3)  # fmt: skip
    webmention_backfeed(store, source, POSTS)
    people = store.read_people()
    assert {p.name for p in people.values()} == {"Alice", "Bob", "Carol"}
    assert set(people) == {
        "webmention:bsky.app/profile/did:plc:alice",
        "webmention:bsky.app/profile/did:plc:bob",
        "webmention:mastodon.social/@carol",
    }
    assert people["webmention:mastodon.social/@carol"].domain == "mastodon.social"
    authors = {x.author for x in store.read_post("swifts").interactions}
    assert authors == set(people)


def test_a_source_that_is_not_a_plain_domain_names_nobody(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    fake.add(TARGET, "in-reply-to", "x", **{"wm-source": "https://a$(reboot)b.example/p"})
    fake.add(TARGET, "in-reply-to", "y", **{"wm-source": "javascript:alert(1)"})
    change, _ = webmention_backfeed(store, source, POSTS)
    assert change.added == 0 and store.read_people() == {}


def test_someone_forgotten_or_blocked_on_their_network_stays_out_when_bridgy_brings_them(
    tmp_path, wm
):
    from roost.commands import moderation

    fake, source = wm
    store = Store(tmp_path)
    with store.lock():
        model = store.read_moderation()
        model.blocked_domains.append("spam.bsky.social")
        store.write_moderation(model)
        from roost.model import Interaction, PostRecord
        from roost.people import Person

        bob = Person("mastodon:bob@birds.example", "mastodon", "Bob", "@bob@birds.example")
        store.write_people("mastodon", {bob.id: bob})
        said = Interaction("mastodon:1", "mastodon", "reply", bob.id, "2026-05-01T10:00:00Z")
        store.write_post(PostRecord("swifts", interactions=[said]))
    assert moderation.forget(store, bob.id) is not None
    bridgy(fake, "like-of", "https://birds.example/@bob", "Bob", "", 1)
    bridgy(fake, "like-of", "https://bsky.app/profile/eve.spam.bsky.social", "Eve", "", 2)
    bridgy(fake, "like-of", "https://bsky.app/profile/carol.bsky.social", "Carol", "", 3)
    webmention_backfeed(store, source, POSTS)
    assert [p.name for p in store.read_people().values()] == ["Carol"]


def test_two_authors_on_one_host_are_two_people_and_neither_can_speak_for_the_other(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    for who, text in (("a", "First"), ("b", "Second")):
        fake.add(TARGET, "in-reply-to", "medium.com", content={"text": text},
                 **{"wm-source": f"https://medium.com/@{who}/swifts-{who}"},
                 author={"type": "card", "name": who.upper(),
                         "url": f"https://medium.com/@{who}"})  # fmt: skip
    # b's page claims to be a: it lies under /@b, so it is not a, and names only the host.
    fake.add(TARGET, "in-reply-to", "medium.com", content={"text": "I am a"},
             **{"wm-source": "https://medium.com/@b/fake"},
             author={"type": "card", "name": "A", "url": "https://medium.com/@a"})  # fmt: skip
    webmention_backfeed(store, source, POSTS)
    by = {x.content: x.author for x in store.read_post("swifts").interactions}
    assert by == {"First": "webmention:medium.com/@a", "Second": "webmention:medium.com/@b",
                  "I am a": "webmention:medium.com"}  # fmt: skip
    people = store.read_people()
    assert people["webmention:medium.com/@a"].name == "A"
    assert people["webmention:medium.com/@a"].url == "https://medium.com/@a"


def test_a_personal_site_keeps_its_id(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    fake.add(TARGET, "in-reply-to", "ana.example", content={"text": "Hi"},
             **{"wm-source": "https://ana.example/2026/05/swifts"},
             author={"type": "card", "name": "Ana", "url": "https://ana.example/"})  # fmt: skip
    webmention_backfeed(store, source, POSTS)
    assert set(store.read_people()) == {"webmention:ana.example"}
