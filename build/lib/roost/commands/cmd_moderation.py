"""``roost hide``, ``block``, ``forget`` and ``moderate``: the author's decisions, carried out
by ``moderation.py``, reported in one line each."""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import tempfile
from pathlib import Path

from .common import Stop, print_problems, say, store_of


def cmd_hide(args: argparse.Namespace) -> int:
    from ..model import RecordError
    from .moderation import hide

    _, store = store_of(args)
    found = False
    for key in store.post_keys():
        try:
            found = found or any(x.id == args.id for x in store.read_post(key).interactions)
        except RecordError:
            continue
    if not found:
        say(f"roost: no interaction {args.id!r} in {store.display(store.root)}", sys.stderr)
        return 2
    hide(store, args.id)
    say(f"roost: {args.id} is hidden; it will not be shown, nor stored again")
    return 0


def cmd_block(args: argparse.Namespace) -> int:
    from .moderation import block, block_target

    _, store = store_of(args)
    try:
        kind, value = block_target(args.target)
    except ValueError as e:
        raise Stop(str(e)) from None
    done = block(store, args.target)
    say(
        f"roost: {value} ({'the account' if kind == 'account' else 'the domain and below'}) "
        f"is blocked: {done.interactions} stored interaction(s), "
        f"{done.people} person(s) and {len(done.files)} file(s) removed; nothing of theirs is "
        "stored or shown again"
    )
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from .moderation import forget, purge_lines

    _, store = store_of(args)
    pid = args.person
    done = forget(store, pid)
    if done is None:
        say(f"roost: nobody called {pid!r} in {store.display(store.root)}", sys.stderr)
        return 2
    say(f"roost: {pid} is forgotten: {done.interactions} interaction(s) and "
         f"{len(done.files)} file(s)")  # fmt: skip
    # Their words are still in git's history. The replacements are written to a file git never
    # commits (inside .git/), not pasted into a shell: an id or a reply can hold anything.
    git = Path(".git")
    folder = git if git.is_dir() else Path(tempfile.mkdtemp(prefix="roost-forget-"))
    name = hashlib.sha256(pid.encode()).hexdigest()[:12]
    replacements = folder / f"roost-forget-{name}.txt"
    replacements.write_text("\n".join(purge_lines(done, pid)) + "\n", encoding="utf-8")
    print("roost: their words are still in your git history; to purge them, after committing:")
    print("  pip install git-filter-repo")
    for path in done.files:
        print(f"  git filter-repo --invert-paths --path {shlex.quote(path)}")
    print(f"  git filter-repo --replace-text {shlex.quote(str(replacements))}")
    print("  then force-push, and ask anyone with a clone to clone again; the file above holds")
    print("  their words, so delete it once done. Words they edited before are not in it.")
    return 0


def cmd_moderate(args: argparse.Namespace) -> int:
    from .moderation import apply

    _, store = store_of(args)
    with store.lock():
        done = apply(store)
    print_problems([f"{line}; left as it is (no file is deleted until it is mended)"
               for line in done.unreadable])  # fmt: skip
    print(
        f"roost: moderation applied: {done.interactions} interaction(s), {done.people} "
        f"person(s) and {len(done.files)} file(s) removed"
    )
    return 1 if done.unreadable else 0
