"""The small base every network adapter implements, and the errors adapters raise.

An adapter owns one network's protocol: its limits and counting rules, its request bodies, its
HTTP calls and the translation of its answers into Roost's records. It owns no policy: which
posts are due, retries, what is written to the ledger and when, are the orchestrators' job
(``syndicate.py``). So the orchestrator can treat every network alike, and a dry run shows
exactly what would be sent, through the same code that sends it.

Errors, translated at the adapter's edge so no foreign exception escapes::

    NetworkError                  something went wrong talking to a network
    ├── NotConfigured             a setting or the environment variable holding a secret is
    │                             missing; says which one to set (no request was made)
    ├── Unauthorized              the network refused the credentials (401/403)
    ├── Rejected                  the network refused this content (422, 400): its own message
    ├── RateLimited               429 or a spent budget; ``retry_after`` seconds, if known
    └── Unavailable               5xx, timeouts, connection errors, unreadable answers: the
                                  request may or may not have taken effect

An adapter sets these class constants:

    NAME          the records name ("mastodon")
    SECRETS       environment variables it reads, for ``roost doctor`` and the error messages

and implements ``draft`` (pure, works offline), ``request`` (the body that ``publish`` would
send for one part, for previews), ``publish_part``, and where the network allows them
``update_part`` and ``delete``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from ..model import Syndication


class NetworkError(Exception):
    network: str = ""

    def __init__(self, network: str, message: str):
        self.network = network
        super().__init__(f"{network}: {message}")


class NotConfigured(NetworkError):
    pass


class Unauthorized(NetworkError):
    pass


class Rejected(NetworkError):
    pass


class RateLimited(NetworkError):
    def __init__(self, network: str, message: str, retry_after: float | None = None):
        super().__init__(network, message)
        self.retry_after = retry_after


class Unavailable(NetworkError):
    pass


@dataclass(frozen=True)
class Image:
    path: Path
    alt: str


@dataclass
class Draft:
    """What one network would receive for one post: one part, or a thread of parts."""

    network: str
    post_key: str
    parts: list[str]
    url: str  # the canonical URL of the post
    title: str = ""
    description: str = ""
    language: str | None = None
    images: list[Image] = field(default_factory=list)  # attached to the first part
    published: datetime | None = None  # the post's date, for networks that record one

    @property
    def content_hash(self) -> str:
        """Changes when what would be sent changes (an edit of the post)."""
        h = hashlib.sha256()
        for part in self.parts:
            h.update(part.encode("utf-8") + b"\x00")
        for image in self.images:
            h.update(str(image.path.name).encode() + b"\x01" + image.alt.encode("utf-8"))
        return "sha256:" + h.hexdigest()

    def part_key(self, part: int) -> str:
        """Stable per post, network, part and content: the same retry gets the same key."""
        raw = f"roost|{self.post_key}|{self.network}|{part}|{self.content_hash}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


class Network:
    NAME: ClassVar[str] = ""
    SECRETS: ClassVar[tuple[str, ...]] = ()
    #: Whether a copy can be changed in place when the post changes.
    CAN_EDIT: ClassVar[bool] = False

    def __init__(self, config: dict[str, Any]):
        self.config = config

    # -- offline ---------------------------------------------------------------------------
    def draft(self, post) -> Draft:
        raise NotImplementedError

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        """The request ``publish_part`` would send for this part (method, path, body)."""
        raise NotImplementedError

    # -- network ---------------------------------------------------------------------------
    def publish_part(self, draft: Draft, part: int, reply_to: Syndication | None) -> Syndication:
        raise NotImplementedError

    def update_part(self, draft: Draft, part: int, copy: Syndication) -> Syndication:
        raise Rejected(self.NAME, "this network cannot edit a post")

    def delete(self, copy: Syndication) -> None:
        raise NotImplementedError
