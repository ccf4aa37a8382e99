"""`roost syndicate` end to end: a real site, served locally, posting to the fake Mastodon."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from fakes.mastodon import FakeMastodon

from conftest import ROOST
from sites import write_settings

TOKEN = {"ROOST_MASTODON_TOKEN": "good-token"}

POSTS = {
    "a.md": "Title: Swifts are back\nDate: 2026-05-01 10:00\nSlug: swifts\nTags: birds\n"
    "Summary: They arrived on the first of May.\n\nBody.\n",
    "b.md": "Title: Owls\nDate: 2026-05-02 10:00\nSlug: owls\n\nTawny owls at night.\n",
    "old.md": "Title: Old\nDate: 2025-01-01 10:00\nSlug: old\n\nFrom before Roost.\n",
    "no.md": "Title: Private-ish\nDate: 2026-05-03 10:00\nSlug: quiet\nSyndicate: no\n\nNo.\n",
    "draft.md": "Title: Draft\nDate: 2026-05-04 10:00\nSlug: draft\nStatus: draft\n\nNot yet.\n",
    "future.md": "Title: Future\nDate: 2099-01-01 10:00\nSlug: future\n\nLater.\n",
    "thread.md": "Title: A thread\nDate: 2026-05-05 10:00\nSlug: thread\nThread: yes\n"
    "Mastodon_text: " + " ".join(f"point{i}" for i in range(120)) + "\n\nBody.\n",
}


class Site:
    """A small blog with a served output/, so "is the post live?" is answered for real."""

    def __init__(self, root: Path, fake: FakeMastodon, serve, devnet=None):
        self.root, self.fake = root, fake
        (root / "content").mkdir(parents=True)
        (root / "output").mkdir()
        # The Bluesky network lives for the whole session: unique slugs keep sites apart.
        self.salt = f"-{root.name[-12:].lower()}" if devnet else ""
        self.salt = "".join(c if c.isalnum() or c == "-" else "-" for c in self.salt)
        for name, text in POSTS.items():
            text = re.sub(r"^Slug: (.*)$", lambda m: f"Slug: {m[1]}{self.salt}", text, flags=re.M)
            (root / "content" / name).write_text(text)
        self.siteurl = serve(root / "output")
        networks = {"mastodon": {"instance": fake.url}}
        self.env = dict(TOKEN)
        if devnet:
            networks["bluesky"] = {
                "handle": "camille.test",
                "service": devnet.pds,
                "plc": devnet.plc,
                "session_cache": str(root / "bluesky-session.json"),
            }
            self.env["ROOST_BLUESKY_APP_PASSWORD"] = devnet.accounts["camille"]["password"]
        write_settings(
            root / "publishconf.py",
            SITEURL=self.siteurl,
            WITH_FUTURE_DATES=True,
            ROOST_NETWORKS=networks,
            ROOST_SYNDICATE_SINCE="2026-01-01",
        )
        self.run("build", "-s", "publishconf.py", "-o", "output", check=True)

    def run(self, *args, env=None, check=False) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [ROOST, *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, **(self.env if env is None else env)},
            timeout=300,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def ledger(self, key: str) -> dict:
        path = self.root / "social" / "posts" / f"{key}{self.salt}.json"
        return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture()
def site(tmp_path, fake, serve):
    return Site(tmp_path, fake, serve)


def texts(fake) -> list[str]:
    return sorted(s["_text"] for s in fake.live_statuses())


def test_new_posts_go_out_once_and_are_recorded(site, fake):
    result = site.run("syndicate")
    assert result.returncode == 0, result.stderr
    statuses = fake.live_statuses()
    assert len(statuses) == 2 + 3  # swifts, owls, and a thread of three
    swifts = site.ledger("swifts")["syndications"]
    assert [s["url"] for s in swifts] == [
        next(s["url"] for s in statuses if "Swifts" in s["_text"])
    ]
    assert "#birds" in next(s["_text"] for s in statuses if "Swifts" in s["_text"])
    for key in ("old", "quiet", "draft", "future"):
        assert not site.ledger(key).get("syndications")
    lines = result.stdout.splitlines()
    assert lines[-2].split() == ["network", "posted", "updated", "skipped", "unchanged", "failed"]
    assert lines[-1].split() == ["mastodon", "3", "0", "2", "0", "0"]

    again = site.run("syndicate")
    assert again.returncode == 0 and len(fake.live_statuses()) == 5
    assert again.stdout.splitlines()[-1].split() == ["mastodon", "0", "0", "2", "3", "0"]


def test_a_thread_is_posted_in_order_as_replies(site, fake):
    site.run("syndicate", check=True)
    parts = site.ledger("thread")["syndications"]
    assert [p["part"] for p in parts] == [0, 1, 2]
    by_id = {s["id"]: s for s in fake.live_statuses()}
    assert by_id[parts[1]["id"]]["in_reply_to_id"] == parts[0]["id"]
    assert by_id[parts[2]["id"]]["in_reply_to_id"] == parts[1]["id"]


def test_an_edited_post_edits_its_copy(site, fake):
    site.run("syndicate", check=True)
    post = site.root / "content" / "b.md"
    post.write_text(post.read_text().replace("Tawny owls at night.", "Barn owls, not tawny."))
    result = site.run("syndicate", check=True)
    assert "updated" in result.stdout
    copy = site.ledger("owls")["syndications"][0]
    assert "Barn owls" in fake.statuses[copy["id"]]["_text"]
    assert len(fake.live_statuses()) == 5


def test_a_post_that_is_not_live_yet_waits(site, fake):
    import shutil

    shutil.rmtree(site.root / "output" / "owls")  # (a folder without index.html lists as 200)
    result = site.run("syndicate")
    assert f"{site.siteurl}/owls/ is not live yet" in result.stdout
    assert "owls" not in json.dumps(texts(fake))
    assert not site.ledger("owls").get("syndications")


def test_dry_run_and_preview_send_nothing(site, fake):
    dry = site.run("syndicate", "--dry-run", env={}, check=True)
    assert "would post" in dry.stdout
    preview = site.run("preview", "thread", "--json", env={}, check=True)
    data = json.loads(preview.stdout)["mastodon"]
    assert len(data["parts"]) == 3
    assert data["requests"][0]["json"]["status"] == data["parts"][0]
    assert data["requests"][1]["json"]["in_reply_to_id"] == "<id of part 1>"
    assert fake.requests == []


def test_a_missing_token_is_one_line_naming_the_variable(site, fake):
    result = site.run("syndicate", env={"ROOST_MASTODON_TOKEN": ""})
    assert result.returncode == 1
    assert "set the environment variable ROOST_MASTODON_TOKEN" in result.stdout
    assert fake.live_statuses() == []


def test_mark_handled_and_unsyndicate(site, fake):
    site.run("mark-handled", env={}, check=True)
    result = site.run("syndicate", check=True)
    assert fake.live_statuses() == []
    assert "handled before Roost" in site.ledger("swifts")["skipped"]["mastodon"]
    assert result.stdout.splitlines()[-1].split()[1] == "0"

    # A post sent, then taken back: deleted there, and never sent again.
    (site.root / "social/posts/owls.json").unlink()
    site.run("syndicate", check=True)
    assert len(fake.live_statuses()) == 1
    site.run("unsyndicate", "owls", check=True)
    assert fake.live_statuses() == []
    assert "unsyndicated" in site.ledger("owls")["skipped"]["mastodon"]
    site.run("syndicate", check=True)
    assert fake.live_statuses() == []


def test_server_trouble_is_retried_and_rejections_reported(site, fake):
    fake.faults = ["503", "drop", "503"]
    result = site.run("syndicate")
    assert result.returncode == 0, result.stdout
    assert len(fake.live_statuses()) == 5  # the dropped answer's status was not made twice


def test_two_runs_at_once_post_nothing_twice(site, fake):
    env = {**os.environ, **TOKEN}
    runs = [
        subprocess.Popen(
            [ROOST, "syndicate"], cwd=site.root, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for r in runs:
        r.wait(timeout=300)
    assert [r.returncode for r in runs] == [0, 0]
    assert len(fake.live_statuses()) == 5


CRASH_TRIALS = int(os.environ.get("ROOST_CRASH_TRIALS", "8"))


@pytest.mark.parametrize("trial", range(CRASH_TRIALS))
def test_killed_at_any_step_every_post_is_there_exactly_once(tmp_path, serve, trial):
    """Kill `roost syndicate` before a request, after the server acted but before the answer
    (so before the ledger write), or at a random moment (which includes the ledger write),
    then run it again until it finishes: every post is on the network exactly once."""
    import random

    rnd = random.Random(trial)
    fake = FakeMastodon()
    fake.start()
    try:
        site = Site(tmp_path, fake, serve)
        env = {**os.environ, **TOKEN}
        kills = 0
        for _attempt in range(12):
            proc = subprocess.Popen(
                [ROOST, "syndicate"], cwd=site.root, env=env, stdout=subprocess.DEVNULL
            )
            mode = rnd.choice(["before", "after", "timer", "none"]) if kills < 4 else "none"
            target = rnd.randint(1, 4)
            seen = {"n": 0}

            def kill(*_args, proc=proc, target=target, seen=seen):
                seen["n"] += 1
                if seen["n"] == target and proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                    return True  # before: the request is dropped undone
                return False

            fake.on_request = kill if mode == "before" else None
            fake.on_create = kill if mode == "after" else None
            try:
                proc.wait(timeout=rnd.uniform(0.5, 2.5) if mode == "timer" else 300)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            fake.on_request = fake.on_create = None
            if proc.returncode == 0:
                break
            kills += 1  # noqa: SIM113 (counts only the runs that were killed)
        assert proc.returncode == 0
        statuses = texts(fake)
        assert len(statuses) == len(set(statuses)) == 5, statuses
        for key, parts in (("swifts", 1), ("owls", 1), ("thread", 3)):
            assert len(site.ledger(key)["syndications"]) == parts
    finally:
        fake.stop()


def test_the_cli_module_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "roost.commands.cli", "--help"], capture_output=True, text=True
    )
    assert "syndicate" in result.stdout


def bluesky_posts(devnet, salt: str) -> list[str]:
    """The texts of camille.test's posts on the Bluesky network that belong to this site."""
    did = devnet.accounts["camille"]["did"]
    records, cursor = [], None
    while True:
        params = {"repo": did, "collection": "app.bsky.feed.post", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = requests.get(
            f"{devnet.pds}/xrpc/com.atproto.repo.listRecords", params=params, timeout=30
        ).json()
        records += page["records"]
        cursor = page.get("cursor")
        if not cursor or not page["records"]:
            break
    ours = []
    for r in records:
        value = r["value"]
        card = (value.get("embed") or {}).get("external", {}).get("uri", "")
        links = [f["features"][0].get("uri", "") for f in value.get("facets", [])]
        if any(salt in u for u in [card, *links]) or (
            "reply" in value and salt in json.dumps(value["reply"])
        ):
            ours.append(value["text"])
    return ours


def test_one_run_posts_to_both_networks(tmp_path, serve, fake, devnet):
    site = Site(tmp_path, fake, serve, devnet)
    result = site.run("syndicate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(fake.live_statuses()) == 5
    ledger = site.ledger("swifts")["syndications"]
    assert sorted(s["network"] for s in ledger) == ["bluesky", "mastodon"]
    thread = [s for s in site.ledger("thread")["syndications"] if s["network"] == "bluesky"]
    assert [s["part"] for s in thread] == list(range(len(thread)))
    table = site.run("syndicate", check=True).stdout.splitlines()[-2:]
    assert [row.split()[:2] for row in table] == [["bluesky", "0"], ["mastodon", "0"]]


@pytest.mark.parametrize("trial", range(int(os.environ.get("ROOST_CRASH_TRIALS_BOTH", "3"))))
def test_killed_runs_leave_both_networks_exactly_once(tmp_path, serve, devnet, trial):
    import random

    rnd = random.Random(1000 + trial)
    fake = FakeMastodon()
    fake.start()
    try:
        site = Site(tmp_path, fake, serve, devnet)
        env = {**os.environ, **site.env}
        for _attempt in range(10):
            proc = subprocess.Popen(
                [ROOST, "syndicate"], cwd=site.root, env=env, stdout=subprocess.DEVNULL
            )
            try:
                proc.wait(timeout=rnd.uniform(0.8, 4.0) if _attempt < 3 else 300)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.returncode == 0:
                break
        assert proc.returncode == 0
        assert len(texts(fake)) == len(set(texts(fake))) == 5
        on_bluesky = [
            s
            for key in ("swifts", "owls", "thread")
            for s in site.ledger(key)["syndications"]
            if s["network"] == "bluesky"
        ]
        found = bluesky_posts(devnet, site.salt)
        assert len(found) == len(on_bluesky), (found, on_bluesky)
    finally:
        fake.stop()


def test_a_stopped_network_does_not_stop_the_other(tmp_path, fake, serve):
    """A network that is rate limited for long, or refuses the token, stops for this run;
    the other network still gets every post, and the run says what failed."""
    from datetime import date

    from roost.commands.syndicate import Syndicator
    from roost.networks.base import Draft, Network, RateLimited
    from roost.networks.compose import Post
    from roost.networks.mastodon.adapter import Mastodon
    from roost.store import Store

    class Throttled(Network):
        NAME = "throttled"

        def draft(self, post):
            return Draft(self.NAME, post.key, ["text"], post.url)

        def publish_part(self, draft, part, reply_to, intent=None):
            raise RateLimited(self.NAME, "Too many requests", retry_after=3600)

    from datetime import UTC, datetime

    posts = [
        Post(
            f"p{i}", f"P{i}", "S.", f"https://camille.blog/p{i}/", datetime(2026, 5, 1, tzinfo=UTC)
        )
        for i in range(3)
    ]
    adapters = {
        "throttled": Throttled({}),
        "mastodon": Mastodon({"instance": fake.url}, env={"ROOST_MASTODON_TOKEN": "good-token"}),
    }
    syndicator = Syndicator(
        Store(tmp_path), adapters, since=date(2026, 1, 1), check_deployed=False,
        sleep=lambda s: None,
    )  # fmt: skip
    outcomes = syndicator.run(posts)
    by = {(o.network, o.action) for o in outcomes}
    assert ("mastodon", "posted") in by and len(fake.live_statuses()) == 3
    failed = [o for o in outcomes if o.network == "throttled"]
    assert [o.action for o in failed] == ["failed"] * 3
    assert "Too many requests" in failed[0].detail and "stopped" in failed[1].detail


def _syndicate_dying_at_rename(root: Path, nth: int) -> None:
    """In a forked child: run `roost syndicate`, dying between writing a ledger file's
    temporary copy and renaming it over the real one (the nth such rename)."""
    real, calls = os.replace, {"n": 0}

    def dying(src, dst):
        calls["n"] += "/posts/" in str(dst)  # ledger files only
        if calls["n"] == nth:
            os._exit(9)
        return real(src, dst)

    os.replace = dying
    os.chdir(root)
    os.environ.update(TOKEN)
    from roost.commands.cli import main

    sys.exit(main(["syndicate"]))


@pytest.mark.parametrize("nth", [1, 2, 4])
def test_killed_during_the_ledger_write(site, fake, nth):
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(
        target=_syndicate_dying_at_rename, args=(site.root, nth)
    )
    child.start()
    child.join(120)
    assert child.exitcode == 9
    folder = site.root / "social" / "posts"
    assert list(folder.glob(".tmp-*")), "the write was cut between its two steps"
    for path in folder.glob("*.json"):
        json.loads(path.read_text())  # every ledger file is whole: the old one or the new one
    site.run("syndicate", check=True)
    assert len(texts(fake)) == len(set(texts(fake))) == 5
