"""The networks Roost knows, by the short name used in records (``mastodon``, ``bluesky``, ...).

For now this holds what the build needs to show a record: a display name and the words for
"reply there". Each network's adapter (posting, backfeed) will live beside this file as one
module behind a shared base class, and register itself here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NetworkInfo:
    name: str  # as readers see it: "Mastodon"
    reply_label: str  # link text to the syndicated copy


NETWORKS: dict[str, NetworkInfo] = {
    "mastodon": NetworkInfo("Mastodon", "Reply on Mastodon"),
    "bluesky": NetworkInfo("Bluesky", "Reply on Bluesky"),
    "webmention": NetworkInfo("the web", "Reply from your own site"),
    "x": NetworkInfo("X", "Reply on X"),
    "threads": NetworkInfo("Threads", "Reply on Threads"),
    "linkedin": NetworkInfo("LinkedIn", "Comment on LinkedIn"),
    "facebook": NetworkInfo("Facebook", "Comment on Facebook"),
    "instagram": NetworkInfo("Instagram", "Comment on Instagram"),
    "hackernews": NetworkInfo("Hacker News", "Discuss on Hacker News"),
    "reddit": NetworkInfo("Reddit", "Discuss on Reddit"),
}


def info(network: str) -> NetworkInfo:
    """Known networks by name; a network from newer records still gets a readable label."""
    found = NETWORKS.get(network)
    if found:
        return found
    label = network.replace("_", " ").replace("-", " ").title()
    return NetworkInfo(label, f"Reply on {label}")


def _mastodon():
    from .mastodon.adapter import Mastodon

    return Mastodon


def _bluesky():
    from .bluesky.adapter import Bluesky

    return Bluesky


#: Networks Roost can post to, by records name. Imported when used, so the build never loads
#: network code.
ADAPTERS = {"mastodon": _mastodon, "bluesky": _bluesky}
