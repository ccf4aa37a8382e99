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
   (the network's own words), and never let one post or one network stop the others.

One run at a time holds ``social/.syndicate.lock`` for its whole length: a second run waits for
it and then finds everything already recorded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import filelock
import requests

from .compose import Post
from .model import PostRecord, Syndication, format_time
from .networks import ADAPTERS
from .networks.base import (
    Draft,
    Network,
    NetworkError,
    NotConfigured,
    RateLimited,
    Unauthorized,
    with_retries,
)
from .store import Store, StoreLocked

log = logging.getLogger(__name__)

ATTEMPTS = 4  # for a request that may pass next time
BACKOFF = 1.0  # seconds, doubled after each failure
MAX_RATE_LIMIT_WAIT = 60.0  # seconds; past this a rate-limited network stops for this run


@dataclass
class Outcome:
    post: str
    network: str
    action: str  # posted, updated, skipped, failed, unchanged, would post, would update
    detail: str = ""
    quiet: bool = False  # a routine decision (listed with --verbose only)


@dataclass
class Plan:
    """What is due for one post on one network."""

    post: Post
    network: str
    action: str  # "post" (new or resume) or "update"
    draft: Draft
    done: list[Syndication] = field(default_factory=list)  # parts already in the ledger


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
    ):
        self.store = store
        self.adapters = adapters
        self.since = since
        self.check_deployed = check_deployed
        self.sleep = sleep
        self.concurrent = concurrent  # False: one network after the other (the bench baseline)
        self.stopped: dict[str, str] = {}  # network -> why it stopped for this run
        self._stop_lock = threading.Lock()

    # -- planning (pure apart from reading the ledger) ------------------------------------

    def plan(self, post: Post) -> tuple[list[Plan], list[Outcome]]:
        record = self.store.read_post(post.key)
        plans, outcomes = [], []
        for name, adapter in self.adapters.items():
            copies = record.copies(name)
            if not copies:
                reason = self._skip_reason(post, record, name)
                if reason:
                    outcomes.append(Outcome(post.key, name, "skipped", reason, quiet=True))
                    continue
            try:
                draft = adapter.draft(post)
            except NetworkError as e:
                outcomes.append(Outcome(post.key, name, "failed", str(e)))
                continue
            if len(copies) < len(draft.parts) and all(
                c.sent_hash == draft.content_hash for c in copies
            ):
                plans.append(Plan(post, name, "post", draft, copies))
            elif copies and copies[0].sent_hash != draft.content_hash:
                if not (adapter.CAN_EDIT and getattr(adapter, "edit", True)):
                    outcomes.append(Outcome(post.key, name, "unchanged", "edits are not sent"))
                elif len(copies) != len(draft.parts):
                    outcomes.append(
                        Outcome(
                            post.key, name, "unchanged", "the thread changed length; left as is"
                        )
                    )
                else:
                    plans.append(Plan(post, name, "update", draft, copies))
            else:
                outcomes.append(Outcome(post.key, name, "unchanged", quiet=True))
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
            if not hasattr(adapter, "connect"):
                continue
            try:
                self._with_retries(adapter.connect)
            except NetworkError as e:
                self.stopped[name] = f"stopped: {e}"

    def run(self, posts: Iterable[Post], *, dry_run: bool = False, progress=None) -> list[Outcome]:
        posts = list(posts)
        if dry_run:
            return self._dry_run(posts)
        try:
            with filelock.FileLock(str(self.store.root / ".syndicate.lock"), timeout=600):
                return self._run(posts, progress)
        except filelock.Timeout:
            raise StoreLocked("another `roost syndicate` is still running") from None

    def _run(self, posts: list[Post], progress) -> list[Outcome]:
        outcomes: list[Outcome] = []
        workers = max(1, len(self.adapters)) if self.concurrent else 1
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for post in posts:
                plans, decided = self.plan(post)
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
        try:
            if plan.action == "update":
                for part, copy in enumerate(plan.done):
                    updated = self._with_retries(adapter.update_part, plan.draft, part, copy)
                    self._record(key, updated)
                return Outcome(key, plan.network, "updated")
            previous = plan.done[-1] if plan.done else None
            for part in range(len(plan.done), len(plan.draft.parts)):
                previous = self._with_retries(adapter.publish_part, plan.draft, part, previous)
                self._record(key, previous)  # before the next request: write as you go
            return Outcome(key, plan.network, "posted", previous.url if previous else "")
        except (Unauthorized, NotConfigured, RateLimited) as e:
            with self._stop_lock:
                self.stopped.setdefault(plan.network, f"stopped: {e}")
            return Outcome(key, plan.network, "failed", str(e))
        except NetworkError as e:  # Rejected, or Unavailable after every retry
            return Outcome(key, plan.network, "failed", str(e))

    def _with_retries(self, call, *args):
        return with_retries(
            call,
            *args,
            delays=[BACKOFF * 2**i for i in range(ATTEMPTS - 1)],  # doubled after each failure
            max_rate_wait=MAX_RATE_LIMIT_WAIT,
            sleep=self.sleep,
            rate_margin=1,
        )

    def _record(self, key: str, copy: Syndication) -> None:
        with self.store.lock():
            record = self.store.read_post(key)
            record.record_copy(copy)
            self.store.write_post(record)

    def _dry_run(self, posts: list[Post]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for post in posts:
            plans, decided = self.plan(post)
            outcomes += decided
            for p in plans:
                parts = len(p.draft.parts) - (len(p.done) if p.action == "post" else 0)
                what = "would post" if p.action == "post" else "would update"
                outcomes.append(Outcome(post.key, p.network, what, f"{parts} part(s)"))
        return outcomes

    # -- other commands ---------------------------------------------------------------------

    def mark_handled(self, posts: Iterable[Post], reason: str) -> int:
        """Record every post not yet on a network as handled there, so it is never sent."""
        marked = 0
        with self.store.lock():
            for post in posts:
                record = self.store.read_post(post.key)
                changed = False
                for name in self.adapters:
                    if not record.copies(name) and name not in record.skipped:
                        record.skipped[name] = reason
                        changed = True
                if changed:
                    self.store.write_post(record)
                    marked += 1
        return marked

    def unsyndicate(self, key: str, networks: Iterable[str]) -> list[Outcome]:
        """Delete the post's copies, drop them from the ledger, and keep it from coming back."""
        outcomes = []
        for name in networks:
            record = self.store.read_post(key)
            copies = record.copies(name)
            if not copies:
                outcomes.append(Outcome(key, name, "unchanged", "no copy there"))
                continue
            try:
                for copy in reversed(copies):  # the replies of a thread first
                    self._with_retries(self.adapters[name].delete, copy)
                    with self.store.lock():
                        record = self.store.read_post(key)
                        record.syndications.remove(copy)
                        record.skipped[name] = f"unsyndicated on {format_time(datetime.now(UTC))}"
                        self.store.write_post(record)
                outcomes.append(Outcome(key, name, "deleted"))
            except NetworkError as e:
                outcomes.append(Outcome(key, name, "failed", str(e)))
        return outcomes


def build_adapters(values: dict, env: dict | None = None) -> dict[str, Network]:
    adapters = {}
    for name, config in values["ROOST_NETWORKS"].items():
        cls = ADAPTERS[name]()
        adapters[name] = cls(config, env=env)
    return adapters


def summary(outcomes: list[Outcome]) -> str:
    """The closing table: per network, how many posts went which way."""
    counts: dict[str, Counter] = {}
    for o in outcomes:
        counts.setdefault(o.network, Counter())[o.action] += 1
    columns = ["posted", "updated", "skipped", "unchanged", "failed"]
    extra = sorted({a for c in counts.values() for a in c} - set(columns))
    columns += extra
    width = max([len("network"), *map(len, counts)])
    lines = ["network".ljust(width) + "".join(f"{c:>12}" for c in columns)]
    for name in sorted(counts):
        lines.append(name.ljust(width) + "".join(f"{counts[name][c]:>12}" for c in columns))
    return "\n".join(lines)


def _is_live(url: str) -> bool:
    try:
        r = requests.head(url, allow_redirects=True, timeout=10)
        if r.status_code == 405:  # some hosts refuse HEAD
            r = requests.get(url, allow_redirects=True, timeout=10, stream=True)
        return r.status_code == 200
    except requests.RequestException:
        return False
