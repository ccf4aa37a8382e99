"""How long a status is, counted the way a Mastodon server counts it before it says 422.

Mastodon's StatusLengthValidator (app/validators/status_length_validator.rb) counts grapheme
clusters of the content warning plus the text after two rewrites:

* every URL with a scheme, as twitter-text extracts it (``extract_url_without_protocol: false``),
  counts as ``characters_reserved_per_url`` (23) whatever its length; a bare ``example.com``
  counts literally, and so does a URL over twitter-text's 4,096 limit;
* every mention ``@user@domain`` counts as ``@user`` (a domain over 253 characters is not a
  domain, so such a mention counts in full).

Overlapping entities are removed first, keeping the earlier one. GoToSocial counts differently
(code points, no URL discount): :func:`gotosocial_length`.
"""

from __future__ import annotations

import regex
from twitter_text import extract_urls_with_indices

#: Mastodon's Account::MENTION_RE: a username, optionally @domain, not glued to a word or URL.
_MENTION = regex.compile(
    r"(?<![=/\w])@(([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?)",
    regex.IGNORECASE,
)
_GRAPHEME = regex.compile(r"\X")
MAX_DOMAIN = 253


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, UAX #29)."""
    return len(_GRAPHEME.findall(text))


def entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) for each URL and mention, overlaps removed, in order."""
    found: list[tuple[int, int, str]] = []
    for url in extract_urls_with_indices(text, extract_urls_without_protocol=False):
        start, end = url["indices"]
        found.append((start, end, "url"))
    for m in _MENTION.finditer(text):
        full, username = m.group(1), m.group(2)
        domain = full[len(username) + 1 :]
        if domain and len(domain) > MAX_DOMAIN:
            continue
        found.append((m.start(), m.end(), "@" + username))
    found.sort(key=lambda e: (e[0], -e[1]))
    kept: list[tuple[int, int, str]] = []
    for e in found:
        if kept and e[0] < kept[-1][1]:
            continue
        kept.append(e)
    return kept


def countable_text(text: str, url_weight: int = 23) -> str:
    """The text as the server measures it: URLs as ``url_weight`` x's, mentions local."""
    out, last = [], 0
    for start, end, kind in entities(text):
        out.append(text[last:start])
        out.append("x" * url_weight if kind == "url" else kind)
        last = end
    out.append(text[last:])
    return "".join(out)


def status_length(text: str, spoiler_text: str = "", url_weight: int = 23) -> int:
    """Length of a status as Mastodon counts it (content warning included)."""
    return graphemes(spoiler_text) + graphemes(countable_text(text, url_weight))


def gotosocial_length(text: str, spoiler_text: str = "") -> int:
    """GoToSocial counts Unicode code points, with no discount for URLs or mentions."""
    return len(text) + len(spoiler_text)
