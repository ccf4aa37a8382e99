"""Follower snapshots against the fake Mastodon (tests/fakes/mastodon_followers.py): what the author
sees from ``roost audience snapshot`` and ``roost audience diff``, what lands in social/followers/,
what never does (the names of those who asked not to be indexed, anything on the built site),
and that a failed or unchanged run leaves the files alone."""

from __future__ import annotations

import json
import tracemalloc

import requests
from blog import Blog, lines_naming, output

KEY = "a-long-random-key-for-the-tests-0123456789"
ENV = {"ROOST_MASTODON_TOKEN": "good-token", "ROOST_FOLLOWERS_KEY": KEY}


def blog(tmp_path, fake, followers=True) -> Blog:
    config = {"instance": fake.url, "followers": followers}
    return Blog(tmp_path, {"mastodon": config}, env=ENV)


def files(b: Blog) -> dict[str, bytes]:
    folder = b.root / "social" / "followers"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.exists() else {}


def test_snapshot_then_diff_by_handle_with_counts(tmp_path, fake):
    fake.add_followers("camille", 5, "reader")
    b = blog(tmp_path, fake)
    first = b.run("audience", "snapshot")
    assert first.returncode == 0, output(first)
    assert "first snapshot, 5 followers (0 unnamed)" in first.stdout
    listed = (b.root / "social/followers/mastodon.txt").read_text().splitlines()
    assert listed[1:] == sorted(f"reader{i}@other.example" for i in range(5))

    fake.unfollow("camille", "reader2")
    fake.follow("camille", "ada")
    fake.follow("camille", "bea")
    second = b.run("audience", "snapshot")
    assert "6 followers (0 unnamed): 2 came, 1 left" in second.stdout, output(second)

    diff = b.run("audience", "diff")
    assert diff.returncode == 0, output(diff)
    lines = diff.stdout.splitlines()
    assert "5 -> 6 followers (2 came, 1 left)" in lines[0]
    assert lines[1:] == [
        "came (2):",
        "  @ada@other.example",
        "  @bea@other.example",
        "left (1):",
        "  @reader2@other.example",
    ]


def test_a_run_with_no_change_writes_nothing(tmp_path, fake):
    fake.add_followers("camille", 170)  # three pages
    b = blog(tmp_path, fake)
    assert b.run("audience", "snapshot").returncode == 0
    before = files(b)
    again = b.run("audience", "snapshot")
    assert again.returncode == 0
    assert "170 followers, no change since" in again.stdout
    assert "nothing written" in again.stdout
    assert files(b) == before  # no new file, no changed byte
    assert not [p for p in (b.root / "social").rglob(".tmp-*")]


def test_followers_who_ask_not_to_be_indexed_are_counted_never_named(tmp_path, fake):
    fake.add_followers("camille", 3, "reader")
    for name in ("dora", "emil", "finn", "gus"):
        fake.follow("camille", name)
    fake.profiles["dora"] = {"discoverable": False}
    fake.profiles["emil"] = {"note": "<p>Quiet here. #<span>nobot</span></p>"}
    fake.profiles["gus"] = {"discoverable": None}  # never chose: not a refusal
    b = blog(tmp_path, fake)
    b.write_raw(
        "moderation.json",
        json.dumps({"format": 1, "blocked_accounts": ["mastodon:finn@other.example"]}),
    )
    assert b.run("audience", "snapshot").returncode == 0
    stored = b"".join(files(b).values()).decode()
    for name in ("dora", "emil", "finn"):
        assert name not in stored
    assert "gus@other.example" in stored
    listed = (b.root / "social/followers/mastodon.txt").read_text().splitlines()[1:]
    assert len(listed) == 7 and sum(x.startswith("~") for x in listed) == 3

    fake.unfollow("camille", "dora")
    fake.unfollow("camille", "reader0")
    assert "5 followers (2 unnamed): 0 came, 2 left" in b.run("audience", "snapshot").stdout
    diff = b.run("audience", "diff")
    assert "dora" not in diff.stdout
    assert "  @reader0@other.example" in diff.stdout
    assert "  and 1 who asked not to be named, or whom you blocked or forgot" in diff.stdout


def test_failed_pages_leave_the_last_snapshot_untouched(tmp_path, fake):
    fake.add_followers("camille", 200)
    b = blog(tmp_path, fake)
    assert b.run("audience", "snapshot").returncode == 0
    before = files(b)
    fake.follow("camille", "newcomer")
    for fault in ("503", "truncate"):
        fake.faults = [None, fault]  # verify_credentials, then the first page of followers
        run = b.run("audience", "snapshot")
        assert run.returncode == 1, output(run)
        said = lines_naming(run, "the last snapshot")
        assert len(said) == 1 and "is kept" in said[0], output(run)
        assert files(b) == before
    fake.links_loop = True
    run = b.run("audience", "snapshot")
    assert run.returncode == 1
    assert lines_naming(run, "named the same page twice") and files(b) == before


def test_a_hidden_network_is_read_as_its_owner_and_skipped_when_the_server_lists_none(
    tmp_path, fake
):
    fake.add_followers("camille", 4)
    fake.hides_network.add("camille")
    b = blog(tmp_path, fake)
    assert "first snapshot, 4 followers" in b.run("audience", "snapshot").stdout
    before = files(b)
    fake.owner_sees_hidden = False  # a server that hides it from its owner too
    run = b.run("audience", "snapshot")
    said = lines_naming(run, "hides its followers")
    assert len(said) == 1 and "is kept" in said[0], output(run)
    assert files(b) == before


def test_whitelist_mode_refuses_anonymous_readers_not_the_author(tmp_path, fake):
    fake.add_followers("camille", 2)
    fake.whitelist_mode = True
    me = requests.get(
        f"{fake.url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": "Bearer good-token"},
        timeout=10,
    ).json()
    anonymous = requests.get(f"{fake.url}/api/v1/accounts/{me['id']}/followers", timeout=10)
    assert anonymous.status_code == 401
    assert "requires an authenticated user" in anonymous.json()["error"]
    b = blog(tmp_path, fake)
    assert "first snapshot, 2 followers" in b.run("audience", "snapshot").stdout


def test_off_by_default_and_a_missing_key_is_one_line(tmp_path, fake):
    fake.add_followers("camille", 2)
    off = blog(tmp_path / "off", fake, followers=False).run("audience", "snapshot")
    assert off.returncode == 0 and "off on every network" in output(off)
    asked = blog(tmp_path / "off", fake, followers=False).run(
        "audience", "snapshot", "--network", "mastodon"
    )
    assert asked.returncode == 1 and lines_naming(asked, '["followers"] = True')
    b = blog(tmp_path / "on", fake)
    no_key = b.run("audience", "snapshot", env={"ROOST_MASTODON_TOKEN": "good-token"})
    assert no_key.returncode == 2
    said = lines_naming(no_key, "roost: ")
    assert len(said) == 1 and "ROOST_FOLLOWERS_KEY" in said[0]
    assert files(b) == {}


def test_diff_between_named_snapshots_and_its_mistakes(tmp_path, fake):
    b = blog(tmp_path, fake)
    fake.add_followers("camille", 2)
    assert b.run("audience", "snapshot").returncode == 0
    assert "only one snapshot so far" in output(b.run("audience", "diff"))
    log = b.root / "social/followers/mastodon-changes.txt"

    def date_last_entry(day: int) -> None:
        """As if the snapshot had been taken on that day (runs here are a second apart)."""
        lines = log.read_text().splitlines()
        at = max(i for i, x in enumerate(lines) if x.startswith("# "))
        stamp = lines[at].split(" ")[1]
        lines[at] = lines[at].replace(stamp, f"2026-11-0{day}T10:00:00Z")
        log.write_text("\n".join(lines) + "\n")

    date_last_entry(1)
    for day, name in ((2, "ada"), (3, "bea")):
        fake.follow("camille", name)
        assert b.run("audience", "snapshot").returncode == 0
        date_last_entry(day)
    both = b.run("audience", "diff", "2026-11-01", "2026-11-03")
    assert "2 -> 4 followers (2 came, 0 left)" in both.stdout, output(both)
    assert "  @ada@other.example" in both.stdout and "  @bea@other.example" in both.stdout
    last_two = b.run("audience", "diff").stdout
    assert "@bea" in last_two and "@ada" not in last_two
    wrong = b.run("audience", "diff", "2025-01-01")
    assert wrong.returncode == 1 and lines_naming(wrong, "no snapshot dated 2025-01-01")


def test_no_snapshot_data_reaches_the_built_site(tmp_path, fake):
    fake.add_followers("camille", 3, "quietreader")
    b = blog(tmp_path, fake)
    assert b.run("audience", "snapshot").returncode == 0
    built = b.run("build", "-s", "pelicanconf.py", "-o", str(tmp_path / "output"))
    assert built.returncode == 0, output(built)
    pages = list((tmp_path / "output").rglob("*"))
    assert any(p.name == "index.html" for p in pages)
    assert not [p for p in pages if "followers" in p.name or "changes" in p.name]
    for page in (p for p in pages if p.is_file()):
        assert b"quietreader" not in page.read_bytes(), page


def test_a_snapshot_of_many_followers_holds_one_page_not_every_page(tmp_path, fake, monkeypatch):
    """16,000 followers (200 pages): the peak stays near one page and one sorted run, far below
    what holding every page's accounts takes (about 40 MB here)."""
    from roost.commands import snapshot_files
    from roost.commands.cmd_audience import _snapshot
    from roost.networks.mastodon.adapter import Mastodon
    from roost.people import Moderation
    from roost.store import Store

    monkeypatch.setattr(snapshot_files, "RUN", 2_000)
    monkeypatch.setattr(snapshot_files.SortedLines.__init__, "__defaults__", (2_000,))
    fake.add_followers("camille", 16_000)
    store = Store(tmp_path / "social")
    adapter = Mastodon({"instance": fake.url, "followers": True}, env=ENV)
    tracemalloc.start()
    try:
        assert _snapshot(store, "mastodon", adapter, KEY.encode(), Moderation())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len((tmp_path / "social/followers/mastodon.txt").read_text().splitlines()) == 16_001
    assert peak < 4_000_000, peak


def test_a_spent_rate_budget_is_waited_for_not_fatal(tmp_path):
    """Mastodon gives 300 requests a window; a long list waits for the reset and goes on."""
    from fakes.mastodon import FakeMastodon

    from roost.networks.mastodon.adapter import Mastodon

    server = FakeMastodon(rate_limit=4, rate_window=0.5)
    server.start()
    try:
        server.add_followers("camille", 800)  # 10 pages and verify_credentials: 11 requests
        adapter = Mastodon({"instance": server.url, "followers": True}, env=ENV)
        assert len(list(adapter.followers().people)) == 800
    finally:
        server.stop()
