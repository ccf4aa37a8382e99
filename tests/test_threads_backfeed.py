"""Threads' conversation brought home: replies at every depth and across pages, the author's own
replies as the author's, private and hidden replies left out, likes and reposts as counts on
the page (no invented people), and what a backfeed run costs in requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from roost.commands.backfeed import backfeed
from roost.model import PostRecord
from roost.networks.base import Draft
from roost.networks.threads.adapter import Threads
from roost.store import Store

from sites import article, build, write_site

ENV = {"ROOST_THREADS_TOKEN": "good-token"}


@pytest.fixture()
def world(threads, tmp_path):
    """A post sent to Threads as a thread of two parts, its copies in the records."""
    write_site(tmp_path, {"swifts.md": article("Swifts", "swifts")})
    a = Threads({"handle": "camille", "api": f"{threads.url}/v1.0",
                 "token_file": str(tmp_path / "token.json")}, env=ENV)  # fmt: skip
    a.sleep = lambda s: None
    d = Draft("threads", "swifts", ["Swifts are back.", "More swifts."], "https://c.b/swifts/")
    head = a.publish_part(d, 0, None)
    tail = a.publish_part(d, 1, head)
    tail.of = head.of = 2
    store = Store(tmp_path / "social")
    with store.lock():
        store.write_post(PostRecord("swifts", syndications=[head, tail]))
    return a, store, head, tail


def run(a, store):
    """One backfeed run, two hours after the last: the post is due on the sweep's schedule
    each time (Threads has no notifications of replies: the sweep is how posts are read)."""
    store.runs = getattr(store, "runs", 0) + 1
    later = datetime.now(UTC) + timedelta(hours=2 * store.runs)
    return backfeed(store, a, sweep=1, now=later)


def test_every_reply_at_every_depth_comes_home_with_its_parent(threads, world):
    a, store, head, tail = world
    bob = threads.reply_as("bob", head.id, "Lovely!\nSo early this year.")
    ann = threads.reply_as("ann", bob["id"], "Same here")
    mine = threads.reply_as("camille", ann["id"], "Thank you both")
    threads.reply_as("cyd", tail.id, "On the second part")
    threads.reply_as(None, head.id, "A private account's reply")  # Threads names nobody: kept out
    threads.reply_as("eve", head.id, "Hidden by the author", hide_status="HIDDEN")
    report = run(a, store)
    assert report.failed == "" and report.change.added == 4
    record = store.read_post("swifts")
    by_text = {x.content: x for x in record.interactions}
    assert set(by_text) == {"<p>Lovely!<br>So early this year.</p>", "<p>Same here</p>",
                            "<p>Thank you both</p>", "<p>On the second part</p>"}  # fmt: skip
    assert by_text["<p>Lovely!<br>So early this year.</p>"].in_reply_to is None
    assert by_text["<p>Same here</p>"].in_reply_to == f"threads:{bob['id']}"
    assert by_text["<p>On the second part</p>"].in_reply_to is None  # answers a copy
    assert by_text["<p>Thank you both</p>"].author == "threads:camille"
    people = store.read_people()
    assert people["threads:camille"].is_author and not people["threads:bob"].is_author
    assert mine["id"] not in {c.id for c in record.syndications}


def test_a_conversation_of_many_pages_is_read_to_its_end(threads, world):
    a, store, head, _ = world
    for i in range(230):
        threads.reply_as(f"reader{i}", head.id, f"reply {i}")
    run(a, store)
    assert len(store.read_post("swifts").interactions) == 230
    pages = [p for _, p in threads.requests if p.endswith("/conversation")]
    assert len(pages) == 3


def test_likes_and_reposts_are_counts_on_the_page_not_people(threads, world, tmp_path):
    a, store, head, tail = world
    threads.react(head.id, likes=12, reposts=3)
    threads.react(tail.id, likes=2)
    threads.reply_as("bob", head.id, "Lovely!")
    run(a, store)
    record = store.read_post("swifts")
    assert [c.tallies for c in record.copies("threads")] == [{"like": 12, "repost": 3},
                                                              {"like": 2}]  # fmt: skip
    assert {x.kind for x in record.interactions} == {"reply"}  # no invented likers
    built = build(tmp_path)
    assert built.errors() == []
    page = next((tmp_path / "output").rglob("swifts*/index.html")).read_text()
    assert '<p class="counts-only">3 reposts, 14 likes on Threads</p>' in page
    assert "facepile-like" not in page
    assert "(1 reply · 3 reposts · 14 likes)" in page


def test_a_quiet_run_changes_nothing_and_a_changed_count_is_written(threads, world):
    a, store, head, _ = world
    threads.react(head.id, likes=1)
    run(a, store)
    path = store.post_path("swifts")
    before = path.read_bytes()
    assert not run(a, store).change and path.read_bytes() == before
    threads.react(head.id, likes=1)
    assert run(a, store).change.counted == 1
    assert json.loads(path.read_text())["syndications"][0]["tallies"] == {"like": 2}


def test_a_deleted_reply_goes_only_on_evidence(threads, world):
    a, store, head, _ = world
    bob = threads.reply_as("bob", head.id, "Lovely!")
    run(a, store)
    threads.faults = []
    threads.posts[bob["id"]]["deleted"] = True
    assert run(a, store).change.removed == 1
    assert store.read_post("swifts").interactions == []


def test_records_without_tallies_stay_valid_and_bad_tallies_are_named():
    from roost.model import RecordError

    copy = {"network": "threads", "id": "1", "url": "https://t.example/1",
            "published": "2026-05-01T10:00:00Z", "sent_hash": "s"}  # fmt: skip
    assert PostRecord.from_dict({"format": 1, "post": "a", "syndications": [copy]})
    with pytest.raises(RecordError, match=r"syndications\[0\]\.tallies"):
        PostRecord.from_dict({"format": 1, "post": "a",
                              "syndications": [{**copy, "tallies": {"like": -1}}]})  # fmt: skip


def requests_of(threads, start: int) -> int:
    return len(threads.requests) - start


def test_request_counts_of_a_quiet_run_and_of_fifty_new_replies(threads, world, capsys):
    a, store, head, _ = world
    run(a, store)  # the first harvest
    start = len(threads.requests)
    run(a, store)
    quiet = requests_of(threads, start)
    for i in range(50):
        threads.reply_as(f"reader{i}", head.id, f"reply {i}")
    start = len(threads.requests)
    run(a, store)
    busy = requests_of(threads, start)
    # The swept post: its conversation (one page per 100 replies) and each copy's insights.
    assert (quiet, busy) == (3, 3)
    with capsys.disabled():
        print(f"\nThreads backfeed requests: quiet {quiet}, 50 new replies {busy}")
