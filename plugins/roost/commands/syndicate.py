"""Post every new article to every configured network, exactly once, and record each copy.

The policy lives here; the protocol in the adapters (networks/). For each published post:

1. decide per network: new, resume a thread cut short, update an edited post, or nothing;
   posts before ROOST_SYNDICATE_SINCE, posts whose front matter says no, and posts marked as
   handled are skipped, and the summary says why;
2. check once that the post's page is live (ROOST_CHECK_DEPLOYED), so link cards work;
3. send each network's parts in order, the networks concurrently, and write the ledger right
   after every success, before the next request (so a crash loses at most the answer to one
   request, which the adapter's idempotency makes safe to repeat);
4. retry what may pass next time (5xx, timeouts: a few times with backoff; a rate limit: wait
   when the wait is short, else stop that network for this run), report what will not
   (the network's own words), and never let one post or one network stop the others;
5. price each post on a network that bills (X) before sending it: past the monthly budget it is
   not sent and that network stops (one line); the spend goes to ``social/spending.json``.

One run at a time holds ``social/.syndicate.lock`` for its whole length: a second run waits for
it and then finds everything already recorded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import filelock
import requests

from ..model import PostRecord, RecordError, Syndication
from ..networks.base import (
    Draft,
    Network,
    NetworkError,
    NotConfigured,
    OverBudget,
    RateLimited,
    Unauthorized,
)
from ..networks.compose import Post
from ..store import Store, StoreLocked
from . import spending
from .outcomes import Outcome
from .renamed_posts import carry_over, remember_identity
from .retrying import with_retries

log = logging.getLogger(__name__)

ATTEMPTS = 4  # for a request that may pass next time
BACKOFF = 1.0  # seconds, doubled after each failure
MAX_RATE_LIMIT_WAIT = 60.0  # seconds; past this a rate-limited network stops for this run
# After a part went out, how long to wait for the records lock to write it down. The part is
# safe either way (its intent makes the next run look for it), but recording it now is better.
RECORD_WAIT = 600.0


@dataclass
class Plan:
    """What is due for one post on one network."""

    post: Post
    network: str
    action: str  # "post" (new or resume) or "update"
    draft: Draft
    done: list[Syndication] = field(default_factory=list)  # parts already in the ledger
    stale: list[Syndication] = field(default_factory=list)  # of those, the ones to edit


class Syndicator:
    def __init__(
        self,
        store: Store,
        adapters: dict[str, Network],
        *,
        since: date | None,
        check_deployed: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        concurrent: bool = True,
        lock_wait: float = 60.0,
    ):
        self.store = store
        self.adapters = adapters
        self.since = since
        self.check_deployed = check_deployed
        self.sleep = sleep
        self.concurrent = concurrent  # False: one network after the other (the bench baseline)
        # How long to wait for the records lock before a part: no intent written, no request.
        self.lock_wait = lock_wait
        self.stopped: dict[str, str] = {}  # network -> why it stopped for this run
        self.blocked: set[str] = set()  # posts whose ledger is ambiguous: nothing is sent
        self.configured = set(adapters)  # every network in the settings, for Syndicate: lines
        self.problems: list[str] = []  # lines for the author beside the outcomes (spending)
        self.would_cost: dict[str, float] = {}  # a dry run's price, per network that bills
        self._stop_lock = threading.Lock()

    # -- planning (pure apart from reading the ledger) ------------------------------------

    def plan(self, post: Post) -> tuple[list[Plan], list[Outcome]]:
        record = self.store.read_post(post.key)
        plans, outcomes = [], []
        for name, adapter in self.adapters.items():
            copies = record.copies(name)
            pending = [i for i in record.intents if i.network == name]
            if name in record.skipped:  # handled, or unsyndicated: never again, copies or not
                outcomes.append(Outcome(post.key, name, "skipped", record.skipped[name], True))
                continue
            if not copies and not pending:
                reason = self._skip_reason(post, record, name)
                if reason:
                    outcomes.append(Outcome(post.key, name, "skipped", reason, quiet=True))
                    continue
            if [c.part for c in copies] != list(range(len(copies))):
                where = self.store.display(self.store.post_path(post.key))
                outcomes.append(Outcome(post.key, name, "failed", f"{where}: its {name} copies "
                                        f"are parts {[c.part for c in copies]}, not 0, 1, ...; "
                                        "fix the file"))  # fmt: skip
                continue
            try:
                draft = adapter.draft(post)
            except NetworkError as e:
                outcomes.append(Outcome(post.key, name, "failed", str(e)))
                continue
            if any(i.part >= len(draft.parts) for i in pending):
                # A part of a thread that has since got shorter may be out there: find it.
                plans.append(Plan(post, name, "settle", draft, copies))
                continue
            stale = [c for c in copies if c.sent_hash != draft.content_hash]
            can_edit = adapter.can_edit()
            more = len(copies) < len(draft.parts)
            # A thread cut short (Roost stopped between its parts) that must still be finished,
            # even when the post changed meanwhile.
            cut_short = bool(copies) and len(copies) < max(c.of for c in copies)
            if not stale:
                if more:
                    plans.append(Plan(post, name, "post", draft, copies))
                else:
                    outcomes.append(Outcome(post.key, name, "unchanged", quiet=True))
            elif can_edit and not more and len(copies) > len(draft.parts):
                outcomes.append(
                    Outcome(post.key, name, "unchanged", "the thread got shorter; left as is")
                )
            elif can_edit:  # every stale part, so an edit cut short completes; then the rest
                plans.append(Plan(post, name, "update", draft, copies, stale))
            elif cut_short and more:  # no editing here: the parts not sent yet, as they are now
                plans.append(Plan(post, name, "post", draft, copies))
            else:
                outcomes.append(Outcome(post.key, name, "unchanged", "edits are not sent"))
        return plans, outcomes

    def _skip_reason(self, post: Post, record: PostRecord, network: str) -> str | None:
        if network in record.skipped:
            return record.skipped[network]
        if not post.wants(network):
            return "the post's front matter says not to"
        if self.since and post.date.date() < self.since:
            return f"published before ROOST_SYNDICATE_SINCE ({self.since})"
        return None

    # -- running ------------------------------------------------------------------------------

    def connect(self) -> None:
        """Ask each network for what it needs first (its limits), under the same retry policy
        as every other request; a network that cannot be reached stops for this run."""
        for name, adapter in self.adapters.items():
            try:
                self._with_retries(adapter.connect)
            except NetworkError as e:
                self.stopped[name] = f"stopped: {e}"

    def remember_limits(self) -> list[str]:
        """Keep what each server announced (its length limit, pictures per post) in the records,
        so an offline ``roost preview`` composes for the real limits. A cursors file that cannot
        be read is left as it is (one line): sending does not depend on it."""
        limits = {n: a.limits() for n, a in self.adapters.items() if n not in self.stopped}
        limits = {n: json.dumps(v, sort_keys=True) for n, v in limits.items() if v}
        if not limits:
            return []
        try:
            with self.store.lock():
                cursors = self.store.read_cursors()
                for name, value in limits.items():
                    cursors.setdefault(name, {})["limits"] = value
                self.store.write_cursors(cursors)
        except RecordError as e:
            return [f"{e}; the servers' limits were not kept for offline previews"]
        return []

    def use_remembered_limits(self) -> None:
        cursors = self.store.read_cursors()
        for name, adapter in self.adapters.items():
            # Damaged by hand: the defaults (or the setting) stand.
            with contextlib.suppress(ValueError, TypeError, AttributeError, RecursionError):
                adapter.apply_limits(json.loads(cursors.get(name, {}).get("limits") or "{}"))

    def run(self, posts: Iterable[Post], *, dry_run: bool = False, progress=None) -> list[Outcome]:
        posts = list(posts)
        self.problems += spending.load(self.store, self.adapters)  # the month's spend so far
        if dry_run:
            return self._dry_run(posts)
        try:
            with filelock.FileLock(str(self.store.root / ".syndicate.lock"), timeout=600):
                return self._run(posts, progress)
        except filelock.Timeout:
            raise StoreLocked("another `roost syndicate` is still running") from None

    def _run(self, posts: list[Post], progress) -> list[Outcome]:
        outcomes, blocked = carry_over(self.store, posts, list(self.adapters))
        self.blocked |= blocked
        workers = max(1, len(self.adapters)) if self.concurrent else 1
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for post in posts:
                try:
                    plans, decided = self.plan(post)
                except RecordError as e:  # this post only; the others go on
                    outcomes += [
                        Outcome(post.key, name, "failed", f"{e}; fix the file, nothing was sent")
                        for name in self.adapters
                    ]
                    continue
                outcomes += decided
                if plans and self.check_deployed and not _is_live(post.url):
                    outcomes += [
                        Outcome(post.key, p.network, "skipped", f"{post.url} is not live yet")
                        for p in plans
                    ]
                    plans = []
                # The networks of one post at the same time: the wall time is the slowest's.
                outcomes += list(pool.map(self._carry_out, plans))
                if progress:
                    progress()
        return outcomes

    def _carry_out(self, plan: Plan) -> Outcome:
        adapter = self.adapters[plan.network]
        key = plan.post.key
        if plan.network in self.stopped:
            return Outcome(key, plan.network, "failed", self.stopped[plan.network])
        if key in self.blocked:
            return Outcome(key, plan.network, "failed", "its ledger is ambiguous")
        try:
            if plan.action == "post":  # priced whole before its first request
                spending.check(adapter, plan.draft, len(plan.done), key)
            if plan.action == "settle":
                self._settle_intents(key, plan.network, adapter)
                return Outcome(key, plan.network, "unchanged", "a part cut short looked up")
            done = list(plan.done)
            for copy in plan.stale:
                updated = self._with_retries(adapter.update_part, plan.draft, copy.part, copy)
                updated.of = len(plan.draft.parts)
                self._record(key, updated)
                done[copy.part] = updated
            previous = done[-1] if done else None
            for part in range(len(done), len(plan.draft.parts)):
                previous = self._send(adapter, plan, part, previous)
            if plan.action == "update":
                return Outcome(key, plan.network, "updated")
            return Outcome(key, plan.network, "posted", previous.url if previous else "")
        except (Unauthorized, NotConfigured, RateLimited, OverBudget) as e:
            with self._stop_lock:
                self.stopped.setdefault(plan.network, f"stopped: {e}")
            return Outcome(key, plan.network, "failed", str(e))
        except NetworkError as e:  # Rejected, or Unavailable after every retry
            return Outcome(key, plan.network, "failed", str(e))
        except StoreLocked as e:
            return Outcome(key, plan.network, "failed", f"{e}; nothing more was sent")
        finally:
            spending.record(self.store, adapter)

    def _send(self, adapter: Network, plan: Plan, part: int, previous: Syndication | None):
        """One part, exactly once: its intent is written before the first request (no intent,
        no request); a part that already has one, from a run that stopped or a request whose
        answer never came, is looked for on the network before it is sent again; the copy is
        written to the ledger before the next request."""
        key = plan.post.key
        intent = self.store.read_post(key).intent(plan.network, part)
        if intent is not None:  # an earlier run stopped between the intent and the copy
            found = self._with_retries(adapter.find_sent, plan.draft, part, previous, intent)
            if found is not None:
                found.of = len(plan.draft.parts)
                self._record(key, found, timeout=RECORD_WAIT)
                return found
        # Not there (or never tried): a fresh intent, dated now, written before any request.
        intent = adapter.intent(plan.draft, part, datetime.now(UTC))
        with self.store.lock(timeout=self.lock_wait):
            record = self.store.read_post(key)
            record.set_intent(intent)
            remember_identity(record, plan.post)  # so a new slug finds this ledger
            self.store.write_post(record)
        sent = {"maybe": False}

        def checkpoint(grown):
            """The adapter learnt something that finds this part again (Threads' container):
            in the ledger before its next request."""
            with self.store.lock(timeout=RECORD_WAIT):
                record = self.store.read_post(key)
                record.set_intent(grown)
                self.store.write_post(record)

        adapter.checkpoint = checkpoint

        def attempt():
            # After a failure the request may still have gone through (no answer is not a no):
            # look before sending again. Mastodon's Idempotency-Key would cover an hour; this
            # covers every network.
            if sent["maybe"]:
                found = adapter.find_sent(plan.draft, part, previous, intent)
                if found is not None:
                    return found
            sent["maybe"] = True
            return adapter.publish_part(plan.draft, part, previous, intent)

        copy = self._with_retries(attempt)
        copy.of = len(plan.draft.parts)
        self._record(key, copy, timeout=RECORD_WAIT)
        spending.record(self.store, adapter)  # now: a run killed later keeps what it spent
        return copy

    def _with_retries(self, call, *args):
        return with_retries(
            call,
            *args,
            delays=[BACKOFF * 2**i for i in range(ATTEMPTS - 1)],  # doubled after each failure
            max_rate_wait=MAX_RATE_LIMIT_WAIT,
            sleep=self.sleep,
            rate_margin=1,
        )

    def _record(self, key: str, copy: Syndication, timeout: float = 60) -> None:
        with self.store.lock(timeout=timeout):
            record = self.store.read_post(key)
            record.record_copy(copy)
            self.store.write_post(record)

    def _dry_run(self, posts: list[Post]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for post in posts:
            plans, decided = self.plan(post)
            outcomes += decided
            for p in plans:
                if p.action == "settle":
                    outcomes.append(Outcome(post.key, p.network, "would look up", "a part"))
                    continue
                parts = len(p.draft.parts) - len(p.done) + len(p.stale)
                what = "would post" if p.action == "post" else "would update"
                adapter = self.adapters[p.network]
                price = spending.priced(self.would_cost, adapter, p.draft, len(p.done))
                outcomes.append(Outcome(post.key, p.network, what, f"{parts} part(s){price}"))
        return outcomes

    def _settle_intents(self, key: str, network: str, adapter: Network) -> list[Syndication]:
        """Every intent of this post on this network looked up: a part found is recorded, one
        not found forgotten. The copies after that, in thread order."""
        record = self.store.read_post(key)
        for intent in [i for i in record.intents if i.network == network]:
            copies = record.copies(network)
            previous = next((c for c in copies if c.part == intent.part - 1), None)
            draft = Draft(network, key, [""] * (intent.part + 1), "")  # the intent has the rest
            found = self._with_retries(adapter.find_sent, draft, intent.part, previous, intent)
            with self.store.lock():
                record = self.store.read_post(key)
                record.intents = [i for i in record.intents if i != intent]
                if found is not None:
                    record.record_copy(found)
                self.store.write_post(record)
        return record.copies(network)


def _is_live(url: str) -> bool:
    try:
        r = requests.head(url, allow_redirects=True, timeout=10)
        if r.status_code == 405:  # some hosts refuse HEAD
            r = requests.get(url, allow_redirects=True, timeout=10, stream=True)
        return r.status_code == 200
    except requests.RequestException:
        return False
