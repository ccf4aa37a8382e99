"""Secrets out of every message: what Roost prints, logs or writes never holds a secret value.

Secrets come from the environment only (``read``), and every value read is remembered for the
life of the process, so :func:`scrub` can take it out of any text: an error a server sent back
(some echo the request, token included), a request library's message that quotes an address
(webmention.io's key travels in the query string). Query strings are removed from every address
in such text as well, whatever they hold, and so is whatever follows ``Bearer``.

``NetworkError`` scrubs its message when it is made, so every line built from a network's words
is clean before anyone can print it; the ``roost`` command scrubs what it prints on top.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SECRETS: set[str] = set()
# An address's query string, with a scheme or as a path alone ("GET /api/x.jf2?token=...").
_QUERY = re.compile(
    r"""(\b[a-z][a-z0-9+.-]{0,30}://[^\s?#"'<>]*|(?<![\w/])/[\w./%~-]*)\?[^\s#"'<>]*""",
    re.IGNORECASE,
)
_WORDS = re.compile(r"""([\s"'<>]+)""")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',;]+", re.IGNORECASE)
MASK = "[secret]"


def remember(value: str | None) -> str:
    """Keep ``value`` out of every message from now on; returns it. Very short values are not
    remembered: masking "a" in every message would hide the message, not a secret."""
    if value and len(value) >= 6:
        _SECRETS.add(value)
    return value or ""


def read(env: Mapping[str, str], name: str) -> str:
    """The secret in environment variable ``name`` ("" when unset), remembered."""
    return remember(env.get(name, "").strip())


def scrub(text: str) -> str:
    """``text`` without any remembered secret, query string or bearer token."""
    text = str(text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    if "?" in text:
        text = "".join(_without_query(word) for word in _WORDS.split(text))
    return _BEARER.sub(rf"\1{MASK}", text)


def _without_query(word: str) -> str:
    """One run of text without spaces or quotes, its addresses' query strings taken out. The
    pattern runs on words that hold a "?" only, and a long one is cut at its first "?": the
    work stays linear in the text, whatever a hostile server sends."""
    if "?" not in word:
        return word
    if len(word) > 2_000:
        return word[: word.index("?")] + "?…"
    return _QUERY.sub(r"\1?…", word)


def clip(text: str, limit: int) -> str:
    """``text`` scrubbed, then cut to ``limit`` characters: in that order, since a cut through a
    secret leaves a part that :func:`scrub` can no longer recognise. Only a prefix long enough
    to hold any secret that starts before ``limit`` is scrubbed: an error page of megabytes
    costs no more than a short one."""
    longest = max(map(len, _SECRETS), default=0)
    return scrub(str(text)[: 4 * limit + longest + 64])[:limit]
