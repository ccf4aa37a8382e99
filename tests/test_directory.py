"""The audience directory (roost.audience.directory): one person per account plus the merges
recorded in identities.json, moderation applied, most engaged first, found by any of their ids."""

from __future__ import annotations

import json

from roost.audience.directory import load_directory
from roost.audience.identities import person_id
from roost.model import Interaction, PostRecord
from roost.people import Person, person_fingerprint
from roost.store import Store

BOB = Person("mastodon:bob@birds.example", "mastodon", "Bob Martin", "@bob@birds.example",
             "https://birds.example/@bob")  # fmt: skip
BOB_SKY = Person(
    "bluesky:did:plc:bob", "bluesky", "Bob", "@bob.example", "https://bsky.app/profile/bob.example"
)
ANA = Person("webmention:ana.example", "webmention", "Ana", "ana.example", "https://ana.example/")
ME = Person("mastodon:me@birds.example", "mastodon", "Me", "@me@birds.example", is_author=True)


def said(n: int, who: Person, kind: str = "like", day: int = 1) -> Interaction:
    return Interaction(f"{who.network}:{n}", who.network, kind, who.id,
                       f"2026-05-{day:02d}T10:00:00Z")  # fmt: skip


def records(tmp_path, merges=(), **moderation):
    store = Store(tmp_path)
    with store.lock():
        everyone = [BOB, BOB_SKY, ANA, ME]
        for net in ("mastodon", "bluesky", "webmention"):
            store.write_people(net, {p.id: p for p in everyone})
        store.write_post(
            PostRecord(
                "one",
                interactions=[
                    said(1, BOB, "reply", 3),
                    said(2, ANA, "like", 2),
                    said(3, ME, "reply", 4),
                ],
            )
        )
        store.write_post(PostRecord("two", interactions=[said(4, BOB_SKY, "repost", 9)]))
        store.write_post(PostRecord("three", interactions=[said(5, ANA, "reply", 5)]))
        mod = store.read_moderation()
        for key, value in moderation.items():
            getattr(mod, key).extend(value)
        store.write_moderation(mod)
    if merges:
        data = {"format": 1, "merges": list(merges), "apart": []}
        (tmp_path / "identities.json").write_text(json.dumps(data))
    return tmp_path


def merge(a: Person, b: Person, **extra) -> dict:
    return {"accounts": [a.id, b.id], "kind": "author", "urls": [], "checked": None,
            "made": "2026-06-01T00:00:00Z", **extra}  # fmt: skip


def test_one_person_per_account_without_merges_and_the_author_is_not_one(tmp_path):
    directory = load_directory(records(tmp_path))
    assert [s.name for s in directory.people] == ["Ana", "Bob", "Bob Martin"]
    ana = directory.people[0]
    assert ana.id == person_id(ANA.id) and ana.id.startswith("person:") and len(ana.id) == 19
    assert ana.engagement == (2, 2) and ana.posts == {"one", "three"}
    assert ana.counts == {("like", "webmention"): 1, ("reply", "webmention"): 1}
    assert (ana.first.day, ana.last.day) == (2, 5)
    assert ana.websites == ["https://ana.example/"]
    assert directory.find(ME.id) is None


def test_an_explicit_merge_joins_accounts_and_every_former_id_still_finds_them(tmp_path):
    directory = load_directory(records(tmp_path, [merge(BOB, BOB_SKY)]))
    bob = directory.find(BOB.id)
    assert [a.id for a in bob.accounts] == [BOB.id, BOB_SKY.id]
    assert bob.id == person_id(BOB.id) and bob.aliases == [person_id(BOB_SKY.id)]
    assert bob.name == "Bob Martin"
    assert bob.engagement == (2, 2)
    assert directory.find(person_id(BOB_SKY.id)) is bob is directory.find(BOB_SKY.id)
    assert directory.find(bob.id) is bob
    # Both came to two posts, twice: the one seen last comes first.
    assert [s.id for s in directory.people] == [bob.id, person_id(ANA.id)]


def test_an_undone_merge_or_a_pair_kept_apart_joins_nobody(tmp_path):
    undone = merge(BOB, BOB_SKY, undone="2026-06-02T00:00:00Z")
    assert len(load_directory(records(tmp_path, [undone])).people) == 3
    social = records(tmp_path, [merge(BOB, BOB_SKY)])
    data = json.loads((social / "identities.json").read_text())
    data["apart"] = [{"accounts": [BOB_SKY.id, BOB.id], "made": "2026-06-03T00:00:00Z"}]
    (social / "identities.json").write_text(json.dumps(data))
    assert len(load_directory(social).people) == 3


def test_moderation_wins_over_merges(tmp_path):
    social = records(tmp_path, [merge(BOB, BOB_SKY)], blocked_accounts=[BOB_SKY.id])
    directory = load_directory(social)
    assert [s.name for s in directory.people] == ["Ana"]
    assert directory.find(BOB.id) is None
    forgotten = records(tmp_path, forgotten=[person_fingerprint(ANA.id)])
    assert directory.find(ANA.id) is not None
    assert load_directory(forgotten).find(ANA.id) is None


def test_a_domain_block_leaves_out_that_account_only(tmp_path):
    social = records(tmp_path, [merge(BOB, BOB_SKY)], blocked_domains=["birds.example"])
    bob = load_directory(social).find(BOB_SKY.id)
    assert [a.id for a in bob.accounts] == [BOB_SKY.id] and bob.engagement == (1, 1)


def test_hidden_interactions_are_not_counted(tmp_path):
    social = records(tmp_path, hidden=["webmention:5"])
    assert load_directory(social).find(ANA.id).engagement == (1, 1)


def test_the_demo_records_load(tmp_path):
    from sites import REPO

    directory = load_directory(REPO / "social")
    assert directory.people and all(s.accounts for s in directory.people)


def test_a_web_author_once_known_by_host_is_found_by_the_old_id(tmp_path):
    old = Person("webmention:medium.com", "webmention", "A", "medium.com", "https://medium.com/@a")
    new = Person("webmention:medium.com/@a", "webmention", "A", "medium.com/@a",
                 "https://medium.com/@a")  # fmt: skip
    other = Person("webmention:medium.com/@b", "webmention", "B", "medium.com/@b",
                   "https://medium.com/@b")  # fmt: skip
    store = Store(tmp_path)
    with store.lock():
        store.write_people("webmention", {p.id: p for p in (old, new, other)})
        store.write_post(PostRecord("one", interactions=[said(1, old), said(2, new, day=4)]))
    directory = load_directory(tmp_path)
    a = directory.find(old.id)
    assert a is directory.find(new.id) and a.engagement == (1, 2)
    assert directory.find(other.id) is not a
    assert [m.kind for m in a.merges] == ["renamed"]
