"""``roost backfeed``: every configured network that brings something home, one after the
other, sharing one guarded fetch (one deadline for every picture), and the closing table. The
policy is ``backfeed.py``'s."""

from __future__ import annotations

import argparse
import functools

from .common import Stop, print_problems, say, settings_and_store, with_progress


def cmd_backfeed(args: argparse.Namespace) -> int:
    from ..networks.billing import dollars
    from ..networks.guarded_fetch import GuardedFetcher
    from .adapters import bringing_home, build_adapters, configured
    from .backfeed import backfeed
    from .spending import month_line
    from .watch import say_unknown_posts, watch

    settings, values, problems, store = settings_and_store(args)
    known = set(configured(values))
    for name in sorted(set(args.network or ()) - known):
        raise Stop(f"--network {name}: not configured (configured: {', '.join(sorted(known))})")
    adapters, wrong = build_adapters(values, only=set(args.network) if args.network else None)
    problems += wrong
    adapters = bringing_home(adapters)
    # One guarded fetch for the whole run: one deadline for every picture of every network;
    # the servers the author configured are trusted as configured.
    fetcher = GuardedFetcher(set().union(*(a.trusted_origins() for a in adapters.values())))
    posts_problems: list[str] = []

    @functools.cache
    def posts_by_url() -> dict[str, str]:
        """Each post's address -> its key: Pelican reads every post for it, so once, and only
        when something needs matching by address."""
        from .posts import read_posts

        return {p.url: p.key for p in read_posts(settings, problems=posts_problems)}

    rows, extra = [], []
    for name, adapter in adapters.items():
        report = with_progress(
            None,
            lambda tick, adapter=adapter: backfeed(
                store,
                adapter,
                sweep=args.sweep,
                progress=tick,
                posts_by_url=posts_by_url,
                fetcher=fetcher,
            ),
            f"backfeed from {name}",
        )
        problems += report.problems
        if not report.failed:  # a network down is one line: its failure, said below
            report.failed = watch(store, adapter) or ""
            if report.cost is not None:  # the watch's reads are billed too (X)
                report.cost = adapter.meter.usd
        extra += [f"roost: {name}: {note}" for note in report.notes]
        if report.cost is not None:
            meter = adapter.meter
            extra.append(f"roost: this backfeed cost {dollars(report.cost)} on {name}; "
                         + month_line(name, meter.month_total, meter.budget))  # fmt: skip
        posts = "" if adapter.FEED else str(report.posts)  # a feed looks at no post of its own
        rows.append((name, posts, report.change, report.failed))
    problems += posts_problems
    print_problems(sorted(set(problems), key=problems.index))
    print(f"{'network':<11}{'posts':>6}{'new':>8}{'updated':>9}{'removed':>9}")
    for name, posts, c, _ in rows:
        print(f"{name:<11}{posts:>6}{c.added:>8}{c.updated:>9}{c.removed:>9}")
    for line in extra:  # what a network does not allow, and what the run cost
        say(line)
    failed = bool(problems)
    for *_, failure in rows:
        if failure:
            say(f"roost: {failure}; nothing was lost, the next run tries again")
            failed = True
    if fetcher.spent:
        print("roost: this run's time for fetching pictures ran out; the next run fetches the rest")
    if say_unknown_posts(store, getattr(args, "fail_on_unknown", False)):
        failed = True
    return 1 if failed else 0
