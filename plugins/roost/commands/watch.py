"""The account watch: after each backfeed, the author's own latest posts on each network are read
(a request or two, ``Network.own_posts``) and any post Roost did not send is recorded in
``social/watch.json``, to be listed by ``roost backfeed``, ``roost status``, ``roost doctor``
and ``roost watch`` until the author marks it as theirs (``roost watch ok``). With
``--fail-on-unknown`` those commands exit 1, so a scheduled CI run tells the author of a
hacked account within the hour. ``docs/watch.md`` says which posts count and why.

Roost's own posts are known by their ids: every copy in ``social/posts/*.json`` (each part of a
thread; an edit keeps its id), and the copies Roost deleted. The records are read after the
network answered, so a part sent meanwhile is known; and a post made while a part of Roost's
was being sent (an intent still open on that network, begun before it) is not listed until
``roost syndicate`` has settled that intent.

The first look at an account records where it stands (the mark, in ``cursors.json``) and lists
nothing: years of old posts are never listed. Later looks read only what is newer than the mark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..model import RecordError, format_time, parse_time
from ..networks.base import NetworkError
from ..networks.own_posts import LISTED
from ..sanitize import clean_text, safe_url
from ..watch_file import Mine, Seen
from . import backfeed
from .retrying import with_retries
from .spending import record as record_spending

MARK, SINCE = "watch", "watch_since"  # this network's keys in cursors.json
#: How long after an intent began a post of that network may be the part it was sending.
INTENT_WINDOW = timedelta(minutes=15)
WORDS = 80  # characters of a post's text in its alert line


@dataclass(frozen=True)
class Unknown:
    network: str
    post: Seen

    def line(self) -> str:
        """One line for the author: network, time, address, first words, all sanitised."""
        when = self.post.published.replace("T", " ").replace("Z", " UTC")
        url = safe_url(self.post.url) or "(no address)"
        text = clean_text(self.post.text, 400)
        words = text if len(text) <= WORDS else text[: WORDS - 1].rsplit(" ", 1)[0] + "…"
        kind = "" if self.post.kind == "post" else f" ({clean_text(self.post.kind, 20)})"
        return f"{self.network}: not sent by Roost{kind}, {when}: {url} “{words}”"


def watch(store, adapter, now: datetime | None = None) -> str | None:
    """Look at the author's account on this network once; a line if that failed."""
    name = adapter.NAME
    setting = getattr(adapter.settings, "watch", "off")
    if not adapter.OWN_POSTS or setting == "off":
        return None
    now = now or datetime.now(UTC)
    mark = store.read_cursors().get(name, {}).get(MARK)
    try:
        found = with_retries(
            adapter.own_posts, mark, LISTED[setting], delays=backfeed.RETRY_DELAYS,
            max_rate_wait=backfeed.MAX_RATE_WAIT, sleep=time.sleep,
        )  # fmt: skip
    except NetworkError as e:
        return f"{e}; your own posts there were not checked this run"
    finally:  # a network that bills reads (X): the watch's reads count in the month's spend
        record_spending(store, adapter)
    with store.lock():
        new = []
        if found.posts and not found.first:
            decided = _sent(store, name) | store.read_watch().account(name).decided()
            new = [p for p in found.posts if p.id not in decided]
        if new:
            watched = store.read_watch()
            watched.account(name).unknown += [
                Seen(p.id, p.url, p.published, p.kind, p.text) for p in new
            ]
            store.write_watch(watched)
        cursors = store.read_cursors()
        mine = cursors.setdefault(name, {})
        mine[MARK] = found.mark
        if found.first or SINCE not in mine:
            mine[SINCE] = format_time(now)
        store.write_cursors(cursors)
    return None


def unknown_posts(store, problems: list[str] | None = None) -> list[Unknown]:
    """The posts to list now: recorded as unknown, not marked, not found since among Roost's
    copies, and not possibly a part Roost is still sending."""
    watched = store.read_watch()
    waiting = [a for a in watched.networks.values() if a.unknown]
    if not waiting:
        return []
    sent, intents = _records(store, problems)
    found = []
    for name, account in sorted(watched.networks.items()):
        mine = {x.id for x in account.ok} | set(account.deleted) | sent.get(name, set())
        for seen in account.unknown:
            if seen.id in mine or _while_sending(seen, intents.get(name, [])):
                continue
            found.append(Unknown(name, seen))
    return sorted(found, key=lambda u: (u.post.published, u.network, u.post.id))


ADVICE = (
    "if a post is yours, `roost watch ok URL` (or `--all`) stops it being listed; if not, "
    "someone else may be using your account: change its password and revoke its tokens and apps"
)


def say_unknown_posts(store, fail: bool, problems: list[str] | None = None) -> bool:
    """Print one line per post to list (stderr), then what to do; True when ``fail`` and
    there are some (the command then exits 1)."""
    import sys

    from .common import say

    try:
        found = unknown_posts(store, problems)
    except RecordError as e:  # watch.json damaged by hand: said, and the command goes on
        say(f"roost: {e}; fix it or restore it from git", sys.stderr)
        return fail
    for u in found:
        say(f"roost: {u.line()}", sys.stderr)
    if found:
        say(f"roost: {ADVICE}", sys.stderr)
    return fail and bool(found)


def mark_ok(store, refs: list[str], everything: bool = False) -> tuple[list[Unknown], list[str]]:
    """Mark the listed posts named by id or address (or all of them) as the author's: (those
    marked, the references that name no listed post)."""
    with store.lock():
        listed = unknown_posts(store)
        chosen, missing = [], []
        for ref in refs:
            hit = [u for u in listed if ref.strip() in (u.post.id, u.post.url)]
            chosen += hit
            if not hit:
                missing.append(ref)
        if everything:
            chosen = listed
        if chosen:
            watched = store.read_watch()
            marked = format_time(datetime.now(UTC))
            for u in chosen:
                account = watched.account(u.network)
                account.ok.append(Mine(u.post.id, u.post.url, marked))
                account.unknown = [s for s in account.unknown if s.id != u.post.id]
            store.write_watch(watched)
    return chosen, missing


def remember_deleted(store, network: str, post_id: str) -> None:
    """A copy Roost took down: never mistaken for a stranger's post. Call under the lock."""
    watched = store.read_watch()
    if post_id not in watched.account(network).deleted:
        watched.account(network).deleted.append(post_id)
        store.write_watch(watched)


def _sent(store, network: str) -> set[str]:
    return _records(store)[0].get(network, set())


def _records(store, problems: list[str] | None = None):
    """(every copy id per network, the open intents per network) of every post file."""
    sent: dict[str, set[str]] = {}
    intents: dict[str, list] = {}
    for key in store.post_keys():
        try:
            record = store.read_post(key)
        except RecordError as e:
            if problems is not None:
                problems.append(f"{e}; its copies may be listed as not sent by Roost")
            continue
        for copy in record.syndications:
            sent.setdefault(copy.network, set()).add(copy.id)
        for intent in record.intents:
            intents.setdefault(intent.network, []).append(intent)
    return sent, intents


def _while_sending(seen: Seen, intents: list) -> bool:
    try:
        at = parse_time(seen.published)
        return any(
            parse_time(i.started) - timedelta(minutes=1)
            <= at
            <= parse_time(i.started) + INTENT_WINDOW
            for i in intents
        )
    except ValueError:
        return False
