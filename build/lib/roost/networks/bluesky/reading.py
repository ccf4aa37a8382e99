"""Bluesky's views (``app.bsky.actor.defs#profileView``, ``app.bsky.feed.defs#postView``, and the
notifications, as the lexicons describe them) read into Roost's records: people, interactions,
pictures. Pure, apart from the callback that finds where a DID's data lives (for pictures).

A profile labelled ``!no-unauthenticated`` (Bluesky's "don't show me to logged-out visitors"),
or whose description says ``#nobot`` / ``#nobridge``, is opted out.
"""

from __future__ import annotations

from collections.abc import Callable

from ...model import Interaction, Media, format_time
from ...people import Person
from ..harvesting import Mention, asks_not_to_be_archived, parse_time
from . import richtext


def rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def when(value) -> str:
    """A time from the network; one that cannot be read is taken as now rather than lost."""
    from datetime import UTC, datetime

    try:
        return format_time(parse_time(value))
    except ValueError:
        return format_time(datetime.now(UTC))


def person(actor: dict, app_url: str, me: str | None) -> Person:
    did, handle = str(actor.get("did", "")), str(actor.get("handle", ""))
    labels = {str(x.get("val")) for x in actor.get("labels") or [] if isinstance(x, dict)}
    avatar = str(actor.get("avatar") or "")
    return Person(
        id=f"bluesky:{did}",
        network="bluesky",
        name=str(actor.get("displayName") or handle),
        handle="@" + handle if handle and handle != "handle.invalid" else "",
        url=f"{app_url}/profile/{did}",
        avatar_source=avatar if avatar.startswith(("https://", "http://")) else None,
        opted_out="!no-unauthenticated" in labels
        or asks_not_to_be_archived(str(actor.get("description", ""))),
        is_author=did == me,
    )


def interaction(
    post: dict, kind: str, in_reply_to: str | None, app_url: str, pds_of: Callable
) -> Interaction:
    value = post.get("record") or {}
    author = post.get("author") or {}
    did = str(author.get("did", ""))
    return Interaction(
        id=f"bluesky:{post['uri']}",
        network="bluesky",
        kind=kind,
        author=f"bluesky:{did}",
        published=when(value.get("createdAt") or post.get("indexedAt")),
        url=f"{app_url}/profile/{did}/post/{rkey(post['uri'])}",
        content=richtext.to_html(str(value.get("text", "")), value.get("facets"), app_url),
        in_reply_to=in_reply_to,
        media=pictures(did, value.get("embed") or {}, pds_of),
    )


def reaction(kind: str, subject: str, who: Person, created: str | None, fallback: str):
    """A like (its record carries a time) or a repost (none): the list's time, else
    ``fallback``; ``add_reactions`` then keeps a stored or notified time instead."""
    return Interaction(
        id=f"bluesky:{kind}:{rkey(subject)}:{who.id.removeprefix('bluesky:')}",
        network="bluesky",
        kind=kind,
        author=who.id,
        published=when(created or fallback),
        url=who.url,
    )


def mention(n: dict, app_url: str, me: str | None, pds_of: Callable) -> Mention:
    """A notification that names the author outside our threads, and the addresses it links."""
    record = n.get("record") or {}
    view = {"uri": n.get("uri", ""), "author": n.get("author") or {}, "record": record,
            "indexedAt": n.get("indexedAt")}  # fmt: skip
    links = [
        str(f.get("uri"))
        for facet in record.get("facets") or []
        for f in facet.get("features") or []
        if str(f.get("$type", "")).endswith("#link")
    ]
    card = ((record.get("embed") or {}).get("external") or {}).get("uri")
    return Mention(
        interaction(view, "mention", None, app_url, pds_of),
        person(view["author"], app_url, me),
        links + ([card] if card else []),
    )


def pictures(did: str, embed: dict, pds_of: Callable[[str], str | None]) -> list[Media]:
    """Attached images (or a video's still) as the author's PDS holds them: the original blob,
    from the home of the data rather than a CDN of one app."""
    kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
        kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.images":
        found = [(i.get("image") or {}, i.get("alt")) for i in embed.get("images") or []]
    elif kind == "app.bsky.embed.video":
        found = [(embed.get("thumbnail") or {}, embed.get("alt"))]
    else:
        found = []
    media = []
    for blob, alt in found:
        cid = str((blob.get("ref") or {}).get("$link", ""))
        mime = str(blob.get("mimeType") or "image/jpeg")
        home = pds_of(did) if cid else None
        source = f"{home}/xrpc/com.atproto.sync.getBlob?did={did}&cid={cid}" if home else None
        media.append(Media(None, mime, str(alt or ""), source))
    return media


def quoted_uri(record: dict) -> str | None:
    """The post a record quotes (embed.record, or the record part of recordWithMedia)."""
    embed = record.get("embed") or {}
    inner = embed.get("record") or {}
    if "record" in inner and isinstance(inner["record"], dict):  # recordWithMedia
        inner = inner["record"]
    return inner.get("uri")


def counts(view: dict) -> str:
    """A copy's like, repost and quote counts as the harvest compares them ("3/1/0")."""
    return "/".join(str(view.get(f, 0) or 0) for f in ("likeCount", "repostCount", "quoteCount"))
