"""Mastodon's length rules, against the cases restated from Mastodon's own spec."""

from __future__ import annotations

import json

import pytest

from roost.networks.mastodon.counting import gotosocial_length, status_length

from sites import conformance

CASES = json.loads(conformance("mastodon-length", "status_length_cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["desc"] for c in CASES])
def test_shared_case(case):
    length = status_length(case["text"], case["spoiler_text"])
    if case["countable_length"] is not None:
        assert length == case["countable_length"]
    assert (length <= case["max"]) is case["valid"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("New post: https://camille.blog/2026/a-very-long-slug-that-goes-on/ #birds", 40),
        # Like the server (twitter-text's TLD list), a URL on a reserved TLD is not a URL.
        ("https://blog.example/x", 22),
        ("hi @camille@mastodon.example and @bob", 20),
        ("bare blog.example counts in full", 32),
        ("👩‍👩‍👧 family", 8),
        ("email me@example.com is not a mention", 37),
    ],
)
def test_everyday_posts(text, expected):
    assert status_length(text) == expected


def test_gotosocial_counts_code_points_without_discounts():
    assert gotosocial_length("https://example.com/" + "a" * 50, "cw") == 72
