"""``roost audience snapshot`` and ``roost audience diff``: who follows the author on each network
that lists followers (the adapters declaring ``FOLLOWERS``, turned on with their ``followers``
setting), kept in the records by ``snapshot_files.py``, and who came and left between two
snapshots.

A snapshot is read page by page into sorted runs on disk (never every page at once), then
compared with the stored list under the records lock. Nothing is written when a page fails
(a 503, an answer cut short, a server that names the same page twice), when the account hides
its network and the server lists nobody, or when the list is the same as last time.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from .common import Stop, print_problems, say, settings_and_store

KEY_VARIABLE = "ROOST_FOLLOWERS_KEY"
MAKE_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


def cmd_audience_snapshot(args: argparse.Namespace) -> int:
    from .. import redaction
    from ..model import RecordError
    from ..networks.base import NetworkError
    from .adapters import build_adapters, configured

    _, values, problems, store = settings_and_store(args)
    known = set(configured(values))
    for name in sorted(set(args.network or ()) - known):
        raise Stop(f"--network {name}: not configured (configured: {', '.join(sorted(known))})")
    adapters, wrong = build_adapters(values, only=set(args.network) if args.network else None)
    problems += wrong
    chosen = {}
    for name, adapter in adapters.items():
        if not adapter.FOLLOWERS:
            if args.network:
                problems.append(f"{name}: Roost cannot list followers on this network")
        elif adapter.settings.followers:
            chosen[name] = adapter
        elif args.network:
            problems.append(
                f'{name}: follower snapshots are off; set ROOST_NETWORKS["{name}"]["followers"] '
                "= True to keep them (see docs/audience.md)"
            )
    if not chosen:
        print_problems(problems)
        if not problems:
            say("roost: follower snapshots are off on every network (see docs/audience.md)")
        return 1 if problems else 0
    secret = redaction.read(os.environ, KEY_VARIABLE)
    if len(secret) < 16:
        raise Stop(
            f"set the environment variable {KEY_VARIABLE} to a long random text, kept as a "
            f"secret (e.g. the output of {MAKE_KEY}): followers who asked not to be named are "
            "kept only as fingerprints made with it"
        )
    moderation = store.read_moderation()
    failed = bool(problems)
    for name, adapter in chosen.items():
        try:
            failed |= not _snapshot(store, name, adapter, secret.encode(), moderation)
        except NetworkError as e:
            say(f"roost: {e}; {_kept(store, name)}", sys.stderr)
            failed = True
        except RecordError as e:  # this network's files; the others' snapshots go on
            say(f"roost: {e}; nothing recorded for {name}", sys.stderr)
            failed = True
    print_problems(problems)
    return 1 if failed else 0


def _snapshot(store, name: str, adapter, secret: bytes, moderation) -> bool:
    """One network's snapshot; False when it could not be taken (said in one line)."""
    from .snapshot_files import SnapshotFiles, SortedLines, follower_line, key_check

    files = SnapshotFiles(store, name)
    lines = SortedLines()
    try:
        followers = adapter.followers()
        listed = 0
        for person in followers.people:  # one page in memory at a time
            refused = moderation.refuses(person, person.id)
            lines.add(follower_line(person, secret, refused))
            listed += 1
        if listed == 0 and followers.hidden:
            say(
                f"roost: {name}: your account hides its followers and the server lists none; "
                f"nothing recorded, {_kept(store, name)}"
            )
            return True
        if listed == 0 and followers.announced:
            say(
                f"roost: {name}: the server lists none of your {followers.announced:,} "
                f"followers; nothing recorded, {_kept(store, name)}",
                sys.stderr,
            )
            return False
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with store.lock():
            done = files.record(lines, stamp, key_check(secret))
    finally:
        lines.close()
    where = store.display(files.list_path)
    if done is None:
        last = files.snapshots()
        since = f" since {last[-1].stamp}" if last else ""
        say(f"{name}: {listed:,} followers, no change{since}; nothing written")
        return True
    if done.key_changed:
        say(
            f"roost: {name}: {KEY_VARIABLE} is not the key of the last snapshot, so the "
            f"{done.unnamed:,} unnamed followers are counted afresh (keep the key to compare them)"
        )
    counts = f"{done.total:,} followers ({done.unnamed:,} unnamed)"
    if done.first:
        say(f"{name}: first snapshot, {counts}, in {where}")
    else:
        handles = f", {done.renamed} new handles" if done.renamed else ""
        say(f"{name}: {counts}: {done.came:,} came, {done.left:,} left{handles}; in {where}")
    return True


def _kept(store, name: str) -> str:
    from .snapshot_files import SnapshotFiles

    last = SnapshotFiles(store, name).snapshots()
    if not last:
        return "no snapshot was written"
    return f"the last snapshot ({last[-1].stamp}) is kept"


def cmd_audience_diff(args: argparse.Namespace) -> int:
    from ..model import RecordError
    from .snapshot_files import FOLDER, SnapshotFiles

    _, _, problems, store = settings_and_store(args)
    names = args.network or sorted(
        p.name.removesuffix("-changes.txt") for p in (store.root / FOLDER).glob("*-changes.txt")
    )
    if not names:
        raise Stop(f"no follower snapshots in {store.display(store.root / FOLDER)} yet: "
                   "run roost audience snapshot")  # fmt: skip
    moderation = store.read_moderation()
    failed = False
    for name in names:
        try:
            failed |= not _diff(args, name, SnapshotFiles(store, name), moderation)
        except RecordError as e:  # this network's files; the others are compared
            say(f"roost: {e}", sys.stderr)
            failed = True
    print_problems(problems)
    return 1 if failed else 0


def _diff(args, name: str, files, moderation) -> bool:
    """One network's comparison; False when it could not be made (said in one line)."""
    snapshots = files.snapshots()
    if len(snapshots) < 2:
        only = f"only one snapshot so far ({snapshots[0].stamp})" if snapshots else "none"
        say(f"roost: {name}: {only}; nothing to compare yet", sys.stderr)
        return bool(snapshots)
    try:
        start = _pick(snapshots, args.start, len(snapshots) - 2)
        end = _pick(snapshots, args.end, len(snapshots) - 1)
    except LookupError as e:
        say(f"roost: {name}: {e}", sys.stderr)
        return False
    if start >= end:
        say(f"roost: {name}: FROM must be an earlier snapshot than TO", sys.stderr)
        return False
    restart = next((s for s in snapshots[start + 1 : end + 1] if s.first), None)
    if restart:
        say(f"roost: {name}: the list was started afresh at {restart.stamp} (its file was "
            f"missing); compare from {restart.stamp}", sys.stderr)  # fmt: skip
        return False
    _show(name, files, snapshots, start, end, moderation)
    return True


def _pick(snapshots, wanted: str | None, default: int) -> int:
    """A snapshot's number: the last one whose date starts with ``wanted``."""
    if wanted is None:
        return default
    found = [i for i, s in enumerate(snapshots) if s.stamp.startswith(wanted)]
    if not found:
        recent = ", ".join(s.stamp for s in snapshots[-3:])
        raise LookupError(f"no snapshot dated {wanted} (the latest: {recent})")
    return found[-1]


def _show(name, files, snapshots, start: int, end: int, moderation) -> None:
    from ..people import Person
    from .snapshot_files import key_of, shown

    came, left, renamed = files.changes(start, end)
    a, b = snapshots[start], snapshots[end]
    say(f"{name}: {a.stamp} -> {b.stamp}: {a.total:,} -> {b.total:,} followers "
        f"({len(came):,} came, {len(left):,} left)")  # fmt: skip

    def named(line: str) -> bool:
        """Not a fingerprint, and not someone the author has since blocked or forgotten."""
        if line.startswith("~"):
            return False
        person = Person(f"{name}:{key_of(line)}", name, handle=shown(line))
        return not moderation.refuses(person, person.id)

    for title, group in (("came", came), ("left", left)):
        if not group:
            continue
        say(f"{title} ({len(group):,}):")
        lines = sorted(group.values(), key=lambda x: shown(x).lower())
        for line in (x for x in lines if named(x)):
            say(f"  {shown(line)}")
        unnamed = sum(1 for x in lines if not named(x))
        if unnamed:
            say(f"  and {unnamed:,} who asked not to be named, or whom you blocked or forgot")
    shown_renames = {n: r for n, r in renamed.items() if named(n)}
    if shown_renames:
        say(f"new handles ({len(shown_renames):,}):")
        for _, (was, now) in sorted(shown_renames.items()):
            say(f"  {was} -> {now}")
