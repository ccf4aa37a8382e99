"""Turn one post's records into what the theme renders: pure, no I/O, nothing unsafe left.

Every string that came from a network leaves this module either escaped (names, handles, alt
text) or sanitised again (reply HTML), wrapped in ``markupsafe.Markup``; every URL is http(s) or
None. So a template can print any field as it is, whether or not the Jinja environment
autoescapes, and a theme author cannot forget a filter.

Moderation is applied here too: nothing by a blocked, forgotten or opted-out person and no
hidden interaction reaches a template. A reply whose parent is not shown is attached to its
nearest shown ancestor, so a conversation never vanishes because one voice was removed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape

from ..model import KINDS, RSVP_VALUES, TEXT_KINDS, Interaction, PostRecord, parse_time
from ..people import Moderation, Person
from ..registry import info
from ..sanitize import clean_html, clean_text, safe_url
from .words import count_marker, marker, words

_KIND_LABELS = {
    "reply": ("reply", "replies"),
    "quote": ("quote", "quotes"),
    "mention": ("mention", "mentions"),
    "repost": ("repost", "reposts"),
    "like": ("like", "likes"),
    "bookmark": ("bookmark", "bookmarks"),
    "rsvp": ("RSVP", "RSVPs"),
}


@dataclass
class PersonView:
    name: Markup
    handle: Markup
    url: str | None
    photo: str | None  # site-relative path of the local avatar copy, or None for the placeholder
    network: Markup
    is_author: bool = False  # the blog's author, answering under a copy


@dataclass
class MediaView:
    src: str | None  # site-relative path of the local copy; None: a placeholder with the alt
    alt: Markup


@dataclass
class EntryView:
    """One interaction as a comment (reply, quote, mention) or a facepile face."""

    id: str
    kind: str
    author: PersonView
    network: Markup
    url: str | None
    rsvp: str = ""  # an RSVP's answer (yes, maybe, no, interested), for p-rsvp
    # The rest is filled in only for comments (reply, quote, mention), not for faces.
    anchor: str = ""  # HTML id, safe
    content: Markup = Markup("")
    published: datetime | None = None
    published_iso: str = ""
    published_text: str = ""  # "2 Mar 2026, 09:02" (UTC), for people
    in_reply_to_url: str | None = None
    in_reply_to_name: Markup | None = None
    media: list[MediaView] = field(default_factory=list)
    children: list[EntryView] = field(default_factory=list)


@dataclass
class CopyView:
    network: Markup
    url: str
    reply_label: Markup


@dataclass
class Facepile:
    kind: str
    label: Markup  # "12 likes"
    faces: list[EntryView]
    more: int  # how many are counted but not shown
    # What each face is to the post, in mf2: u-like, u-repost, u-bookmark; an RSVP is a
    # u-comment holding a p-rsvp (mf2 has no u-rsvp: consumers read RSVPs as comments).
    mf_class: str = ""


@dataclass
class RoostView:
    copies: list[CopyView]
    replies: list[EntryView]  # top-level replies, each with its children
    quotes: list[EntryView]
    mentions: list[EntryView]
    facepiles: list[Facepile]
    rsvps: list[Facepile]  # Going, Maybe, Not going, Interested: only those with someone
    counts: dict[str, int]
    media: set[str]  # records-relative paths of every mirrored file this view uses
    summary: Markup = Markup("")  # "3 replies · 12 likes", for lists of posts
    # What networks count but do not list ("187 likes, 3 reposts on Threads"): numbers only.
    tallies: Markup = Markup("")
    # Copies on networks the settings no longer configure (gone_networks.py): named as archived,
    # never offered as a place to reply, since a reply there would never reach this page.
    archived: list[CopyView] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.copies or self.counts or self.archived)


def count_label(kind: str, n: int) -> Markup:
    """ "12 likes", in English, for the terminal (pages use :func:`words.count_marker`)."""
    one, many = _KIND_LABELS[kind]
    return Markup(f"{int(n)} {one if n == 1 else many}")  # noqa: S704 (a number and our words)


class ViewBuilder:
    """Builds every post's view for one build, sharing what posts have in common (people,
    moderation decisions, the media folder) so each is worked out once, not once per
    interaction."""

    def __init__(
        self,
        people: dict[str, Person],
        moderation: Moderation,
        *,
        media_url: Callable[[str], str | None],
        facepile_limit: int = 30,
        thread_depth: int = 6,
        gone: frozenset[str] = frozenset(),
    ):
        self.people = people
        self.gone = gone  # networks no longer configured: their copies are shown as archived
        self.moderation = moderation
        self.media_url = media_url
        self.facepile_limit = facepile_limit
        self.thread_depth = thread_depth
        self.hidden_ids = frozenset(moderation.hidden)
        self._persons: dict[str, tuple[PersonView, str | None]] = {}
        self._refused: dict[str, bool] = {}
        self._networks: dict[str, Markup] = {}
        # Markers, filled in the page's language (words.py): a French page says "mai".
        self.months = tuple(marker("month", m) for m in range(1, 13))

    def network_name(self, network: str) -> Markup:
        if network not in self._networks:
            self._networks[network] = escape(info(network).name)
        return self._networks[network]

    def refuses(self, person_id: str) -> bool:
        if person_id not in self._refused:
            self._refused[person_id] = self.moderation.refuses(
                self.people.get(person_id), person_id
            )
        return self._refused[person_id]

    def person(self, pid: str) -> tuple[PersonView, str | None]:
        """The person's view and the media path of their avatar (None if not shown)."""
        if pid not in self._persons:
            p = self.people.get(pid)
            photo = avatar = None
            if p and p.avatar:
                photo = self.media_url(p.avatar)
                avatar = p.avatar if photo else None
            handle = clean_text(p.handle) if p else ""
            name = (clean_text(p.name) if p else "") or handle or clean_text(pid)
            view = PersonView(
                name=escape(name),
                handle=escape(handle),
                url=safe_url(p.url) if p else None,
                photo=photo,
                network=escape(info(pid.split(":", 1)[0]).name),
                is_author=bool(p and p.is_author),
            )
            self._persons[pid] = (view, avatar)
        return self._persons[pid]

    def build(self, record: PostRecord, post_url: str) -> RoostView:
        """One post's view. ``post_url`` is where a top-level reply says it answers."""
        return _build_view(self, record, post_url)


def _build_view(b: ViewBuilder, record: PostRecord, post_url: str) -> RoostView:
    used_media: set[str] = set()
    thread_depth = b.thread_depth

    shown: dict[str, Interaction] = {
        x.id: x for x in record.interactions if x.id not in b.hidden_ids and not b.refuses(x.author)
    }
    everything = {x.id: x for x in record.interactions}

    entries: dict[str, EntryView] = {}
    for x in shown.values():
        author, avatar = b.person(x.author)
        if avatar:
            used_media.add(avatar)
        entry = EntryView(
            id=x.id, kind=x.kind, author=author, network=b.network_name(x.network),
            url=safe_url(x.url), rsvp=x.rsvp or "",
        )  # fmt: skip
        entries[x.id] = entry
        if x.kind not in TEXT_KINDS:
            continue  # a face in a facepile: who, where, and a link are all it shows
        entry.anchor = _anchor(x.id)
        # Sanitised when stored and again here: the file may have been edited by hand.
        entry.content = Markup(clean_html(x.content))  # noqa: S704
        entry.published, entry.published_iso, entry.published_text = _times(x.published, b.months)
        for m in x.media:
            src = b.media_url(m.path) if m.path else None
            if src:
                used_media.add(m.path)
            entry.media.append(MediaView(src=src, alt=escape(clean_text(m.alt, 1500))))

    def shown_parent(x: Interaction) -> Interaction | None:
        """The nearest ancestor that is shown; walks past hidden or missing ones."""
        seen = {x.id}
        parent_id = x.in_reply_to
        while parent_id and parent_id not in seen:
            seen.add(parent_id)
            if parent_id in shown:
                return shown[parent_id]
            parent = everything.get(parent_id)
            parent_id = parent.in_reply_to if parent else None
        return None

    # Thread replies (and quotes or mentions that answer a reply) by in_reply_to.
    top_level: dict[str, list[EntryView]] = {k: [] for k in KINDS}
    children_of: dict[str, list[str]] = {}
    roots: list[str] = []
    for x in sorted(shown.values(), key=lambda x: (x.published, x.id)):
        entry = entries[x.id]
        parent = shown_parent(x) if x.kind in TEXT_KINDS else None
        if parent is None or parent.kind not in TEXT_KINDS:
            entry.in_reply_to_url = post_url
            top_level[x.kind].append(entry)
            roots.append(x.id)
        else:
            # Where the parent lives; if it has no address of its own, its place on this page.
            entry.in_reply_to_url = safe_url(parent.url) or f"#{entries[parent.id].anchor}"
            entry.in_reply_to_name = entries[parent.id].author.name
            children_of.setdefault(parent.id, []).append(x.id)

    # Depth-first, without recursion (threads can be a thousand levels deep). Past the deepest
    # indent a reply joins its parent's list instead, still saying whom it answers.
    placed = set(roots)
    stack = [(rid, 1, None) for rid in reversed(roots)]
    while stack:
        xid, level, siblings = stack.pop()
        for cid in reversed(children_of.get(xid, [])):
            if cid in placed:
                continue
            placed.add(cid)
            nest = level < thread_depth or siblings is None
            target = entries[xid].children if nest else siblings
            stack.append((cid, level + 1 if nest else level, target))
        # Pre-order: an entry joins its list when popped, before any of its children.
        if siblings is not None:
            siblings.append(entries[xid])
    # In-reply-to loops (a answers b, b answers a) have no root: show them at the top.
    for x in shown.values():
        if x.id not in placed and x.kind in TEXT_KINDS:
            entries[x.id].in_reply_to_url = post_url
            top_level[x.kind].append(entries[x.id])

    # Someone who answered twice (maybe, then yes: two pages, two Webmentions) is counted once,
    # by their latest answer, as the IndieWeb's RSVP receivers do.
    latest = {x.author: x.id for x in sorted(shown.values(), key=lambda x: (x.published, x.id))
              if x.kind == "rsvp"}  # fmt: skip
    top_level["rsvp"] = [e for e in top_level["rsvp"] if latest.get(shown[e.id].author) == e.id]
    tally = Counter(x.kind for x in shown.values() if x.kind != "rsvp")
    tally["rsvp"] = len(top_level["rsvp"])
    counts = {k: tally[k] for k in KINDS if tally[k]}
    facepiles = [_pile(b, kind, top_level[kind]) for kind in ("like", "repost", "bookmark")]
    rsvps = [
        _pile(b, "rsvp", [e for e in top_level["rsvp"] if e.rsvp == answer], answer)
        for answer in RSVP_VALUES
    ]

    copies, archived = [], []
    for s in sorted(record.syndications, key=lambda s: (s.network, s.part)):
        url = safe_url(s.url)
        if s.part == 0 and url:
            net = info(s.network)
            view = CopyView(escape(net.name), url, _reply_label(net))
            (archived if s.network in b.gone else copies).append(view)

    # Counts a network gives without the people (Threads' likes): said as numbers, per network.
    tallied: dict[str, Counter] = {}
    for s in record.syndications:
        for kind, n in s.tallies.items():
            if kind in KINDS and n > 0:
                tallied.setdefault(s.network, Counter())[kind] += n
    on = Markup(" ") + marker("on") + Markup(" ")
    tallies = Markup(" · ").join(
        Markup(", ").join(count_marker(k, c[k]) for k in KINDS if c[k]) + on + b.network_name(n)
        for n, c in sorted(tallied.items())
    )
    summed = Counter(counts)
    for c in tallied.values():
        summed.update(c)

    return RoostView(
        copies=copies,
        replies=top_level["reply"],
        quotes=top_level["quote"],
        mentions=top_level["mention"],
        facepiles=[p for p in facepiles if p.faces],
        rsvps=[p for p in rsvps if p.faces],
        counts=counts,
        media=used_media,
        summary=Markup(" · ").join(count_marker(k, summed[k]) for k in KINDS if summed[k]),
        tallies=tallies,
        archived=archived,
    )


def _reply_label(net) -> Markup:
    """ "Reply on Mastodon", as a marker the page fills in its language."""
    if any(c in net.name for c in "|\x1e"):  # a network name from a newer record
        return words("en").reply_label(net.reply, net.name)
    return marker("reply_label", net.reply, net.name)


def _pile(b: ViewBuilder, kind: str, faces: list[EntryView], rsvp: str = "") -> Facepile:
    """A facepile; an RSVP one is named by its answer ("rsvp-yes", "Going (3)")."""
    limit, more = b.facepile_limit, max(0, len(faces) - b.facepile_limit)
    if rsvp:
        label = marker("rsvp", rsvp, len(faces))  # "Going (3)", in the page's language
        return Facepile(f"rsvp-{rsvp}", label, faces[:limit], more, "u-comment")
    return Facepile(kind, count_marker(kind, len(faces)), faces[:limit], more, f"u-{kind}")


_NOT_ID_CHAR = re.compile(r"[^A-Za-z0-9_-]")
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _times(published: str, months: tuple[str, ...]) -> tuple[datetime, str, str]:
    """The time, its ISO form and its text ("2 <month> 2026, 09:02", the month a marker for the
    page's language). Records hold times in one canonical UTC form (record_fields.format_time),
    so both strings are cut from it rather than formatted: strftime was a tenth of the view's
    cost. Same strings either way."""
    t = parse_time(published)
    if _CANONICAL.fullmatch(published):
        text = f"{t.day} {months[t.month - 1]} {published[:4]}, {published[11:16]}"
        return t, f"{published[:19]}+00:00", text
    return t, t.isoformat(), f"{t.day} {months[t.month - 1]} {t:%Y, %H:%M}"


def _anchor(interaction_id: str) -> str:
    return "r-" + _NOT_ID_CHAR.sub("-", interaction_id)[:120]
