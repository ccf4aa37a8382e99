"""Reading and writing Roost's records folder (``social/`` by default), as described in
``docs/records.md``.

The folder::

    social/
      posts/<post key>.json     one post: its copies on networks and every interaction
      people/<network>.json     everyone who interacted, per network
      moderation.json           blocked accounts and domains, hidden interactions, forgotten people
      cursors.json              where each network's backfeed stopped
      watch.json                posts on the author's accounts Roost did not send (the watch)
      spending.json             what each network that bills cost, per month (spending.py)
      media/ab/<sha256>.<ext>   mirrored avatars and images, named by content

Guarantees, because CI commits this folder back to git and two runs may overlap:

* deterministic: fixed key order, sorted lists, two-space indent, UTF-8, final newline;
* atomic: a write goes to a temporary file in the same folder, is fsynced, then renamed;
* quiet: a file is rewritten only when its bytes would change;
* exclusive: writes need :meth:`Store.lock` held (a file lock, so it also holds across processes);
* careful: a malformed file raises :class:`RecordError` naming it, and is never overwritten;
* clean: archived HTML passes the sanitiser on the way in (and again when a page shows it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from . import pictures
from .model import FORMAT, PostRecord, RecordError, check_format, check_key
from .people import Moderation, Person, people_file
from .sanitize import clean_html, clean_text, safe_url
from .watch_file import TEXT_KEPT, WatchFile

#: Mirrored media: the only types stored (pictures.py says what passes), and the largest file.
MEDIA_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
MEDIA_MAX_BYTES = 5 * 1024 * 1024


#: What git must never take from the records folder.
GITIGNORE = (
    "# Written by Roost: its lock files and half-written files are never committed.\n"
    ".*.lock\n"
    ".tmp-*\n"
)


class StoreLocked(RuntimeError):
    """Another Roost process holds the records lock."""


def dumps(data: dict) -> bytes:
    """The one serialisation. Key order comes from the records' ``to_dict`` (fixed, readable:
    a post's id and copies before its interactions), not from sorting."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class Store:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        # One OS lock per thread (flock on its own descriptor), so threads of one process
        # exclude each other too: syndication writes from a thread per network.
        self._lock = filelock.FileLock(str(self.root / ".roost.lock"))

    # ---------------------------------------------------------------- locking

    @contextmanager
    def lock(self, timeout: float = 60) -> Iterator[Store]:
        """Hold the records lock; every write must happen inside it."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._ignore_own_files()
        try:
            with self._lock.acquire(timeout=timeout):
                yield self
        except filelock.Timeout:
            raise StoreLocked(
                f"{self.root}: another Roost command is writing these records "
                f"(lock {self._lock.lock_file}); wait for it to finish"
            ) from None

    def _ignore_own_files(self) -> None:
        """A ``.gitignore`` in the records folder for Roost's lock files and half-written files,
        so no ``git add`` ever commits them, whatever the blog's own ``.gitignore`` says."""
        path = self.root / ".gitignore"
        if not path.exists():
            # A read-only folder: the lock itself will say what is wrong.
            with contextlib.suppress(OSError):
                path.write_text(GITIGNORE, encoding="utf-8")

    def _require_lock(self) -> None:
        if not self._lock.is_locked:
            raise RuntimeError("Store writes must happen inside `with store.lock():`")

    # ---------------------------------------------------------------- low level

    def _read_json(self, path: Path, raw: bytes | None = None) -> dict | None:
        """The parsed file, None if absent; RecordError naming the file if it is not JSON."""
        try:
            raw = path.read_bytes() if raw is None else raw
        except FileNotFoundError:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise RecordError(f"not UTF-8 text (byte {e.start})", self.display(path)) from None
        except json.JSONDecodeError as e:
            raise RecordError(
                f"line {e.lineno} column {e.colno}: {e.msg}", self.display(path)
            ) from None
        except RecursionError:  # valid so far, but deeper than any record could be
            raise RecordError("nested too deeply to be a Roost file", self.display(path)) from None

    def _write_bytes(self, path: Path, data: bytes) -> bool:
        """Atomically replace ``path`` with ``data``; False (and no write) if nothing changed."""
        self._require_lock()
        try:
            if path.read_bytes() == data:
                return False
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return True

    @contextmanager
    def writing(self, path: Path) -> Iterator:
        """A binary file to stream ``path``'s new bytes into, for files too large to build in
        memory (a follower snapshot): it replaces ``path`` atomically when the block ends, and
        is thrown away, ``path`` untouched, when the block raises (or the writer calls
        ``.discard()``)."""
        self._require_lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.discard = False
                yield f
                f.flush()
                os.fsync(f.fileno())
            if f.discard:
                Path(tmp).unlink()
                return
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def display(self, path: Path) -> str:
        """A path as the author would type it: relative to the working folder when possible."""
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    # ---------------------------------------------------------------- posts

    def post_path(self, key: str) -> Path:
        return self.root / "posts" / f"{check_key(key)}.json"

    def post_keys(self) -> list[str]:
        folder = self.root / "posts"
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith("."))

    def read_post(self, key: str, raw: bytes | None = None) -> PostRecord:
        """The post's record; an empty one if it has none yet. ``raw``: the file's bytes, when
        the caller has read them already."""
        path = self.post_path(key)
        data = self._read_json(path, raw)
        if data is None:
            return PostRecord(key=key)
        try:
            rec = PostRecord.from_dict(data)
        except RecordError as e:
            raise e.at(self.display(path)) from None
        if rec.key != key:
            raise RecordError(
                f"post is {rec.key!r} but the file name says {key!r}; rename one to match",
                self.display(path),
            )
        return rec

    def rename_post(self, old: str, new: str) -> None:
        """Give a post's record a new key (its slug changed): the file, the key inside it, and
        the backfeed's state for it in ``cursors.json``. Call with the store locked."""
        record = self.read_post(old)
        record.key = new
        if self.post_path(new).exists():
            # A rename cut short (the new file written, the old one not yet removed), or a
            # record begun under the new name meanwhile: both are this post's; keep all of it.
            from .records_merge import merge_posts

            merged = merge_posts(None, self.read_post(new).to_dict(), record.to_dict())
            record = PostRecord.from_dict(merged)
        self.write_post(record)
        cursors = self.read_cursors()
        before = json.dumps(cursors, sort_keys=True)
        for state in cursors.values():
            for name in [n for n in state if n.split(":", 1)[-1] == old and ":" in n]:
                state[name.split(":", 1)[0] + ":" + new] = state.pop(name)
            if state.get("pending"):
                try:
                    pending = json.loads(state["pending"])
                    if old in pending:
                        pending[new] = pending.pop(old)
                        state["pending"] = json.dumps(
                            pending, sort_keys=True, separators=(",", ":")
                        )
                except (ValueError, TypeError, AttributeError, RecursionError):
                    pass  # unreadable pending is dropped by the backfeed anyway
        if json.dumps(cursors, sort_keys=True) != before:
            self.write_cursors(cursors)
        self.post_path(old).unlink()
        _fsync_dir(self.post_path(old).parent)

    def write_post(self, rec: PostRecord) -> bool:
        """Store the record; its HTML passes the sanitiser here, whoever produced it."""
        path = self.post_path(rec.key)
        # Refuse to replace a file we cannot read: its content would be lost.
        self._read_json(path)
        if not (rec.syndications or rec.interactions or rec.skipped or rec.intents):
            self._require_lock()
            if path.exists():
                path.unlink()
                return True
            return False
        data = rec.to_dict()
        for item in data["interactions"]:
            item["content"] = clean_html(item["content"])
            for m in item.get("media", []):
                m["alt"] = clean_text(m["alt"], 1500)
        return self._write_bytes(path, dumps(data))

    # ---------------------------------------------------------------- people

    def people_path(self, network: str) -> Path:
        return self.root / "people" / f"{network}.json"

    def read_people(self) -> dict[str, Person]:
        """Everyone, all networks, keyed by Person id."""
        people: dict[str, Person] = {}
        folder = self.root / "people"
        if not folder.is_dir():
            return people
        for path in sorted(folder.glob("*.json")):
            if path.name.startswith("."):
                continue
            data = self._read_json(path)
            try:
                people.update(people_file(data, path.stem))
            except RecordError as e:
                raise e.at(self.display(path)) from None
        return people

    def write_people(self, network: str, people: dict[str, Person]) -> bool:
        path = self.people_path(network)
        self._read_json(path)
        mine = sorted((p for p in people.values() if p.network == network), key=lambda p: p.id)
        entries = [p.to_dict() for p in mine]
        for entry in entries:  # names are text: no controls or direction overrides stored
            entry["name"], entry["handle"] = clean_text(entry["name"]), clean_text(entry["handle"])
        data = {"format": FORMAT, "network": network, "people": entries}
        return self._write_bytes(path, dumps(data))

    # ---------------------------------------------------------------- moderation

    @property
    def moderation_path(self) -> Path:
        return self.root / "moderation.json"

    def read_moderation(self) -> Moderation:
        data = self._read_json(self.moderation_path)
        if data is None:
            return Moderation()
        try:
            return Moderation.from_dict(data)
        except RecordError as e:
            raise e.at(self.display(self.moderation_path)) from None

    def write_moderation(self, mod: Moderation) -> bool:
        self._read_json(self.moderation_path)
        return self._write_bytes(self.moderation_path, dumps(mod.to_dict()))

    # ---------------------------------------------------------------- cursors

    @property
    def cursors_path(self) -> Path:
        return self.root / "cursors.json"

    def read_cursors(self) -> dict[str, dict[str, str]]:
        """Where each network's backfeed stopped: {"mastodon": {"notifications": "..."}}."""
        data = self._read_json(self.cursors_path)
        if data is None:
            return {}
        try:
            check_format(data)
            networks = data.get("networks", {})
            if not isinstance(networks, dict) or not all(
                isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
                for v in networks.values()
            ):
                raise RecordError("networks must map each network to named cursors (text)")
        except RecordError as e:
            raise e.at(self.display(self.cursors_path)) from None
        return networks

    def write_cursors(self, cursors: dict[str, dict[str, str]]) -> bool:
        self._read_json(self.cursors_path)
        data = {
            "format": FORMAT,
            "networks": {k: dict(sorted(v.items())) for k, v in sorted(cursors.items())},
        }
        return self._write_bytes(self.cursors_path, dumps(data))

    # ---------------------------------------------------------------- the account watch

    @property
    def watch_path(self) -> Path:
        return self.root / "watch.json"

    def read_watch(self) -> WatchFile:
        data = self._read_json(self.watch_path)
        try:
            return WatchFile() if data is None else WatchFile.from_dict(data)
        except RecordError as e:
            raise e.at(self.display(self.watch_path)) from None

    def write_watch(self, watch: WatchFile) -> bool:
        """Store it; a post's words from the network pass ``clean_text`` here, bounded."""
        self._read_json(self.watch_path)
        data = watch.to_dict()
        for account in data["networks"].values():
            for seen in account["unknown"]:
                seen["text"] = clean_text(seen["text"], TEXT_KEPT)
                seen["url"] = safe_url(seen["url"]) or ""
        return self._write_bytes(self.watch_path, dumps(data))

    # ---------------------------------------------------------------- all of it

    def problems(self) -> list[str]:
        """Every file that cannot be read, one line each naming it (``roost check``, ``roost
        doctor``); an empty list when the whole folder is well-formed."""
        found = []
        from .spending import read_spending

        readers = [self.read_people, self.read_moderation, self.read_cursors, self.read_watch]
        readers.append(lambda: read_spending(self))
        readers += [lambda key=key: self.read_post(key) for key in self.post_keys()]
        for read in readers:
            try:
                read()
            except RecordError as e:
                found.append(str(e))
        return found

    # ---------------------------------------------------------------- media

    def media_file(self, rel: str) -> Path:
        return self.root / rel

    @staticmethod
    def media_type(rel: str) -> str:
        """The type of a stored file, from the extension ``add_media`` gave it."""
        ext = rel.rsplit(".", 1)[-1]
        return next(mime for mime, e in MEDIA_TYPES.items() if e == ext)

    def add_media(self, data: bytes, mime: str) -> str:
        """Store bytes under their content hash; returns the records-relative path.

        Refuses oversize files and anything that is not a whole picture of the type it claims
        (``pictures.check``: so no SVG, no HTML behind a PNG signature).
        """
        if len(data) > MEDIA_MAX_BYTES:
            raise ValueError(f"media is {len(data)} bytes, over the {MEDIA_MAX_BYTES} limit")
        mime = pictures.check(data, mime)
        digest = hashlib.sha256(data).hexdigest()
        rel = f"media/{digest[:2]}/{digest}.{MEDIA_TYPES[mime]}"
        path = self.root / rel
        if not path.exists():
            self._write_bytes(path, data)
        return rel


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder itself is flushed (POSIX); Windows has no
    # directory handles to flush, and there os.replace is already atomic.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
