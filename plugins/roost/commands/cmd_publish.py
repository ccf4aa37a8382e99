"""``roost syndicate``, ``preview``, ``unsyndicate`` and ``mark-handled``: reading the
arguments and the settings, printing what happened. The policy is ``syndicate.py``'s."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import Stop, load_settings, print_problems, say, with_progress


def syndicator_for(args: argparse.Namespace, *, offline: bool = False):
    """Settings, records and adapters for the syndication commands, and the problems found
    (printed by the caller, who exits non-zero at the end): a network whose settings are not
    understood is left out, the others go on."""
    from datetime import date

    from ..registry import adapter
    from ..settings import validate
    from ..site.build import records_path
    from ..store import Store
    from .adapters import build_adapters, configured, posting
    from .syndicate import Syndicator

    settings = load_settings(args.settings)
    values, problems = validate(settings)
    names = {name for name in configured(values) if adapter(name).POSTS}
    if not names and not problems:
        # Not a failure: a blog without networks yet (a fresh fork publishing from CI) is fine.
        print("roost: no networks configured (ROOST_NETWORKS in the settings): nothing to do")
        raise SystemExit(0)
    # Sending needs the date before which nothing is ever sent; an offline look does not.
    if values["ROOST_SYNDICATE_SINCE"] is None and not offline:
        raise Stop(
            f"{args.settings}: set ROOST_SYNDICATE_SINCE = 'YYYY-MM-DD' "
            "(posts before it are never sent)"
        )
    wanted = getattr(args, "network", None)
    for name in sorted(set(wanted or ()) - names):
        if name in configured(values):
            raise Stop(f"--network {name}: {name} brings things home but does not post")
        raise Stop(f"--network {name}: not configured (configured: {', '.join(sorted(names))})")
    adapters, wrong = build_adapters(
        values, env={} if offline else None, only=set(wanted) if wanted else None
    )
    adapters = posting(adapters)
    store = Store(records_path(settings, values["ROOST_RECORDS_PATH"]))
    since = values["ROOST_SYNDICATE_SINCE"]
    since = date.fromisoformat(str(since)) if since is not None else None
    syndicator = Syndicator(
        store, adapters, since=since, check_deployed=values["ROOST_CHECK_DEPLOYED"]
    )
    syndicator.configured = names
    return settings, syndicator, problems + wrong


def unknown_networks(posts, settings: dict, configured) -> list[str]:
    """A post whose ``Syndicate:`` names a network that is not configured (a typo, most often)
    would silently go nowhere: one line each."""
    found = []
    for post in posts:
        unknown = sorted((post.networks or set()) - set(configured))
        if unknown:
            where = Path(settings.get("PATH", "content")) / (post.source or post.key)
            found.append(
                f"{where}: Syndicate: names {', '.join(unknown)}, which is not configured "
                f"(configured: {', '.join(sorted(configured)) or 'none'}); it is not sent there"
            )
    return found


def cmd_syndicate(args: argparse.Namespace) -> int:
    from .outcomes import summary
    from .posts import read_posts

    settings, syndicator, problems = syndicator_for(args)
    posts = read_posts(settings, problems=problems)
    problems += unknown_networks(posts, settings, syndicator.configured)
    print_problems(problems)
    if not args.dry_run:
        syndicator.connect()  # each server's own limits before composing
        kept = syndicator.remember_limits()
        print_problems(kept)
        problems += kept
    outcomes = with_progress(
        len(posts), lambda tick: syndicator.run(posts, dry_run=args.dry_run, progress=tick)
    )
    print_problems(syndicator.problems)
    problems += syndicator.problems
    for o in outcomes:
        if not o.quiet or args.verbose:
            detail = f": {o.detail}" if o.detail else ""
            say(f"{o.network:>10} {o.action:<12} {o.post}{detail}")
    print(summary(outcomes))
    for line in _costs(syndicator, args.dry_run):
        print(f"roost: {line}")
    failed = any(o.action == "failed" for o in outcomes)
    return 1 if failed or problems else 0


def _costs(syndicator, dry_run: bool) -> list[str]:
    """What the run would cost (a dry run) or cost, per network that bills, with the month."""
    from ..networks.billing import dollars
    from .spending import month_line

    lines = []
    for name, adapter in syndicator.adapters.items():
        meter = adapter.meter
        if not meter.bills:
            continue
        usd = syndicator.would_cost.get(name, 0.0) if dry_run else meter.usd
        verb = "would cost" if dry_run else "cost"
        lines.append(f"this run {verb} {dollars(usd)} on {name}; "
                     + month_line(name, meter.month_total, meter.budget))  # fmt: skip
        if dry_run and meter.budget is not None and meter.month_total + usd > meter.budget + 1e-9:
            # The real run stops at the budget: a dry run that only said "would post" for every
            # post would promise what the run will not do.
            lines.append(
                f"{name}: the monthly budget of {dollars(meter.budget)} would stop this run "
                f"before its end (posts past it wait for a later run): raise "
                f'ROOST_NETWORKS["{name}"]["monthly_budget_usd"] to send them all now'
            )
    return lines


def cmd_preview(args: argparse.Namespace) -> int:
    import json

    from ..model import Syndication
    from ..networks.base import NetworkError
    from .posts import read_posts

    settings, syndicator, problems = syndicator_for(args, offline=True)
    syndicator.use_remembered_limits()  # what each server said on the last online run
    post = next((p for p in read_posts(settings, problems=problems) if p.key == args.post), None)
    print_problems(problems)
    if post is None:
        say(f"roost: no published post with the slug {args.post!r}", sys.stderr)
        return 2
    out: dict = {}
    for name, adapter in syndicator.adapters.items():
        try:
            draft = adapter.draft(post)
        except NetworkError as e:
            out[name] = {"error": str(e)}
            continue
        requests_, previous = [], None
        for part in range(len(draft.parts)):
            requests_.append(adapter.request(draft, part, previous))
            # The next part answers this one, whose id only exists once it is posted.
            previous = Syndication(name, f"<id of part {part + 1}>", "https://x.invalid/", "", "")
        out[name] = {"parts": draft.parts, "requests": requests_}
        lengths = [adapter.measure(p) for p in draft.parts]
        if any(lengths):
            out[name]["lengths"] = lengths
        cost = adapter.cost(draft)
        if cost is not None:  # a network that bills: the price at the settings' prices
            out[name]["cost_usd"] = round(cost, 6)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return 1 if problems else 0
    for name, data in out.items():
        print(f"== {name}")
        if "error" in data:
            say(f"   cannot post: {data['error']}")
            continue
        lengths = data.get("lengths") or [None] * len(data["parts"])
        for i, (part, length) in enumerate(zip(data["parts"], lengths, strict=True), 1):
            if len(data["parts"]) > 1 or length:
                of = f" of {len(data['parts'])}" if len(data["parts"]) > 1 else ""
                print(f"-- part {i}{of}" + (f" ({length})" if length else ""))
            print(part)
        if "cost_usd" in data:
            from ..networks.billing import dollars

            print(f"-- would cost {dollars(data['cost_usd'])} at the prices in the settings")
        print()
    return 1 if problems else 0


def cmd_unsyndicate(args: argparse.Namespace) -> int:
    from .withdraw import unsyndicate

    _, syndicator, problems = syndicator_for(args)
    print_problems(problems)
    outcomes = unsyndicate(syndicator, args.post, list(syndicator.adapters))
    for o in outcomes:
        say(f"{o.network:>10} {o.action:<12} {o.post}{': ' + o.detail if o.detail else ''}")
    return 1 if problems or any(o.action == "failed" for o in outcomes) else 0


def cmd_mark_handled(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from .posts import read_posts
    from .withdraw import mark_handled

    settings, syndicator, problems = syndicator_for(args, offline=True)
    reason = f"handled before Roost ({datetime.now(UTC):%Y-%m-%d})"
    posts = read_posts(settings, problems=problems)
    print_problems(problems)
    n = mark_handled(syndicator, posts, reason)
    print(f"roost: {n} post(s) marked as handled; they will not be sent")
    return 1 if problems else 0
