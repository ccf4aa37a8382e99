"""Bluesky facets and limits, against the reference client's own detection cases."""

from __future__ import annotations

import json

import pytest

from roost.networks.bluesky.richtext import Facet, detect, fits, graphemes

from sites import conformance

DATA = json.loads(conformance("bluesky-richtext", "detection_cases.json").read_text())


def segments(text: str, facets: list[Facet]) -> list[list[str]]:
    """Split the text at facets the way the reference test does: [text] or [text, value]."""
    raw, out, last = text.encode("utf-8"), [], 0
    for f in facets:
        if f.start > last:
            out.append([raw[last : f.start].decode()])
        value = f"did:fake:{f.value}" if f.kind == "mention" else f.value
        out.append([raw[f.start : f.end].decode(), value])
        last = f.end
    if last < len(raw):
        out.append([raw[last:].decode()])
    return out


@pytest.mark.parametrize("case", DATA["segments"], ids=[c["text"][:40] for c in DATA["segments"]])
def test_segments(case):
    assert segments(case["text"], detect(case["text"])) == case["expected_segments"]


TAGGED = DATA["tags"] + DATA["cashtags"]


@pytest.mark.parametrize("case", TAGGED, ids=[c["text"][:40] for c in TAGGED])
def test_tags_and_cashtags(case):
    tags = [f for f in detect(case["text"]) if f.kind == "tag"]
    assert [f.value for f in tags] == case["tags"]
    assert [{"byteStart": f.start, "byteEnd": f.end} for f in tags] == case["indices"]


def test_facet_records_follow_the_lexicon():
    text = "Read https://camille.blog/p #birds with @bob.bsky.social"
    records = [
        f.to_record(did="did:plc:bob" if f.kind == "mention" else None) for f in detect(text)
    ]
    assert records == [
        {
            "index": {"byteStart": 5, "byteEnd": 27},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://camille.blog/p"}
            ],
        },
        {
            "index": {"byteStart": 28, "byteEnd": 34},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "birds"}],
        },
        {
            "index": {"byteStart": 40, "byteEnd": 56},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}],
        },
    ]


def test_limits_are_graphemes_and_bytes():
    assert fits("a" * 300) and not fits("a" * 301)
    assert graphemes("👩‍👩‍👧" * 300) == 300
    assert not fits("👩‍👩‍👧" * 300)  # 300 graphemes but 5,400 bytes
