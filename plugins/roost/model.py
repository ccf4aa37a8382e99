"""The records Roost keeps, as plain dataclasses: one normal form for every network.

Every adapter maps its network's objects into these at its edge; the build, the store and the
commands only ever see these. The on-disk JSON shape of each class is documented in
``docs/records.md``; ``from_dict`` is the one place a record file is validated, and every problem
is reported as ``RecordError`` with a dotted path to the offending key.

Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .record_fields import (  # noqa: F401 (parse_time, format_time: the records' times, for all)
    _CANONICAL_TIME,
    _MEDIA_PATH_RE,
    _NETWORK_RE,
    RecordError,
    _dict,
    _extra,
    _list,
    _network,
    _part,
    _str,
    _time,
    _url,
    format_time,
    parse_time,
)

#: Version of the on-disk format. Bump it (and write a migration) when a field changes meaning.
FORMAT = 1

#: Kinds of interaction, in the order the theme shows them.
KINDS = ("reply", "quote", "mention", "repost", "like", "bookmark", "rsvp")

#: An RSVP's answer, as the IndieWeb's p-rsvp spells it (and webmention.io passes it on), in the
#: order the theme shows them.
RSVP_VALUES = ("yes", "maybe", "no", "interested")

#: Kinds whose content is text worth showing as a comment (the rest are facepiles).
TEXT_KINDS = frozenset({"reply", "quote", "mention"})

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def content_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_key(key: str) -> str:
    if not _KEY_RE.match(key):
        raise RecordError(
            f"post key {key!r} may hold only letters, digits, '.', '_' and '-' (set a plain Slug)"
        )
    return key


def post_key(slug: str, translation_lang: str | None = None) -> str:
    """The records key of a Pelican article or page: its slug, plus '.lang' when it is a
    translation of another post (a post simply written in another language keeps its slug)."""
    return check_key(f"{slug}.{translation_lang}" if translation_lang else slug)


# --------------------------------------------------------------------------------------------
# records


@dataclass
class Media:
    """A mirrored file: ``path`` is relative to the records folder (``media/ab/<sha256>.png``),
    or None when the picture could not be brought home (too big, not an image, gone): the page
    then shows a placeholder with the alt text, and never the network's copy."""

    path: str | None
    type: str
    alt: str = ""
    source: str | None = None  # where it was mirrored from; never rendered

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Media:
        d = _dict(d, where)
        path = _str(d, "path", where, required=False)
        if path is not None and not _MEDIA_PATH_RE.fullmatch(path):
            raise RecordError(f"{where}path {path!r} is not a mirrored media path")
        return cls(
            path=path,
            type=_str(d, "type", where),
            alt=_str(d, "alt", where, required=False, default=""),
            source=_url(d, "source", where),
        )

    def to_dict(self) -> dict:
        d = {"path": self.path, "type": self.type, "alt": self.alt}
        if self.source:
            d["source"] = self.source
        return d


@dataclass
class Syndication:
    """One copy of a post on a network: where it lives and what was sent."""

    network: str
    id: str  # the network's own id (status id, at:// URI, ...)
    url: str
    published: str
    sent_hash: str  # content_hash() of the exact text sent, so an edit is noticed
    part: int = 0  # position in a thread of posts (0 = the head)
    extra: dict = field(default_factory=dict)  # adapter-owned (e.g. Bluesky cid, rkey)
    of: int = 0  # how many parts its thread had when this part was sent (0: not known)
    # What the network counts but does not list (kind -> number): likes and reposts on a
    # network that gives numbers only (Threads). Shown as counts, never as people.
    tallies: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Syndication:
        d = _dict(d, where)
        return cls(
            network=_network(d, where),
            id=_str(d, "id", where),
            url=_url(d, "url", where, required=True),
            published=_time(d, "published", where),
            sent_hash=_str(d, "sent_hash", where),
            part=_part(d, where),
            extra=_extra(d, where),
            of=_part(d, where, "of"),
            tallies=_tallies(d, where),
        )

    def to_dict(self) -> dict:
        d = {
            "network": self.network,
            "id": self.id,
            "url": self.url,
            "published": self.published,
            "sent_hash": self.sent_hash,
            "part": self.part,
        }
        if self.of > 1:
            d["of"] = self.of
        if self.extra:
            d["extra"] = _sorted_dict(self.extra)
        if self.tallies:
            d["tallies"] = dict(sorted(self.tallies.items()))
        return d


def _tallies(d: dict, where: str) -> dict[str, int]:
    tallies = d.get("tallies", {})
    if not isinstance(tallies, dict) or not all(
        k in KINDS and isinstance(n, int) and not isinstance(n, bool) and n >= 0
        for k, n in tallies.items()
    ):
        raise RecordError(f"{where}tallies must map kinds ({', '.join(KINDS)}) to numbers >= 0")
    return dict(tallies)


@dataclass
class Intent:
    """A part Roost is about to send, written before the request and removed once its copy is
    recorded. One left behind means a run stopped between the two: the part may or may not be on
    the network, and the next run looks there before sending anything again."""

    network: str
    part: int
    started: str  # when the first attempt began; Bluesky's copy is dated with it
    sent_hash: str  # what was about to be sent (Draft.content_hash)
    extra: dict = field(default_factory=dict)  # adapter-owned (Bluesky's record key)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Intent:
        d = _dict(d, where)
        return cls(
            network=_network(d, where),
            part=_part(d, where),
            started=_time(d, "started", where),
            sent_hash=_str(d, "sent_hash", where),
            extra=_extra(d, where),
        )

    def to_dict(self) -> dict:
        d = {
            "network": self.network,
            "part": self.part,
            "started": self.started,
            "sent_hash": self.sent_hash,
        }
        if self.extra:
            d["extra"] = _sorted_dict(self.extra)
        return d


@dataclass
class Interaction:
    """Something someone did with a post or one of its copies.

    ``id`` is ``<network>:<the network's own id>``, unique across the records. ``in_reply_to`` is
    the id of the interaction this one answers, or None when it answers the post (or a copy of it).
    ``content`` is HTML that already passed the sanitiser when it was stored.
    """

    id: str
    network: str
    kind: str
    author: str  # a Person id
    published: str
    url: str | None = None
    content: str = ""
    updated: str | None = None
    in_reply_to: str | None = None
    media: list[Media] = field(default_factory=list)
    rsvp: str | None = None  # an RSVP's answer (RSVP_VALUES); None for every other kind

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Interaction:
        d = _dict(d, where)
        network = _network(d, where)
        iid = _str(d, "id", where)
        if not iid.startswith(network + ":") or len(iid) == len(network) + 1:
            raise RecordError(f"{where}id {iid!r} must look like '{network}:<id on {network}>'")
        kind = _str(d, "kind", where)
        if kind not in KINDS:
            raise RecordError(f"{where}kind {kind!r} is not one of {', '.join(KINDS)}")
        rsvp = _str(d, "rsvp", where, required=kind == "rsvp")
        if kind != "rsvp" and rsvp is not None:
            raise RecordError(f"{where}rsvp is only for kind 'rsvp', not {kind!r}")
        if kind == "rsvp" and rsvp not in RSVP_VALUES:
            raise RecordError(f"{where}rsvp {rsvp!r} is not one of {', '.join(RSVP_VALUES)}")
        return cls(
            id=iid,
            network=network,
            kind=kind,
            author=_str(d, "author", where),
            published=_time(d, "published", where),
            url=_url(d, "url", where),
            content=_str(d, "content", where, required=False, default=""),
            updated=_time(d, "updated", where, required=False),
            in_reply_to=_str(d, "in_reply_to", where, required=False),
            media=[
                Media.from_dict(m, f"{where}media[{i}].")
                for i, m in enumerate(_list(d, "media", where))
            ],
            rsvp=rsvp,
        )

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "network": self.network,
            "author": self.author,
            "in_reply_to": self.in_reply_to,
            "published": self.published,
            "updated": self.updated,
            "url": self.url,
            "content": self.content,
        }
        if self.media:
            d["media"] = [m.to_dict() for m in self.media]
        if self.rsvp is not None:
            d["rsvp"] = self.rsvp
        return d


def _plain_interaction(d: Any) -> Interaction | None:
    """The common case of :meth:`Interaction.from_dict` (a build reads a hundred thousand):
    every field present and well-formed, times canonical, no RSVP, no media. Anything else,
    None: the full check then reads it and names what is wrong. Same result either way."""
    if type(d) is not dict:
        return None
    get = d.get
    network, iid, kind, author, published = (
        get("network"), get("id"), get("kind"), get("author"), get("published")
    )  # fmt: skip
    url, content, updated = get("url"), get("content", ""), get("updated")
    parent = get("in_reply_to")
    if (
        type(network) is not str or type(iid) is not str or type(kind) is not str
        or type(author) is not str or type(published) is not str or kind not in _PLAIN_KINDS
        or get("rsvp") is not None or ("media" in d and get("media") != [])
        or not _NETWORK_RE.match(network)
        or not iid.startswith(network + ":") or len(iid) == len(network) + 1
        or not _CANONICAL_TIME.fullmatch(published)
        or (url is not None and (type(url) is not str or (url and not url.startswith(_HTTP))))
        or (content is not None and type(content) is not str)
        or (updated is not None
            and (type(updated) is not str or not _CANONICAL_TIME.fullmatch(updated)))
        or (parent is not None and type(parent) is not str)
    ):  # fmt: skip
        return None
    return Interaction(iid, network, kind, author, published, url or None, content or "",
                       updated, parent, [], None)  # fmt: skip


_PLAIN_KINDS = frozenset(KINDS) - {"rsvp"}
_HTTP = ("https://", "http://")


@dataclass
class PostRecord:
    """Everything Roost knows about one post: its copies and what came back. One file each."""

    key: str
    syndications: list[Syndication] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    # network -> why the post is not (or no longer) sent there, e.g. "handled before Roost"
    skipped: dict[str, str] = field(default_factory=dict)
    intents: list[Intent] = field(default_factory=list)
    # Who the post is, whatever its slug: so a new slug carries its copies over instead of
    # sending the post again. ``source`` is the Markdown file, relative to the content folder.
    source: str | None = None
    title: str = ""
    date: str | None = None

    @classmethod
    def from_dict(cls, d: Any) -> PostRecord:
        d = _dict(d, "")
        check_format(d)
        key = check_key(_str(d, "post", ""))
        syns = [
            Syndication.from_dict(s, f"syndications[{i}].")
            for i, s in enumerate(_list(d, "syndications", ""))
        ]
        inters = [
            _plain_interaction(x) or Interaction.from_dict(x, f"interactions[{i}].")
            for i, x in enumerate(_list(d, "interactions", ""))
        ]
        skipped = d.get("skipped", {})
        if not isinstance(skipped, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in skipped.items()
        ):
            raise RecordError("skipped must map network names to reasons")
        seen: set[str] = set()
        for i, x in enumerate(inters):
            if x.id in seen:
                raise RecordError(f"interactions[{i}].id {x.id!r} appears twice")
            seen.add(x.id)
        intents = [
            Intent.from_dict(x, f"intents[{i}].") for i, x in enumerate(_list(d, "intents", ""))
        ]
        return cls(
            key=key,
            syndications=syns,
            interactions=inters,
            skipped=dict(skipped),
            intents=intents,
            source=_str(d, "source", "", required=False),
            title=_str(d, "title", "", required=False, default=""),
            date=_time(d, "date", "", required=False),
        )

    def to_dict(self) -> dict:
        # Stable order so that a rewrite with the same content is byte-identical.
        syns = sorted(self.syndications, key=lambda s: (s.network, s.part, s.id))
        inters = sorted(self.interactions, key=lambda x: (x.published, x.id))
        out: dict[str, Any] = {"format": FORMAT, "post": self.key}
        if self.source:
            out.update(source=self.source, title=self.title, date=self.date)
        out["syndications"] = [s.to_dict() for s in syns]
        if self.intents:
            intents = sorted(self.intents, key=lambda x: (x.network, x.part))
            out["intents"] = [x.to_dict() for x in intents]
        out["interactions"] = [x.to_dict() for x in inters]
        if self.skipped:
            out["skipped"] = dict(sorted(self.skipped.items()))
        return out

    def copies(self, network: str) -> list[Syndication]:
        """This network's copies of the post, in thread order."""
        return sorted((s for s in self.syndications if s.network == network), key=lambda s: s.part)

    def record_copy(self, copy: Syndication) -> None:
        """Add a copy, or replace the one of the same network and part (after an edit); the
        part's intent, if any, is done with. The counts the backfeed keeps on a copy stay."""
        for old in self.syndications:
            if (old.network, old.part, old.id) == (copy.network, copy.part, copy.id):
                copy.tallies = copy.tallies or old.tallies
        self.syndications = [
            s for s in self.syndications if (s.network, s.part) != (copy.network, copy.part)
        ]
        self.syndications.append(copy)
        self.intents = [i for i in self.intents if (i.network, i.part) != (copy.network, copy.part)]

    def intent(self, network: str, part: int) -> Intent | None:
        return next((i for i in self.intents if (i.network, i.part) == (network, part)), None)

    def set_intent(self, intent: Intent) -> None:
        self.intents = [
            i for i in self.intents if (i.network, i.part) != (intent.network, intent.part)
        ]
        self.intents.append(intent)


def _sorted_dict(d: dict) -> dict:
    return {k: _sorted_dict(v) if isinstance(v, dict) else v for k, v in sorted(d.items())}


def check_format(d: dict) -> None:
    if not isinstance(d, dict):  # a hand-edited file: "[]" is JSON too
        raise RecordError("the file must be an object")
    fmt = d.get("format")
    if fmt is None:
        raise RecordError("format is missing (expected 1)")
    if not isinstance(fmt, int) or fmt < 1:
        raise RecordError(f"format must be a whole number, not {fmt!r}")
    if fmt > FORMAT:
        raise RecordError(
            f"format {fmt} is newer than this Roost understands ({FORMAT}); upgrade Roost"
        )
