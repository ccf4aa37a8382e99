"""``roost people``: the author's view of their audience (list, ``show``) and the identity
commands (``merge``, ``split``, ``verify``). The directory (roost.audience.directory) does the
reading; this module prints it, as lines or ``--json``. Only ``verify`` touches the network."""

from __future__ import annotations

import argparse
import json
import sys

from ..audience.directory import Someone, load_directory
from .common import Stop, print_problems, say, store_of

SORTS = {
    "engagement": lambda s: (-s.engagement[0], -s.engagement[1]),
    "recent": lambda s: -(s.last.timestamp() if s.last else 0),
    "first": lambda s: s.first.timestamp() if s.first else float("inf"),
    "name": lambda s: s.name.casefold(),
}


def cmd_people(args: argparse.Namespace) -> int:
    problems, store = store_of(args)
    print_problems(problems)
    people = load_directory(store.root).people  # most engaged first
    if args.network:
        people = [s for s in people if any(a.network in args.network for a in s.accounts)]
    people = sorted(people, key=SORTS[args.sort])[: args.limit or None]
    if args.json:
        print(json.dumps([_summary(s) for s in people], indent=2, ensure_ascii=False))
        return 0
    if not people:
        say("roost: nobody has interacted yet")
    for s in people:
        say(f"{s.id}  {s.name or '(no name)'}  {_handles(s)}")
        say(f"    {_engagement(s)}; {_span(s)}")
        say(f"    {_counts(s)}")
    return 0


def cmd_people_show(args: argparse.Namespace) -> int:
    _, store = store_of(args)
    someone = load_directory(store.root).find(args.ref)
    if someone is None:
        say(f"roost: nobody known as {args.ref!r} (a person id, an account id; see `roost people`)",
            sys.stderr)  # fmt: skip
        return 2
    said = _interactions(store, someone)
    if args.json:
        data = _summary(someone)
        data["merges"] = [m.to_dict() for m in someone.merges]
        data["interactions"] = said
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    say(f"{someone.id}  {someone.name or '(no name)'}")
    if someone.aliases:
        say(f"  also known as: {', '.join(someone.aliases)}")
    say("  accounts:")
    for a in someone.accounts:
        say(f"    {a.id}  {a.handle}  {a.url or ''}".rstrip())
    for site in someone.websites:
        say(f"  website: {site}")
    for m in someone.merges:
        when = f"checked {m.checked}" if m.checked else f"made {m.made}"
        say(f"  merged ({m.kind}, {when}): {m.accounts[1]} into {m.accounts[0]}")
        for url in m.urls:
            say(f"      evidence: {url}")
        if m.note:
            say(f"      note: {m.note}")
    say(f"  {_engagement(someone)}; {_span(someone)}")
    for post, items in said.items():
        say(f"  {post}:")
        for x in items:
            say(f"    {x['published']}  {x['kind']} on {x['network']}  {x['url'] or ''}".rstrip())
    return 0


def cmd_people_merge(args: argparse.Namespace) -> int:
    from .people_edit import NotFound, merge

    _, store = store_of(args)
    try:
        made = merge(store, args.first, args.second, args.note or "")
    except NotFound as e:
        raise Stop(str(e)) from None
    say(f"roost: {made.accounts[1]} is now the same person as {made.accounts[0]} "
        "(recorded in identities.json; undo with `roost people split`)")  # fmt: skip
    return 0


def cmd_people_split(args: argparse.Namespace) -> int:
    from .people_edit import NotFound, split

    _, store = store_of(args)
    try:
        undone = split(store, args.account)
    except NotFound as e:
        raise Stop(str(e)) from None
    say(f"roost: {args.account} is a person of its own again ({len(undone)} merge(s) undone; "
        "`roost people verify` will not join them again)")  # fmt: skip
    return 0


def cmd_people_verify(args: argparse.Namespace) -> int:
    from ..networks.guarded_fetch import GuardedFetcher
    from .people_verify import verify

    problems, store = store_of(args)
    print_problems(problems)
    done = verify(store, GuardedFetcher(), days=args.days)
    for line in done.unreadable:
        say(f"roost: {line} (asked again next run)", sys.stderr)
    for m in done.merged:
        say(f"roost: merged {m.accounts[1]} into {m.accounts[0]} ({m.kind}: {', '.join(m.urls)})")
    for m in done.undone:
        say(f"roost: undid {m.accounts[1]} and {m.accounts[0]} ({m.note})")
    say(f"roost: {done.fetched} check(s) read from the web, {done.cached} still fresh; "
        f"{len(done.merged)} merge(s), {len(done.undone)} undone")  # fmt: skip
    return 0


def _summary(s: Someone) -> dict:
    return {
        "id": s.id,
        "name": s.name,
        "aliases": s.aliases,
        "accounts": [
            {"id": a.id, "network": a.network, "handle": a.handle, "url": a.url} for a in s.accounts
        ],
        "websites": s.websites,
        "first": s.first.isoformat().replace("+00:00", "Z") if s.first else None,
        "last": s.last.isoformat().replace("+00:00", "Z") if s.last else None,
        "posts": len(s.posts),
        "interactions": s.interactions,
        "counts": [
            {"kind": kind, "network": network, "count": n}
            for (kind, network), n in sorted(s.counts.items())
        ],
    }


def _handles(s: Someone) -> str:
    return " · ".join(f"{a.network} {a.handle or a.id.split(':', 1)[1]}" for a in s.accounts)


def _engagement(s: Someone) -> str:
    return f"{len(s.posts)} post(s), {s.interactions} interaction(s)"


def _span(s: Someone) -> str:
    if not s.first:
        return "no interaction kept"
    return f"first {s.first:%Y-%m-%d}, last {s.last:%Y-%m-%d}"


def _counts(s: Someone) -> str:
    return ", ".join(f"{n} {kind} ({net})" for (kind, net), n in sorted(s.counts.items()))


def _interactions(store, someone: Someone) -> dict[str, list[dict]]:
    """Their interactions, post by post, oldest first; hidden ones left out."""
    hidden = set(store.read_moderation().hidden)
    mine = {a.id for a in someone.accounts}
    out: dict[str, list[dict]] = {}
    for key in sorted(someone.posts):
        items = [x for x in store.read_post(key).interactions
                 if x.author in mine and x.id not in hidden]  # fmt: skip
        out[key] = [
            {
                "id": x.id,
                "kind": x.kind,
                "network": x.network,
                "published": x.published,
                "url": x.url,
            }  # fmt: skip
            for x in sorted(items, key=lambda x: x.published)
        ]
    return out
