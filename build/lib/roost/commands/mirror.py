"""Copy avatars and the pictures attached to replies into the records, so pages never load them
from a network, and a network that disappears takes none of its pictures with it.

Two steps, because nothing may be fetched while the records lock is held (another command,
such as a ``roost syndicate`` that has just posted, would wait on a slow server to record it):

1. before the lock, :class:`Pictures` fetches what a harvest needs, through the guarded fetch
   (``networks/guarded_fetch.py``: public addresses only, deadlines, a byte cap), decodes it
   and writes it again (``pictures.normalize``) into a temporary folder;
2. under the lock, :func:`mirror_avatars` and :func:`mirror_attachments` store those files
   (``Store.add_media``: only whole PNG, JPEG, GIF or WebP pictures) and point the records at
   them.

An avatar is fetched only when a person is new or their avatar's address changed; an attached
picture only when the interaction is new or its pictures changed; an address once per run. A
picture that cannot be had or kept is not an error of the run: the person keeps no avatar (the
theme shows its placeholder), a picture keeps its alt text and no path (the page shows the alt
text in its place), and the next backfeed tries again.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from .. import pictures
from ..model import Interaction
from ..networks.guarded_fetch import FetchError, GuardedFetcher, shown
from ..people import Person
from ..store import MEDIA_MAX_BYTES, Store

log = logging.getLogger(__name__)


class Pictures:
    """Pictures fetched before the lock, kept in a temporary folder until stored under it. Use
    as a context manager: the folder goes when the block ends."""

    def __init__(self, fetcher: GuardedFetcher):
        self.fetcher = fetcher
        self._folder = tempfile.TemporaryDirectory(prefix="roost-pictures-")
        self.fetched: dict[str, tuple[Path, str] | None] = {}  # address -> (file, type) or None
        self.failures: list[str] = []

    def __enter__(self) -> Pictures:
        return self

    def __exit__(self, *exc) -> None:
        self._folder.cleanup()

    def want_avatars(
        self, harvested: list[Person], stored: dict[str, Person], retry: bool = True
    ) -> None:
        """Fetch the avatars of the people who are new or whose avatar's address changed, and
        with ``retry`` of those whose avatar could not be had before (seen again in a thread;
        a profile looked at on a schedule does not retry, or a broken picture would be asked
        for every run)."""
        for person in harvested:
            old = stored.get(person.id)
            same = old is not None and old.avatar_source == person.avatar_source
            if person.avatar_source and not (same and (old.avatar or not retry)):
                self.fetch(person.avatar_source, f"avatar of {person.id}")

    def want_attachments(self, fresh: list[Interaction], stored: list[Interaction]) -> None:
        """Fetch the pictures of ``fresh`` interactions that no stored interaction has yet."""
        known = {m.source for x in stored for m in x.media if m.source and m.path}
        for x in fresh:
            for m in x.media:
                if m.source and not m.path and m.source not in known:
                    self.fetch(m.source, f"a picture of {x.id}")

    def fetch(self, url: str, what: str) -> None:
        if url in self.fetched:
            return
        self.fetched[url] = None
        if self.fetcher.spent:
            return  # the run's time for fetching is spent: the next run tries again
        try:
            got = self.fetcher.get(url, max_bytes=MEDIA_MAX_BYTES, accept="image/*")
        except FetchError as e:
            log.info("roost: %s not brought home: %s", what, e)
            self.failures.append(f"{what}: {e}")
            return
        try:
            # Decoded and written again here, before the lock: a picture that takes long to
            # decode holds up no other command, and nothing after its end is published.
            data, mime = pictures.normalize(got.body, got.content_type)
        except ValueError as e:
            log.info("roost: %s from %s not kept: %s", what, shown(url), e)
            self.failures.append(f"{what}: {e}")
            return
        name = hashlib.sha256(url.encode()).hexdigest()
        path = Path(self._folder.name) / name
        path.write_bytes(data)
        self.fetched[url] = (path, mime)

    def store(self, store: Store, url: str, what: str) -> tuple[str, str] | None:
        """(records-relative path, type) once stored, or None when it could not be had or kept.
        Call with the store locked."""
        got = self.fetched.get(url)
        if got is None:
            return None
        path, mime = got
        try:
            rel = store.add_media(path.read_bytes(), mime)
        except ValueError as e:
            log.info("roost: %s from %s not kept: %s", what, shown(url), e)
            self.failures.append(f"{what}: {e}")
            self.fetched[url] = None
            return None
        kept = store.media_type(rel)
        self.fetched[url] = (path, kept)
        return rel, kept


def mirror_avatars(
    store: Store, people: dict[str, Person], before: dict[str, Person], pictures: Pictures
) -> int:
    """Point everyone new or changed since ``before`` at their stored avatar; how many files were
    stored. Call with the store locked."""
    stored, done = 0, {}
    for pid, person in people.items():
        old = before.get(pid)
        if not person.avatar_source:
            continue
        if old and old.avatar_source == person.avatar_source and old.avatar:
            person.avatar = old.avatar  # already at home
            continue
        url = person.avatar_source
        if url not in done:
            done[url] = pictures.store(store, url, f"avatar of {pid}")
            stored += done[url] is not None
        person.avatar = done[url][0] if done[url] else None
    return stored


def mirror_attachments(
    store: Store, fresh: list[Interaction], stored: list[Interaction], pictures: Pictures
) -> int:
    """Give every picture of the ``fresh`` interactions a local path: the stored one when the
    same address was mirrored before, else the fetched one (None when it cannot be kept). How
    many files were stored. Call with the store locked."""
    known = {m.source: (m.path, m.type) for x in stored for m in x.media if m.source and m.path}
    count = 0
    for x in fresh:
        for m in x.media:
            if m.path or not m.source:
                continue
            if m.source not in known:
                known[m.source] = pictures.store(store, m.source, f"a picture of {x.id}")
                count += known[m.source] is not None
            if known[m.source]:
                m.path, m.type = known[m.source]
    return count
