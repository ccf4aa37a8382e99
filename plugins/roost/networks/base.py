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
    │   └── MissingScopes         they work, but lack a scope some calls need
    ├── Rejected                  the network refused this content (422, 400): its own message
    ├── RateLimited               429 or a spent budget; ``retry_after`` seconds, if known
    ├── Unavailable               5xx, timeouts, connection errors: the request may or may
    │                             not have taken effect
    └── Unreadable                an answer (or a hand-edited record) of a shape the adapter
                                  does not know

An adapter sets these class constants:

    NAME          the records name ("mastodon")
    SECRETS       environment variables it reads, for ``roost doctor`` and the error messages

and implements ``fits`` (its counter; ``draft`` composes with it, offline), ``protected`` and
``too_long`` (for threads and refusals), ``request`` (the body ``publish_part`` would send, for
previews), ``publish_part``, and where the network allows them ``update_part`` and ``delete``.

For the backfeed (``backfeed.py`` owns the policy: which posts, how many, what is written) an
adapter implements ``activity`` (what its notifications say happened since a cursor: which posts,
and when each like or repost was made) and ``harvest`` (everything the network holds for one
post's copies, in the normal form, with positive evidence of what is gone). For ``roost doctor``
it implements ``check``: one read-only call that proves the credentials work.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from ..model import Intent, Interaction, Person, Syndication, format_time
from ..redaction import scrub


class NetworkError(Exception):
    """``status`` is the HTTP status (None when there was no answer), ``code`` the network's own
    error name (Bluesky's ``InvalidSwap``, Mastodon has none). The message is scrubbed of every
    secret and query string when the error is made (redaction.py)."""

    network: str = ""

    def __init__(
        self, network: str, message: str, *, status: int | None = None, code: str | None = None
    ):
        self.network = network
        self.message = scrub(message)  # without the network's name, for lines that say it
        self.status = status
        self.code = code
        super().__init__(f"{network}: {self.message}")


class NotConfigured(NetworkError):
    pass


class Unauthorized(NetworkError):
    pass  # status 401, or 403: a valid token without the scope the call needs


class MissingScopes(Unauthorized):
    """The credentials work, but lack what some of Roost's calls need (``roost doctor``)."""


class Rejected(NetworkError):
    pass


class RateLimited(NetworkError):
    def __init__(self, network: str, message: str, retry_after: float | None = None, **kw):
        super().__init__(network, message, **kw)
        self.retry_after = retry_after


class Unavailable(NetworkError):
    pass


class Unreadable(NetworkError):
    """Something the adapter could not read: an answer of a shape the network never sends, or
    a record edited by hand into one Roost does not expect. Not tried again in the same run."""


def error_for(
    network: str,
    status: int,
    message: str,
    *,
    credentials: str,
    retry_after: float | None = None,
    code: str | None = None,
) -> NetworkError:
    """The error for a refused request, by HTTP status, which means the same on every network:
    ``credentials`` says what to check when the network refuses them."""
    kw = {"status": status, "code": code}
    if status in (401, 403):
        return Unauthorized(network, f"{message} (check {credentials})", **kw)
    if status == 429:
        return RateLimited(network, message, retry_after=retry_after, **kw)
    if status >= 500:
        return Unavailable(network, f"{status} {message}", **kw)
    return Rejected(network, f"{status} {message}", **kw)


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


@dataclass
class Hints:
    """What the notifications said about one post, so a harvest can be exact and cheap."""

    times: dict[str, str] = field(default_factory=dict)  # reaction id -> when it was made
    touched: set[tuple[str, str]] = field(default_factory=set)  # (like|repost|quote, copy id)


@dataclass
class Mention:
    """Something that names the author without answering a copy: it belongs to the blog posts
    it links to, which only the orchestrator knows."""

    interaction: Interaction  # kind "mention"
    person: Person
    links: list[str]


@dataclass
class Activity:
    """The posts the notifications since a cursor concern, and the cursor to store after."""

    posts: dict[str, Hints] = field(default_factory=dict)  # post key -> hints
    cursor: str | None = None
    mentions: list[Mention] = field(default_factory=list)


#: The methods where an adapter meets the network: an answer of a shape the adapter did not
#: expect (a list where an object was due, a missing key) becomes Unreadable there, one line,
#: instead of a traceback from deep inside the adapter.
EDGE = ("connect", "publish_part", "update_part", "delete", "find_sent", "activity", "harvest",
        "check", "profiles")  # fmt: skip


def _at_the_edge(method):
    @functools.wraps(method)
    def translated(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except NetworkError:
            raise
        except (KeyError, TypeError, AttributeError, IndexError, ValueError, RecursionError) as e:
            raise Unreadable(
                self.NAME,
                "an answer of a shape Roost does not know, or a record edited into one "
                f"({type(e).__name__}: {e})",
            ) from None

    return translated


class Network:
    NAME: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in EDGE:
            if name in cls.__dict__:
                setattr(cls, name, _at_the_edge(cls.__dict__[name]))

    SECRETS: ClassVar[tuple[str, ...]] = ()
    #: Whether a copy can be changed in place when the post changes.
    CAN_EDIT: ClassVar[bool] = False
    #: Pictures a post may carry.
    max_images: int = 4
    #: The dataclass of this network's settings (networks/settings.py).
    SETTINGS: ClassVar[type | None] = None

    def __init__(self, config: dict[str, Any]):
        self.config = config
        # The run's guarded fetch (guarded_fetch.py), for every address a stranger names; the
        # orchestrator sets it, so one run shares one deadline.
        self.fetcher = None

    def parse_settings(self, config: dict[str, Any]):
        """This network's settings, checked; NotConfigured naming every problem."""
        settings, problems = self.SETTINGS.parse(config, self.NAME)
        if problems:
            raise NotConfigured(self.NAME, "; ".join(problems))
        return settings

    def limits(self) -> dict:
        """What the server announced that composing depends on (kept for offline previews)."""
        return {}

    def apply_limits(self, limits: dict) -> None:
        """Use limits a server announced on an earlier online run."""

    def trusted_origins(self) -> set[str]:
        """The servers the author configured for this network (their instance, their PDS):
        fetched as configured, without the public-address check strangers' addresses get."""
        return set()

    # -- offline ---------------------------------------------------------------------------
    def fits(self, text: str) -> bool:
        """Within the network's limit, by the network's own counter."""
        raise NotImplementedError

    def protected(self, text: str) -> list[tuple[int, int]]:
        """Spans a thread must not be cut inside (links, mentions, tags)."""
        return []

    def too_long(self, text: str) -> str:
        """How the network would measure a text that does not fit, for the author."""
        return "the text is over this network's limit"

    def draft(self, post) -> Draft:
        """What this network gets for the post: one part, or a thread when the post asks for
        one; a text that does not fit otherwise is refused before anything is sent."""
        from ..compose import compose
        from ..splitting import CannotSplit, split

        text = compose(post, self.NAME, self.fits)
        if self.fits(text):
            parts = [text]
        elif post.thread:
            try:
                spans = split(text, self.fits, self.protected(text))
            except CannotSplit as e:
                raise Rejected(self.NAME, f"{post.key}: {e}") from None
            parts = [text[s:e] for s, e in spans]
        else:
            label = self.NAME.capitalize()
            raise Rejected(
                self.NAME,
                f"{post.key}: {self.too_long(text)}; shorten {label}_text or set 'Thread: yes'",
            )
        images = []
        if post.image and post.image.is_file():
            images = [Image(post.image, post.image_alt)][: self.max_images]
        return Draft(
            network=self.NAME,
            post_key=post.key,
            parts=parts,
            url=post.url,
            title=post.title,
            description=post.summary,
            language=self.config.get("language") or post.lang,
            images=images,
            published=post.date,
        )

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        """The request ``publish_part`` would send for this part (method, path, body)."""
        raise NotImplementedError

    # -- network ---------------------------------------------------------------------------
    def intent(self, draft: Draft, part: int, started: datetime) -> Intent:
        """What the ledger holds while a part is being sent: written before the first attempt,
        so every attempt, in this run or a later one, sends the same thing and can be found."""
        return Intent(
            self.NAME,
            part,
            format_time(started),
            draft.content_hash,
            self.intent_extra(draft, part, started),
        )

    def intent_extra(self, draft: Draft, part: int, started: datetime) -> dict:
        """What this network needs to find the part again (a record key, the text)."""
        return {}

    def publish_part(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent | None = None
    ) -> Syndication:
        """Send one part (``intent``: the ledger's, so a retry sends the same thing; a fresh
        one when not given)."""
        raise NotImplementedError

    def find_sent(
        self, draft: Draft, part: int, reply_to: Syndication | None, intent: Intent
    ) -> Syndication | None:
        """The copy an earlier attempt of this part made, if it is on the network: asked before
        a part with an intent and no copy is sent again. None when it is not there."""
        raise Rejected(
            self.NAME,
            f"{draft.post_key}: part {part + 1} may have been sent and this network cannot be "
            "asked; check the account, then delete the entry from the record's intents",
        )

    def update_part(self, draft: Draft, part: int, copy: Syndication) -> Syndication:
        raise Rejected(self.NAME, "this network cannot edit a post")

    def delete(self, copy: Syndication) -> None:
        raise NotImplementedError

    # -- backfeed --------------------------------------------------------------------------
    def activity(self, cursor: str | None, ours: dict[str, str], since=None) -> Activity:
        """What happened since ``cursor``: the posts concerned (``ours`` maps every copy id of
        this network to its post key), up to the newest notification. On a first run (no
        cursor) nothing older than ``since`` (the oldest copy's time) needs reading."""
        raise NotImplementedError

    def harvest(self, record, hints: Hints, counts: dict[str, str]):
        """``(Harvest, counts)``: every reply, quote, like and repost the network holds for the
        record's copies on it, and each copy's reaction counts as text. ``counts`` holds the
        counts of the last harvest: like, repost and quote lists are read only for copies whose
        counts changed or that ``hints.touched`` names (``lists_to_read``)."""
        raise NotImplementedError

    def check(self) -> str:
        """One read-only call with the credentials; the account's name on success."""
        raise NotImplementedError

    def profiles(self, people: list[Person]) -> list[Person]:
        """These people's profiles as the network shows them now (so a late ``#nobot`` is seen,
        and a new name or picture); those it could not look up are left out. None by default."""
        return []


_OPT_OUT = re.compile(r"(?<![\w#])#(nobot|nobridge)\b", re.IGNORECASE)


def secret_text(network: str, variable: str, value: str) -> str:
    """``value`` when it could be a secret as networks issue them (printable ASCII); otherwise
    NotConfigured saying so: a token pasted with a curly quote or a line break would fail in a
    way that blames the server."""
    if value and not (value.isascii() and value.isprintable() and " " not in value):
        raise NotConfigured(
            network,
            f"the environment variable {variable} holds characters no secret has (a space, a "
            "curly quote, a line break?); paste it again",
        )
    return value


def asks_not_to_be_archived(profile_text: str) -> bool:
    """A profile that says ``#nobot`` or ``#nobridge`` (as text or as Mastodon's hashtag HTML,
    ``#<span>nobot</span>``): the Fediverse's way to ask bots not to keep what you write."""
    return bool(_OPT_OUT.search(re.sub(r"<[^>]*>", "", profile_text or "")))


def with_retries(call, *args, delays, max_rate_wait: float, sleep, rate_margin: float = 0.0):
    """``call(*args)``, tried again after an outage (``Unavailable``: waiting ``delays[i]``
    before try i + 2) or a rate limit that lifts within ``max_rate_wait`` seconds (waiting it
    out, plus ``rate_margin``); ``len(delays) + 1`` tries in all. The orchestrators' one retry
    policy: anything else, or the last failure, is raised."""
    for wait in (*delays, None):
        try:
            return call(*args)
        except Unavailable:
            if wait is None:
                raise
            sleep(wait)
        except RateLimited as e:
            if wait is None or e.retry_after is None or e.retry_after > max_rate_wait:
                raise
            sleep(e.retry_after + rate_margin)
    raise AssertionError("unreachable")


def add_reactions(harvest, known: dict, hints: Hints, prefix: str, found, parse) -> None:
    """A complete list of one copy's likes (or reposts) into the harvest: ``found`` holds
    (reaction, person) pairs, each reaction's ``published`` what the list says (or today). A
    reaction already stored keeps its stored time, a new one takes its notification's if there
    was one (``parse`` reads the network's times); every stored reaction under ``prefix`` that
    the list no longer holds is gone."""
    fresh = set()
    for reaction, person in found:
        if reaction.id in known:
            reaction.published = known[reaction.id].published
        elif reaction.id in hints.times:
            reaction.published = format_time(parse(hints.times[reaction.id]))
        fresh.add(reaction.id)
        harvest.people.append(person)
        harvest.interactions.append(reaction)
    harvest.gone |= {i for i in known if i.startswith(prefix) and i not in fresh}


def gone_on_evidence(harvest, known: dict, network: str, kind: str, listed: set, still_there):
    """Stored interactions of this network and kind that a complete crawl no longer lists are
    asked about one by one: ``still_there(id)`` is True, False (the network says not found: the
    evidence) or None (not something that can be asked about). Missing from a list alone never
    removes anything, and an orphan whose parent went stays."""
    for x in known.values():
        unlisted = x.network == network and x.kind == kind and x.id not in listed
        if unlisted and still_there(x.id) is False:
            harvest.gone.add(x.id)


LISTS = ("like", "repost", "quote")


def lists_to_read(copy_id: str, before: str | None, now: str, hints: Hints, known: dict) -> set:
    """Which of a copy's like, repost and quote lists are worth reading: those a notification
    named, and those whose count ("3/1/0", in that order) changed since the last harvest, except a
    count that fell to zero where nothing of the kind was ever stored."""
    old, new = (before or "").split("/"), now.split("/")
    stored = {x.kind for x in known.values()}
    wanted = set()
    for i, kind in enumerate(LISTS):
        n, o = (new[i] if i < len(new) else "0"), (old[i] if i < len(old) else None)
        if (kind, copy_id) in hints.touched or (n != o and not (n == "0" and kind not in stored)):
            wanted.add(kind)
    return wanted
