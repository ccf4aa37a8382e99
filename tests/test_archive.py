"""Merging what came back: added, updated only when it matters, removed only on evidence."""

from __future__ import annotations

from roost.archive import Harvest, forget, merge
from roost.model import Interaction, PostRecord
from roost.people import Moderation, Person, person_fingerprint

BOB, EVE = "mastodon:bob@b.example", "mastodon:eve@spam.example"


def reply(n: int, text: str = "hi", author: str = BOB, **kw) -> Interaction:
    return Interaction(
        id=f"mastodon:{n}",
        network="mastodon",
        kind="reply",
        author=author,
        published=f"2026-05-01T10:00:{n:02d}Z",
        content=f"<p>{text}</p>",
        **kw,
    )


def people() -> dict[str, Person]:
    return {BOB: Person(BOB, "mastodon", "Bob"), EVE: Person(EVE, "mastodon", "Eve")}


def test_new_interactions_are_added_and_nothing_changes_twice():
    record = PostRecord("p")
    change = merge(record, Harvest([reply(1), reply(2)]), Moderation(), people())
    assert (change.added, change.updated, change.removed) == (2, 0, 0)
    assert not merge(record, Harvest([reply(1), reply(2)]), Moderation(), people())


def test_an_edit_replaces_the_stored_interaction():
    record = PostRecord("p", interactions=[reply(1, "typo")])
    change = merge(
        record, Harvest([reply(1, "fixed", updated="2026-05-01T11:00:00Z")]), Moderation(), {}
    )
    assert change.updated == 1 and record.interactions[0].content == "<p>fixed</p>"


def test_only_positive_evidence_removes():
    record = PostRecord("p", interactions=[reply(1), reply(2), reply(3)])
    # A fetch that came back short (failed, partial, rate limited) removes nothing.
    assert not merge(record, Harvest([reply(1)]), Moderation(), people())
    assert len(record.interactions) == 3
    # The network said this one is gone: it goes, even if an older page still lists it.
    change = merge(record, Harvest([reply(2)], gone={"mastodon:2"}), Moderation(), people())
    assert change.removed == 1
    assert [x.id for x in record.interactions] == ["mastodon:1", "mastodon:3"]


def test_moderated_people_and_hidden_interactions_are_never_stored():
    mod = Moderation(blocked_domains=["spam.example"], hidden=["mastodon:3"])
    everyone = people()
    record = PostRecord("p")
    merge(record, Harvest([reply(1), reply(2, author=EVE), reply(3)]), mod, everyone)
    assert [x.id for x in record.interactions] == ["mastodon:1"]
    forgotten = Moderation(forgotten=[person_fingerprint(BOB)])
    merge(record, Harvest([reply(4)], people=[Person(BOB, "mastodon", "Bob")]), forgotten, {})
    assert [x.id for x in record.interactions] == ["mastodon:1"]


def test_opted_out_people_are_not_archived():
    quiet = Person(BOB, "mastodon", "Bob", opted_out=True)
    known: dict[str, Person] = {}
    record = PostRecord("p")
    merge(record, Harvest([reply(1)], people=[quiet]), Moderation(), known)
    assert record.interactions == [] and known == {}


def test_forget_removes_a_person_from_a_record():
    record = PostRecord("p", interactions=[reply(1), reply(2, author=EVE), reply(3)])
    assert forget(record, BOB) == 2
    assert [x.author for x in record.interactions] == [EVE]
