"""Bring home what people did with the copies of each post, at a cost that grows with activity.

For each network, one run:

1. asks the adapter what its notifications say happened since the stored cursor (one request
   when nothing happened): which posts, and when each new like or repost was made;
2. adds a few posts from the **sweep**: every post is looked at again on a schedule that decays
   with its age (hourly on its first day, then every 6 hours, daily, weekly, and monthly after a
   year), the most overdue first, ``sweep`` posts a run. The sweep finds what no notification
   announces: a Mastodon reply that does not mention you, a Bluesky reply more than four levels
   down, a like that was taken back;
3. harvests those posts only: the whole thread (notifications miss deep replies), and the like,
   repost and quote lists of the copies whose counts changed since the last harvest;
4. merges it all (``archive.merge``: evidence, not absence), mirrors new avatars and attached
   pictures, and writes each post's record, then the people, then, last, the cursor.

A post whose fetch fails (after two more tries for an outage, or a wait for a rate limit of up
to a minute) is left exactly as it was; the posts done before it are kept. What the
notifications said about the posts not done is kept in the cursor file (``pending``) and they
come first next run, so the notifications cursor can still move on and nothing is lost; merging
twice changes nothing. What the adapters count as evidence of a deletion is written in each
adapter's comments.

The state kept in ``social/cursors.json`` per network: ``notifications`` (the adapter's cursor),
``crawled:<post>`` (when the post was last harvested, for the sweep and ``roost status``) and
``counts:<post>`` (each copy's like, repost and quote counts at that harvest) and ``pending``
(posts named by notifications that a failed run did not finish, with what was said of them).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..archive import Change, Harvest, merge
from ..model import RecordError, format_time, parse_time
from ..networks.base import NetworkError
from ..networks.compose import address
from ..networks.guarded_fetch import GuardedFetcher
from ..networks.harvesting import Hints
from ..store import Store
from .mirror import Pictures, mirror_attachments, mirror_avatars
from .moderation import apply as moderation_apply
from .moderation import unneeded_people
from .retrying import with_retries
from .spending import load as load_spending
from .spending import record as record_spending

#: (age below, look again every): a post is swept less often as it gets older.
SWEEP_SCHEDULE = (
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=6)),
    (timedelta(days=30), timedelta(days=1)),
    (timedelta(days=365), timedelta(days=7)),
)
OLDEST_INTERVAL = timedelta(days=30)


@dataclass
class Report:
    network: str
    change: Change = field(default_factory=Change)
    posts: int = 0  # posts harvested, active and swept
    swept: int = 0  # of which from the sweep
    failed: str = ""
    problems: list[str] = field(default_factory=list)  # record files left alone, one line each
    cost: float | None = None  # US dollars this run spent, on a network that bills
    notes: list[str] = field(default_factory=list)  # the adapter's, said once (a limit of X's)


def sweep_interval(age: timedelta) -> timedelta:
    for below, every in SWEEP_SCHEDULE:
        if age < below:
            return every
    return OLDEST_INTERVAL


def due_for_sweep(
    published: dict[str, datetime], crawled: dict[str, datetime], now: datetime, budget: int
) -> list[str]:
    """The ``budget`` posts most overdue by the decaying schedule (never-harvested posts count
    from their publication), oldest debt first; ties go to the newer post."""
    scored = []
    for key, when in published.items():
        last = max(crawled.get(key, when), when)
        overdue = (now - last) / sweep_interval(max(now - when, timedelta(0)))
        if overdue >= 1:
            scored.append((-overdue, -when.timestamp(), key))
    return [key for *_, key in sorted(scored)[: max(budget, 0)]]


def backfeed(store: Store, adapter, **kwargs) -> Report:
    """One backfeed run for one network (``_backfeed``), its spend on a network that bills
    counted against the month's budget and added to ``social/spending.json``."""
    problems = load_spending(store, {adapter.NAME: adapter})
    try:
        report = _backfeed(store, adapter, **kwargs)
    finally:
        record_spending(store, adapter)
    report.problems += problems
    report.cost = adapter.meter.usd if adapter.meter.bills else None
    report.notes = list(adapter.notes)
    return report


def _backfeed(
    store: Store,
    adapter,
    *,
    sweep: int = 1,
    now: datetime | None = None,
    progress=None,
    posts_by_url: Callable[[], dict[str, str]] | None = None,
    fetcher: GuardedFetcher | None = None,
) -> Report:
    """One backfeed run for one network. ``progress``, if given, is called once per harvested
    post. ``posts_by_url`` gives each post's address -> its key, so that a mention that links to
    a post lands in that post's record; it is called only when there are mentions. ``fetcher``
    is the run's guarded fetch, for the pictures people attached (one is made if not given).
    A record file that cannot be read is named in ``problems`` and left alone; the rest goes
    on."""
    name = adapter.NAME
    report = Report(name)
    now = now or datetime.now(UTC)
    fetcher = fetcher or GuardedFetcher(adapter.trusted_origins())
    adapter.fetcher = fetcher
    if adapter.FEED:
        return _from_feed(store, adapter, report, posts_by_url, fetcher)
    ours: dict[str, str] = {}  # every copy id on this network -> post key
    published: dict[str, datetime] = {}
    records = {}
    for key in store.post_keys():
        try:
            records[key] = store.read_post(key)
        except RecordError as e:
            report.problems.append(f"{e}; this post is not backfed until the file is mended")
            continue
        copies = records[key].copies(name)
        for copy in copies:
            ours[copy.id] = key
        if copies:
            published[key] = parse_time(copies[0].published)
    if not ours:
        return report
    state = store.read_cursors().get(name, {})
    crawled = {k: parse_time(state[f"crawled:{k}"]) for k in published if f"crawled:{k}" in state}
    try:
        oldest = min(published.values()) - timedelta(minutes=5)  # clocks differ a little
        activity = adapter.activity(state.get("notifications"), ours, oldest)
    except NetworkError as e:
        report.failed = str(e)
        return report  # nothing read, nothing changed: the next run starts from the same cursor
    for key, hints in _decode_pending(state.get("pending")).items():
        if key in published:  # posts an earlier run was told about but did not finish
            merged = activity.posts.setdefault(key, Hints())
            merged.times = {**hints.times, **merged.times}
            merged.touched |= hints.touched
    quiet = {k: v for k, v in published.items() if k not in activity.posts}
    swept = due_for_sweep(quiet, crawled, now, sweep)
    todo = {**activity.posts, **{k: Hints() for k in swept}}
    harvests: dict[str, Harvest] = {}
    cursor: dict[str, str | None] = {}
    for key in sorted(todo):
        before = _counts(state.get(f"counts:{key}"))
        try:
            harvests[key] = _harvest(adapter, records[key], todo[key], before)
            counts = harvests[key].counts
        except NetworkError as e:
            report.failed = str(e)  # this post stays as it was; the ones done are kept
            break
        cursor[f"crawled:{key}"] = format_time(now)
        cursor[f"counts:{key}"] = json.dumps(counts, sort_keys=True, separators=(",", ":"))
        if progress:
            progress()
    done = set(harvests)
    # What the notifications named and this run did not finish waits in "pending", so the
    # cursor can move on without losing it; so does a post whose thread the server was still
    # fetching (what it had is merged now, the rest next run).
    left = {k: h for k, h in activity.posts.items() if k not in done}
    left |= {k: todo[k] for k, h in harvests.items() if h.incomplete}
    cursor["pending"] = _encode_pending(left) if left else None
    mentioned = _mentions(activity, posts_by_url()) if activity.mentions and posts_by_url else {}
    for key, harvest in mentioned.items():
        if key in harvests:
            harvests[key].interactions += harvest.interactions
            harvests[key].people += harvest.people
        else:
            harvests[key] = harvest
    if activity.cursor:
        cursor["notifications"] = activity.cursor
    # A slice of the people archived from this network, looked at again each run: someone who
    # has since asked not to be archived (#nobot, noindex...) is removed from every record,
    # and a new name or picture is shown.
    profiles: list = []
    looks = adapter.PROFILES
    due, rest = profiles_due(store.read_people(), name, state.get("profiles"), PROFILES_A_RUN)
    if looks and due and not report.failed:
        try:
            profiles = _with_retries(adapter.profiles, due)
            cursor["profiles"] = due[-1].id if rest else None  # where the next slice starts
        except NetworkError as e:
            report.failed = str(e)
    report.change = merge_into(store, harvests, name, cursor, fetcher, profiles, done)
    report.posts, report.swept = len(done), len([k for k in swept if k in done])
    return report


def _from_feed(store: Store, adapter, report: Report, posts_by_url, fetcher) -> Report:
    """A network that only has a feed about the site (webmention.io): what it says since the
    stored state, matched to the site's posts by address."""
    state = store.read_cursors().get(adapter.NAME, {})
    try:
        harvests, state = _with_retries(adapter.feed, state, posts_by_url() if posts_by_url else {})
    except NetworkError as e:
        report.failed = str(e)
        return report  # nothing read, nothing changed: the next run starts from the same state
    report.change = merge_into(store, harvests, adapter.NAME, state, fetcher)
    report.posts = len(harvests)
    return report


def profiles_due(people: dict, network: str, last: str | None, budget: int):
    """(the next ``budget`` people of this network after ``last``, in id order, from the start
    again once the end is reached; whether some are left for later runs)."""
    mine = sorted(
        (p for p in people.values() if p.network == network and not p.is_author),
        key=lambda p: p.id,
    )
    start = next((i for i, p in enumerate(mine) if last is not None and p.id > last), 0)
    return (mine[start:] + mine[:start])[:budget], len(mine) > budget


def _counts(text: str | None) -> dict[str, str]:
    """The counts stored at the last harvest; a hand-damaged value only means lists are read."""
    try:
        data = json.loads(text) if text else {}
        return {str(k): str(v) for k, v in data.items()}
    except (ValueError, AttributeError, RecursionError):
        return {}


def _mentions(activity, posts_by_url: dict[str, str]) -> dict[str, Harvest]:
    """Mentions of the author, each filed under the first of the blog's posts it links to."""
    by_address = {address(url): key for url, key in posts_by_url.items()}
    found: dict[str, Harvest] = {}
    for mention in activity.mentions:
        keys = sorted({by_address.get(address(link)) for link in mention.links} - {None})
        if keys:  # one record only: an interaction's id is unique across the records
            harvest = found.setdefault(keys[0], Harvest())
            harvest.interactions.append(mention.interaction)
            harvest.people.append(mention.person)
    return found


#: People whose profiles are looked at again in one run, per network (40 a request on
#: Mastodon, 25 on Bluesky): a blog with fewer people has every profile checked every run.
PROFILES_A_RUN = 200
#: Waits before the second and third attempt at a post when the network is unavailable.
RETRY_DELAYS = (1.0, 3.0)
#: The longest rate-limit wait worth sitting out inside a run; longer ones end the run.
MAX_RATE_WAIT = 60.0


def _harvest(adapter, record, hints: Hints, counts: dict):
    """The adapter's harvest, tried again after a passing outage or a short rate limit."""
    return _with_retries(adapter.harvest, record, hints, counts)


def _with_retries(call, *args):
    return with_retries(
        call, *args, delays=RETRY_DELAYS, max_rate_wait=MAX_RATE_WAIT, sleep=time.sleep
    )


def _encode_pending(posts: dict[str, Hints]) -> str:
    data = {
        key: {"times": dict(sorted(h.times.items())), "touched": sorted(map(list, h.touched))}
        for key, h in sorted(posts.items())
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _decode_pending(text: str | None) -> dict[str, Hints]:
    try:
        data = json.loads(text) if text else {}
        return {
            key: Hints(times=dict(v.get("times", {})), touched={tuple(t) for t in v["touched"]})
            for key, v in data.items()
        }
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return {}  # unreadable: the sweep finds those posts again


def merge_into(
    store: Store,
    harvests: dict[str, Harvest],
    network: str,
    cursor: dict[str, str | None],
    fetcher: GuardedFetcher | None = None,
    profiles: list | None = None,
    only_existing: set[str] | None = None,
) -> Change:
    """Fetch the pictures the harvests need, then, under one lock, merge every post's harvest,
    store those pictures, and move the network's cursor: records first, the cursor last, so a
    crash in between makes the next run do the same work again rather than skip any. Nothing is
    fetched while the lock is held. ``profiles``: people of this network as their profiles are
    now (names, pictures); those found to have opted out since they were archived are removed
    from every record. ``only_existing``: posts harvested from their record, merged only if
    that record is still there (a ``roost syndicate`` may have moved it to a new slug)."""
    total = Change()
    profiles = profiles or []
    with Pictures(fetcher or GuardedFetcher()) as pictures:
        known_people = store.read_people()
        for key, harvest in harvests.items():
            try:
                pictures.want_attachments(harvest.interactions, store.read_post(key).interactions)
            except RecordError:
                continue  # not merged below either: the file is left for its author to mend
            pictures.want_avatars(harvest.people, known_people)
        pictures.want_avatars(
            [p for p in profiles if p.id in known_people], known_people, retry=False
        )
        with store.lock():
            moderation = store.read_moderation()
            people = store.read_people()
            before = dict(people)
            for key, harvest in sorted(harvests.items()):
                if only_existing and key in only_existing and not store.post_path(key).exists():
                    continue  # renamed meanwhile (a new slug): the next run reads it there
                try:
                    record = store.read_post(key)
                except RecordError:
                    continue
                mirror_attachments(store, harvest.interactions, record.interactions, pictures)
                change = merge(record, harvest, moderation, people)
                if change:
                    store.write_post(record)
                    total += change
            for person in profiles:  # only people already archived: a profile adds no one
                if person.id in people and not moderation.refuses(person, person.id):
                    people[person.id] = person
            if harvests or profiles:
                mirror_avatars(store, people, before, pictures)  # new or changed avatars only
                store.write_people(network, people)
            # Someone archived before who has since asked not to be (#nobot, noindex...).
            opted_out = {p.id for h in harvests.values() for p in h.people if p.opted_out}
            opted_out |= {p.id for p in profiles if p.opted_out}
            if opted_out & set(before):
                total.removed += moderation_apply(store, opted_out).interactions
            # Something was deleted on the network: whoever it leaves unnamed goes too, with
            # their avatar (rare, so the records are read again only then).
            if total.removed and (unneeded := unneeded_people(store, network)):
                moderation_apply(store, unneeded)
            if cursor:
                cursors = store.read_cursors()
                mine = cursors.setdefault(network, {})
                for key, value in cursor.items():
                    if value is None:
                        mine.pop(key, None)  # done with: no longer kept
                    else:
                        mine[key] = value
                store.write_cursors(cursors)
    return total
