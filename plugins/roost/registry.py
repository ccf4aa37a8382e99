"""Every network Roost knows, one line each: its name in the records (``mastodon``), how
readers see it, the words for "reply there", and where its adapter lives.

This lives at the root, not in ``networks/``, because the build needs the names to show a record
and must never import network code: an adapter is named here as text and imported only by the
commands that use it (:func:`adapter`). Adding a network is one line here, its adapter, its
fake server for the tests, its tests and its documentation.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    name: str  # as readers see it: "Mastodon"
    # The link to the syndicated copy says "reply_on", "Comment on X", "Discuss on X" or
    # "reply_own_site": the key of those words in site/words.py (any language).
    reply: str
    adapter: str | None = None  # "module:Class" under roost.networks; None: not reachable yet
    # The setting that configures it: ROOST_NETWORKS["<name>"] for a network Roost posts to, or
    # a setting of its own for a feed that only brings things home.
    configured_in: str = "ROOST_NETWORKS"


NETWORKS: dict[str, Known] = {
    "mastodon": Known("Mastodon", "reply_on", "mastodon.adapter:Mastodon"),
    "bluesky": Known("Bluesky", "reply_on", "bluesky.adapter:Bluesky"),
    "webmention": Known(
        "the web", "reply_own_site", "webmention_io:WebmentionIO", "ROOST_WEBMENTION_IO"
    ),
    "x": Known("X", "reply_on", "x.adapter:X"),
    "threads": Known("Threads", "reply_on", "threads.adapter:Threads"),
    "linkedin": Known("LinkedIn", "comment_on"),
    "facebook": Known("Facebook", "comment_on"),
    "instagram": Known("Instagram", "comment_on"),
    "hackernews": Known("Hacker News", "discuss_on"),
    "reddit": Known("Reddit", "discuss_on"),
}


def info(network: str) -> Known:
    """Known networks by name; a network from newer records still gets a readable label."""
    found = NETWORKS.get(network)
    if found:
        return found
    label = network.replace("_", " ").replace("-", " ").title()
    return Known(label, "reply_on")


def with_adapters() -> list[str]:
    """The networks Roost can reach."""
    return [name for name, known in NETWORKS.items() if known.adapter]


def in_networks_setting() -> list[str]:
    """The names ROOST_NETWORKS may hold (the others have a setting of their own)."""
    return [n for n in with_adapters() if NETWORKS[n].configured_in == "ROOST_NETWORKS"]


def adapter(network: str) -> type:
    """The adapter class of a network (imported now, never by the build)."""
    module, _, name = NETWORKS[network].adapter.partition(":")
    return getattr(importlib.import_module(f"roost.networks.{module}"), name)
