"""A blog post as an ``app.bsky.feed.post`` record: its text as shown (long links shortened),
its facets (UTF-8 byte offsets), its embed (a link card, or the picture itself), its place in a
thread, its date and its record key. Pure, apart from the two callbacks the adapter passes:
resolving a handle to a DID, and uploading a picture as a blob.

Record keys are TIDs made from the intent's time (the moment of the first attempt), the post
and the part: every attempt, in any run, writes the same record to the same key.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ...model import Intent, Syndication, parse_time
from ..base import Draft, Rejected
from . import richtext

COLLECTION = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
SHOWN_URL = 30  # longer links are shown shortened
THUMB_BYTES = 1_000_000


def tid(when: datetime, clock_id: int) -> str:
    """A record key in the TID format: 53 bits of microseconds, 10 bits of clock id."""
    micros = int(when.timestamp() * 1_000_000)
    value = (micros << 10) | (clock_id & 0x3FF)
    out = ""
    for _ in range(13):
        out = TID_ALPHABET[value & 31] + out
        value >>= 5
    return out


def rkey_for(post_key: str, network: str, part: int, started: datetime) -> str:
    clock = zlib.crc32(f"{post_key}|{network}|{part}".encode()) & 0x3FF
    return tid(started.astimezone(UTC) + timedelta(milliseconds=part), clock)


def shorten_links(text: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The text as shown (long links shortened) and its facets, offsets in the shown text."""
    shown, facets, shift = text, [], 0
    for start, end, kind, value in richtext.spans(text):
        start, end = start + shift, end + shift
        if kind == "link" and end - start > SHOWN_URL:
            display = shown[start:end].split("://", 1)[-1]
            display = display[: SHOWN_URL - 1] + "…" if len(display) > SHOWN_URL else display
            shown = shown[:start] + display + shown[end:]
            shift += len(display) - (end - start)
            end = start + len(display)
        facets.append((start, end, kind, value))
    return shown, facets


def fits(text: str) -> bool:
    return richtext.fits(shorten_links(text)[0])


def record(
    draft: Draft,
    part: int,
    reply_to: Syndication | None,
    intent: Intent,
    *,
    embed: str,
    did_of: Callable[[str], str | None],
    blob: Callable[[Path], Any],
) -> dict:
    """The post record of one part. ``did_of`` resolves a mentioned handle (None: not a handle,
    plain text then); ``blob`` uploads a picture (or names it, offline)."""
    shown, spans = shorten_links(draft.parts[part])
    facets = []
    for start, end, kind, value in spans:
        b_start, b_end = len(shown[:start].encode()), len(shown[:end].encode())
        facet = richtext.Facet(b_start, b_end, kind, value)
        if kind == "mention":
            did = did_of(value)
            if not did:
                continue  # not a handle after all: plain text
            facets.append(facet.to_record(did=did))
        else:
            facets.append(facet.to_record())
    out: dict[str, Any] = {
        "$type": COLLECTION,
        "text": shown,
        # Dated when it is sent, not when the article was written: the AppView orders feeds by
        # createdAt, so a backdated copy would be buried below everything since.
        "createdAt": created_at(intent),
    }
    if facets:
        out["facets"] = facets
    if draft.language:
        out["langs"] = [draft.language]
    if part == 0:
        out["embed"] = _embed(draft, embed, blob)
    if reply_to is not None:
        parent = {"uri": reply_to.id, "cid": reply_to.extra.get("cid", "")}
        root = {
            "uri": reply_to.extra.get("root_uri", reply_to.id),
            "cid": reply_to.extra.get("root_cid", parent["cid"]),
        }
        out["reply"] = {"root": root, "parent": parent}
    return out


def _embed(draft: Draft, embed: str, blob: Callable[[Path], Any]) -> dict:
    image = draft.images[0] if draft.images else None
    if embed == "images" and image:
        return {
            "$type": "app.bsky.embed.images",
            "images": [{"image": blob(image.path), "alt": image.alt}],
        }
    external: dict[str, Any] = {
        "uri": draft.url,
        "title": draft.title,
        "description": draft.description[:300],
    }
    if image:
        external["thumb"] = blob(image.path)
    return {"$type": "app.bsky.embed.external", "external": external}


def created_at(intent: Intent) -> str:
    when = parse_time(intent.started) + timedelta(milliseconds=intent.part)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def thumbnail(path: Path) -> tuple[bytes, str]:
    """The image as JPEG under the blob limit, the same bytes every time for the same file."""
    from PIL import Image as PILImage

    with PILImage.open(path) as img:
        img = img.convert("RGB")
        for side, quality in ((2000, 85), (1600, 80), (1200, 75), (800, 70), (600, 60)):
            copy = img.copy()
            copy.thumbnail((side, side))
            buf = io.BytesIO()
            copy.save(buf, "JPEG", quality=quality, optimize=True)
            if buf.tell() <= THUMB_BYTES:
                return buf.getvalue(), "image/jpeg"
    raise Rejected("bluesky", f"{path.name} cannot be made smaller than {THUMB_BYTES} bytes")


def same_post(found: dict, ours: dict) -> bool:
    """Whether a record found at our key is this post's (the same text, or the same link card,
    or the same place in a thread, for a post edited meanwhile)."""
    if found.get("text") == ours.get("text"):
        return True
    card = (found.get("embed") or {}).get("external", {}).get("uri")
    if card and card == (ours.get("embed") or {}).get("external", {}).get("uri"):
        return True
    parent = (found.get("reply") or {}).get("parent", {}).get("uri")
    return bool(parent) and parent == (ours.get("reply") or {}).get("parent", {}).get("uri")
