"""How long a post is, as X counts it: twitter-text's weighted length (configuration v3).

Follows developer.x.com "Counting characters" and twitter-text's ``config/v3.json`` (summarised
in shared/docs/social-apis.md section 3.3): the text is NFC-normalised; code points in
U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 weigh 1, every other code point 2;
every emoji sequence (ZWJ families and skin tones included) weighs 2; every URL, with or without
a scheme, weighs 23 (t.co); the limit is 280. A text is also refused for the characters
twitter-text calls invalid (U+FFFE, U+FEFF and U+FFFF).

The counting is twitter-text-parser's ``parse_tweet`` (already pinned for Mastodon's URL
extraction), held to twitter-text's own conformance cases in tests/test_x_counting.py: every
weighted-length case passes there, so it is used as it is rather than rewritten.
"""

from __future__ import annotations

import regex
from twitter_text import extract_urls_with_indices, parse_tweet
from twitter_text.config import config as _configs

#: twitter-text's configuration v3, the one X counts with today.
CONFIG = _configs["version3"]
LIMIT = CONFIG["max_weighted_tweet_length"]  # 280
URL_WEIGHT = CONFIG["transformed_url_length"]  # 23

# Mentions (@ and up to 15 word characters, the longest X handle) and hashtags or cashtags,
# not glued to a word before them: cutting one in two would ping someone else or break a tag.
_MENTION = regex.compile(r"(?<![\w@＠!#$%&*])[@＠]\w{1,15}")
_TAG = regex.compile(r"(?<![\w&])[#＃$][\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*")


def weighted_length(text: str) -> int:
    """The length X gives the text (280 at most fits)."""
    return parse_tweet(text, CONFIG).weightedLength


def fits(text: str) -> bool:
    """Within 280 weighted, not empty, and without a character X refuses."""
    return parse_tweet(text, CONFIG).valid


def urls(text: str) -> list[tuple[int, int]]:
    """(start, end) of every URL X would shorten to t.co, schemes or not."""
    return [tuple(u["indices"]) for u in extract_urls_with_indices(text)]


def protected(text: str) -> list[tuple[int, int]]:
    """Spans a thread must not be cut inside: URLs, mentions, hashtags and cashtags."""
    spans = urls(text)
    spans += [m.span() for m in _MENTION.finditer(text)]
    spans += [m.span() for m in _TAG.finditer(text)]
    return sorted(spans)


def has_url(text: str) -> bool:
    """X bills a post holding a URL at a much higher price than one without."""
    return bool(urls(text))
