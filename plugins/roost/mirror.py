"""Copy avatars and the pictures attached to replies into the records, so pages never load them
from a network, and a network that disappears takes none of its pictures with it.

An avatar is fetched only when a person is new or their avatar's address changed; an attached
picture only when the interaction is new or its pictures changed. A file is refused
when it is larger than the store's limit (read no further than that), when it is not a PNG,
JPEG, GIF or WebP (so never SVG), or when its bytes do not match its type; the person then keeps
no avatar and the theme shows its own placeholder (a picture keeps its alt text and no path, and
the page shows the alt text in its place). A failed fetch is not an error of the run: the next
backfeed tries again.
"""

from __future__ import annotations

import logging

import requests

from .model import Interaction, Person
from .store import MEDIA_MAX_BYTES, Store

log = logging.getLogger(__name__)


def fetch(url: str, timeout: float = 15) -> tuple[bytes, str] | None:
    """(bytes, type) of an image at ``url``, or None if it cannot or should not be kept."""
    try:
        with requests.get(url, stream=True, timeout=timeout) as r:
            if r.status_code != 200:
                return None
            mime = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
            data = b""
            for chunk in r.iter_content(64 * 1024):
                data += chunk
                if len(data) > MEDIA_MAX_BYTES:
                    return None
            return data, mime
    except requests.RequestException:
        return None


def mirror_avatars(store: Store, people: dict[str, Person], before: dict[str, Person]) -> int:
    """Mirror the avatar of everyone new or changed since ``before``; how many were stored.
    An address is fetched once, however many people share it. Call with the store locked."""
    stored, tried = 0, set()
    for pid, person in people.items():
        old = before.get(pid)
        if not person.avatar_source:
            continue
        if old and old.avatar_source == person.avatar_source and old.avatar:
            person.avatar = old.avatar  # already at home
            continue
        person.avatar = None
        if person.avatar_source in tried:
            continue
        tried.add(person.avatar_source)
        got = fetch(person.avatar_source)
        if got:
            try:
                person.avatar = store.add_media(*got)
                stored += 1
            except ValueError as e:
                log.info("roost: avatar of %s not kept: %s", pid, e)
    return stored


def mirror_attachments(store: Store, fresh: list[Interaction], stored: list[Interaction]) -> int:
    """Give every picture of the ``fresh`` interactions a local path: the stored one when the
    same address was mirrored before, else a new download (None when it cannot be kept). How
    many files were stored. Call with the store locked."""
    known = {m.source: m.path for x in stored for m in x.media if m.source and m.path}
    stored_count = 0
    for x in fresh:
        for m in x.media:
            if m.path or not m.source:
                continue
            if m.source in known:
                m.path = known[m.source]
                continue
            got = fetch(m.source) if m.source.startswith(("https://", "http://")) else None
            if got:
                try:
                    m.path = store.add_media(*got)
                    m.type = got[1]
                    known[m.source] = m.path
                    stored_count += 1
                except ValueError as e:
                    log.info("roost: a picture of %s not kept: %s", x.id, e)
    return stored_count
