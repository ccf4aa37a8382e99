"""The ``roost`` command.

    roost build [-s pelicanconf.py]   build the site; exit 1 if anything was reported as an error
    roost check [-s pelicanconf.py]   read every record file and report each problem, one line each
    roost syndicate [--dry-run]       post new articles to the configured networks, record copies
    roost preview POST [--json]       what each network would receive for a post (offline)
    roost unsyndicate POST            delete a post's copies from the networks
    roost mark-handled                record every post not yet sent anywhere as never to be sent
    roost backfeed [--sweep N]        bring home replies, quotes, likes, reposts and pictures
    roost doctor                      check settings, records and every token (read-only calls)
    roost status [--json]             per post: its copies, what came back, when last backfed
    roost hide ID                     never show this interaction (it stays in the records)
    roost forget PERSON               remove everything of a person, media included
    roost block ACCOUNT-OR-DOMAIN     never store or show anything from them

Every problem is one line that names the file, key or network and what to do. Exit status:
0 all well, 1 something failed (the rest was still done), 2 the command could not start.
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from pathlib import Path


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


def _read_settings(path: str, overrides: dict | None = None) -> dict:
    from pelican.settings import read_settings

    if not Path(path).is_file():
        raise SystemExit(f"roost: {path}: no such settings file; run from the blog's folder")
    return read_settings(path, override=overrides)


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
    try:
        settings = _read_settings(
            args.settings, {"OUTPUT_PATH": args.output} if args.output else None
        )
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


def _store(args: argparse.Namespace):
    """The settings' problems and the records folder they point to."""
    return _records(args)[2:]


def _records(args: argparse.Namespace):
    """(settings, validated ROOST_* values, problems, the records folder)."""
    from .build import records_path
    from .settings import validate
    from .store import Store

    settings = _read_settings(args.settings)
    values, problems = validate(settings)
    return settings, values, problems, Store(records_path(settings, values["ROOST_RECORDS_PATH"]))


def cmd_check(args: argparse.Namespace) -> int:
    problems, store = _store(args)
    problems += store.problems()
    for p in problems:
        print(f"roost: {p}", file=sys.stderr)
    n = len(store.post_keys())
    print(f"roost: {n} post records checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def _syndicator(args: argparse.Namespace, *, offline: bool = False):
    """Settings, records and adapters for the syndication commands; one line and exit 2 if the
    configuration is wrong."""
    from datetime import date

    from .build import records_path
    from .networks.base import NetworkError
    from .settings import validate
    from .store import Store
    from .syndicate import Syndicator, build_adapters

    settings = _read_settings(args.settings)
    values, problems = validate(settings)
    if problems:
        raise SystemExit("\n".join(f"roost: {p}" for p in problems))
    if not values["ROOST_NETWORKS"]:
        # Not a failure: a blog without networks yet (a fresh fork publishing from CI) is fine.
        print("roost: no networks configured (ROOST_NETWORKS in the settings): nothing to do")
        raise SystemExit(0)
    if values["ROOST_SYNDICATE_SINCE"] is None:
        raise SystemExit(
            "roost: set ROOST_SYNDICATE_SINCE = 'YYYY-MM-DD' (posts before it are never sent)"
        )
    wanted = getattr(args, "network", None)
    if wanted:
        values["ROOST_NETWORKS"] = {
            k: v for k, v in values["ROOST_NETWORKS"].items() if k in wanted
        }
    try:
        adapters = build_adapters(values, env={} if offline else None)
    except NetworkError as e:
        raise SystemExit(f"roost: {e}") from None
    store = Store(records_path(settings, values["ROOST_RECORDS_PATH"]))
    since = date.fromisoformat(str(values["ROOST_SYNDICATE_SINCE"]))
    return settings, Syndicator(
        store, adapters, since=since, check_deployed=values["ROOST_CHECK_DEPLOYED"]
    )


def cmd_syndicate(args: argparse.Namespace) -> int:
    from .compose import read_posts
    from .syndicate import summary

    settings, syndicator = _syndicator(args)
    posts = read_posts(settings)
    if not args.dry_run:
        syndicator.connect()  # each server's own limits before composing
    outcomes = _with_progress(
        len(posts), lambda tick: syndicator.run(posts, dry_run=args.dry_run, progress=tick)
    )
    for o in outcomes:
        if not o.quiet or args.verbose:
            detail = f": {o.detail}" if o.detail else ""
            print(f"{o.network:>10} {o.action:<12} {o.post}{detail}")
    print(summary(outcomes))
    return 1 if any(o.action == "failed" for o in outcomes) else 0


def cmd_preview(args: argparse.Namespace) -> int:
    import json

    from .compose import read_posts
    from .model import Syndication
    from .networks.base import NetworkError

    settings, syndicator = _syndicator(args, offline=True)
    post = next((p for p in read_posts(settings) if p.key == args.post), None)
    if post is None:
        print(f"roost: no published post with the slug {args.post!r}", file=sys.stderr)
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
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return 0
    for name, data in out.items():
        print(f"== {name}")
        if "error" in data:
            print(f"   cannot post: {data['error']}")
            continue
        for i, part in enumerate(data["parts"], 1):
            if len(data["parts"]) > 1:
                print(f"-- part {i} of {len(data['parts'])}")
            print(part)
        print()
    return 0


def cmd_unsyndicate(args: argparse.Namespace) -> int:
    _, syndicator = _syndicator(args)
    outcomes = syndicator.unsyndicate(args.post, list(syndicator.adapters))
    for o in outcomes:
        print(f"{o.network:>10} {o.action:<12} {o.post}{': ' + o.detail if o.detail else ''}")
    return 1 if any(o.action == "failed" for o in outcomes) else 0


def cmd_mark_handled(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from .compose import read_posts

    settings, syndicator = _syndicator(args, offline=True)
    reason = f"handled before Roost ({datetime.now(UTC):%Y-%m-%d})"
    n = syndicator.mark_handled(read_posts(settings), reason)
    print(f"roost: {n} post(s) marked as handled; they will not be sent")
    return 0


def cmd_backfeed(args: argparse.Namespace) -> int:
    from .backfeed import backfeed
    from .networks.base import NetworkError
    from .syndicate import build_adapters

    settings, values, problems, store = _records(args)
    if problems:
        raise SystemExit("\n".join(f"roost: {p}" for p in problems))
    if args.network:
        known = {*values["ROOST_NETWORKS"], "webmention"}
        for name in set(args.network) - known:
            raise SystemExit(f"roost: --network {name}: not configured (configured: "
                             f"{', '.join(sorted(known))})")  # fmt: skip
        values["ROOST_NETWORKS"] = {
            k: v for k, v in values["ROOST_NETWORKS"].items() if k in args.network
        }
    try:
        adapters = build_adapters(values)
    except NetworkError as e:
        raise SystemExit(f"roost: {e}") from None

    @functools.cache
    def posts_by_url() -> dict[str, str]:
        """Each post's address -> its key: Pelican reads every post for it, so once, and only
        when something needs matching by address."""
        from .compose import read_posts

        return {p.url: p.key for p in read_posts(settings)}

    failed = False
    rows = []
    if values["ROOST_WEBMENTION_IO"] and (not args.network or "webmention" in args.network):
        from .webmention_io import WebmentionIO, backfeed_webmentions

        change, failure = backfeed_webmentions(
            store, WebmentionIO(values["ROOST_WEBMENTION_IO"]), posts_by_url()
        )
        rows.append(("webmention", "", change, failure))
    for name, adapter in adapters.items():
        report = _with_progress(
            None,
            lambda tick, adapter=adapter: backfeed(
                store, adapter, sweep=args.sweep, progress=tick, posts_by_url=posts_by_url
            ),
            f"backfeed from {name}",
        )
        rows.append((name, str(report.posts), report.change, report.failed))
    print(f"{'network':<11}{'posts':>6}{'new':>8}{'updated':>9}{'removed':>9}")
    for name, posts, c, _ in rows:
        print(f"{name:<11}{posts:>6}{c.added:>8}{c.updated:>9}{c.removed:>9}")
    for *_, failure in rows:
        if failure:
            print(f"roost: {failure}; nothing was lost, the next run tries again")
            failed = True
    return 1 if failed else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import diagnose

    settings, values, problems, store = _records(args)
    findings = diagnose(settings, values, problems, store)
    for f in findings:
        print(f"{'ok ' if f.ok else 'FIX'}  {f.line}")
    bad = sum(not f.ok for f in findings)
    print(f"{bad} thing{'s' if bad != 1 else ''} to fix" if bad else "all well")
    return 1 if bad else 0


def cmd_merge_records(args: argparse.Namespace) -> int:
    """Git's merge driver for social/ (set up by ``invoke push-records``)."""
    from .records_merge import merge_file

    return 0 if merge_file(args.base, args.ours, args.theirs, args.name) else 1


def cmd_status(args: argparse.Namespace) -> int:
    import json
    from collections import Counter

    from .compose import read_posts
    from .views import count_label

    settings, _, _, store = _records(args)
    cursors = store.read_cursors()
    published = [p.key for p in read_posts(settings)]
    rows = []
    for key in published + sorted(set(store.post_keys()) - set(published)):
        record = store.read_post(key)
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
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(row["post"])
        copies = ", ".join(row["copies"]) or "not syndicated"
        skipped = "".join(f"; not on {n}: {why}" for n, why in row["skipped"].items())
        print(f"  on: {copies}{skipped}")
        for network, kinds in row["counts"].items():
            print(f"  {network}: " + ", ".join(count_label(k, n) for k, n in kinds.items()))
        for network, when in row["last_backfed"].items():
            print(f"  last backfed from {network}: {when}")
    return 0


def cmd_hide(args: argparse.Namespace) -> int:
    _, store = _store(args)
    if not any(x.id == args.id for k in store.post_keys() for x in store.read_post(k).interactions):
        print(f"roost: no interaction {args.id!r} in {store.display(store.root)}", file=sys.stderr)
        return 2
    with store.lock():
        moderation = store.read_moderation()
        moderation.hidden.append(args.id)
        store.write_moderation(moderation)
    print(f"roost: {args.id} is hidden; it will not be shown, nor stored again")
    return 0


def cmd_block(args: argparse.Namespace) -> int:
    _, store = _store(args)
    with store.lock():
        moderation = store.read_moderation()
        if ":" in args.target:
            moderation.blocked_accounts.append(args.target)
        else:
            moderation.blocked_domains.append(args.target.lower().lstrip("."))
        store.write_moderation(moderation)
    print(f"roost: {args.target} is blocked; `roost forget` removes what is already archived")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from .archive import forget
    from .model import person_fingerprint

    _, store = _store(args)
    pid = args.person
    removed_files: list[str] = []
    with store.lock():
        people = store.read_people()
        person = people.pop(pid, None)
        removed, still_used = 0, set()  # media that other people's words still show
        for key in store.post_keys():
            record = store.read_post(key)
            n = forget(record, pid)
            if n:
                removed += n
                store.write_post(record)
            still_used |= {m.path for x in record.interactions for m in x.media}
        if person is None and not removed:
            print(f"roost: nobody called {pid!r} in {store.display(store.root)}", file=sys.stderr)
            return 2
        if person is not None:
            store.write_people(person.network, people)
        # Their avatar, unless someone else uses the same file.
        still_used |= {p.avatar for p in people.values() if p.avatar}
        theirs = {person.avatar} if person and person.avatar else set()
        for rel in sorted(theirs - still_used):
            path = store.media_file(rel)
            if path.exists():
                path.unlink()
                removed_files.append(store.display(path))
        moderation = store.read_moderation()
        moderation.forgotten.append(person_fingerprint(pid))
        store.write_moderation(moderation)
    print(f"roost: {pid} is forgotten: {removed} interaction(s) and {len(removed_files)} file(s)")
    print("roost: their words are still in your git history; to purge them, after committing:")
    print("  pip install git-filter-repo")
    for path in removed_files:
        print(f"  git filter-repo --invert-paths --path {path}")
    print(f"  git filter-repo --replace-text <(echo '{pid}==>forgotten')")
    print("  and rewrite the records' past versions the same way, then force-push")
    return 0


def _with_progress(total: int | None, work, label: str = "syndicating"):
    """Run ``work(tick)`` with a progress bar on a terminal (a spinner and a count when the total
    is not known beforehand), unless there is a single post or no terminal."""
    if total == 1 or total == 0 or not sys.stderr.isatty():
        return work(None)
    from rich.console import Console
    from rich.progress import Progress

    # On stderr, where the check above looked: stdout keeps only the results, for logs and pipes.
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        return work(lambda: progress.advance(task))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="roost",
        description="Build the blog, post new articles to your networks, bring the conversation "
        "home, and moderate it.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help: str, settings: str = "pelicanconf.py"):
        p = sub.add_parser(name, help=help)
        p.add_argument("-s", "--settings", default=settings)
        p.set_defaults(func=func)
        return p

    p = command("build", cmd_build, "build the site with Pelican and the Roost plugin")
    p.add_argument("-o", "--output", help="output folder (default: OUTPUT_PATH)")
    p.add_argument("-v", "--verbose", action="store_true")

    command("check", cmd_check, "validate every record file")

    p = command(
        "syndicate", cmd_syndicate, "post new articles to the configured networks", "publishconf.py"
    )
    p.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    p.add_argument("--network", action="append", help="only this network (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list skipped posts")

    p = command(
        "preview",
        cmd_preview,
        "show what each network would receive for one post",
        "publishconf.py",
    )
    p.add_argument("post", help="the post's slug")
    p.add_argument("--json", action="store_true", help="the request bodies, as JSON")

    p = command(
        "unsyndicate", cmd_unsyndicate, "delete a post's copies from the networks", "publishconf.py"
    )
    p.add_argument("post", help="the post's slug")
    p.add_argument("--network", action="append", help="only this network (repeatable)")

    command(
        "mark-handled",
        cmd_mark_handled,
        "never send the posts not yet sent anywhere",
        "publishconf.py",
    )

    p = command(
        "backfeed", cmd_backfeed, "bring home what people did with the copies", "publishconf.py"
    )
    p.add_argument(
        "--sweep",
        type=int,
        default=1,
        metavar="N",
        help="also look again at the N most overdue posts per network, on a schedule that "
        "decays with age, for what no notification announces (default 1; 0 for none)",
    )
    p.add_argument("--network", action="append", help="only this network (repeatable)")

    command(
        "doctor",
        cmd_doctor,
        "check settings, records and every token with one read-only call each",
        "publishconf.py",
    )

    p = command("merge-records", cmd_merge_records, "git's merge driver for the records")
    for name in ("base", "ours", "theirs", "name"):
        p.add_argument(name)

    p = command("status", cmd_status, "per post: copies, counts, when last backfed")
    p.add_argument("--json", action="store_true")

    p = command("hide", cmd_hide, "never show one interaction")
    p.add_argument("id", help="the interaction's id, e.g. mastodon:115107301122334455")

    p = command("forget", cmd_forget, "remove everything of a person, media included")
    p.add_argument("person", help="the person's id, e.g. mastodon:bob@birds.example")

    p = command("block", cmd_block, "never store or show anything from an account or domain")
    p.add_argument("target", help="a person id (mastodon:bob@birds.example) or a domain")

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as e:  # one line for the author; the trace is for --verbose builds
        from .model import RecordError
        from .store import StoreLocked

        if isinstance(e, RecordError | StoreLocked):
            print(f"roost: {e}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
