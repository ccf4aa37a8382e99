"""How long a Threads post is, and how many links it holds, counted so Threads never refuses it.

Meta's documentation (developers.facebook.com/documentation/threads/posts, as summarised in
shared/docs/social-apis-more.md section 4) says a text post may hold 500 characters, that
"emojis are counted as the number of UTF-8 bytes" (while linking a grapheme splitter, so it is
ambiguous), and that since 2025-12-22 more than 5 unique links fail at container creation with
``THREADS_API__LINK_LIMIT_EXCEEDED``. The exact unit is not specified, so this counter takes,
for each user-perceived character (grapheme cluster, UAX #29), the largest of the readings the
documentation allows:

* a cluster holding an emoji (an Extended_Pictographic or Regional_Indicator code point, or an
  emoji presentation selector or keycap) counts as its UTF-8 bytes: a bird is 4, a family of
  three joined by ZWJ is 18;
* any other cluster counts as its code points or its UTF-16 units, whichever is more (``é``
  written as e + combining accent is 2; a letter outside the BMP is 2): a server counting code
  points, or JavaScript string length, never finds more than this.

Overcounting only trims or splits a little earlier; undercounting gets a post refused. Links
get no discount (Threads documents none) and count in full. A link is what twitter-text
extracts, with or without a scheme (``camille.blog/about`` too: more links, never fewer);
links are unique by their exact text.
"""

from __future__ import annotations

import regex
from twitter_text import extract_urls_with_indices

MAX_CHARACTERS = 500
MAX_LINKS = 5

_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\uFE0F\u20E3]")
# A mention (@user, Threads usernames: letters, digits, "." and "_") or a tag, not glued to a
# word: kept whole when a thread is cut.
_MENTION_OR_TAG = regex.compile(r"(?<![\w@#])[@#][\w.]*\w")


def cluster_weight(cluster: str) -> int:
    if _EMOJI.search(cluster):
        return len(cluster.encode("utf-8"))
    return max(len(cluster), len(cluster.encode("utf-16-le")) // 2)


def length(text: str) -> int:
    """The post's length as Threads may count it (never less)."""
    if text.isascii():  # the common case: one per character, whatever the reading
        return len(text)
    return sum(cluster_weight(c) for c in _GRAPHEME.findall(text))


def links(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of every link, in order."""
    found = extract_urls_with_indices(text, extract_urls_without_protocol=True)
    return [(u["indices"][0], u["indices"][1], u["url"]) for u in found]


def unique_links(text: str) -> int:
    return len({url for _, _, url in links(text)})


def fits(text: str) -> bool:
    return length(text) <= MAX_CHARACTERS and unique_links(text) <= MAX_LINKS


def protected(text: str) -> list[tuple[int, int]]:
    """Spans a thread must not be cut inside: links, mentions, tags (overlaps removed)."""
    spans = sorted(
        [(s, e) for s, e, _ in links(text)] + [m.span() for m in _MENTION_OR_TAG.finditer(text)]
    )
    kept: list[tuple[int, int]] = []
    for s, e in spans:
        if kept and s < kept[-1][1]:
            continue
        kept.append((s, e))
    return kept


def too_long(text: str) -> str:
    """Why a text does not fit, in the author's terms."""
    n, k = length(text), unique_links(text)
    why = []
    if n > MAX_CHARACTERS:
        why.append(
            f"is {n} characters as Threads counts them (emoji by their UTF-8 bytes), "
            f"over its {MAX_CHARACTERS}"
        )
    if k > MAX_LINKS:
        why.append(f"has {k} different links, over Threads' {MAX_LINKS}")
    return "the text " + " and ".join(why) if why else "the text fits"
