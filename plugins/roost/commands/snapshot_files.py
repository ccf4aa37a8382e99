"""Follower snapshots in the records: two plain text files per network, written so that git
diffs them line by line and a snapshot of 100,000 followers is never held in memory.

    social/followers/<network>.txt           the followers now: a header, then one line per
                                             follower, sorted
    social/followers/<network>-changes.txt   every snapshot that changed something: a dated
                                             header, then who came (+), left (-) or took a
                                             new handle (=)

A follower's line is their stable name on the network (``alice@birds.example`` on Mastodon, a
DID on Bluesky), then their handle when it cannot be read from that name. Someone who asked not
to be indexed, or whom the author blocked or forgot, is a keyed fingerprint (``~`` and 16 hex
digits of HMAC-SHA256 with the author's ``ROOST_FOLLOWERS_KEY``): the counts and the diffs stay
right, and nobody holding the files can tell who it is, even by trying every handle they know.
Why: docs/design-notes/snapshots.md.

The first snapshot writes only its count to the change file (everyone "came"); a run whose list
is the same writes nothing at all. Writes happen under the records lock, each file replaced
atomically (the change file first: a crash between the two repeats an entry, and a repeated
entry changes no diff).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..record_fields import RecordError

FOLDER = "followers"
RUN = 20_000  # lines sorted in memory at a time (about 2 MB); more go to sorted files on disk
# What a stable name or handle may be in a line: one word, and no control character (a
# terminal escape, a NUL, a direction override) that the diff would print to the author's
# terminal or that would sort the line apart from its name; such a follower is a fingerprint.
_CHAR = r"[^\s\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_NAME = re.compile(f"{_CHAR}~#+=-]{_CHAR}]*")
_HEADER = re.compile(
    r"# (?P<stamp>\S+) (?P<first>first: )?(?P<total>\d+) followers \((?P<unnamed>\d+) unnamed\)"
)


def fingerprint(secret: bytes, person_id: str) -> str:
    return "~" + hmac.new(secret, person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def key_check(secret: bytes) -> str:
    """Names the key without revealing it, so a changed key is noticed (not mistaken for every
    unnamed follower leaving and coming back)."""
    return hmac.new(secret, b"roost followers key check", hashlib.sha256).hexdigest()[:8]


def follower_line(person, secret: bytes, refused: bool) -> str:
    """One follower's line: their name, or only a fingerprint when they are not to be named
    (or their name could not be written as one word)."""
    name = person.id.split(":", 1)[1]
    handle = person.handle or ""
    if refused or not _NAME.fullmatch(name) or (handle and not _NAME.fullmatch(handle)):
        return fingerprint(secret, person.id)
    return name if handle in ("", "@" + name) else f"{name} {handle}"


def key_of(line: str) -> str:
    return line.split(" ", 1)[0]


def shown(line: str) -> str:
    """How a line is named to the author: the handle (which a Mastodon name implies)."""
    name, _, handle = line.partition(" ")
    if handle:
        return handle
    return name if name.startswith(("did:", "~")) else "@" + name


class SortedLines:
    """Lines added in any order, read back sorted by name, once each, in bounded memory: runs of
    ``RUN`` lines are sorted and written to a temporary folder, then merged."""

    def __init__(self, run: int = RUN):
        self._tmp = tempfile.TemporaryDirectory(prefix="roost-followers-")
        self._run, self._lines, self._files = run, [], []

    def add(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= self._run:
            self._spill()

    def _spill(self) -> None:
        path = Path(self._tmp.name) / f"{len(self._files)}.txt"
        path.write_text("".join(f"{x}\n" for x in sorted(self._lines)), encoding="utf-8")
        self._files.append(path)
        self._lines = []

    def __iter__(self) -> Iterator[str]:
        # A space sorts before every character a name may hold, so whole lines sort by name.
        runs = [_lines_of(p) for p in self._files] + [iter(sorted(self._lines))]
        last = None
        for line in heapq.merge(*runs):
            if key_of(line) != last:  # the same follower on two pages (the list moved)
                last = key_of(line)
                yield line

    def close(self) -> None:
        self._tmp.cleanup()


@contextmanager
def _text(path: Path, shown: str | None = None):
    """``path`` open for reading; a file that is not UTF-8 (a bad hand edit, a broken merge)
    is one RecordError naming it, not a traceback."""
    try:
        with path.open(encoding="utf-8") as f:
            yield f
    except UnicodeDecodeError:
        raise RecordError("not UTF-8 text; restore it from git", shown or str(path)) from None


def _lines_of(path: Path, shown: str | None = None) -> Iterator[str]:
    with _text(path, shown) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n")


@dataclass
class Snapshot:
    """One dated entry of the change file."""

    stamp: str
    total: int
    unnamed: int
    first: bool = False


@dataclass
class Written:
    total: int = 0
    unnamed: int = 0
    came: int = 0
    left: int = 0
    renamed: int = 0
    first: bool = False
    key_changed: bool = False


class SnapshotFiles:
    """One network's two files in the records (``store``: a ``Store``)."""

    def __init__(self, store, network: str):
        self.store, self.network = store, network
        self.list_path = store.root / FOLDER / f"{network}.txt"
        self.log_path = store.root / FOLDER / f"{network}-changes.txt"

    def header(self) -> dict[str, str]:
        """The list file's header fields (``stamp``, ``key``), {} when there is none."""
        try:
            with _text(self.list_path, self.store.display(self.list_path)) as f:
                first = f.readline()
        except FileNotFoundError:
            return {}
        return dict(re.findall(r"(\w+)=(\S+)", first))

    def snapshots(self) -> list[Snapshot]:
        """Every dated entry of the change file, oldest first."""
        found = []
        if self.log_path.exists():
            with _text(self.log_path, self.store.display(self.log_path)) as f:
                for line in f:
                    m = _HEADER.match(line)
                    if m:
                        found.append(
                            Snapshot(
                                m["stamp"], int(m["total"]), int(m["unnamed"]), bool(m["first"])
                            )
                        )
        return found

    def record(self, new: SortedLines, stamp: str, key: str) -> Written | None:
        """Compare the new list with the stored one and write both files; None (and nothing
        written) when no follower came, left or changed handle. Call under the records lock."""
        done = Written(first=not self.list_path.exists())
        done.key_changed = not done.first and self.header().get("key", key) != key
        old = (
            iter(())
            if done.first
            else _lines_of(self.list_path, self.store.display(self.list_path))
        )
        with (
            tempfile.TemporaryFile("w+", encoding="utf-8") as changes,
            self.store.writing(self.list_path) as out,
        ):
            out.write(f"# Roost followers on {self.network}: stamp={stamp} key={key}\n".encode())
            for op, line, before in _compare(old, iter(new)):
                if op != "-":
                    out.write(f"{line}\n".encode())
                    done.total += 1
                    done.unnamed += line.startswith("~")
                if op == "=":
                    done.renamed += 1
                    now = line.partition(" ")[2] or "-"
                    changes.write(f"= {key_of(line)} {now} {before.partition(' ')[2] or '-'}\n")
                elif op in "+-" and not done.first:
                    done.came += op == "+"
                    done.left += op == "-"
                    changes.write(f"{op} {line}\n")
            if not (done.first or done.came or done.left or done.renamed):
                out.discard = True
                return None
            self._log(changes, stamp, done)
        return done

    def _log(self, changes, stamp: str, done: Written) -> None:
        """The change file again with the new entry at its end (streamed, never held)."""
        counts = f"{done.total} followers ({done.unnamed} unnamed)"
        if done.first:
            entry = f"# {stamp} first: {counts}\n"
        else:
            entry = f"# {stamp} {counts}: {done.came} came, {done.left} left\n"
        with self.store.writing(self.log_path) as log:
            if self.log_path.exists():
                with self.log_path.open("rb") as old:
                    while chunk := old.read(1 << 16):
                        log.write(chunk)
            log.write(entry.encode())
            changes.seek(0)
            while chunk := changes.read(1 << 16):
                log.write(chunk.encode())

    def changes(self, start: int, end: int) -> tuple[dict[str, str], dict[str, str], dict]:
        """(came, left, new handles) from snapshot number ``start`` to ``end`` (as numbered by
        :meth:`snapshots`, oldest 0): each follower's first and last change in between say
        where they stand (came, then left, is nothing). Memory grows with the changes in
        between, not with the followers. New handles: name -> (handle before, handle now)."""
        seen: dict[str, tuple[str, str, str]] = {}  # name -> (first op, last op, last line)
        renamed: dict[str, tuple[str, str]] = {}
        entry = -1
        with _text(self.log_path, self.store.display(self.log_path)) as f:
            for raw in f:
                line = raw.rstrip("\n")
                if _HEADER.match(line):
                    entry += 1
                    if entry > end:
                        break
                    continue
                if not start < entry <= end or line[:2] not in ("+ ", "- ", "= "):
                    continue
                op, rest = line[0], line[2:]
                name = key_of(rest)
                if op == "=":
                    _, now, before = (rest.split(" ") + ["-", "-"])[:3]
                    renamed[name] = (renamed.get(name, (before, ""))[0], now)
                    continue
                first = seen[name][0] if name in seen else op
                seen[name] = (first, op, rest)
        came = {n: v[2] for n, v in seen.items() if v[0] == v[1] == "+"}
        left = {n: v[2] for n, v in seen.items() if v[0] == v[1] == "-"}
        renamed = {n: (was, now) for n, (was, now) in renamed.items() if was != now}
        return came, left, renamed


def _compare(old: Iterator[str], new: Iterator[str]) -> Iterator[tuple[str, str, str]]:
    """Both lists sorted by name, walked together: ("+", line, "") for a newcomer, ("-", line,
    "") for someone gone, ("=", line, old line) for a new handle, (" ", line, "") otherwise."""
    a, b = next(old, None), next(new, None)
    while a is not None or b is not None:
        ka = key_of(a) if a is not None else None
        kb = key_of(b) if b is not None else None
        if b is None or (a is not None and ka < kb):
            yield "-", a, ""
            a = next(old, None)
        elif a is None or kb < ka:
            yield "+", b, ""
            b = next(new, None)
        else:
            yield ("=" if a != b else " "), b, a
            a, b = next(old, None), next(new, None)
