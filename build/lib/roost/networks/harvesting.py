"""What every adapter's backfeed shares: the hints notifications give, the evidence rules, the
reading of like and repost lists, and the signs that someone asked not to be archived.

``commands/backfeed.py`` owns the policy (which posts, how many, what is written); these are
the protocol-side rules every adapter applies the same way, so no network can forget one.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..model import Interaction, format_time
from ..people import Person


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


def parse_time(value) -> datetime:
    """A time as networks write them (``Z`` or an offset; a naive one is taken as UTC)."""
    t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def today() -> str:
    """Midnight today, UTC: the time given to a like or repost whose list carries none and
    that no notification dated."""
    return format_time(datetime.now(UTC)).split("T")[0] + "T00:00:00Z"


def add_reactions(harvest, known: dict, hints: Hints, prefix: str, found) -> None:
    """A complete list of one copy's likes (or reposts) into the harvest: ``found`` holds
    (reaction, person) pairs, each reaction's ``published`` what the list says (or today). A
    reaction already stored keeps its stored time, a new one takes its notification's if there
    was one; every stored reaction under ``prefix`` that the list no longer holds is gone."""
    fresh = set()
    for reaction, person in found:
        if reaction.id in known:
            reaction.published = known[reaction.id].published
        elif reaction.id in hints.times:
            with contextlib.suppress(ValueError):  # an unreadable time: the list's stands
                reaction.published = format_time(parse_time(hints.times[reaction.id]))
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


_OPT_OUT = re.compile(r"(?<![\w#])#(nobot|nobridge)\b", re.IGNORECASE)


def asks_not_to_be_archived(profile_text: str) -> bool:
    """A profile that says ``#nobot`` or ``#nobridge`` (as text or as Mastodon's hashtag HTML,
    ``#<span>nobot</span>``): the Fediverse's way to ask bots not to keep what you write."""
    return bool(_OPT_OUT.search(re.sub(r"<[^>]*>", "", profile_text or "")))
