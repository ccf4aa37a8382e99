"""Threads of posts: every part fits by its network's own counter, nothing is lost, and no cut
falls inside a URL, a mention, a tag or a grapheme. There is no outside corpus for this, so the
properties are checked on generated texts."""

from __future__ import annotations

import regex
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from roost.networks.bluesky import richtext
from roost.networks.mastodon import counting
from roost.networks.splitting import CannotSplit, split
from roost.networks.threads import counting as threads_counting

WORDS = st.sampled_from(
    [
        "swift", "martinets", "été", "🐦", "👩‍👩‍👧", "🏳️‍⚧️", "e\u0301", "日本語の文章", "café",
        "https://camille.blog/2026/moving-my-writing-home/?ref=thread#replies",
        "https://mastodon.social/@camille/115107232286434584",
        "camille.blog/about", "@bob@birds.social", "@camille.bsky.social", "#birds", "#ZeroWaste",
        "$AAPL", "(aside)", "end.", "«quote»", "a" * 40,
    ]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", "  "])


def _texts(min_size: int, max_size: int):
    return st.lists(st.tuples(WORDS, SEPARATORS), min_size=min_size, max_size=max_size).map(
        lambda pairs: "".join(w + s for w, s in pairs).strip()
    )


# Short texts (one post) and long ones (threads of several posts on both networks).
TEXTS = st.one_of(_texts(1, 20), _texts(60, 400))

NETWORKS = {
    "mastodon": (
        lambda t: counting.status_length(t) <= 500,
        lambda t: [(s, e) for s, e, _ in counting.entities(t)],
        lambda t: counting.status_length(t) <= 500,
    ),
    "bluesky": (
        richtext.fits,
        lambda t: [(s, e) for s, e, _, _ in richtext.spans(t)],
        richtext.fits,
    ),
    # Threads' own counter (emoji by UTF-8 bytes) and its five-link limit, both in fits.
    "threads": (
        threads_counting.fits,
        threads_counting.protected,
        lambda t: threads_counting.length(t) <= 500 and threads_counting.unique_links(t) <= 5,
    ),
}


def normalised(text: str) -> str:
    return " ".join(text.split())


def check(text: str, network: str) -> None:
    fits, protected_of, counter_fits = NETWORKS[network]
    protected = protected_of(text)
    parts = split(text, fits, protected)
    pieces = [text[s:e] for s, e in parts]
    # Every part fits, counted by the network's own rules, and none is empty.
    assert all(counter_fits(p) and p.strip() == p and p for p in pieces)
    # Nothing lost, nothing added: only whitespace at the cuts goes.
    assert normalised(" ".join(pieces)) == normalised(text)
    # No cut inside something that must stay whole.
    cuts = {e for _, e in parts[:-1]} | {s for s, _ in parts[1:]}
    for s, e in protected:
        assert not any(s < c < e for c in cuts), text[s:e]
    boundaries = {m.end() for m in regex.finditer(r"\X", text)} | {0}
    assert cuts <= boundaries
    if fits(text):
        assert len(parts) == 1
    target(float(len(parts)))  # steer the search towards longer threads


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_mastodon_threads(text):
    check(text, "mastodon")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_bluesky_threads(text):
    check(text, "bluesky")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_threads_threads(text):
    check(text, "threads")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 40), min_size=6, max_size=30))
def test_threads_parts_never_hold_more_than_five_links(numbers):
    """Many short distinct links: the link limit, not the length, decides where to cut."""
    text = " ".join(f"https://camille.blog/{n}" for n in numbers)
    check(text, "threads")


def test_a_url_longer_than_a_post_cannot_be_split():
    url = "https://camille.blog/" + "a" * 400
    text = f"see {url} now"
    try:
        split(text, richtext.fits, [(s, e) for s, e, _, _ in richtext.spans(text)])
    except CannotSplit as e:
        assert "does not fit in one post" in str(e)
    else:
        raise AssertionError("a 421-character URL was split")


def test_a_long_word_is_cut_between_graphemes():
    text = "🐦" * 350
    parts = split(text, richtext.fits)
    assert [len(text[s:e]) for s, e in parts] == [300, 50]
