"""Does one post go to its networks at the same time? Wall time with injected network latency.

Two fake servers speaking Mastodon's API (tests/fakes/mastodon.py) answer every request after
a delay: 150 ms for the first "network", 400 ms for the second. The real orchestrator posts N
posts to both, first one network after the other (the baseline), then concurrently (Roost's
way), each run with a fresh ledger and fresh servers. Expected: concurrent wall time near the
slower network's alone, not the sum of both.

    .venv/bin/python bench/syndicate_concurrency.py [--posts 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "tests")]

from fakes.mastodon import FakeMastodon  # noqa: E402

from roost.commands.syndicate import Syndicator  # noqa: E402
from roost.networks.compose import Post  # noqa: E402
from roost.networks.mastodon.adapter import Mastodon  # noqa: E402
from roost.store import Store  # noqa: E402


class SecondNetwork(Mastodon):
    """The same protocol under another name, so the ledger keeps the two apart."""

    NAME = "second"


class SlowFake(FakeMastodon):
    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay
        self.on_request = lambda *_: time.sleep(self.delay)


def run(posts: list[Post], concurrent: bool) -> tuple[float, int]:
    fast, slow = SlowFake(0.150), SlowFake(0.400)
    fast.start(), slow.start()
    try:
        env = {"ROOST_MASTODON_TOKEN": "good-token"}
        adapters = {
            "mastodon": Mastodon({"instance": fast.url}, env=env),
            "second": SecondNetwork({"instance": slow.url}, env=env),
        }
        with tempfile.TemporaryDirectory() as tmp:
            syndicator = Syndicator(
                Store(tmp), adapters, since=date(2026, 1, 1), check_deployed=False,
                concurrent=concurrent,
            )  # fmt: skip
            start = time.perf_counter()
            outcomes = syndicator.run(posts)
            wall = time.perf_counter() - start
        posted = sum(o.action == "posted" for o in outcomes)
        return wall, posted
    finally:
        fast.stop(), slow.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=10)
    args = ap.parse_args()
    posts = [
        Post(
            key=f"post-{i}",
            title=f"Post {i}",
            summary="A short summary.",
            url=f"https://camille.blog/post-{i}/",
            date=datetime(2026, 5, 1, tzinfo=UTC),
        )
        for i in range(args.posts)
    ]
    print(f"{args.posts} posts to two networks; latency 150 ms and 400 ms per request")
    seq, n1 = run(posts, concurrent=False)
    con, n2 = run(posts, concurrent=True)
    print(f"one network after the other: {seq:6.2f} s ({n1} copies)")
    print(f"networks at the same time:   {con:6.2f} s ({n2} copies)")
    print(f"expected: sum {args.posts * 0.55:.2f} s, slower alone {args.posts * 0.40:.2f} s")
    print(f"ratio concurrent / one after the other: {con / seq:.2f}")


if __name__ == "__main__":
    main()
