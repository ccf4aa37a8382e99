"""Requests per backfeed run against the fake Mastodon, beside naive per-post polling.

10,000 syndicated posts (statuses on the fake server, copies in a fresh records folder). Then:

* a run with no new activity (target: at most 3 requests): the notifications, and the sweep's
  one post (its status and its thread);
* a run after k new interactions spread over some posts, a third of the replies too deep to
  notify (target: about k / 80 for the notification pages, plus per active post its status,
  its thread and the lists whose counts changed);
* naive polling of the same data, as a bridgy-style poller would: for every post, its thread,
  its likes and its reposts (3 requests a post, whatever happened).

Peak memory is what the backfeed itself allocated (tracemalloc, which also slows it: the
seconds are an upper bound).

    .venv/bin/python bench/backfeed_requests.py [--posts 10000] [--k 200] [--naive-sample 500]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "tests")]

from fakes.mastodon import FakeMastodon  # noqa: E402

from roost.commands.backfeed import backfeed  # noqa: E402
from roost.model import PostRecord, Syndication, content_hash  # noqa: E402
from roost.networks.mastodon.adapter import Mastodon  # noqa: E402
from roost.store import Store  # noqa: E402

ENV = {"ROOST_MASTODON_TOKEN": "good-token"}


def seed(fake: FakeMastodon, store: Store, posts: int) -> list[str]:
    ids = []
    with store.lock():
        for n in range(posts):
            sid = fake.new_id()
            fake.statuses[sid] = {
                "id": sid, "created_at": "2026-05-01T10:00:00.000Z", "in_reply_to_id": None,
                "visibility": "public", "language": "en", "url": f"https://fake/@camille/{sid}",
                "uri": f"https://fake/users/camille/statuses/{sid}", "content": f"<p>post {n}</p>",
                "edited_at": None, "account": fake.account_entity("camille"),
                "media_attachments": [], "_text": f"post {n}",
            }  # fmt: skip
            ids.append(sid)
            copy = Syndication("mastodon", sid, f"https://fake/@camille/{sid}",
                               "2026-05-01T10:05:00Z", content_hash(str(n)))  # fmt: skip
            store.write_post(PostRecord(f"post-{n:05d}", syndications=[copy]))
    return ids


def activity(fake: FakeMastodon, ids: list[str], k: int, active_posts: int) -> None:
    """k interactions over ``active_posts`` posts: replies (a third of them deep, so they
    notify nobody), likes and reposts, made the way the server would record them."""
    rnd = random.Random(7)
    targets = rnd.sample(ids, active_posts)
    people = ["bob", "ines", "kenji"]
    last_reply: dict[str, str] = {}
    for i in range(k):
        post = targets[i % active_posts]
        who = people[i % 3]
        kind = ("reply", "like", "repost")[i % 3]
        if kind == "reply":
            deep = i % 9 == 0 and post in last_reply
            parent = last_reply[post] if deep else post
            sid = fake.new_id()
            text = "deeper" if deep else "@camille nice"
            fake.statuses[sid] = {
                **fake.statuses[post], "id": sid, "in_reply_to_id": parent,
                "account": fake.account_entity(who), "content": f"<p>{text}</p>", "_text": text,
            }  # fmt: skip
            last_reply[post] = sid
            if not deep:
                fake.notify("camille", "mention", who, sid)
        else:
            table = fake.favourites if kind == "like" else fake.reblogs
            table.setdefault(post, [])
            extra = f"{who}{i}"
            table[post].append(extra)
            fake.notify("camille", "favourite" if kind == "like" else "reblog", extra, post)


def counted_run(fake: FakeMastodon, store: Store) -> tuple[int, int, float, int, int]:
    """(API requests, new interactions, seconds, peak bytes allocated, avatars fetched)."""
    before = len(fake.requests)
    tracemalloc.start()
    start = time.perf_counter()
    report = backfeed(store, Mastodon({"instance": fake.url}, env=ENV))
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    made = fake.requests[before:]
    api = sum(1 for _, path in made if path.startswith("/api/"))
    avatars = len(made) - api  # mirrored pictures, fetched once per new person
    return api, report.change.added, seconds, peak, avatars


def naive(fake: FakeMastodon, ids: list[str], sample: int) -> tuple[int, float]:
    """Poll ``sample`` posts the naive way; (requests per full run, seconds per full run)."""
    adapter = Mastodon({"instance": fake.url}, env=ENV)
    before, start = len(fake.requests), time.perf_counter()
    for sid in ids[:sample]:
        adapter.thread(sid)
        adapter.everyone(f"/api/v1/statuses/{sid}/favourited_by")
        adapter.everyone(f"/api/v1/statuses/{sid}/reblogged_by")
    per_post = (len(fake.requests) - before) / sample
    return round(per_post * len(ids)), (time.perf_counter() - start) / sample * len(ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--k", type=int, default=200)
    ap.add_argument("--active", type=int, default=20, help="posts the k interactions touch")
    ap.add_argument("--naive-sample", type=int, default=500)
    args = ap.parse_args()
    fake = FakeMastodon(rate_limit=10**9)
    fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(tmp)
            ids = seed(fake, store, args.posts)
            print(f"{args.posts:,} syndicated posts on the fake Mastodon")
            first = counted_run(fake, store)
            quiet = counted_run(fake, store)
            activity(fake, ids, args.k, args.active)
            busy = counted_run(fake, store)
            people = len(store.read_people())
            after = counted_run(fake, store)
            naive_requests, naive_seconds = naive(fake, ids, args.naive_sample)
            rows = [
                ("first run (sets the cursor)", *first),
                ("no new activity", *quiet),
                (f"{args.k} new interactions on {args.active} posts", *busy),
                (f"no new activity, {people} people archived", *after),
            ]
            print(
                f"\n{'run':<38}{'requests':>9}{'new':>6}{'seconds':>9}{'peak MiB':>10}"
                f"{'avatars':>9}"
            )
            for name, req, new, sec, peak, avatars in rows:
                print(f"{name:<38}{req:>9}{new:>6}{sec:>9.2f}{peak / 2**20:>10.1f}{avatars:>9}")
            print(f"{'naive per-post polling (any run)':<38}{naive_requests:>9}{'':>6}"
                  f"{naive_seconds:>9.2f}   (measured on {args.naive_sample} posts)")  # fmt: skip
            pages = -(-args.k // 80)
            print(
                f"\nexpected with activity: about {pages} notification page(s) + per active post "
                f"2 (status, thread) and 1 per list whose count changed (likes, reposts; at most "
                f"{4 * args.active} in all) + the sweep's post (2); every run also looks at up "
                "to 200 archived people's profiles, 40 a request (a late #nobot is honoured)"
            )
            print(
                f"naive / Roost, quiet run: {naive_requests / max(quiet[0], 1):,.0f}x; "
                f"with activity: {naive_requests / max(busy[0], 1):,.0f}x"
            )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
