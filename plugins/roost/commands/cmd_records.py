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
    from .doctor import diagnose, watch_findings

    settings, values, problems, store = settings_and_store(args)
    findings = diagnose(settings, values, problems, store)
    findings += watch_findings(store, getattr(args, "fail_on_unknown", False))
    for f in findings:
        print(f"{f.mark}  {f.line}")
    bad = sum(not f.ok for f in findings)
    seen = sum(f.seen and f.ok for f in findings)
    to_see = " (see the lines marked SEE)" if seen else ""
    print(f"{bad} thing{'s' if bad != 1 else ''} to fix" if bad else f"all well{to_see}")
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
    from .watch import say_unknown_posts

    settings, values, problems, store = settings_and_store(args)
    try:
        cursors = store.read_cursors()
    except RecordError as e:
        problems.append(f"{e}; shown without when each post was last backfed")
        cursors = {}
    published = [p.key for p in read_posts(settings, problems=problems)]
    rows, records = [], []
    for key in published + sorted(set(store.post_keys()) - set(published)):
        try:
            record = store.read_post(key)
        except RecordError as e:
            problems.append(str(e))
            continue
        records.append(record)
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
    gone = _gone(settings, store, records, problems)
    print_problems(problems)
    # The account watch's findings (watch.py), after the rows, on stderr in both forms.
    alert = say_unknown_posts(store, getattr(args, "fail_on_unknown", False))
    if args.json:
        print(json.dumps({"posts": rows, "gone_networks": gone}, indent=2, ensure_ascii=False))
        return 1 if problems or alert else 0
    for row in rows:
        print(row["post"])
        copies = ", ".join(row["copies"]) or "not syndicated"
        skipped = "".join(f"; not on {n}: {why}" for n, why in row["skipped"].items())
        print(f"  on: {copies}{skipped}")
        for network, kinds in row["counts"].items():
            print(f"  {network}: " + ", ".join(count_label(k, n) for k, n in kinds.items()))
        for network, when in row["last_backfed"].items():
            print(f"  last backfed from {network}: {when}")
    for g in gone:
        print(g["line"])
    for line in _spending(store, values, problems):  # networks that bill each request (X)
        print(line)
    return 1 if problems or alert else 0


def _gone(settings, store, records, problems: list[str]) -> list[dict]:
    """One entry per network the records name and the settings no longer configure: what was
    kept from it, and the line ``roost status`` prints for it."""
    from ..gone_networks import gone_networks, kept_from
    from ..model import RecordError
    from ..registry import NETWORKS
    from ..site.views import count_label

    try:
        people = store.read_people()
    except RecordError as e:  # the interactions are still counted, the people not
        problems.append(str(e))
        people = {}
    named = {s.network for r in records for s in r.syndications}
    named |= {x.network for r in records for x in r.interactions}
    named |= {p.network for p in people.values()}
    gone = gone_networks(settings, named)
    kept = kept_from(store, gone, records, people)
    out = []
    for network in gone:
        entry = kept[network].to_dict()
        where = NETWORKS[network].configured_in
        said = [count_label(k, n) for k, n in entry.items() if k not in _NOT_KINDS]
        people_n, avatars = entry["people"], entry["avatars"]
        said.append(f"{people_n} {'person' if people_n == 1 else 'people'}")
        said.append(f"{avatars} avatar{'' if avatars == 1 else 's'}")
        entry["configured_in"] = where
        entry["line"] = (
            f"{network}: no longer configured (not in {where}); kept {', '.join(said)}, "
            "still shown on the site as archived"
        )
        out.append(entry)
    return out


_NOT_KINDS = {"network", "people", "avatars"}


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
