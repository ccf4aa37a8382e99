"""A moderation decision wins everywhere: after a merge of another run's records, after a block,
and when someone asks not to be archived after they were."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

from test_backfeed import act, archive, blog  # noqa: F401 (a fixture)
from test_ci import BIN, Remote, git
from test_moderation_commands import BOB, make

from roost.commands.backfeed import backfeed

from conftest import run_roost


def test_someone_who_adds_nobot_later_is_removed_at_the_next_backfeed(fake, blog):  # noqa: F811
    store, adapter, copies = blog
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille lovely",
              in_reply_to_id=copies["swifts"])  # fmt: skip
    act(fake, "ines", "POST", f"/api/v1/statuses/{copies['owls']}/favourite")
    backfeed(store, adapter)
    people = store.read_people()
    avatar = store.media_file(people["mastodon:bob@other.example"].avatar)
    assert f"mastodon:{bob['id']}" in archive(store, "swifts") and avatar.exists()
    # Bob adds #nobot to his bio, as Mastodon renders it; Ines turns on "noindex". Neither
    # does anything that notifies, and no post is due for a sweep.
    fake.profiles["bob"] = {
        "note": '<p>Birds. <a href="https://other.example/tags/nobot" class="mention hashtag" '
        'rel="tag">#<span>nobot</span></a></p>'
    }
    fake.profiles["ines"] = {"noindex": True}
    report = backfeed(store, adapter)
    assert report.change.removed == 2 and not report.failed
    assert archive(store, "swifts") == {} and archive(store, "owls") == {}
    people = store.read_people()
    assert "mastodon:bob@other.example" not in people
    assert "mastodon:ines@other.example" not in people
    assert not avatar.exists()
    # Their profiles say so still: nothing of theirs comes back.
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille again",
        in_reply_to_id=copies["swifts"])  # fmt: skip
    backfeed(store, adapter)
    assert archive(store, "swifts") == {}
    # A profile renamed since is shown renamed.
    fake.profiles.pop("bob")
    act(fake, "kenji", "POST", f"/api/v1/statuses/{copies['owls']}/favourite")
    backfeed(store, adapter)
    fake.profiles["kenji"] = {"display_name": "Kenji Sato"}
    backfeed(store, adapter)
    assert store.read_people()["mastodon:kenji@other.example"].name == "Kenji Sato"


def test_block_removes_what_is_stored_of_them(tmp_path):
    make(tmp_path)
    result = run_roost("block", "b.example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 stored interaction(s)" in result.stdout
    social = "".join(p.read_text() for p in (tmp_path / "social").rglob("*.json"))
    assert "bob-words" not in social and BOB not in social.replace('"blocked', "")
    assert "ann-words" in social
    check = run_roost("check", cwd=tmp_path)
    assert check.returncode == 0, check.stderr


def test_check_names_what_the_moderation_refuses_and_moderate_removes_it(tmp_path):
    make(tmp_path)
    moderation = tmp_path / "social/moderation.json"
    moderation.write_text(json.dumps({"format": 1, "blocked_domains": ["b.example"]}))  # by hand
    check = run_roost("check", cwd=tmp_path)
    assert check.returncode == 1
    assert f"is by {BOB}, whom the moderation refuses; run `roost moderate`" in check.stderr
    assert run_roost("moderate", cwd=tmp_path).returncode == 0
    assert run_roost("check", cwd=tmp_path).returncode == 0


def test_what_forget_prints_cannot_run_a_payload(tmp_path):
    """A person's id comes from a stranger: the commands printed for the author to paste are
    quoted, so none of it runs."""
    make(tmp_path)
    evil = "mastodon:x'$(touch PWNED)`touch PWNED2`@evil.example"
    path = tmp_path / "social/posts/good.json"
    data = json.loads(path.read_text())
    data["interactions"][0]["author"] = evil
    path.write_text(json.dumps(data))
    result = run_roost("forget", evil, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    commands = [ln.strip() for ln in result.stdout.splitlines()
                if ln.startswith(("  git ", "  pip "))]  # fmt: skip
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for tool in ("git", "pip"):
        (fake_bin / tool).write_text("#!/bin/sh\nexit 0\n")
        (fake_bin / tool).chmod(0o755)
    script = "\n".join(commands)
    subprocess.run(["bash", "-c", script], cwd=tmp_path, check=True,
                   env={**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}"})  # fmt: skip
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "PWNED2").exists()
    replacements = Path(shlex.split(commands[-1])[-1])
    lines = replacements.read_text().splitlines()
    assert f"literal:{evil}==>[forgotten]" in lines
    assert "literal:bob-words-one==>[forgotten]" not in lines  # the words as the file holds them
    assert any("bob-words-one" in line for line in lines)


def test_a_merged_backfeed_does_not_bring_a_forgotten_person_back(tmp_path, fake, serve):
    """The author forgets Bob while a scheduled backfeed, started before, fetches Bob's new
    reply; the backfeed pushes second, its records are merged with the author's: Bob is gone
    from the result, his avatar too, and `roost check` finds nothing."""
    remote = Remote(tmp_path, fake, serve)
    assert remote.run("run-1").returncode == 0
    ledger = json.loads((remote.clone("peek") / "social/posts/swifts.json").read_text())
    copy = ledger["syndications"][0]["id"]
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille first", in_reply_to_id=copy)
    assert remote.backfeed("backfeed-1").returncode == 0

    # The scheduled run clones now; the author forgets Bob meanwhile and pushes first.
    scheduled = remote.clone("backfeed-2")
    author = remote.clone("author-forgets")
    forgot = subprocess.run(
        [BIN / "roost", "forget", "mastodon:bob@other.example", "-s", "publishconf.py"],
        cwd=author, capture_output=True, text=True,
    )  # fmt: skip
    assert forgot.returncode == 0, forgot.stderr
    git(author, "add", "-A")
    git(author, "commit", "-qm", "Forget Bob")
    git(author, "push", "-q", "origin", "main")
    act(fake, "bob", "POST", "/api/v1/statuses", status="@camille second", in_reply_to_id=copy)
    result = remote.backfeed("backfeed-2", work=scheduled)
    assert result.returncode == 0, result.stdout

    final = remote.clone("final")
    social = final / "social"
    everything = "".join(p.read_text() for p in social.rglob("*.json"))
    assert "bob@other.example" not in everything and "first" not in everything
    assert "second" not in everything
    used = {m for m in everything.split('"') if m.startswith("media/")}
    assert all((social / m).exists() for m in used)
    check = subprocess.run([BIN / "roost", "check", "-s", "publishconf.py"], cwd=final,
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_block_understands_what_people_copy_and_refuses_what_matches_nobody(tmp_path):
    make(tmp_path)
    for typed, stored in (("@bob@b.example", BOB), ("https://b.example/@bob", BOB),
                          ("https://bsky.app/profile/did:plc:abc", "bluesky:did:plc:abc"),
                          ("@eve.spam.example", "eve.spam.example")):  # fmt: skip
        result = run_roost("block", typed, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert stored in (tmp_path / "social/moderation.json").read_text()
    assert "bob-words" not in "".join(p.read_text() for p in (tmp_path / "social").rglob("*.json"))
    for nonsense in ("bob", "https://example.com/page", "mastdon:bob@b.example"):
        result = run_roost("block", nonsense, cwd=tmp_path)
        assert result.returncode == 2 and "is neither an account" in result.stderr, nonsense


def test_moderate_and_status_name_a_record_they_cannot_read_and_go_on(tmp_path):
    make(tmp_path)
    (tmp_path / "social/posts/other.json").write_text("{not json")
    moderate = run_roost("moderate", cwd=tmp_path)
    assert moderate.returncode == 1 and "social/posts/other.json" in moderate.stderr
    status = run_roost("status", "-s", "pelicanconf.py", cwd=tmp_path)  # a blog with no publishconf
    assert status.returncode == 1 and "social/posts/other.json" in status.stderr
    assert "good" in status.stdout  # the other posts are listed
