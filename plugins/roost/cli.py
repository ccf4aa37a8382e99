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
    roost block ACCOUNT-OR-DOMAIN     never store or show anything from them (what is stored goes)
    roost moderate                    apply moderation.json to every record (after a merge)

Every problem is one line that names the file, key or network and what to do. Exit status:
0 all well, 1 something failed (the rest was still done), 2 the command could not start.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import shlex
import sys
import tempfile
import traceback
from pathlib import Path


class Stop(Exception):
    """The command cannot start (exit 2); the message says what to do."""


def _say(line: str, file=None) -> None:
    """Print one line of Roost's, scrubbed of every secret and query string (redaction.py)."""
    from .redaction import scrub

    print(scrub(line), file=file or sys.stdout)


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
        raise Stop(f"{path}: no such settings file; run from the blog's folder")
    try:
        return read_settings(path, override=overrides)
    # The settings file is Python: anything can go wrong in it, `raise SystemExit` included.
    except (Exception, SystemExit) as e:
        raise Stop(_settings_error(path, e)) from None


def _settings_error(path: str, e: BaseException) -> str:
    """One line for a settings file that fails to run: the file, the line, the error."""
    line, message = None, str(e)
    if isinstance(e, SyntaxError):
        line, message = e.lineno, e.msg
    else:
        target = Path(path).resolve()
        for frame, lineno in traceback.walk_tb(e.__traceback__):
            if Path(frame.f_code.co_filename).resolve() == target:
                line = lineno
    where = f"{path}, line {line}" if line else path
    return f"{where}: {type(e).__name__}: {message} (fix the settings file and run again)"


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
    settings = _read_settings(args.settings, {"OUTPUT_PATH": args.output} if args.output else None)
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
    from .moderation import problems as moderation_problems
    from .syndicate import build_adapters

    settings, values, problems, store = _records(args)
    problems += build_adapters(values, env={})[1]
    problems += _webmention_io(values, env={})[1]
    problems += store.problems()
    problems += moderation_problems(store)
    for p in problems:
        _say(f"roost: {p}", sys.stderr)
    n = len(store.post_keys())
    print(f"roost: {n} post records checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def _webmention_io(values: dict, env: dict | None = None):
    """(the webmention.io source or None, problems)."""
    if not values["ROOST_WEBMENTION_IO"]:
        return None, []
    from .networks.base import NetworkError
    from .webmention_io import WebmentionIO

    try:
        return WebmentionIO(values["ROOST_WEBMENTION_IO"], env=env), []
    except NetworkError as e:
        return None, [f"{e.message}; webmention.io is left out"]


def _syndicator(args: argparse.Namespace, *, offline: bool = False):
    """Settings, records and adapters for the syndication commands, and the problems found
    (printed by the caller, who exits non-zero at the end): a network whose settings are not
    understood is left out, the others go on."""
    from datetime import date

    from .build import records_path
    from .settings import validate
    from .store import Store
    from .syndicate import Syndicator, build_adapters

    settings = _read_settings(args.settings)
    values, problems = validate(settings)
    if not values["ROOST_NETWORKS"] and not problems:
        # Not a failure: a blog without networks yet (a fresh fork publishing from CI) is fine.
        print("roost: no networks configured (ROOST_NETWORKS in the settings): nothing to do")
        raise SystemExit(0)
    if values["ROOST_SYNDICATE_SINCE"] is None:
        raise Stop("set ROOST_SYNDICATE_SINCE = 'YYYY-MM-DD' (posts before it are never sent)")
    configured = set(values["ROOST_NETWORKS"])
    wanted = getattr(args, "network", None)
    if wanted:
        for name in sorted(set(wanted) - set(values["ROOST_NETWORKS"])):
            known = ", ".join(sorted(values["ROOST_NETWORKS"])) or "none"
            raise Stop(f"--network {name}: not configured (configured: {known})")
        values["ROOST_NETWORKS"] = {
            k: v for k, v in values["ROOST_NETWORKS"].items() if k in wanted
        }
    adapters, wrong = build_adapters(values, env={} if offline else None)
    store = Store(records_path(settings, values["ROOST_RECORDS_PATH"]))
    since = date.fromisoformat(str(values["ROOST_SYNDICATE_SINCE"]))
    syndicator = Syndicator(
        store, adapters, since=since, check_deployed=values["ROOST_CHECK_DEPLOYED"]
    )
    syndicator.configured = configured
    return settings, syndicator, problems + wrong


def _unknown_networks(posts, settings: dict, configured) -> list[str]:
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


def _problems(lines: list[str]) -> None:
    for line in lines:
        _say(f"roost: {line}", sys.stderr)


def cmd_syndicate(args: argparse.Namespace) -> int:
    from .compose import read_posts
    from .syndicate import summary

    settings, syndicator, problems = _syndicator(args)
    posts = read_posts(settings, problems=problems)
    problems += _unknown_networks(posts, settings, syndicator.configured)
    _problems(problems)
    if not args.dry_run:
        syndicator.connect()  # each server's own limits before composing
        kept = syndicator.remember_limits()
        _problems(kept)
        problems += kept
    outcomes = _with_progress(
        len(posts), lambda tick: syndicator.run(posts, dry_run=args.dry_run, progress=tick)
    )
    for o in outcomes:
        if not o.quiet or args.verbose:
            detail = f": {o.detail}" if o.detail else ""
            _say(f"{o.network:>10} {o.action:<12} {o.post}{detail}")
    print(summary(outcomes))
    failed = any(o.action == "failed" for o in outcomes)
    return 1 if failed or problems else 0


def cmd_preview(args: argparse.Namespace) -> int:
    import json

    from .compose import read_posts
    from .model import Syndication
    from .networks.base import NetworkError

    settings, syndicator, problems = _syndicator(args, offline=True)
    syndicator.use_remembered_limits()  # what each server said on the last online run
    post = next((p for p in read_posts(settings, problems=problems) if p.key == args.post), None)
    _problems(problems)
    if post is None:
        _say(f"roost: no published post with the slug {args.post!r}", sys.stderr)
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
        return 1 if problems else 0
    for name, data in out.items():
        print(f"== {name}")
        if "error" in data:
            _say(f"   cannot post: {data['error']}")
            continue
        for i, part in enumerate(data["parts"], 1):
            if len(data["parts"]) > 1:
                print(f"-- part {i} of {len(data['parts'])}")
            print(part)
        print()
    return 1 if problems else 0


def cmd_unsyndicate(args: argparse.Namespace) -> int:
    _, syndicator, problems = _syndicator(args)
    _problems(problems)
    outcomes = syndicator.unsyndicate(args.post, list(syndicator.adapters))
    for o in outcomes:
        _say(f"{o.network:>10} {o.action:<12} {o.post}{': ' + o.detail if o.detail else ''}")
    return 1 if problems or any(o.action == "failed" for o in outcomes) else 0


def cmd_mark_handled(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from .compose import read_posts

    settings, syndicator, problems = _syndicator(args, offline=True)
    reason = f"handled before Roost ({datetime.now(UTC):%Y-%m-%d})"
    posts = read_posts(settings, problems=problems)
    _problems(problems)
    n = syndicator.mark_handled(posts, reason)
    print(f"roost: {n} post(s) marked as handled; they will not be sent")
    return 1 if problems else 0


def cmd_backfeed(args: argparse.Namespace) -> int:
    from .backfeed import backfeed
    from .networks.guarded_fetch import GuardedFetcher
    from .syndicate import build_adapters

    settings, values, problems, store = _records(args)
    if args.network:
        known = {*values["ROOST_NETWORKS"], "webmention"}
        for name in sorted(set(args.network) - known):
            raise Stop(f"--network {name}: not configured (configured: {', '.join(sorted(known))})")
        values["ROOST_NETWORKS"] = {
            k: v for k, v in values["ROOST_NETWORKS"].items() if k in args.network
        }
    adapters, wrong = build_adapters(values)
    problems += wrong
    webmention, wrong = _webmention_io(values)
    problems += wrong
    if args.network and "webmention" not in args.network:
        webmention = None
    # One guarded fetch for the whole run: one deadline for every picture of every network;
    # the servers the author configured are trusted as configured.
    fetcher = GuardedFetcher(set().union(*(a.trusted_origins() for a in adapters.values())))
    posts_problems: list[str] = []

    @functools.cache
    def posts_by_url() -> dict[str, str]:
        """Each post's address -> its key: Pelican reads every post for it, so once, and only
        when something needs matching by address."""
        from .compose import read_posts

        return {p.url: p.key for p in read_posts(settings, problems=posts_problems)}

    rows = []
    if webmention is not None:
        from .webmention_io import backfeed_webmentions

        fetcher.trust(*webmention.trusted_origins())
        change, failure = backfeed_webmentions(store, webmention, posts_by_url(), fetcher)
        rows.append(("webmention", "", change, failure))
    for name, adapter in adapters.items():
        report = _with_progress(
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
        rows.append((name, str(report.posts), report.change, report.failed))
    problems += posts_problems
    _problems(sorted(set(problems), key=problems.index))
    print(f"{'network':<11}{'posts':>6}{'new':>8}{'updated':>9}{'removed':>9}")
    for name, posts, c, _ in rows:
        print(f"{name:<11}{posts:>6}{c.added:>8}{c.updated:>9}{c.removed:>9}")
    failed = bool(problems)
    for *_, failure in rows:
        if failure:
            _say(f"roost: {failure}; nothing was lost, the next run tries again")
            failed = True
    if fetcher.spent:
        print("roost: this run's time for fetching pictures ran out; the next run fetches the rest")
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
    from .model import RecordError
    from .views import count_label

    settings, _, problems, store = _records(args)
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
    _problems(problems)
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
    return 1 if problems else 0


def cmd_hide(args: argparse.Namespace) -> int:
    from .model import RecordError
    from .moderation import hide

    _, store = _store(args)
    found = False
    for key in store.post_keys():
        try:
            found = found or any(x.id == args.id for x in store.read_post(key).interactions)
        except RecordError:
            continue
    if not found:
        _say(f"roost: no interaction {args.id!r} in {store.display(store.root)}", sys.stderr)
        return 2
    hide(store, args.id)
    _say(f"roost: {args.id} is hidden; it will not be shown, nor stored again")
    return 0


def cmd_block(args: argparse.Namespace) -> int:
    from .moderation import block, block_target

    _, store = _store(args)
    try:
        kind, value = block_target(args.target)
    except ValueError as e:
        raise Stop(str(e)) from None
    done = block(store, args.target)
    _say(
        f"roost: {value} ({'the account' if kind == 'account' else 'the domain and below'}) "
        f"is blocked: {done.interactions} stored interaction(s), "
        f"{done.people} person(s) and {len(done.files)} file(s) removed; nothing of theirs is "
        "stored or shown again"
    )
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from .moderation import forget, purge_lines

    _, store = _store(args)
    pid = args.person
    done = forget(store, pid)
    if done is None:
        _say(f"roost: nobody called {pid!r} in {store.display(store.root)}", sys.stderr)
        return 2
    _say(f"roost: {pid} is forgotten: {done.interactions} interaction(s) and "
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

    _, store = _store(args)
    with store.lock():
        done = apply(store)
    _problems([f"{line}; left as it is (no file is deleted until it is mended)"
               for line in done.unreadable])  # fmt: skip
    print(
        f"roost: moderation applied: {done.interactions} interaction(s), {done.people} "
        f"person(s) and {len(done.files)} file(s) removed"
    )
    return 1 if done.unreadable else 0


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

    command(
        "moderate",
        cmd_moderate,
        "apply moderation.json to every record: what it refuses is removed (after a merge)",
    )

    args = parser.parse_args(argv)
    from .model import RecordError
    from .store import StoreLocked

    try:
        return args.func(args)
    except Stop as e:
        _say(f"roost: {e}", sys.stderr)
        return 2
    except (RecordError, StoreLocked) as e:  # one line for the author
        _say(f"roost: {e}", sys.stderr)
        return 1
    except OSError as e:  # a folder that cannot be read or written: which, and why
        where = f"{e.filename}: " if e.filename else ""
        _say(f"roost: {where}{e.strerror or e}", sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
