"""Which network account a profile address names: ``https://birds.example/@bob`` is the
Mastodon account ``mastodon:bob@birds.example``, ``https://bsky.app/profile/<DID or handle>``
a Bluesky account. So that what the author decided about someone (a block, a forget) holds when
they arrive another way (a Webmention through Bridgy), and ``roost block`` understands the
addresses people copy from their browser. Pure: nothing is fetched.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .model import Person


def network_accounts(url: str | None) -> list[Person]:
    """The network accounts a profile address names (``https://birds.example/@bob`` is
    ``mastodon:bob@birds.example``; ``https://bsky.app/profile/<DID or handle>`` a Bluesky
    account), so that what the author decided about them holds when they come through Bridgy."""
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return []
    if not host or not url.startswith(("https://", "http://")):
        return []
    path = urlsplit(url).path.rstrip("/")
    found = []
    mastodon = re.fullmatch(r"/(?:@|users/)([A-Za-z0-9_.-]+)", path)
    if mastodon:
        user = mastodon.group(1)
        found.append(Person(f"mastodon:{user}@{host}", "mastodon", handle=f"@{user}@{host}"))
    bluesky = re.fullmatch(r"/profile/([A-Za-z0-9:._-]+)", path)
    if bluesky and host in ("bsky.app", "staging.bsky.app"):
        who = bluesky.group(1)
        handle = "" if who.startswith("did:") else "@" + who
        found.append(Person(f"bluesky:{who}", "bluesky", handle=handle))
    return found
