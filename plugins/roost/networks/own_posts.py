"""What an adapter gives the account watch (``commands/watch.py``): the author's own latest posts
on its network, each as an :class:`OwnPost`, newer than an opaque mark the adapter chose.

Which posts count is the author's choice per network (the ``watch`` setting): ``"posts"``
(originals, quotes, and the author's own thread continuations: what could be mistaken for the
author speaking), ``"replies"`` (also answers to other people), ``"all"`` (also reposts and
boosts) or ``"off"`` (no request at all). Pinned posts are never asked for separately: a pinned
post is listed at its own date, like any other.

Text here is the network's, so hostile: it is stored and printed only through ``sanitize``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The ``watch`` setting of a network that can list the author's posts.
Watching = Literal["posts", "replies", "all", "off"]
WATCH_HELP = (
    "which posts of yours Roost did not send are listed: posts (originals, quotes, your own "
    "threads), replies (also your answers to others), all (also reposts), off"
)

#: The kinds of :class:`OwnPost`, and which ``watch`` values list them.
KINDS = ("post", "quote", "thread", "reply", "repost")
LISTED: dict[str, frozenset[str]] = {
    "posts": frozenset({"post", "quote", "thread"}),
    "replies": frozenset({"post", "quote", "thread", "reply"}),
    "all": frozenset(KINDS),
    "off": frozenset(),
}


@dataclass(frozen=True)
class OwnPost:
    """One post on the author's account, as the network shows it."""

    id: str  # the network's id (a status id, an at:// URI), as a copy's ``Syndication.id``
    url: str
    published: str  # records' time format (``model.format_time``)
    kind: str  # one of KINDS; "thread": an answer to the author's own post
    text: str  # plain text, not yet sanitised


@dataclass
class OwnPosts:
    """The posts newer than the mark, newest first, and the mark to keep for next time.
    ``first``: there was no usable mark (the first run, or another account): the posts already
    there are the start point, none is listed."""

    posts: list[OwnPost]
    mark: str
    first: bool = False
