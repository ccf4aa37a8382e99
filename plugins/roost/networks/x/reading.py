"""X's API v2 objects (Post, User, with their ``includes``) read into Roost's records. Pure.

X's post text comes HTML-escaped (``&amp;``, ``&lt;``, ``&gt;``) and with every link replaced by
a t.co address; ``entities.urls`` gives each link's real address, which is what is shown and
what a mention is matched to a blog post by. A person whose profile says ``#nobot`` or
``#nobridge`` is opted out.
"""

from __future__ import annotations

import html
import re

from ...model import Interaction, Media, format_time
from ...people import Person
from ..harvesting import Mention, asks_not_to_be_archived, parse_time, today


def users_of(page: dict) -> dict[str, dict]:
    """The users a page's ``includes`` expands (``expansions=author_id``), by id."""
    return {str(u["id"]): u for u in (page.get("includes") or {}).get("users") or []}


def media_of(page: dict) -> dict[str, dict]:
    return {str(m["media_key"]): m for m in (page.get("includes") or {}).get("media") or []}


def person(user: dict | None, author_id: str, me: str | None = None) -> Person:
    """A user (or, when the page did not expand them, only their id)."""
    user = user or {"id": author_id}
    username = str(user.get("username") or "")
    avatar = str(user.get("profile_image_url") or "")
    return Person(
        id=f"x:{user['id']}",
        network="x",
        name=str(user.get("name") or username),
        handle=f"@{username}" if username else "",
        url=f"https://x.com/{username}" if username else None,
        avatar_source=avatar if avatar.startswith("https://") else None,
        opted_out=asks_not_to_be_archived(str(user.get("description") or "")),
        is_author=str(user["id"]) == me,
        ref=str(user["id"]),
    )


def parent_of(post: dict) -> str | None:
    """The id of the post this one replies to."""
    for ref in post.get("referenced_tweets") or []:
        if ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return None


def quoted_of(post: dict) -> str | None:
    for ref in post.get("referenced_tweets") or []:
        if ref.get("type") == "quoted":
            return str(ref.get("id"))
    return None


def links(post: dict) -> list[str]:
    """The real addresses a post links to (behind its t.co links)."""
    urls = ((post.get("entities") or {}).get("urls")) or []
    return [
        str(u.get("unwound_url") or u.get("expanded_url")) for u in urls if u.get("expanded_url")
    ]


def content(post: dict) -> str:
    """The text as HTML: X's escaping undone then done properly, t.co links shown as the
    addresses they stand for, line breaks kept."""
    text = html.unescape(str(post.get("text") or ""))
    real = {
        str(u.get("url")): str(u.get("expanded_url"))
        for u in ((post.get("entities") or {}).get("urls")) or []
        if u.get("url") and u.get("expanded_url")
    }
    out, last = [], 0
    for m in re.finditer(r"https://t\.co/\w+", text):
        out.append(html.escape(text[last : m.start()]))
        target = real.get(m.group(0), m.group(0))
        out.append(f'<a href="{html.escape(target)}">{html.escape(target)}</a>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "<p>" + "".join(out).replace("\n", "<br>") + "</p>"


def interaction(post: dict, kind: str, ours: set[str], users: dict, media: dict) -> Interaction:
    parent = parent_of(post)
    author = person(users.get(str(post.get("author_id"))), str(post.get("author_id")))
    username = author.handle.removeprefix("@") or "i"
    return Interaction(
        id=f"x:{post['id']}",
        network="x",
        kind=kind,
        author=author.id,
        published=format_time(parse_time(post["created_at"])),
        url=f"https://x.com/{username}/status/{post['id']}",
        content=content(post),
        in_reply_to=None if kind != "reply" or not parent or parent in ours else f"x:{parent}",
        media=[m for key in (post.get("attachments") or {}).get("media_keys") or []
               if (m := picture(media.get(str(key)) or {}))],
    )  # fmt: skip


def picture(media: dict) -> Media | None:
    """A photo, or a video's still, to be mirrored."""
    source = media.get("url") if media.get("type") == "photo" else media.get("preview_image_url")
    if not str(source or "").startswith("https://"):
        return None
    mime = "image/png" if str(source).endswith(".png") else "image/jpeg"
    return Media(path=None, type=mime, alt=str(media.get("alt_text") or ""), source=source)


def reaction(kind: str, copy_id: str, who: Person) -> Interaction:
    """A like or repost: X gives them no id and no time (the stored one, or today, is used)."""
    return Interaction(
        id=f"x:{kind}:{copy_id}:{who.ref}",
        network="x",
        kind=kind,
        author=who.id,
        published=today(),
        url=who.url,
    )


def mention(post: dict, users: dict, media: dict, me: str | None) -> Mention:
    author = person(users.get(str(post.get("author_id"))), str(post.get("author_id")), me)
    return Mention(interaction(post, "mention", set(), users, media), author, links(post))


def counts(post: dict) -> str:
    """A copy's like, repost and quote counts as the harvest compares them ("3/1/0")."""
    metrics = post.get("public_metrics") or {}
    return "/".join(
        str(metrics.get(k, 0) or 0) for k in ("like_count", "retweet_count", "quote_count")
    )
