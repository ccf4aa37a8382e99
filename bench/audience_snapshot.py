"""A follower snapshot of 100,000 followers against the fake Mastodon, beside a naive one.

* Roost's snapshot (``roost audience snapshot``'s own code): pages streamed through
  ``ApiClient.iter_link_pages``, each follower reduced to one line, sorted in runs on disk,
  merged with the stored list under the records lock;
* the naive baseline: every page's accounts held in memory (``ApiClient.link_pages``), then
  sorted and written in one go, as a script that "just fetches the list" would;
* a second run with no change (nothing must be written), and a third after 100 follows and
  100 unfollows (what one day's change log costs).

Peak memory is what tracemalloc saw in this process while the run went on, the fake server's
answers included (it runs in a thread here), which also slows the run: the seconds are an upper
bound, and the last two rows time both again without it. The fake's rate limit is lifted; a
real Mastodon allows 300 paging requests per 15 minutes, so a real run of this size waits about
an hour (``followers.PATIENCE``).

    .venv/bin/python bench/audience_snapshot.py [--followers 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "tests")]

from fakes.mastodon import FakeMastodon  # noqa: E402

from roost.commands.cmd_audience import _snapshot  # noqa: E402
from roost.commands.snapshot_files import SnapshotFiles  # noqa: E402
from roost.networks.mastodon.adapter import Mastodon  # noqa: E402
from roost.people import Moderation  # noqa: E402
from roost.store import Store  # noqa: E402

KEY = b"bench-key-bench-key-bench-key-00"
ENV = {"ROOST_MASTODON_TOKEN": "good-token"}


def measured(fake, work, trace: bool = True):
    before = len(fake.requests)
    if not trace:
        start = time.perf_counter()
        result = work()
        return result, time.perf_counter() - start, len(fake.requests) - before, 0
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = work()
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, len(fake.requests) - before, peak


def naive(adapter, path: Path) -> int:
    """Every page held, then one sorted file: what the streaming avoids."""
    me = adapter.api.get("/api/v1/accounts/verify_credentials")
    accounts = adapter.api.link_pages(f"/api/v1/accounts/{me['id']}/followers", 80, most=10**6)
    lines = sorted(str(a["acct"]) for a in accounts)
    path.write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
    return len(accounts)


def row(label: str, seconds: float, requests: int, peak: int, size: int | str) -> None:
    size = f"{size / 1e6:.2f} MB" if isinstance(size, int) else size
    print(f"{label:<34}{seconds:>8.1f} s{requests:>9}{peak / 1e6:>10.1f} MB{size:>12}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=100_000)
    args = parser.parse_args()
    fake = FakeMastodon(rate_limit=10**9)
    fake.start()
    fake.add_followers("camille", args.followers)
    adapter = Mastodon({"instance": fake.url, "followers": True}, env=ENV)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "social")
        files = SnapshotFiles(store, "mastodon")
        print(f"{args.followers:,} followers on the fake Mastodon, pages of 80")
        print(f"{'run':<34}{'time':>10}{'requests':>9}{'peak':>13}{'file':>12}")

        def ours():
            return _snapshot(store, "mastodon", adapter, KEY, Moderation())

        _, s, n, peak = measured(fake, ours)
        row("roost, first snapshot", s, n, peak, files.list_path.stat().st_size)
        plain = Path(tmp) / "naive.txt"
        _, s, n, peak = measured(fake, lambda: naive(adapter, plain))
        row("naive (every page held)", s, n, peak, plain.stat().st_size)
        mtime = files.list_path.stat().st_mtime_ns
        _, s, n, peak = measured(fake, ours)
        unchanged = files.list_path.stat().st_mtime_ns == mtime
        row("roost, no change", s, n, peak, "untouched" if unchanged else "REWRITTEN")
        fake.add_followers("camille", 100, "newcomer")
        for i in range(100):
            fake.unfollow("camille", f"reader{i * 7}")
        log_before = files.log_path.stat().st_size
        _, s, n, peak = measured(fake, ours)
        row("roost, 100 came and 100 left", s, n, peak, files.log_path.stat().st_size - log_before)
        print("(the last row's file: bytes added to the change log)")
        _, s, n, _ = measured(fake, ours, trace=False)
        row("roost, no change, untraced", s, n, 0, "")
        _, s, n, _ = measured(fake, lambda: naive(adapter, plain), trace=False)
        row("naive, untraced", s, n, 0, "")
        print("(untraced: times without tracemalloc, which slows Roost's many small objects)")
    fake.stop()


if __name__ == "__main__":
    main()
