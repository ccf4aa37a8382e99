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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape

from .model import KINDS, TEXT_KINDS, Interaction, Moderation, Person, PostRecord, parse_time
from .networks import info
from .sanitize import clean_html, clean_text, safe_url

_KIND_LABELS = {
    "reply": ("reply", "replies"),
    "quote": ("quote", "quotes"),
    "mention": ("mention", "mentions"),
    "repost": ("repost", "reposts"),
    "like": ("like", "likes"),
    "bookmark": ("bookmark", "bookmarks"),
}


@dataclass
class PersonView:
    name: Markup
    handle: Markup
    url: str | None
    photo: str | None  # site-relative path of the local avatar copy, or None for the placeholder
    network: Markup


@dataclass
class MediaView:
    src: str  # site-relative path of the local copy
    alt: Markup


@dataclass
class EntryView:
    """One interaction as a comment (reply, quote, mention) or a facepile face."""

    id: str
    anchor: str  # HTML id, safe
    kind: str
    author: PersonView
    network: Markup
    url: str | None
    content: Markup
    published: datetime
    published_iso: str
    in_reply_to_url: str | None
    in_reply_to_name: Markup | None
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


@dataclass
class RoostView:
    copies: list[CopyView]
    replies: list[EntryView]  # top-level replies, each with its children
    quotes: list[EntryView]
    mentions: list[EntryView]
    facepiles: list[Facepile]
    counts: dict[str, int]
    media: set[str]  # records-relative paths of every mirrored file this view uses

    @property
    def comment_count(self) -> int:
        return sum(self.counts.get(k, 0) for k in TEXT_KINDS)

    @property
    def summary(self) -> Markup:
        """'3 replies · 12 likes', for the index page."""
        parts = [count_label(k, self.counts[k]) for k in KINDS if self.counts.get(k)]
        return Markup(" · ").join(parts)

    def __bool__(self) -> bool:
        return bool(self.copies or self.counts)


def count_label(kind: str, n: int) -> Markup:
    one, many = _KIND_LABELS[kind]
    return Markup("{} {}").format(n, one if n == 1 else many)


EMPTY = RoostView([], [], [], [], [], {}, set())


def build_view(
    record: PostRecord,
    people: dict[str, Person],
    moderation: Moderation,
    *,
    post_url: str,
    media_url: Callable[[str], str | None],
    facepile_limit: int = 30,
    thread_depth: int = 6,
) -> RoostView:
    """The post's view. ``media_url`` maps a records media path to a site path, or None if the
    file is missing (the theme then shows a placeholder)."""
    used_media: set[str] = set()

    def person_view(pid: str) -> PersonView:
        p = people.get(pid)
        photo = None
        if p and p.avatar:
            photo = media_url(p.avatar)
            if photo:
                used_media.add(p.avatar)
        network = pid.split(":", 1)[0]
        name = clean_text(p.name if p else "") or clean_text(p.handle if p else "") or pid
        return PersonView(
            name=escape(clean_text(name)),
            handle=escape(clean_text(p.handle if p else "")),
            url=safe_url(p.url) if p else None,
            photo=photo,
            network=escape(info(network).name),
        )

    shown: dict[str, Interaction] = {}
    for x in record.interactions:
        if x.id in moderation.hidden:
            continue
        if moderation.refuses(people.get(x.author), x.author):
            continue
        shown[x.id] = x
    everything = {x.id: x for x in record.interactions}

    entries: dict[str, EntryView] = {}
    for x in shown.values():
        media = []
        for m in x.media:
            src = media_url(m.path)
            if src:
                used_media.add(m.path)
                media.append(MediaView(src=src, alt=escape(clean_text(m.alt, 1500))))
        published = parse_time(x.published)
        entries[x.id] = EntryView(
            id=x.id,
            anchor=_anchor(x.id),
            kind=x.kind,
            author=person_view(x.author),
            network=escape(info(x.network).name),
            url=safe_url(x.url),
            # Sanitised when stored and again here: the file may have been edited by hand.
            content=Markup(clean_html(x.content)),  # noqa: S704
            published=published,
            published_iso=published.isoformat(),
            in_reply_to_url=None,
            in_reply_to_name=None,
            media=media,
        )

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
            entry.in_reply_to_url = safe_url(parent.url)
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
        # Place in pre-order: a child is appended when it is popped (see below).
        if siblings is not None:
            siblings.append(entries[xid])
    # In-reply-to loops (a answers b, b answers a) have no root: show them at the top.
    for x in shown.values():
        if x.id not in placed and x.kind in TEXT_KINDS:
            entries[x.id].in_reply_to_url = post_url
            top_level[x.kind].append(entries[x.id])

    counts = {k: n for k in KINDS if (n := sum(1 for x in shown.values() if x.kind == k))}
    facepiles = []
    for kind in ("like", "repost", "bookmark"):
        faces = top_level[kind]
        if faces:
            facepiles.append(
                Facepile(
                    kind=kind,
                    label=count_label(kind, len(faces)),
                    faces=faces[:facepile_limit],
                    more=max(0, len(faces) - facepile_limit),
                )
            )

    copies = []
    for s in sorted(record.syndications, key=lambda s: (s.network, s.part)):
        url = safe_url(s.url)
        if s.part == 0 and url:
            net = info(s.network)
            copies.append(CopyView(escape(net.name), url, escape(net.reply_label)))

    return RoostView(
        copies=copies,
        replies=top_level["reply"],
        quotes=top_level["quote"],
        mentions=top_level["mention"],
        facepiles=facepiles,
        counts=counts,
        media=used_media,
    )


def _anchor(interaction_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in interaction_id)
    return "r-" + safe[:120]
