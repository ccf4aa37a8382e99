"""What strangers and hand edits send, turned against the audience commands, the follower
snapshots and the X and Threads adapters: each test here is a defect found by trying to break
them (helper "attack"), kept so that it stays fixed."""

from __future__ import annotations

import pytest
from blog import Blog, output


@pytest.mark.parametrize("command", [("status",), ("doctor",)])
def test_a_spending_file_that_is_not_an_object_is_one_line(tmp_path, command):
    b = Blog(tmp_path, {})
    b.write_raw("spending.json", "[]")
    run = b.run(*command)
    assert "Traceback" not in output(run)
    assert run.returncode == 1, output(run)
    assert any("spending.json" in ln and "must be an object" in ln
               for ln in output(run).splitlines())  # fmt: skip


#: Follower accounts as a hostile server may name them: a terminal escape (it sets the window's
#: title and could do worse), a NUL, a direction override that shows "exe.png" as "gnp.exe".
HOSTILE_ACCTS = {
    "esc": "ev\x1b]0;pwned\x07il@other.example",
    "nul": "nul\x00@other.example",
    "bidi": "x\u202egnp.exe@other.example",
    "ctl": "reader1\x01z@other.example",
}


def test_follower_names_with_control_characters_are_counted_never_written(tmp_path, fake):
    from test_audience_snapshots import blog

    fake.add_followers("camille", 3, "reader")
    b = blog(tmp_path, fake)
    assert b.run("audience", "snapshot").returncode == 0
    for name, acct in HOSTILE_ACCTS.items():
        fake.follow("camille", name)
        fake.profiles[name] = {"acct": acct}
    second = b.run("audience", "snapshot")
    assert "7 followers (4 unnamed): 4 came, 0 left" in second.stdout, output(second)
    diff = b.run("audience", "diff")
    assert diff.returncode == 0, output(diff)
    folder = b.root / "social" / "followers"
    for text in (output(diff), *(p.read_text() for p in folder.iterdir())):
        assert not any(c in text for c in "\x1b\x07\x00\x01\u202e"), repr(text)
    assert "and 4 who asked not to be named" in diff.stdout


def test_people_show_prints_no_terminal_escape_a_network_put_in_an_account_id(tmp_path):
    """A Threads reply whose username holds an escape sequence (it retitles the terminal) and a
    carriage return (it overwrites the line): its account id and addresses reach the records,
    and ``roost people show`` prints them without the controls."""
    import shutil

    from fakes.threads import FakeThreads
    from test_threads_backfeed import run, world

    fake = FakeThreads()
    fake.start()
    try:
        a, store, head, _ = world.__wrapped__(fake, tmp_path)
        fake.reply_as("bo\x1b]0;pwned\x07b\r", head.id, "Lovely")
        assert run(a, store).failed == ""
    finally:
        fake.stop()
    b = Blog(tmp_path / "blog", {})
    shutil.copytree(store.root, b.root / "social")
    listed = b.run("people")
    pid = listed.stdout.split()[0]
    assert pid.startswith("person:"), output(listed)
    shown = b.run("people", "show", pid)
    assert shown.returncode == 0, output(shown)
    assert "threads:bo]0;pwnedb" in shown.stdout
    assert not any(c in output(shown) for c in "\x1b\x07\r"), repr(shown.stdout)


def test_an_infinite_count_from_threads_is_one_line_not_a_traceback(tmp_path):
    """JSON's ``1e999`` reads as infinity, which no count can be: the harvest fails in one line
    naming the network (the post is read again next run), not with an OverflowError."""
    from fakes.threads import FakeThreads
    from test_threads_backfeed import run, world

    fake = FakeThreads()
    fake.start()
    try:
        a, store, head, _ = world.__wrapped__(fake, tmp_path)
        fake.posts[head.id]["likes"] = float("inf")  # sent as Infinity, read back as inf
        report = run(a, store)
    finally:
        fake.stop()
    assert report.failed.startswith("threads: an answer of a shape Roost does not know")


def test_follower_files_that_are_not_utf8_are_one_line_naming_them(tmp_path, fake):
    from test_audience_snapshots import blog

    fake.add_followers("camille", 3, "reader")
    b = blog(tmp_path, fake)
    assert b.run("audience", "snapshot").returncode == 0
    fake.follow("camille", "ada")
    assert b.run("audience", "snapshot").returncode == 0
    folder = b.root / "social" / "followers"
    for name, command in (("mastodon.txt", "snapshot"), ("mastodon-changes.txt", "diff")):
        kept = (folder / name).read_bytes()
        (folder / name).write_bytes(b"# Roost followers\n\xff\xfe broken\n")
        fake.follow("camille", f"bea{len(name)}")
        run = b.run("audience", command)
        assert "Traceback" not in output(run)
        assert run.returncode == 1, output(run)
        assert f"social/followers/{name}: not UTF-8 text" in run.stderr, output(run)
        assert (folder / name).read_bytes() == b"# Roost followers\n\xff\xfe broken\n"
        (folder / name).write_bytes(kept)


@pytest.mark.parametrize("expires_in", [float("inf"), 1e300])
def test_a_threads_refresh_naming_an_endless_lifetime_keeps_the_token_in_use(tmp_path, expires_in):
    """A refresh answer whose ``expires_in`` no date can hold is a refused refresh (the token
    in use goes on, asked again tomorrow), not an OverflowError on every run."""
    from roost.networks.threads.token import TokenKeeper

    keeper = TokenKeeper(
        "threads",
        {"ROOST_THREADS_TOKEN": "given-token-1234"},
        "ROOST_THREADS_TOKEN",
        tmp_path / "token.json",
        refresh=lambda token: {"access_token": "fresh-token-5678", "expires_in": expires_in},
    )
    assert keeper.token() == "given-token-1234"
    assert "tried" in (tmp_path / "token.json").read_text()


def test_a_lone_surrogate_in_an_answer_is_not_a_traceback(tmp_path, fake):
    """JSON may escape half a UTF-16 pair alone ("\\ud800"); Python reads it as a character no
    UTF-8 file or terminal can hold. In an account it becomes U+FFFD and the snapshot is made;
    in an error, the error is one line."""
    from test_audience_snapshots import blog
    from test_guarded_fetch import Canary

    fake.add_followers("camille", 3, "reader")
    fake.follow("camille", "sur")
    fake.profiles["sur"] = {"acct": "a\ud800b@other.example", "display_name": "x\udfffy"}
    b = blog(tmp_path / "one", fake)
    snapshot = b.run("audience", "snapshot")
    assert snapshot.returncode == 0, output(snapshot)
    assert "a\ufffdb@other.example" in (b.root / "social/followers/mastodon.txt").read_text()

    def refuses(handler):
        handler.send_body(422, b'{"error": "no \\ud800 way"}', "application/json")

    server = Canary(refuses)
    try:
        b = Blog(tmp_path / "two", {"mastodon": {"instance": server.url}})
        for command in ("doctor", "backfeed"):
            run = b.run(command)
            assert "Traceback" not in output(run), (command, output(run))
            assert run.returncode == 1 and "no \ufffd way" in output(run), command
    finally:
        server.close()


@pytest.mark.parametrize(
    "command",
    [
        ("people", "verify", "--days", "9999999999"),  # a date past year 9999: OverflowError
        ("people", "verify", "--days", "-1"),
        ("people", "--limit", "-3"),  # all but the last three, silently
        ("stats", "--top", "-5"),
        ("stats", "--posts", "-1"),
    ],
)
def test_counts_and_days_out_of_range_are_refused_in_one_line(tmp_path, command):
    b = Blog(tmp_path, {})
    run = b.run(*command)
    assert "Traceback" not in output(run)
    assert run.returncode == 2, output(run)
    assert f"argument {command[-2]}: '{command[-1]}': give a whole number from 0" in run.stderr


def test_a_feed_cache_of_the_wrong_shape_is_only_a_cache(tmp_path):
    """``~/.cache/roost/feeds.json`` whose sites are a list: read as empty, the export goes on."""
    b = Blog(tmp_path, {})
    cache = b.root / "home" / ".cache" / "roost" / "feeds.json"
    cache.parent.mkdir(parents=True)
    cache.write_text('{"sites": []}')
    run = b.run("people", "export", "--format", "opml")
    assert "Traceback" not in output(run)
    assert run.returncode == 0, output(run)
    assert run.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>')
