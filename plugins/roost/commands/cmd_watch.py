"""``roost watch``: the posts on the author's accounts that Roost did not send (what the account
watch found, ``watch.py``), and ``roost watch ok URL-or-id...`` to mark some (or ``--all``) as
the author's own, so they are not listed again."""

from __future__ import annotations

import argparse
import sys

from .common import Stop, say, store_of


def cmd_watch(args: argparse.Namespace) -> int:
    from ..sanitize import clean_text
    from .watch import ADVICE, SINCE, mark_ok, unknown_posts

    problems, store = store_of(args)
    if args.action == "ok":
        if not args.posts and not args.all:
            raise Stop("roost watch ok: name the posts (their address or id), or give --all")
        chosen, missing = mark_ok(store, args.posts, args.all)
        if args.all and not chosen:
            say("roost: no post is listed as not sent by Roost: nothing to mark")
        for u in chosen:
            say(f"roost: {u.network}: marked as yours: {u.post.url or u.post.id}")
        for ref in missing:
            say(
                f"roost: {clean_text(ref, 200)}: not among the posts listed as not sent by "
                "Roost (`roost watch` lists them)",
                sys.stderr,
            )
        return 1 if missing else 0
    if args.posts:
        raise Stop("roost watch: only `roost watch ok` takes posts")
    found = unknown_posts(store, problems)
    for line in problems:
        say(f"roost: {line}", sys.stderr)
    watched = 0
    for name, cursor in sorted(store.read_cursors().items()):
        if SINCE in cursor:
            watched += 1
            print(f"{name}: watched since {cursor[SINCE].replace('T', ' ').replace('Z', ' UTC')}")
    for u in found:
        say(u.line())
    if found:
        say(ADVICE)
    elif not watched:
        # "Nothing found" would read as "all is well" when nothing was ever looked at.
        print(
            "no account is watched yet: `roost backfeed` starts the watch on each network in "
            "ROOST_NETWORKS that lists your own posts (docs/watch.md)"
        )
    else:
        print("no post on your accounts that Roost did not send")
    return 1 if (found and args.fail_on_unknown) or problems else 0
