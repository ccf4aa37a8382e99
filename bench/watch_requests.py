"""Requests the account watch adds to a backfeed run, per network, against the fake Mastodon.

An account with a long history (``--history`` statuses, all of them Roost's copies) is looked at:

* the first look (it records where the account stands and lists nothing);
* a quiet look (nothing new);
* a look after one post Roost did not send;
* a look after Roost sent a thread of three parts (known: nothing listed);
* a look after ``--burst`` posts made at once (more than a page of 40).

Bluesky's figures come from ``tests/test_bluesky_watch.py`` on the real devnet (it prints them):
one ``getAuthorFeed`` for a quiet look or a few new posts (30 a page).

    .venv/bin/python bench/watch_requests.py [--history 2000] [--burst 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "tests"), str(REPO / "bench")]

from backfeed_requests import ENV, seed  # noqa: E402
from fakes.mastodon import FakeMastodon  # noqa: E402

from roost.commands.watch import unknown_posts, watch  # noqa: E402
from roost.model import PostRecord, Syndication, content_hash  # noqa: E402
from roost.networks.mastodon.adapter import Mastodon  # noqa: E402
from roost.store import Store  # noqa: E402


def post_as_camille(fake: FakeMastodon, text: str, reply_to: str | None = None) -> str:
    import requests

    body = {"status": text, **({"in_reply_to_id": reply_to} if reply_to else {})}
    r = requests.post(f"{fake.url}/api/v1/statuses", json=body,
                      headers={"Authorization": "Bearer good-token"}, timeout=10)  # fmt: skip
    r.raise_for_status()
    return r.json()["id"]


def look(fake: FakeMastodon, store: Store) -> tuple[int, int]:
    """(requests the watch made, posts listed after it)."""
    before = len(fake.requests)
    failed = watch(store, Mastodon({"instance": fake.url}, env=ENV))
    assert failed is None, failed
    return len(fake.requests) - before, len(unknown_posts(store))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--history", type=int, default=2000)
    ap.add_argument("--burst", type=int, default=100)
    args = ap.parse_args()
    fake = FakeMastodon(rate_limit=10**9)
    fake.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(tmp)
            seed(fake, store, args.history)
            rows = [("first look, " + f"{args.history:,} statuses of history", *look(fake, store))]
            rows.append(("quiet look", *look(fake, store)))
            post_as_camille(fake, "Buy cheap followers")
            rows.append(("one post Roost did not send", *look(fake, store)))
            with store.lock():  # a thread of three parts Roost sent
                parent, copies = None, []
                for part in range(3):
                    parent = post_as_camille(fake, f"part {part}", parent)
                    url, sent = f"https://fake/{parent}", "2026-05-01T10:05:00Z"
                    copies.append(
                        Syndication("mastodon", parent, url, sent, content_hash("x"), part)
                    )
                store.write_post(PostRecord("a-thread", syndications=copies))
            rows.append(("Roost sent a thread of 3 parts", *look(fake, store)))
            for n in range(args.burst):
                post_as_camille(fake, f"spam {n}")
            rows.append((f"{args.burst} posts Roost did not send", *look(fake, store)))
            print(f"{'mastodon: look':<44}{'requests':>9}{'listed':>8}")
            for name, requests_made, listed in rows:
                print(f"{name:<44}{requests_made:>9}{listed:>8}")
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
