"""Split a long text into a thread of posts, each within its network's limit.

Pure and network-neutral: the caller passes the network's own test (``fits``, which knows how
that network counts) and the spans that must stay whole (URLs, mentions, tags: cutting one in
two would break a link or ping the wrong account). Cuts fall only on grapheme-cluster
boundaries outside those spans, preferably after whitespace; a word longer than a whole post is
cut between graphemes as a last resort. Whitespace at a cut is dropped, nothing else is.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

import regex

_GRAPHEME = regex.compile(r"\X")


class CannotSplit(ValueError):
    """Some piece that may not be cut (a URL, a mention, one grapheme) is over the limit alone."""


def split(
    text: str,
    fits: Callable[[str], bool],
    protected: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """(start, end) of each part in ``text``; ``text[start:end]`` is the part, already stripped
    of the whitespace around the cut. One part when the whole text fits."""
    inside = [False] * (len(text) + 1)
    for start, end in protected:
        for i in range(start + 1, end):
            inside[i] = True
    cuts = [m.end() for m in _GRAPHEME.finditer(text) if not inside[m.end()]]
    preferred = [
        i for i in cuts if i == len(text) or (text[i - 1].isspace() and not text[i].isspace())
    ]

    parts: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    while start < len(text):
        end = _longest(text, start, fits, preferred) or _longest(text, start, fits, cuts)
        if end is None:
            first = cuts[bisect.bisect_right(cuts, start)]
            raise CannotSplit(f"{text[start:first]!r} does not fit in one post")
        stripped_end = len(text[:end].rstrip())
        parts.append((start, stripped_end))
        start = _skip_space(text, end)
    return parts


def _longest(text: str, start: int, fits, cuts: list[int]) -> int | None:
    """The furthest cut after ``start`` whose part fits (parts only grow with their end)."""
    lo = bisect.bisect_right(cuts, start)
    hi = len(cuts) - 1
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(text[start : cuts[mid]].strip()):
            best, lo = cuts[mid], mid + 1
        else:
            hi = mid - 1
    return best


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i
