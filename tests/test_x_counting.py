"""X's weighted length is twitter-text's, case for case: every weighted-length case of
twitter-text's own conformance data (tests/conformance/twitter-text, read as it is, never
restated), and threads split with X's counter keep every property of tests/test_splitting.py."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from ruamel.yaml import YAML
from test_splitting import NETWORKS, TEXTS, check
from twitter_text import parse_tweet
from twitter_text.config import config

from roost.networks.splitting import split
from roost.networks.x import counting

from sites import REPO

CONFORMANCE = REPO / "tests/conformance/twitter-text"
CASES = YAML(typ="safe").load((CONFORMANCE / "conformance/validate.yml").read_text())["tests"]
# Which configuration each section is written for, as twitter-text's own conformance runner
# says (rb/test/conformance_test.rb): v2 for the plain weighted cases, v3 (emoji as one) for the
# rest; "tweets" is the 140-character era (v1).
SECTIONS = {
    "WeightedTweetsCounterTest": "v2",
    "WeightedTweetsWithDiscountedEmojiCounterTest": "v3",
    "UnicodeDirectionalMarkerCounterTest": "v3",
}


def _config(version: str) -> dict:
    """The configuration from the vendored config/vN.json, in the parser's own key names."""
    import json

    raw = json.loads((CONFORMANCE / f"config/{version}.json").read_text())
    return {
        "version": raw["version"],
        "max_weighted_tweet_length": raw["maxWeightedTweetLength"],
        "scale": raw["scale"],
        "default_weight": raw["defaultWeight"],
        "emoji_parsing_enabled": raw.get("emojiParsingEnabled", False),
        "transformed_url_length": raw.get("transformedURLLength", 23),
        "ranges": raw.get("ranges", []),
    }


def test_roost_counts_with_twitter_texts_v3_configuration():
    assert _config("v3") == counting.CONFIG
    assert _config("v3") == {**config["version3"]}
    assert (counting.LIMIT, counting.URL_WEIGHT) == (280, 23)


WEIGHTED = [
    pytest.param(section, case, id=f"{section}: {case['description']}")
    for section in SECTIONS
    for case in CASES[section]
]


def test_every_weighted_length_case_is_there():
    assert len(WEIGHTED) == 44  # as vendored: a shorter file would pass with fewer checks


@pytest.mark.parametrize(("section", "case"), WEIGHTED)
def test_weighted_length_as_twitter_text_counts_it(section, case):
    result = parse_tweet(case["text"], _config(SECTIONS[section])).asdict()
    assert {k: result[k] for k in case["expected"]} == case["expected"]
    if SECTIONS[section] == "v3":  # what the adapter itself says
        assert counting.weighted_length(case["text"]) == case["expected"]["weightedLength"]
        assert counting.fits(case["text"]) == case["expected"]["valid"]


@pytest.mark.parametrize("case", CASES["tweets"], ids=lambda c: c["description"])
def test_the_140_character_cases_with_the_v1_configuration(case):
    assert parse_tweet(case["text"], _config("v1")).valid == case["expected"]


def test_what_an_author_would_notice():
    link = "https://camille.blog/2026/a-very-long-address-that-goes-on-and-on-for-a-while/"
    assert counting.weighted_length(f"New post {link}") == len("New post ") + 23
    assert counting.weighted_length("camille.blog/about") == 23  # no scheme, still a link
    assert counting.weighted_length("日本語") == 6
    assert counting.weighted_length("👩‍👩‍👧") == 2  # a ZWJ family is one emoji
    assert counting.weighted_length("é") == counting.weighted_length("e\u0301") == 1  # NFC
    assert counting.fits("a" * 280) and not counting.fits("a" * 281)
    assert not counting.fits("の" * 141)


NETWORKS["x"] = (counting.fits, counting.protected, lambda t: counting.weighted_length(t) <= 280)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_x_threads(text):
    check(text, "x")


def test_no_cut_inside_a_mention_or_a_tag():
    text = ("word " * 54) + "@camille_writes #SmallWeb " + ("more " * 60)
    spans = counting.protected(text)
    start = text.index("@camille")
    assert (start, start + len("@camille_writes")) in spans
    parts = split(text, counting.fits, spans)
    assert len(parts) == 3
    assert all(not (s < c < e) for s, e in spans for _, c in parts[:-1])
