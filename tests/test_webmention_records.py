"""The Webmention ledger and what follows from it, without a network: what is due after each
kind of change, failures given up on, the ledger merged by meaning, and the tombstones the
build writes for deleted posts (never over a page it wrote, never outside the output)."""

from __future__ import annotations

import json

from roost.commands.webmention_plan import (
    GONE,
    MAX_ATTEMPTS,
    Source,
    links,
    plan,
    record,
)
from roost.records_merge import merge_webmentions
from roost.site.gone import TOMBSTONE, write_tombstones

SITE = "https://camille.example"
A, B, C = "https://a.example/1", "https://b.example/2", "https://c.example/3"


def told(ledger, due, result="sent: 202", ok=True):
    for d in due:
        record(ledger, d, result, "2026-11-26T05:00:00Z", ok, "" if ok else "answered 500")


def test_each_change_tells_the_current_and_previous_targets_once():
    ledger: dict = {}
    v1 = Source("p", f"{SITE}/p/", "v1", [A, B])
    due, _ = plan([v1], {v1.url}, ledger)
    assert [(d.target, d.why) for d in due] == [(A, "new"), (B, "new")]
    told(ledger, due)
    assert plan([v1], {v1.url}, ledger) == ([], [])  # unchanged: nothing

    v2 = Source("p", f"{SITE}/p/", "v2", [A, C])  # B removed, C added
    due, _ = plan([v2], {v2.url}, ledger)
    assert sorted((d.target, d.why, d.linked) for d in due) == [
        (A, "update", True), (B, "removed", False), (C, "new", True)]  # fmt: skip
    told(ledger, due)
    v3 = Source("p", f"{SITE}/p/", "v3", [A, C])
    due, _ = plan([v3], {v3.url}, ledger)
    assert sorted(d.target for d in due) == [A, C]  # B was told of its removal: forgotten

    told(ledger, due)
    due, _ = plan([], set(), ledger)  # the post is gone
    assert sorted((d.target, d.why, d.version) for d in due) == [
        (A, "deleted", GONE), (C, "deleted", GONE)]  # fmt: skip
    told(ledger, due)
    assert plan([], set(), ledger) == ([], [])
    assert plan([], set(), ledger, deletions=False) == ([], [])


def test_a_failure_is_tried_again_then_given_up_until_the_post_changes():
    ledger: dict = {}
    v1 = Source("p", f"{SITE}/p/", "v1", [A])
    for _ in range(MAX_ATTEMPTS):
        due, given_up = plan([v1], {v1.url}, ledger)
        assert len(due) == 1 and not given_up
        told(ledger, due, ok=False)
    due, given_up = plan([v1], {v1.url}, ledger)
    assert due == [] and len(given_up) == 1 and "answered 500" in given_up[0]
    v2 = Source("p", f"{SITE}/p/", "v2", [A])
    assert len(plan([v2], {v2.url}, ledger)[0]) == 1


def test_no_deletion_is_announced_when_posts_could_not_all_be_read():
    ledger: dict = {}
    v1 = Source("p", f"{SITE}/p/", "v1", [A])
    told(ledger, plan([v1], {v1.url}, ledger)[0])
    assert plan([], set(), ledger, deletions=False) == ([], [])


def test_links_are_the_contents_anchors_to_other_sites_each_once():
    html = (f'<p><a href="{A}">a</a> <a href="/about/">me</a> <a href="{SITE}/x/">x</a> '
            f'<a href="mailto:c@d.example">m</a> <a href="{A}">again</a> <a href="http://[x">bad</a>'
            f'<!-- <a href="{B}">hidden</a> --> &lt;a href="{C}"&gt;</p>')  # fmt: skip
    assert links(html, f"{SITE}/p/", SITE) == [A]
    neighbours = '<a href="https://u.github.io/blog/x/">me</a><a href="https://u.github.io/other/">'
    assert links(neighbours, "https://u.github.io/blog/p/", "https://u.github.io/blog") == [
        "https://u.github.io/other/"]  # fmt: skip


def test_the_ledger_is_merged_by_source_and_target():
    base = {"sources": {"s": {"version": "1", "targets": {A: {"told": "1"}}}}}
    ours = {"sources": {"s": {"version": "2", "targets": {A: {"told": "2"}}}}}
    theirs = {"sources": {"s": {"version": "1", "targets": {A: {"told": "1"}, B: {"told": "1"}}},
                          "t": {"targets": {C: {"told": "9"}}}}}  # fmt: skip
    merged = merge_webmentions(base, ours, theirs)["sources"]
    assert merged["s"] == {"version": "2", "targets": {A: {"told": "2"}, B: {"told": "1"}}}
    assert merged["t"] == {"targets": {C: {"told": "9"}}}


def test_tombstones_for_gone_posts_only_inside_the_output_and_never_over_a_built_page(tmp_path):
    records, output = tmp_path / "social", tmp_path / "output"
    records.mkdir()
    (output / "kept").mkdir(parents=True)
    (output / "kept" / "index.html").write_text("the post")
    (output / "stale").mkdir()
    (output / "stale" / "index.html").write_text("an earlier build's page")
    sources = {f"{SITE}/{p}": {"targets": {}} for p in
               ("gone/", "kept/", "stale/", "old.html", "../escape/", "%2e%2e/x/",
                "nul%00/")}  # fmt: skip
    sources["https://elsewhere.example/x/"] = {"targets": {}}
    (records / "webmentions.json").write_text(json.dumps({"format": 1, "sources": sources}))
    written = {(output / "kept" / "index.html").resolve()}
    assert write_tombstones(records, SITE, output, written) == 3
    assert (output / "gone" / "index.html").read_text() == TOMBSTONE
    assert (output / "stale" / "index.html").read_text() == TOMBSTONE
    assert (output / "old.html").read_text() == TOMBSTONE
    assert (output / "kept" / "index.html").read_text() == "the post"
    assert not (tmp_path / "escape").exists() and not (tmp_path / "x").exists()
    assert write_tombstones(records, SITE, output, written) == 0  # already there
    assert write_tombstones(records, "", output, set()) == 0  # a dev build: none
