"""Engagement, counted from the records: per post, per network, over time, and who came back.

Pure: it reads the records folder (posts, people, moderation) and nothing else; no network, no
secret, safe to import from the build. ``roost stats`` prints it (commands/cmd_stats.py), the
build draws it (site/stats_pages.py: the author's local report, and the public aggregate page
when the author turns it on).

What is counted is what the pages may show, and less:

* moderation wins: a hidden interaction, and everything by a blocked, forgotten or opted-out
  person (people.py ``Moderation.refuses``), is counted nowhere;
* the author's own accounts (``is_author``: their answers under their copies) are not audience,
  so they are not counted either (the pages do show those answers);
* an RSVP counts once per person and post, by their latest answer, as the post's page shows it.

Periods are UTC calendar months (``2026-03``) or ISO weeks (``2026-W10``), with the empty ones
between the first and the last filled in, so a quiet month shows as a quiet month.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import KINDS, PostRecord, RecordError, format_time, parse_time
from ..people import Moderation, Person
from ..store import Store

if TYPE_CHECKING:
    from .directory import Someone

PERIODS = ("month", "week")

#: How each kind is counted in words, one and many: the terminal, the report and the page.
KIND_WORDS = {
    "reply": ("reply", "replies"), "quote": ("quote", "quotes"),
    "mention": ("mention", "mentions"), "repost": ("repost", "reposts"),
    "like": ("like", "likes"), "bookmark": ("bookmark", "bookmarks"), "rsvp": ("RSVP", "RSVPs"),
}  # fmt: skip


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 post", "6 posts"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def in_words(counts: Counter, kinds: list[str] | None = None) -> str:
    """ "7 replies, 1 quote, 3 likes": the kinds in the theme's order."""
    return ", ".join(
        f"{counts[k]} {KIND_WORDS[k][counts[k] != 1]}" for k in kinds or KINDS if counts[k]
    )


@dataclass
class PostStats:
    key: str
    title: str  # the post's title (plain text), or its key when the title is not known
    date: str | None  # when it was published, ISO 8601, when known
    counts: Counter = field(default_factory=Counter)  # kind -> n
    networks: dict[str, Counter] = field(default_factory=dict)  # network -> kind -> n
    rsvps: Counter = field(default_factory=Counter)  # answer -> n (latest answer per person)
    url: str | None = None  # the post's address, when the caller knows it

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class NetworkStats:
    network: str
    counts: Counter = field(default_factory=Counter)
    posts: set[str] = field(default_factory=set)  # keys of the posts that got something here
    accounts: set[str] = field(default_factory=set)  # who, as account ids (never published)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Stats:
    by: str  # "month" or "week"
    posts: list[PostStats]  # most engaged first; posts with nothing counted are left out
    networks: list[NetworkStats]  # most engaged first
    periods: list[tuple[str, Counter]]  # oldest first, gaps filled with empty counters
    problems: list[str] = field(default_factory=list)  # unreadable files, one line each

    @property
    def totals(self) -> Counter:
        out: Counter = Counter()
        for p in self.posts:
            out.update(p.counts)
        return out

    @property
    def kinds(self) -> list[str]:
        """The kinds that occur at all, in the order the theme shows them."""
        totals = self.totals
        return [k for k in KINDS if totals[k]]


def period_of(published: str, by: str) -> str:
    t = parse_time(published).astimezone(UTC)
    if by == "week":
        year, week, _ = t.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{t.year}-{t.month:02d}"


def _periods_between(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last`` (both as :func:`period_of` names them)."""
    out = []
    if by == "week":
        day = datetime.strptime(first + "-1", "%G-W%V-%u")
        while (name := f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}") <= last:
            out.append(name)
            day += timedelta(weeks=1)
        return out
    year, month = map(int, first.split("-"))
    while (name := f"{year}-{month:02d}") <= last:
        out.append(name)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def compute(
    store: Store,
    by: str = "month",
    titles: dict[str, tuple[str, str | None, str | None]] | None = None,
    only: set[str] | None = None,
    prefer_records: bool = False,
) -> Stats:
    """Count everything in the records (``only``: these posts' records alone). ``titles``: post
    key -> (title, date, url), for the posts the caller knows (the site's published posts); the
    others keep their record's title, or their key (``prefer_records``: a record's own title
    wins over ``titles``). An unreadable file is one line in
    ``problems``; unreadable moderation counts nothing at all (failing open would count what
    the author hid)."""
    if by not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {by!r}")
    problems: list[str] = []
    try:
        people = store.read_people()
    except RecordError as e:
        problems.append(f"{e}; counted without knowing who opted out or is you until it is fixed")
        people = {}
    try:
        moderation = store.read_moderation()
    except RecordError as e:
        problems.append(f"{e}; nothing is counted until it is fixed")
        return Stats(by, [], [], [], problems)
    counter = _Counter(people, moderation, by)
    for key in store.post_keys():
        if only is not None and key not in only:
            continue
        try:
            record = store.read_post(key)
        except RecordError as e:
            problems.append(f"{e}; the post is counted as having nothing")
            continue
        title, date, url = (titles or {}).get(key, (record.title or key, record.date, None))
        if prefer_records and record.title:
            title, date = record.title, record.date
        post = counter.count(record, title, date, url)
        if post.total:
            counter.posts.append(post)
    return counter.result(problems)


class _Counter:
    def __init__(self, people: dict[str, Person], moderation: Moderation, by: str):
        self.people, self.moderation, self.by = people, moderation, by
        self.hidden = frozenset(moderation.hidden)
        self._left_out: dict[str, bool] = {}
        self.posts: list[PostStats] = []
        self.networks: dict[str, NetworkStats] = {}
        self.periods: dict[str, Counter] = {}

    def left_out(self, pid: str) -> bool:
        """Refused by moderation, or one of the author's own accounts."""
        if pid not in self._left_out:
            person = self.people.get(pid)
            self._left_out[pid] = bool(person and person.is_author) or self.moderation.refuses(
                person, pid
            )
        return self._left_out[pid]

    def count(self, record: PostRecord, title: str, date: str | None, url: str | None):
        post = PostStats(record.key, title, date, url=url)
        counted = [
            x
            for x in sorted(record.interactions, key=lambda x: (x.published, x.id))
            if x.id not in self.hidden and not self.left_out(x.author)
        ]
        latest_rsvp = {x.author: x.id for x in counted if x.kind == "rsvp"}
        for x in counted:
            if x.kind == "rsvp":
                if latest_rsvp[x.author] != x.id:
                    continue  # an earlier answer, replaced by their latest
                post.rsvps[x.rsvp] += 1
            post.counts[x.kind] += 1
            post.networks.setdefault(x.network, Counter())[x.kind] += 1
            net = self.networks.get(x.network) or self.networks.setdefault(
                x.network, NetworkStats(x.network)
            )
            net.counts[x.kind] += 1
            net.posts.add(record.key)
            net.accounts.add(x.author)
            try:
                when = period_of(x.published, self.by)
            except ValueError:  # a hand-edited time; read_post has checked it, so rare
                when = None
            if when:
                self.periods.setdefault(when, Counter())[x.kind] += 1
        return post

    def result(self, problems: list[str]) -> Stats:
        posts = sorted(self.posts, key=lambda p: (-p.total, p.key))
        networks = sorted(self.networks.values(), key=lambda n: (-n.total, n.network))
        periods: list[tuple[str, Counter]] = []
        if self.periods:
            names = _periods_between(min(self.periods), max(self.periods), self.by)
            periods = [(name, self.periods.get(name, Counter())) for name in names]
        return Stats(self.by, posts, networks, periods, problems)


def most_engaged(social: Path, top: int) -> tuple[list[Someone], list[str]]:
    """The ``top`` people who came back most, post after post (the audience directory's order:
    posts they came to, then all they did), and a problem line if the directory cannot be read.
    The directory applies the same moderation: nobody refused, no hidden interaction."""
    from .directory import load_directory

    try:
        directory = load_directory(social)
    except RecordError as e:
        return [], [f"{e}; the most engaged people are not shown until it is fixed"]
    return [s for s in directory.people if s.posts][:top], []


def as_json(stats: Stats, people: list[Someone] | None = None) -> dict:
    """What ``roost stats --json`` prints: plain numbers, stable order, no markup."""

    def kinds(c: Counter) -> dict[str, int]:
        return {k: c[k] for k in KINDS if c[k]}

    out: dict = {
        "period": stats.by,
        "totals": kinds(stats.totals),
        "posts": [
            {
                "post": p.key,
                "title": p.title,
                "date": p.date,
                "total": p.total,
                "counts": kinds(p.counts),
                "networks": {n: kinds(c) for n, c in sorted(p.networks.items())},
                **({"rsvps": dict(sorted(p.rsvps.items()))} if p.rsvps else {}),
            }
            for p in stats.posts
        ],
        "networks": [
            {
                "network": n.network,
                "total": n.total,
                "counts": kinds(n.counts),
                "posts": len(n.posts),
                "people": len(n.accounts),
            }
            for n in stats.networks
        ],
        "over_time": [
            {"period": name, "total": sum(c.values()), "counts": kinds(c)}
            for name, c in stats.periods
        ],
    }
    if people is not None:
        out["people"] = [
            {
                "id": s.id,
                "name": s.name,
                "accounts": [a.id for a in s.accounts],
                "posts": len(s.posts),
                "interactions": s.interactions,
                "first": format_time(s.first) if s.first else None,
                "last": format_time(s.last) if s.last else None,
                "networks": sorted({net for _, net in s.counts}),
            }
            for s in people
        ]
    return out
