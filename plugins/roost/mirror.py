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


def _bring_home(store: Store, url: str, what: str) -> tuple[str, str] | None:
    """(records-relative path, type) of the picture at ``url`` once stored, or None when it
    cannot be had or kept (the reason is logged; the run goes on)."""
    got = fetch(url) if url.startswith(("https://", "http://")) else None
    if not got:
        return None
    try:
        return store.add_media(*got), got[1]
    except ValueError as e:
        log.info("roost: %s not kept: %s", what, e)
        return None


def mirror_avatars(store: Store, people: dict[str, Person], before: dict[str, Person]) -> int:
    """Mirror the avatar of everyone new or changed since ``before``; how many were stored.
    An address is fetched once, however many people share it. Call with the store locked."""
    stored, tried = 0, {}
    for pid, person in people.items():
        old = before.get(pid)
        if not person.avatar_source:
            continue
        if old and old.avatar_source == person.avatar_source and old.avatar:
            person.avatar = old.avatar  # already at home
            continue
        url = person.avatar_source
        if url not in tried:
            tried[url] = _bring_home(store, url, f"avatar of {pid}")
            stored += tried[url] is not None
        person.avatar = tried[url][0] if tried[url] else None
    return stored


def mirror_attachments(store: Store, fresh: list[Interaction], stored: list[Interaction]) -> int:
    """Give every picture of the ``fresh`` interactions a local path: the stored one when the
    same address was mirrored before, else a new download (None when it cannot be kept). How
    many files were stored. Call with the store locked."""
    known = {m.source: (m.path, m.type) for x in stored for m in x.media if m.source and m.path}
    stored_count = 0
    for x in fresh:
        for m in x.media:
            if m.path or not m.source:
                continue
            if m.source not in known:
                known[m.source] = _bring_home(store, m.source, f"a picture of {x.id}")
                stored_count += known[m.source] is not None
            if known[m.source]:
                m.path, m.type = known[m.source]
    return stored_count
