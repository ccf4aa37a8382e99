"""``roost webmention``: tell every page the blog's articles link to, through its Webmention
endpoint, that the article exists, changed or is gone (W3C Webmention, "Sending Webmentions").
What is due is ``webmention_plan.py``'s; the protocol ``networks/webmention_send.py``'s.

Exactly once per change: one run at a time holds ``social/.webmention.lock`` for its whole
length, and each outcome is written to ``social/webmentions.json`` (atomically, under the
records lock) right after its request, before the next one. A crash loses at most the answer to
one request: that Webmention is sent again on the next run, which receivers take as an update.

A target that times out, errs, is too big, resolves to an address that is not public or has no
endpoint is one line naming the source and the target, and the run goes on. Exit 1 when any
Webmention failed for a reason other than "no endpoint" (most pages have none).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import filelock

from .common import Stop, print_problems, say, settings_and_store
from .webmention_plan import Due, plan, read_ledger, read_sources, record, write_ledger

#: Every fetch of one run together (discovery and sending); what is left waits for the next run.
RUN_SECONDS = 600.0
#: One Webmention's discovery, or its POST, redirects included.
FETCH_SECONDS = 20.0


@dataclass
class Outcome:
    due: Due
    kind: str  # "sent", "no endpoint", "failed", "refused", "would send"
    detail: str = ""


def cmd_webmention(args: argparse.Namespace) -> int:
    from ..networks.guarded_fetch import shown

    settings, values, problems, store = settings_and_store(args)
    since = values.get("ROOST_WEBMENTION_SINCE")
    if since is None:
        print_problems(problems)
        why = "is not a date (above)" if settings.get("ROOST_WEBMENTION_SINCE") else "is not set"
        print(f"roost: ROOST_WEBMENTION_SINCE {why}: no Webmentions are sent")
        return 1 if problems else 0
    siteurl = str(settings.get("SITEURL", ""))
    if urlsplit(siteurl).scheme not in ("http", "https"):
        raise Stop(f"{args.settings}: SITEURL = {siteurl!r} is not an absolute http(s) address; "
                   "Webmentions name the published page (use -s publishconf.py)")  # fmt: skip
    read_problems: list[str] = []
    sources, published = read_sources(settings, date.fromisoformat(str(since)), read_problems)
    problems += read_problems
    print_problems(problems)
    if read_problems:
        say("roost: some posts could not be read (above): no deletion is announced this run",
            sys.stderr)  # fmt: skip
    # Planned under the run's lock: a second run waits, then plans from what the first recorded.
    with contextlib.nullcontext() if args.dry_run else one_run(store):
        ledger = read_ledger(store)
        due, given_up = plan(sources, published, ledger, deletions=not read_problems)
        for line in given_up:
            say(f"roost: webmention {line}", sys.stderr)
        if args.dry_run:
            for d in due:
                say(f"would send   {d.why:<8} {shown(d.source)} -> {shown(d.target)}")
            print(f"roost: {len(due)} Webmention(s) would be sent")
            return 1 if problems else 0
        outcomes = run(store, due)
    counts = {k: sum(o.kind == k for o in outcomes) for k in ("sent", "no endpoint", "failed")}
    left = len(due) - len(outcomes)
    print(f"roost: Webmentions: {counts['sent']} sent, {counts['no endpoint']} without an "
          f"endpoint, {counts['failed']} failed" + (f", {left} left for the next run (this "
          "run's time for fetching is spent)" if left else ""))  # fmt: skip
    return 1 if problems or counts["failed"] or left else 0


@contextlib.contextmanager
def one_run(store):
    """``social/.webmention.lock``, held from planning to the last outcome written."""
    store.root.mkdir(parents=True, exist_ok=True)
    run_lock = filelock.FileLock(str(store.root / ".webmention.lock"))
    try:
        run_lock.acquire(timeout=RUN_SECONDS + 60)
    except filelock.Timeout:
        raise Stop("another `roost webmention` is still running; try again later") from None
    try:
        yield
    finally:
        run_lock.release()


def run(store, due: list[Due], fetcher=None) -> list[Outcome]:
    """Send every Webmention due, in order, recording each outcome before the next request
    (the caller holds :func:`one_run`)."""
    from ..networks.guarded_fetch import FetchError, GuardedFetcher, shown
    from ..networks.webmention_send import NoEndpoint, send

    fetcher = fetcher or GuardedFetcher(fetch_seconds=FETCH_SECONDS, run_seconds=RUN_SECONDS)
    outcomes: list[Outcome] = []
    for d in due:
        if fetcher.spent:
            break
        where = f"{d.why:<8} {shown(d.source)} -> {shown(d.target)}"
        try:
            sent = send(fetcher, d.source, d.target)
        except NoEndpoint:
            outcome = Outcome(d, "no endpoint", "no Webmention endpoint")
        except FetchError as e:
            if fetcher.spent:
                break  # not this target's fault: it is sent on the next run
            why = str(e).removeprefix(f"{shown(d.target)}: ")  # named once in the line
            outcome = Outcome(d, "failed", why)
        except (ValueError, RecursionError) as e:  # a page or endpoint beyond reading
            outcome = Outcome(d, "failed", f"its page cannot be read ({type(e).__name__})")
        else:
            outcome = Outcome(d, "sent", f"{sent.status} from {shown(sent.endpoint)}")
        outcomes.append(outcome)
        _write(store, outcome)
        if outcome.kind == "sent":
            say(f"sent         {where}: {outcome.detail}")
        else:
            say(f"roost: webmention {outcome.kind}: {where}: {outcome.detail}", sys.stderr)
    return outcomes


def _write(store, outcome: Outcome) -> None:
    """Record one outcome at once; the ledger is read again under the lock, so a hand edit or
    a merge made meanwhile is kept."""
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ok = outcome.kind in ("sent", "no endpoint")
    result = f"sent: {outcome.detail}" if outcome.kind == "sent" else outcome.kind
    with store.lock():
        ledger = read_ledger(store)
        record(ledger, outcome.due, result, when, ok, outcome.detail)
        write_ledger(store, ledger)
