"""Threads' counter: 500 characters as Threads may count them (emoji by their UTF-8 bytes, any
other character by its code points or UTF-16 units, whichever is more) and at most five
different links. Chosen so that Threads never refuses a text Roost says fits."""

from __future__ import annotations

import pytest

from roost.networks.threads import counting


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("swifts", 6),
        ("été", 3),  # precomposed letters: one each
        ("e\u0301", 2),  # e + combining accent: a code-point counter says 2
        ("日本語", 3),  # not emoji: one each, not their three UTF-8 bytes
        ("🐦", 4),  # emoji: their UTF-8 bytes
        ("👩\u200d👩\u200d👧", 18),  # a ZWJ family: every byte of it
        ("🇫🇷", 8),  # a flag: two regional indicators
        ("1️⃣", 7),  # a keycap
        ("𝒜", 2),  # outside the BMP, not emoji: two UTF-16 units
        ("https://camille.blog/" + "a" * 60, 81),  # links count in full
    ],
)
def test_length_takes_the_largest_reading(text, expected):
    assert counting.length(text) == expected


def test_five_hundred_fit_and_one_more_does_not():
    assert counting.fits("a" * 500)
    assert not counting.fits("a" * 501)
    assert counting.fits("🐦" * 125)  # 500 bytes
    assert not counting.fits("🐦" * 126)
    assert "504 characters" in counting.too_long("🐦" * 126)


def test_at_most_five_different_links():
    five = " ".join(f"https://camille.blog/{i}" for i in range(5))
    assert counting.fits(five)
    assert counting.fits(five + " https://camille.blog/0")  # the same link again is not a new one
    six = five + " camille.blog/about"  # a link without a scheme counts too
    assert not counting.fits(six)
    assert "6 different links" in counting.too_long(six)


def test_links_mentions_and_tags_are_kept_whole():
    text = "by @camille.b on https://camille.blog/x #SmallWeb"
    spans = [text[s:e] for s, e in counting.protected(text)]
    assert spans == ["@camille.b", "https://camille.blog/x", "#SmallWeb"]
