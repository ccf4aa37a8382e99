"""RSVPs: checked on load, brought home from webmention.io, merged and moderated like likes, and
shown as Going / Maybe / Not going / Interested facepiles that mf2 consumers read as p-rsvp."""

from __future__ import annotations

import json

import mf2py
import pytest
from bs4 import BeautifulSoup

from roost.archive import Harvest, merge
from roost.model import Interaction, PostRecord, RecordError
from roost.networks.webmention_io import WebmentionIO
from roost.people import Moderation, Person
from roost.records_merge import merge_posts
from roost.store import Store

from sites import PNG_1X1, article, build, person, record, reply, webmention_backfeed, write_site

EVENT = "https://camille.blog/2026/meetup/"
AVATAR = "media/aa/" + "a" * 64 + ".png"


def rsvp(n: int, site: str, answer: str, when: str = "2026-01-16T10:00:00Z", **extra) -> dict:
    return {"id": f"webmention:{n}", "kind": "rsvp", "network": "webmention",
            "author": f"webmention:{site}", "in_reply_to": None, "published": when,
            "url": f"https://{site}/rsvp/{n}", "content": "", "rsvp": answer, **extra}  # fmt: skip


# ------------------------------------------------------------------ the record


def test_an_rsvp_keeps_its_answer_through_the_store(tmp_path):
    store = Store(tmp_path)
    rec = PostRecord.from_dict(record("meetup", [rsvp(1, "ana.example", "interested")]))
    with store.lock():
        store.write_post(rec)
    again = store.read_post("meetup").interactions[0]
    assert (again.kind, again.rsvp) == ("rsvp", "interested")
    saved = json.loads(store.post_path("meetup").read_text())
    assert saved["interactions"][0]["rsvp"] == "interested"
    # Every other kind is written as before: no "rsvp" key.
    assert "rsvp" not in Interaction("m:1", "m", "like", "m:a", "2026-01-01T00:00:00Z").to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rsvp": "perhaps"},
         "interactions[0].rsvp 'perhaps' is not one of yes, maybe, no, interested"),
        ({"rsvp": None}, "interactions[0].rsvp is missing"),
        ({"rsvp": 1}, "interactions[0].rsvp must be a string, not int"),
        ({"kind": "like"}, "interactions[0].rsvp is only for kind 'rsvp', not 'like'"),
    ],
)  # fmt: skip
def test_a_bad_rsvp_is_one_line_naming_the_file(tmp_path, change, message):
    item = rsvp(1, "ana.example", "yes") | change
    if change.get("rsvp", "") is None:
        del item["rsvp"]
    write_site(tmp_path, {}, records={"meetup": record("meetup", [item])})
    with pytest.raises(RecordError) as e:
        Store(tmp_path / "social").read_post("meetup")
    assert str(e.value).endswith(f"posts/meetup.json: {message}")


def test_a_changed_answer_replaces_the_stored_one_and_merges_like_any_interaction():
    old = Interaction.from_dict(rsvp(1, "ana.example", "maybe"), "")
    new = Interaction.from_dict(rsvp(1, "ana.example", "yes"), "")
    rec = PostRecord(key="meetup", interactions=[old])
    change = merge(rec, Harvest(interactions=[new]), Moderation(), {})
    assert change.updated == 1 and rec.interactions[0].rsvp == "yes"
    # Two runs: one heard Ana's yes, the other Bo's no; the merge keeps both, answers intact.
    base = record("meetup", [rsvp(1, "ana.example", "maybe")])
    ours = record("meetup", [rsvp(1, "ana.example", "yes")])
    theirs = record("meetup", [rsvp(1, "ana.example", "maybe"), rsvp(2, "bo.example", "no")])
    merged = {x["id"]: x["rsvp"] for x in merge_posts(base, ours, theirs)["interactions"]}
    assert merged == {"webmention:1": "yes", "webmention:2": "no"}


def test_moderation_refuses_rsvps_like_likes():
    blocked = Moderation(blocked_domains=["spam.example"], hidden=["webmention:3"])
    rec = PostRecord(key="meetup")
    harvest = Harvest(
        interactions=[Interaction.from_dict(rsvp(n, site, "yes"), "")
                      for n, site in ((1, "ana.example"), (2, "spam.example"), (3, "bo.example"))],
        people=[Person(id=f"webmention:{s}", network="webmention", name=s, handle=s)
                for s in ("ana.example", "spam.example", "bo.example")],
    )  # fmt: skip
    merge(rec, harvest, blocked, {})
    assert [x.id for x in rec.interactions] == ["webmention:1"]


# ------------------------------------------------------------------ webmention.io


def test_rsvps_from_webmention_io_are_archived_with_their_answer(tmp_path, wm):
    fake, source = wm
    for site, answer in (("ana.example", "yes"), ("bo.example", "maybe"),
                         ("cy.example", "no"), ("di.example", "interested")):  # fmt: skip
        fake.add(EVENT, "rsvp", site, rsvp=answer)
    note = {"html": "<p>See you there<script>x()</script></p>", "text": "See you there"}
    fake.add(EVENT, "rsvp", "ed.example", rsvp="Yes ", content=note)
    fake.add(EVENT, "rsvp", "fay.example", rsvp="perhaps")  # not an answer: not archived
    fake.add(EVENT, "rsvp", "gus.example")  # no answer at all: not archived
    fake.add(EVENT, "rsvp", "hal.example", rsvp="yes", **{"wm-private": True})
    assert fake.entries[0]["in-reply-to"] == EVENT  # as webmention.io's jf2 says it
    change, failure = webmention_backfeed(Store(tmp_path), source, {EVENT: "meetup"})
    assert not failure and change.added == 5
    stored = Store(tmp_path).read_post("meetup").interactions
    answers = {x.author.removeprefix("webmention:"): x.rsvp for x in stored}
    assert answers == {"ana.example": "yes", "bo.example": "maybe", "cy.example": "no",
                       "di.example": "interested", "ed.example": "yes"}  # fmt: skip
    assert {x.kind for x in stored} == {"rsvp"}
    note = next(x for x in stored if x.author == "webmention:ed.example")
    assert note.content == "<p>See you there</p>"  # the note, sanitised like a reply
    assert "rsvp" in WebmentionIO.BRINGS_HOME


# ------------------------------------------------------------------ the page


def _site(tmp_path, interactions, moderation=None):
    people = [person("webmention:ana.example", "Ana <b>Ribeiro</b>", url="https://ana.example/",
                     avatar=AVATAR),
              person("webmention:bo.example", "Bo", url="https://bo.example/"),
              person("webmention:cy.example", "Cy"),
              person("webmention:di.example", "Di", url="https://di.example/")]  # fmt: skip
    posts = {"meetup.md": article("Meetup", "meetup"), "plain.md": article("Plain", "plain")}
    records = {
        "meetup": record("meetup", interactions),
        "plain": record("plain", [reply("9", "webmention:bo.example", "<p>Hi</p>")]),
    }
    write_site(tmp_path, posts, records=records, people={"webmention": people},
               moderation=moderation, media={AVATAR: PNG_1X1})  # fmt: skip
    return build(tmp_path)


def test_four_facepiles_read_back_as_p_rsvp_with_name_url_and_photo(tmp_path):
    built = _site(tmp_path, [
        rsvp(1, "ana.example", "yes"),
        rsvp(2, "bo.example", "yes", when="2026-01-16T09:00:00Z"),
        rsvp(3, "bo.example", "maybe", when="2026-01-16T08:00:00Z"),  # changed his mind: yes
        rsvp(4, "cy.example", "no"),
        rsvp(5, "di.example", "interested"),
    ])  # fmt: skip
    assert built.errors() == []
    html = built.page("meetup/index.html")
    soup = BeautifulSoup(html, "html.parser")
    headings = [h.text for h in soup.select(".facepile h3")]
    assert headings == ["Going (2)", "Not going (1)", "Interested (1)"]  # no one: no pile
    parsed = mf2py.parse(doc=html, url="http://localhost:8000/meetup/")
    post = next(i for i in parsed["items"] if "h-entry" in i["type"])
    found = {}
    for c in post["properties"]["comment"]:
        author = c["properties"]["author"][0]["properties"]
        found[author["name"][0]] = (c["properties"]["rsvp"], author.get("url"), author["photo"])
    assert found["Ana <b>Ribeiro</b>"][:2] == (["yes"], ["https://ana.example/"])  # escaped
    assert found["Ana <b>Ribeiro</b>"][2][0]["value"].endswith(AVATAR.removeprefix("media/"))
    assert found["Bo"][:2] == (["yes"], ["https://bo.example/"])
    assert found["Cy"][:2] == (["no"], None)  # no address: a span, no link
    assert found["Di"][0] == ["interested"]
    assert all(f[2][0]["value"] for f in found.values())  # a picture, or the placeholder
    assert "<b>Ribeiro" not in html
    assert "2 RSVPs" not in html and "4 RSVPs" in html  # the summary counts people, not answers
    # A post without RSVPs has no RSVP facepile.
    assert "facepile-rsvp" not in built.page("plain/index.html")


def test_hidden_and_blocked_rsvps_are_not_shown(tmp_path):
    answers = [rsvp(1, "ana.example", "yes"), rsvp(2, "bo.example", "maybe"),
               rsvp(3, "cy.example", "no")]  # fmt: skip
    moderation = {"hidden": ["webmention:2"], "blocked_domains": ["cy.example"]}
    built = _site(tmp_path, answers, moderation=moderation)
    html = built.page("meetup/index.html")
    assert "facepile-rsvp-yes" in html
    assert "facepile-rsvp-maybe" not in html and "facepile-rsvp-no" not in html
    assert "bo.example" not in html and "cy.example" not in html
