"""Mastodon's entities (Account, Status, MediaAttachment, as docs.joinmastodon.org/entities
describes them) read into Roost's records: people, interactions, pictures. Pure: nothing here
talks to the server.

Only public and unlisted statuses are ever archived; a person whose bio says ``#nobot`` or
``#nobridge``, or who set Mastodon's ``noindex`` (no search engines), is opted out.
"""

from __future__ import annotations

import html
import mimetypes
import re
from urllib.parse import urlsplit

from ...model import Interaction, Media, format_time
from ...people import Person
from ..harvesting import Mention, asks_not_to_be_archived, parse_time, today

PUBLIC = ("public", "unlisted")


def id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids compare by length, then as text; never as numbers (GoToSocial's are ULIDs)."""
    return len(status_id), status_id


def is_public(status: dict) -> bool:
    return status.get("visibility", "public") in PUBLIC


def person(account: dict, host: str, me: str | None) -> Person:
    """An account; ``host`` names local accounts (``bob`` is ``bob@host``), ``me`` is the author's
    person id once known."""
    acct = str(account.get("acct", ""))
    if "@" not in acct:
        acct = f"{acct}@{host}"
    pid = f"mastodon:{acct}"
    url, avatar = str(account.get("url", "")), str(account.get("avatar", ""))
    return Person(
        id=pid,
        network="mastodon",
        name=str(account.get("display_name") or account.get("username") or ""),
        handle="@" + acct,
        url=url if url.startswith("http") else None,
        avatar_source=avatar if avatar.startswith("http") else None,
        # #nobot or #nobridge in their bio, or "noindex" (shown for the server's own accounts).
        opted_out=asks_not_to_be_archived(str(account.get("note", "")))
        or account.get("noindex") is True,
        is_author=pid == me,
        ref=str(account["id"]) if account.get("id") else None,
        links=claimed_links(account.get("fields")),
    )


_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def claimed_links(fields) -> list[str]:
    """The https sites an Account's profile fields link (each field's ``value`` is HTML; a link
    is an ``<a href>``). Only https, as Mastodon verifies only https; whether Mastodon marked
    one ``verified_at`` is not taken on trust: ``roost people verify`` reads the site itself."""
    found: list[str] = []
    for f in fields if isinstance(fields, list) else []:
        value = str(f.get("value", "")) if isinstance(f, dict) else ""
        for href in _HREF.findall(value):
            url = html.unescape(href).strip()
            parts = urlsplit(url)
            fine = parts.scheme == "https" and parts.hostname and not parts.username
            if fine and url not in found and len(url) <= 500:
                found.append(url)
    return found[:8]


def interaction(status: dict, kind: str, ours: set[str], host: str) -> Interaction:
    """A status as a reply, quote or mention; ``ours`` holds the ids of the post's copies (an
    answer to one of them answers the post)."""
    parent = status.get("in_reply_to_id")
    return Interaction(
        id=f"mastodon:{status['id']}",
        network="mastodon",
        kind=kind,
        author=person(status["account"], host, None).id,
        published=format_time(parse_time(status["created_at"])),
        updated=format_time(parse_time(status["edited_at"])) if status.get("edited_at") else None,
        url=status.get("url") or status.get("uri"),
        content=str(status.get("content", "")),
        in_reply_to=None
        if kind != "reply" or not parent or parent in ours
        else f"mastodon:{parent}",
        media=[m for m in map(picture, status.get("media_attachments") or []) if m],
    )


def reaction(kind: str, copy_id: str, who: Person) -> Interaction:
    """A like or a repost: no id of its own in the API, so one is made of what it joins; the
    lists give no time either (the stored one, a notification's, or today's is used)."""
    return Interaction(
        id=f"mastodon:{kind}:{copy_id}:{who.id.split(':', 1)[1]}",
        network="mastodon",
        kind=kind,
        author=who.id,
        published=today(),
        url=who.url,
    )


def mention(status: dict, ours: set[str], host: str, me: str | None) -> Mention:
    """A status that names the author outside our threads, and the addresses it links to."""
    links = re.findall(r'href="(https?://[^"]+)"', str(status.get("content", "")))
    card = (status.get("card") or {}).get("url")
    return Mention(
        interaction(status, "mention", ours, host),
        person(status["account"], host, me),
        [html.unescape(x) for x in links] + ([card] if card else []),
    )


def quoted_id(status: dict) -> str:
    """The id of the status this one quotes (Mastodon 4.5: a Quote or a ShallowQuote)."""
    quote = status.get("quote") or {}
    return str((quote.get("quoted_status") or {}).get("id") or quote.get("quoted_status_id") or "")


def picture(attachment: dict) -> Media | None:
    """An attached image, or the still of a video, to be mirrored (never shown from there)."""
    kind = attachment.get("type")
    source = attachment.get("url") if kind == "image" else attachment.get("preview_url")
    if kind not in ("image", "gifv", "video") or not str(source or "").startswith("http"):
        return None
    mime = mimetypes.guess_type(urlsplit(source).path)[0] or "image/jpeg"
    return Media(path=None, type=mime, alt=str(attachment.get("description") or ""), source=source)


def counts(status: dict) -> str:
    """A copy's like, repost and quote counts as the harvest compares them ("3/1/0")."""
    fields = ("favourites_count", "reblogs_count", "quotes_count")
    return "/".join(str(status.get(f, 0) or 0) for f in fields)
