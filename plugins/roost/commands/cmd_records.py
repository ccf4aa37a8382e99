"""``roost build``, ``check``, ``status``, ``doctor`` and ``merge-records``: the site and the
records, read and reported on."""

from __future__ import annotations

import argparse
import logging
import sys

from .common import load_settings, print_problems, say, settings_and_store


class _Counter(logging.Handler):
    """Counts ERROR records so a build can finish and still fail."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _WithReason(logging.Filter):
    """Pelican logs "Could not process <file>" and keeps the reason for --debug. An author needs
    the reason (a bad date, a missing title) on the same line, so add it while it is at hand."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = sys.exc_info()[1]
        if record.levelno >= logging.ERROR and exc is not None and not record.exc_info:
            record.msg = f"{record.msg}: %s (fix the file's metadata and build again)"
            record.args = (*(record.args or ()), f"{type(exc).__name__}: {exc}")
        return True


def cmd_build(args: argparse.Namespace) -> int:
    from pelican import Pelican
    from pelican.log import init as init_logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    init_logging(level=logging.DEBUG if args.verbose else logging.WARNING, handler=handler)
    counter = _Counter()
    logging.getLogger().addHandler(counter)
    reasons = _WithReason()
    for name in ("pelican.generators", "pelican.readers"):
        logging.getLogger(name).addFilter(reasons)
    settings = load_settings(args.settings, {"OUTPUT_PATH": args.output} if args.output else None)
    try:
        Pelican(settings).run()
    except Exception as e:  # Pelican raises anything; the author needs one line, not a trace.
        print(f"roost: build failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        logging.getLogger().removeHandler(counter)
        for name in ("pelican.generators", "pelican.readers"):
            logging.getLogger(name).removeFilter(reasons)
    if counter.count:
        print(
            f"roost: the site was built, but {counter.count} error(s) were reported above",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .adapters import build_adapters
    from .moderation import problems as moderation_problems

    settings, values, problems, store = settings_and_store(args)
    problems += build_adapters(values, env={})[1]
    problems += store.problems()
    problems += moderation_problems(store)
    for p in problems:
        say(f"roost: {p}", sys.stderr)
    n = len(store.post_keys())
    print(f"roost: {n} post records checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import diagnose

    settings, values, problems, store = settings_and_store(args)
    findings = diagnose(settings, values, problems, store)
    for f in findings:
        print(f"{'ok ' if f.ok else 'FIX'}  {f.line}")
    bad = sum(not f.ok for f in findings)
    print(f"{bad} thing{'s' if bad != 1 else ''} to fix" if bad else "all well")
    return 1 if bad else 0


def cmd_merge_records(args: argparse.Namespace) -> int:
    """Git's merge driver for social/ (set up by ``invoke push-records``)."""
    from ..records_merge import merge_file

    return 0 if merge_file(args.base, args.ours, args.theirs, args.name) else 1


def cmd_status(args: argparse.Namespace) -> int:
    import json
    from collections import Counter

    from ..model import RecordError
    from ..site.views import count_label
    from .posts import read_posts

    settings, values, problems, store = settings_and_store(args)
    try:
        cursors = store.read_cursors()
    except RecordError as e:
        problems.append(f"{e}; shown without when each post was last backfed")
        cursors = {}
    published = [p.key for p in read_posts(settings, problems=problems)]
    rows = []
    for key in published + sorted(set(store.post_keys()) - set(published)):
        try:
            record = store.read_post(key)
        except RecordError as e:
            problems.append(str(e))
            continue
        counts: dict[str, Counter] = {}
        for x in record.interactions:
            counts.setdefault(x.network, Counter())[x.kind] += 1
        networks = sorted({s.network for s in record.syndications})
        rows.append(
            {
                "post": key,
                "copies": {n: record.copies(n)[0].url for n in networks},
                "skipped": record.skipped,
                "counts": {n: dict(sorted(c.items())) for n, c in sorted(counts.items())},
                "last_backfed": {
                    n: v[f"crawled:{key}"]
                    for n, v in sorted(cursors.items())
                    if f"crawled:{key}" in v
                },
            }
        )
    print_problems(problems)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 1 if problems else 0
    for row in rows:
        print(row["post"])
        copies = ", ".join(row["copies"]) or "not syndicated"
        skipped = "".join(f"; not on {n}: {why}" for n, why in row["skipped"].items())
        print(f"  on: {copies}{skipped}")
        for network, kinds in row["counts"].items():
            print(f"  {network}: " + ", ".join(count_label(k, n) for k, n in kinds.items()))
        for network, when in row["last_backfed"].items():
            print(f"  last backfed from {network}: {when}")
    for line in _spending(store, values, problems):  # networks that bill each request (X)
        print(line)
    return 1 if problems else 0


def _spending(store, values: dict, problems: list[str]) -> list[str]:
    from ..model import RecordError
    from .adapters import build_adapters
    from .spending import status_lines

    try:
        return status_lines(store, build_adapters(values, env={})[0])
    except RecordError as e:
        problems.append(f"{e}; shown without this month's spend")
        print_problems(problems[-1:])
        return []
