"""Accounts are one person on evidence only (roost people verify), each kind case by case: what
must merge, what must not, and that every merge says why and can be undone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roost.audience.directory import load_directory, read_identities
from roost.commands.people_edit import merge, split
from roost.commands.people_verify import verify
from roost.model import Interaction, PostRecord
from roost.networks.guarded_fetch import GuardedFetcher, allow_in_tests
from roost.people import Person
from roost.store import Store

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def masto(user: str, *links: str, name: str = "") -> Person:
    return Person(f"mastodon:{user}@birds.example", "mastodon", name or user.title(),
                  f"@{user}@birds.example", f"https://birds.example/@{user}",
                  links=list(links))  # fmt: skip


def sky(handle: str, name: str = "") -> Person:
    did = "did:plc:" + handle.split(".")[0]
    return Person(f"bluesky:{did}", "bluesky", name or handle, f"@{handle}",
                  f"https://bsky.app/profile/{did}")  # fmt: skip


def web(host: str, name: str = "") -> Person:
    return Person(f"webmention:{host}", "webmention", name or host, host, f"https://{host}/")


@pytest.fixture()
def sites():
    from fakes.websites import FakeWebsites

    fake = FakeWebsites()
    fake.start()
    allow_in_tests("127.0.0.1", int(fake.url.rsplit(":", 1)[1]))
    yield fake
    fake.stop()


def records(tmp_path, *people: Person) -> Store:
    store = Store(tmp_path / "social")
    with store.lock():
        for net in ("mastodon", "bluesky", "webmention"):
            store.write_people(net, {p.id: p for p in people})
        said = [Interaction(f"{p.network}:{i}", p.network, "like", p.id, "2026-05-01T10:00:00Z")
                for i, p in enumerate(people)]  # fmt: skip
        store.write_post(PostRecord("swifts", interactions=said))
    return store


def run(store: Store, sites, days: int = 30, now=NOW):
    return verify(store, GuardedFetcher(), days=days, now=now, local=sites.local)


def together(store: Store, a: Person, b: Person) -> bool:
    directory = load_directory(store.root)
    return directory.find(a.id) is directory.find(b.id) is not None


def test_rel_me_both_ways_merges_and_says_why(tmp_path, sites):
    bob, site = masto("bob", "https://bob.example/"), web("bob.example")
    sites.rel_me("https://bob.example/", "https://birds.example/@bob")
    store = records(tmp_path, bob, site)
    done = run(store, sites)
    assert together(store, bob, site) and done.fetched == 1
    [m] = read_identities(store.root).merges
    assert (m.kind, m.checked, m.accounts) == ("rel-me", "2026-12-01T00:00:00Z", (bob.id, site.id))
    assert m.urls == ["https://birds.example/@bob", "https://bob.example/"]
    someone = load_directory(store.root).find(site.id)
    assert someone.websites == ["https://bob.example/"] and someone.engagement == (1, 2)


def test_a_bluesky_domain_handle_that_names_the_did_merges(tmp_path, sites):
    sam, site = sky("sam.example"), web("sam.example")
    sites.did("sam.example", "did:plc:sam")
    store = records(tmp_path, sam, site)
    run(store, sites)
    assert together(store, sam, site)
    assert read_identities(store.root).merges[0].kind == "bluesky-domain"


def test_the_same_website_verified_on_two_networks_merges(tmp_path, sites):
    kim_m, kim_b = masto("kim", "https://kim.example/"), sky("kim.example")
    sites.rel_me("https://kim.example/", "https://birds.example/@kim")
    sites.did("kim.example", "did:plc:kim")
    store = records(tmp_path, kim_m, kim_b)
    run(store, sites)
    assert together(store, kim_m, kim_b)
    assert read_identities(store.root).merges[0].kind == "same-website"


def test_what_must_not_merge(tmp_path, sites):
    same_name = [masto("ana", name="Ana Ribeiro"), sky("ana.bsky.example", name="Ana Ribeiro")]
    same_name[0].avatar = same_name[1].avatar = "media/aa/" + "a" * 64 + ".png"
    one_way_site = [masto("cat"), web("cat.example")]  # the site links the profile, not back
    sites.rel_me("https://cat.example/", "https://birds.example/@cat")
    one_way_profile = [masto("dan", "https://dan.example/"), web("dan.example")]
    sites.rel_me("https://dan.example/")  # the profile links the site; the site links nobody
    private = [masto("eve", "https://eve.example/"), web("eve.example")]
    sites.redirect("https://eve.example/", "http://10.0.0.1/")
    other_did = [sky("fay.example"), web("fay.example")]
    sites.did("fay.example", "did:plc:someoneelse")
    store = records(tmp_path, *same_name, *one_way_site, *one_way_profile, *private, *other_did)
    done = run(store, sites)
    assert read_identities(store.root).merges == []
    assert len(load_directory(store.root).people) == 10
    assert any("eve" in line for line in done.unreadable)


def test_checks_are_cached_with_a_date_and_read_again_after_the_interval(tmp_path, sites):
    bob, site = masto("bob", "https://bob.example/"), web("bob.example")
    sites.rel_me("https://bob.example/", "https://birds.example/@bob")
    store = records(tmp_path, bob, site)
    run(store, sites)
    again = run(store, sites)
    assert (again.fetched, again.cached) == (0, 1)
    # The site drops the link; read again after the interval, the merge is undone, and why.
    sites.rel_me("https://bob.example/")
    later = run(store, sites, days=30, now=datetime(2027, 1, 15, tzinfo=UTC))
    assert later.fetched == 1 and len(later.undone) == 1
    [m] = read_identities(store.root).merges
    assert m.undone and "no rel=me link" in m.note
    assert not together(store, bob, site)


def test_an_unreadable_site_undoes_nothing(tmp_path, sites):
    bob, site = masto("bob", "https://bob.example/"), web("bob.example")
    sites.rel_me("https://bob.example/", "https://birds.example/@bob")
    store = records(tmp_path, bob, site)
    run(store, sites)
    sites.redirect("https://bob.example/", "http://169.254.169.254/")
    later = run(store, sites, days=0)
    assert later.undone == [] and together(store, bob, site)


def test_merge_and_split_by_the_author_are_recorded_undone_and_stick(tmp_path, sites):
    bob, site = masto("bob", "https://bob.example/"), web("bob.example")
    ana_m, ana_b = masto("ana"), sky("ana.bsky.example")
    sites.rel_me("https://bob.example/", "https://birds.example/@bob")
    store = records(tmp_path, bob, site, ana_m, ana_b)
    made = merge(store, ana_m.id, ana_b.id, "same person")
    assert made.kind == "author" and together(store, ana_m, ana_b)
    first_id = load_directory(store.root).find(ana_m.id).id
    run(store, sites)
    assert together(store, bob, site)
    undone = split(store, site.id)
    assert len(undone) == 1 and not together(store, bob, site)
    run(store, sites, days=0)  # the evidence still holds, but the author said no
    assert not together(store, bob, site)
    merge(store, bob.id, site.id)  # and the author can change their mind
    assert together(store, bob, site)
    assert load_directory(store.root).find(ana_b.id).id == first_id
    assert [m.kind for m in read_identities(store.root).merges] == ["author", "rel-me", "author"]


def test_the_backfeed_keeps_the_https_sites_a_mastodon_profile_links(fake):
    from fakes.mastodon import profile_field

    from roost.networks.mastodon.reading import person

    fake.profiles["bob"] = {"fields": [
        profile_field("Blog", "https://bob.example/", "2026-05-01T00:00:00.000+00:00"),
        profile_field("Old site", "http://old.bob.example/"),  # http: Mastodon checks https only
        profile_field("Pronouns", "he/him"),
    ]}  # fmt: skip
    bob = person(fake.account_entity("bob"), "other.example", None)
    assert bob.links == ["https://bob.example/"]
    assert Person.from_dict(bob.to_dict(), "").links == bob.links
    assert "links" not in person(fake.account_entity("ines"), "other.example", None).to_dict()
