"""The contract every network adapter implements: what it can do, declared; its settings, typed;
and its methods, grouped by what they are for.

An adapter owns one network's protocol: its limits and counting rules, its request bodies, its
answers translated into Roost's records. It owns no policy: which posts are due, retries, what
is written to the ledger and when, are the orchestrators' (``commands/syndicate.py``,
``commands/backfeed.py``). It talks to its API only through ``http.ApiClient``, and fetches an
address a stranger named only through ``guarded_fetch``.

**Capabilities**, class constants the orchestrators choose by (and the README's table of
networks is checked against):

    POSTS         it can post a blog post (``draft``, ``request``, ``publish_part``,
                  ``find_sent``)
    EDITS         it can change a copy in place (``update_part``)
    DELETES       it can take a copy down (``delete``)
    THREADS       a long text can go out as a thread of parts
    MAX_IMAGES    pictures a post may carry
    BRINGS_HOME   the interaction kinds its backfeed archives (``activity``, ``harvest``)
    COUNTS_ONLY   of those, the kinds the network gives as numbers only, never as people
                  (Threads' likes and reposts): kept as a copy's ``tallies``, shown as counts
    FEED          it has a feed of what was said about the site, without posting (``feed``)
    PROFILES      it can look people's profiles up again (``profiles``)
    FOLLOWERS     it can list the account's followers, page by page (``followers``), for
                  ``roost audience snapshot``; the author turns it on with the network's
                  ``followers`` setting (``settings.followers_setting``)
    DISCOVERS     it can find discussions of a post it did not start (Hacker News, Reddit)
    OWN_POSTS     it can list the author's own latest posts (``own_posts``), so the account
                  watch sees a post Roost did not send (``commands/watch.py``)
    CANNOT        what the network does not allow, in a sentence for the README ("" if nothing)
    PRICES        what each billed request costs, in US dollars (item -> price; billing.py);
                  empty for a network that does not bill

**Settings**: ``SETTINGS`` is a ``networks.settings.NetworkSettings`` dataclass: every key, its
type and default, and the environment variable holding each secret with how to make it.

**Methods**, by group: offline (``fits``, ``protected``, ``too_long``, ``draft``,
``request``), posting (``connect``, ``intent``, ``publish_part``, ``find_sent``,
``update_part``, ``delete``), bringing home (``activity``, ``harvest``, ``feed``,
``profiles``, ``own_posts``), the audience (``followers``), and ``check`` (one read-only
call with the credentials, for ``roost doctor``).
A method the network cannot do raises ``Rejected`` (a ``NetworkError``, so the orchestrators'
error handling covers it); they never call one their capabilities do not declare.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from ..model import Intent, Syndication, format_time
from ..people import Person
from .errors import (  # noqa: F401 (the error tree, importable from here too)
    MissingScopes,
    NetworkError,
    NotConfigured,
    OverBudget,
    RateLimited,
    Rejected,
    Unauthorized,
    Unavailable,
    Unreadable,
    error_for,
)
from .harvesting import Activity, Hints
from .own_posts import OwnPosts
from .settings import NetworkSettings


@dataclass(frozen=True)
class Image:
    path: Path
    alt: str
    url: str = ""  # where the deployed site serves it (networks that fetch pictures by address)


@dataclass
class Followers:
    """The author's followers on one network, as the network lists them. ``people`` is read
    lazily, one page at a time (only the page being read is in memory); a failure mid-way
    raises from the iteration, as a ``NetworkError``. ``announced``: how many the profile says
    (None when it does not say); ``hidden``: the account hides its network from others."""

    people: Iterator[Person]
    announced: int | None = None
    hidden: bool = False


#: What reading an answer of an unexpected shape raises. OverflowError: JSON's ``1e999`` is
#: read as infinity, which no count can be (``int(inf)``).
_SHAPE_ERRORS = (KeyError, TypeError, AttributeError, IndexError, ValueError, OverflowError,
                 RecursionError)  # fmt: skip


def translated_items(network: str, items: Iterable) -> Iterator:
    """``items`` with an answer of a shape the adapter did not expect turned into Unreadable,
    as ``EDGE`` methods do: a generator's errors arise while it is read, past the wrapper."""
    try:
        yield from items
    except NetworkError:
        raise
    except _SHAPE_ERRORS as e:
        raise Unreadable(
            network, f"an answer of a shape Roost does not know ({type(e).__name__}: {e})"
        ) from None


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


#: The methods where an adapter meets the network: an answer of a shape the adapter did not
#: expect (a list where an object was due, a missing key) becomes Unreadable there, one line,
#: instead of a traceback from deep inside the adapter.
EDGE = ("connect", "publish_part", "update_part", "delete", "find_sent", "activity", "harvest",
        "feed", "check", "profiles", "followers", "own_posts")  # fmt: skip


def _at_the_edge(method):
    @functools.wraps(method)
    def translated(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except NetworkError:
            raise
        except _SHAPE_ERRORS as e:
            raise Unreadable(
                self.NAME,
                "an answer of a shape Roost does not know, or a record edited into one "
                f"({type(e).__name__}: {e})",
            ) from None

    return translated


class Network:
    NAME: ClassVar[str] = ""
    SETTINGS: ClassVar[type[NetworkSettings]] = NetworkSettings  # none by default

    POSTS: ClassVar[bool] = False
    EDITS: ClassVar[bool] = False
    DELETES: ClassVar[bool] = False
    THREADS: ClassVar[bool] = False
    MAX_IMAGES: ClassVar[int] = 0
    BRINGS_HOME: ClassVar[frozenset[str]] = frozenset()
    COUNTS_ONLY: ClassVar[frozenset[str]] = frozenset()
    FEED: ClassVar[bool] = False
    PROFILES: ClassVar[bool] = False
    FOLLOWERS: ClassVar[bool] = False
    DISCOVERS: ClassVar[bool] = False
    OWN_POSTS: ClassVar[bool] = False
    CANNOT: ClassVar[str] = ""
    PRICES: ClassVar[dict[str, float]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in EDGE:  # defined by the adapter or a class it mixes in; wrapped once
            method = getattr(cls, name)
            if method is not getattr(Network, name) and not hasattr(method, "__wrapped__"):
                setattr(cls, name, _at_the_edge(method))

    def __init__(self, config: dict[str, Any], env=None):
        """``config``: the author's settings for this network (checked: NotConfigured names
        every problem); ``env``: where secrets are read (the process environment by default;
        an empty dict for offline commands)."""
        import os

        settings, problems = self.SETTINGS.parse(config, self.NAME)
        if problems:
            raise NotConfigured(self.NAME, "; ".join(problems))
        self.settings = settings
        self.env = os.environ if env is None else env
        # The run's guarded fetch (guarded_fetch.py), for every address a stranger names; the
        # orchestrator sets it, so one run shares one deadline.
        self.fetcher = None
        self.max_images = self.MAX_IMAGES  # a server may announce another (``apply_limits``)
        # Set by the orchestrator while a part is sent: an adapter whose publishing takes more
        # than one request calls it with the part's intent, its ``extra`` grown (Threads' media
        # container id), and the ledger holds it before the next request.
        self.checkpoint = lambda intent: None
        # What this run spends on a network that bills (the author's prices over the
        # defaults, and budget, from the settings); the orchestrators load the month's spend.
        from .billing import Meter

        prices = {**self.PRICES, **(getattr(settings, "prices", None) or {})}
        budget = getattr(settings, "monthly_budget_usd", None)
        self.meter = Meter(self.NAME, prices if self.PRICES else {}, budget)
        # What the author should hear once per run (a limit of the network's, an endpoint the
        # access does not allow), said by the command after the run.
        self.notes: list[str] = []

    @classmethod
    def secret_variables(cls, settings) -> dict[str, str]:
        """The environment variables holding this network's secrets, with how to make each."""
        return {getattr(settings, name): how for name, how in cls.SETTINGS.secrets().items()}

    def can_edit(self) -> bool:
        """Whether copies are edited when their post changes (the network, and the author)."""
        return self.EDITS

    def limits(self) -> dict:
        """What the server announced that composing depends on (kept for offline previews)."""
        return {}

    def apply_limits(self, limits: dict) -> None:
        """Use limits a server announced on an earlier online run."""

    def trusted_origins(self) -> set[str]:
        """The servers the author configured for this network (their instance, their PDS):
        fetched as configured, without the public-address check strangers' addresses get.
        Name the network's own server here, or the avatars and pictures it serves are fetched
        as a stranger's (and a test's fake on 127.0.0.1 is refused)."""
        return set()

    # -- offline ---------------------------------------------------------------------------
    def fits(self, text: str) -> bool:
        """Within the network's limit, by the network's own counter."""
        raise Rejected(self.NAME, "this network does not post")

    def protected(self, text: str) -> list[tuple[int, int]]:
        """Spans a thread must not be cut inside (links, mentions, tags)."""
        return []

    def too_long(self, text: str) -> str:
        """How the network would measure a text that does not fit, for the author."""
        return "the text is over this network's limit"

    def measure(self, text: str) -> str | None:
        """The text's length as the network counts it, for previews ("212/280"), or None."""
        return None

    def cost(self, draft: Draft, parts: list[int] | None = None) -> float | None:
        """What sending these parts (all by default) would cost in US dollars, at the
        settings' prices; None for a network that does not bill."""
        return None

    def draft(self, post) -> Draft:
        """What this network gets for the post: one part, or a thread when the post asks for
        one; a text that does not fit otherwise is refused before anything is sent."""
        from .compose import compose
        from .splitting import CannotSplit, split

        text = compose(post, self.NAME, self.fits)
        if self.fits(text):
            parts = [text]
        elif post.thread and self.THREADS:
            try:
                spans = split(text, self.fits, self.protected(text))
            except CannotSplit as e:
                raise Rejected(self.NAME, f"{post.key}: {e}") from None
            parts = [text[s:e] for s, e in spans]
        else:
            label = self.NAME.capitalize()
            fix = f"shorten {label}_text" + (" or set 'Thread: yes'" if self.THREADS else "")
            raise Rejected(self.NAME, f"{post.key}: {self.too_long(text)}; {fix}")
        images = []
        if post.image and post.image.is_file():
            images = [Image(post.image, post.image_alt, post.image_url)][: self.max_images]
        return Draft(
            network=self.NAME,
            post_key=post.key,
            parts=parts,
            url=post.url,
            title=post.title,
            description=post.summary,
            # A network whose settings have a ``language`` key lets the author override the
            # post's language for every copy.
            language=getattr(self.settings, "language", None) or post.lang,
            images=images,
            published=post.date,
        )

    def request(self, draft: Draft, part: int, reply_to: Syndication | None) -> dict:
        """The request ``publish_part`` would send for this part (method, url, body)."""
        raise Rejected(self.NAME, "this network does not post")

    # -- posting ---------------------------------------------------------------------------
    def connect(self) -> None:
        """Ask the network what composing needs (its limits) before a run posts."""

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
        raise Rejected(self.NAME, "this network does not post")

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
        raise Rejected(self.NAME, "this network cannot delete a post")

    # -- bringing home ---------------------------------------------------------------------
    def activity(self, cursor: str | None, ours: dict[str, str], since=None) -> Activity:
        """What happened since ``cursor``: the posts concerned (``ours`` maps every copy id of
        this network to its post key), up to the newest notification. On a first run (no
        cursor) nothing older than ``since`` (the oldest copy's time) needs reading.

        Called for every network with ``BRINGS_HOME``. One without notifications keeps this
        default (nothing known): its posts are then read by the backfeed's decaying sweep."""
        return Activity(cursor=cursor)

    def harvest(self, record, hints: Hints, counts: dict[str, str]):
        """A ``Harvest``: every reply, quote, like and repost the network holds for the
        record's copies on it, with each copy's reaction counts as text in ``counts``. The
        ``counts`` given are the last harvest's: like, repost and quote lists are read only for
        copies whose counts changed or that ``hints.touched`` names (``lists_to_read``). A
        copy's counts are written ``"<likes>/<reposts>/<quotes>"`` (``reading.counts`` in
        mastodon/ and bluesky/); a network without one of them writes 0 there."""
        raise Rejected(self.NAME, "this network brings nothing home")

    def feed(self, state: dict[str, str], posts_by_url: dict[str, str]):
        """``(harvests by post key, the state to keep)``: what the feed says about the site's
        posts (``posts_by_url``: each post's address and key) since ``state``."""
        raise Rejected(self.NAME, "this network has no feed")

    def profiles(self, people: list[Person]) -> list[Person]:
        """These people's profiles as the network shows them now (so a late ``#nobot`` is seen,
        and a new name or picture); those it could not look up are left out."""
        return []

    # -- the audience ----------------------------------------------------------------------
    def followers(self) -> Followers:
        """Who follows the author's account, streamed (:class:`Followers`). Each person is read
        as the backfeed reads them, ``opted_out`` set when their profile asks not to be indexed
        or archived; the caller decides what is kept of them."""
        raise Rejected(self.NAME, "this network does not list followers")

    def own_posts(self, mark: str | None, kinds: frozenset[str]) -> OwnPosts:
        """The author's posts of these ``kinds`` (``own_posts.KINDS``) newer than ``mark`` (the
        one this returned last time), newest first, in a request or two. With no usable mark,
        none: only the mark of where the account stands now (``first``)."""
        raise Rejected(self.NAME, "this network cannot list the account's posts")

    def check(self) -> str:
        """One read-only call with the credentials; the account's name on success."""
        raise Rejected(self.NAME, "this network cannot be checked")
