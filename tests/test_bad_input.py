"""One bad input stops only itself: a corrupt record, a slug Roost cannot use, a record nested
too deeply, a settings file that does not run. Each is one line naming the file (and the line,
for settings), never a traceback; everything else is still done, and the bad file is left as it
was for its author to mend.

Every test runs the real ``roost`` command in a temporary blog, against the fake Mastodon.
"""

from __future__ import annotations

import json

import pytest
import requests
from blog import POSTS, Blog, lines_naming, output, post

CORRUPT = '{"format": 1, "post": "x", "interactions": ['
NESTED = "[" * 100_000  # valid JSON so far; the parser gives up on the depth, not the syntax


def mastodon_blog(root, fake, **kw) -> Blog:
    return Blog(root, {"mastodon": {"instance": fake.url}}, **kw)


def posted(fake) -> list[str]:
    return sorted(s["_text"].splitlines()[0] for s in fake.live_statuses())


def test_one_corrupt_record_stops_only_its_post(tmp_path, fake):
    blog = mastodon_blog(tmp_path, fake)
    broken = blog.write_raw("posts/owls.json", CORRUPT)
    result = blog.run("syndicate")
    assert result.returncode == 1, output(result)
    assert posted(fake) == ["Swifts are back", "Wrens in the hedge"]
    named = lines_naming(result, "social/posts/owls.json")
    assert len(named) == 1, output(result)
    assert broken.read_text() == CORRUPT
    assert "Traceback" not in output(result)


def test_a_slug_with_a_space_stops_only_its_post(tmp_path, fake):
    posts = {**POSTS, "spaced.md": post("Spaced", "has space", 4)}
    blog = mastodon_blog(tmp_path, fake, posts=posts)
    result = blog.run("syndicate")
    assert result.returncode == 1, output(result)
    assert posted(fake) == ["Owls at night", "Swifts are back", "Wrens in the hedge"]
    named = lines_naming(result, "spaced.md")
    assert len(named) == 1, output(result)
    assert "Traceback" not in output(result)


@pytest.mark.parametrize("command", ["check", "build", "syndicate", "backfeed", "doctor"])
def test_a_record_nested_too_deeply_is_one_line_naming_it(tmp_path, fake, command):
    blog = mastodon_blog(tmp_path, fake)
    if command == "backfeed":  # so that the backfeed has records to read
        assert blog.run("syndicate").returncode == 0
    broken = blog.write_raw("posts/owls.json", NESTED)
    result = blog.run(command)
    assert result.returncode == 1, output(result)[-3000:]
    assert "Traceback" not in output(result), output(result)[-3000:]
    named = lines_naming(result, "social/posts/owls.json")
    assert len(named) == 1, output(result)[-3000:]
    assert "nested too deeply" in named[0]
    assert broken.read_text() == NESTED
    if command == "syndicate":
        assert posted(fake) == ["Swifts are back", "Wrens in the hedge"]


# ------------------------------------------------------------------ settings that do not run

COMMANDS = [
    ["build"],
    ["check"],
    ["syndicate"],
    ["preview", "swifts"],
    ["backfeed"],
    ["doctor"],
    ["status"],
    ["hide", "mastodon:1"],
    ["block", "b.example"],
    ["forget", "mastodon:bob@b.example"],
    ["moderate"],
    ["mark-handled"],
    ["unsyndicate", "swifts"],
]

#: The commands whose default settings file is publishconf.py (the others read pelicanconf.py).
PUBLISHING = {"syndicate", "preview", "backfeed", "doctor", "status", "mark-handled", "unsyndicate"}

BROKEN_SETTINGS = {
    "NameError": ('PATH = "content"\nSITENAME = "Birds"\nSITEURL = SITE_ADDRESS\n', "NameError"),
    "SyntaxError": ('PATH = "content"\nSITENAME = "Birds"\nSITEURL = "https://\n', "SyntaxError"),
    "SystemExit": ('PATH = "content"\nSITENAME = "Birds"\nraise SystemExit(3)\n', "SystemExit"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_SETTINGS))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_settings_file_that_does_not_run_is_one_line(tmp_path, fake, command, broken):
    """Every command reads a settings file (pelicanconf.py or publishconf.py); one that fails to
    run is one line naming the file and the line, and exit 2, not a 33-line traceback."""
    blog = mastodon_blog(tmp_path, fake)
    text, error = BROKEN_SETTINGS[broken]
    for name in ("pelicanconf.py", "publishconf.py"):
        (tmp_path / name).write_text(text)
    result = blog.run(*command)
    assert result.returncode == 2, output(result)
    assert "Traceback" not in output(result)
    lines = output(result).strip().splitlines()
    assert len(lines) == 1, output(result)
    settings = "publishconf.py" if command[0] in PUBLISHING else "pelicanconf.py"
    assert lines[0].startswith(f"roost: {settings}, line 3: {error}"), lines[0]
    assert fake.requests == []
    assert not (tmp_path / "social").exists() and not (tmp_path / "output").exists()


# ------------------------------------------------------------------ backfeed


def test_one_corrupt_record_does_not_stop_the_backfeed_of_the_others(tmp_path, fake):
    blog = mastodon_blog(tmp_path, fake)
    assert blog.run("syndicate").returncode == 0
    copy_id = blog.record("swifts")["syndications"][0]["id"]
    requests.post(
        f"{fake.url}/api/v1/statuses",
        json={"status": "@camille nice", "in_reply_to_id": copy_id},
        headers={"Authorization": "Bearer bob-token"},
        timeout=10,
    ).raise_for_status()
    broken = blog.write_raw("posts/owls.json", CORRUPT)

    result = blog.run("backfeed")
    assert result.returncode == 1, output(result)
    replies = [x["content"] for x in blog.record("swifts")["interactions"]]
    assert replies == ["<p>@camille nice</p>"], output(result)
    named = lines_naming(result, "social/posts/owls.json")
    assert len(named) == 1, output(result)
    assert broken.read_text() == CORRUPT
    assert "Traceback" not in output(result)


# ------------------------------------------------------------------ every command, every input


def _corrupt_record(social):
    (social / "posts/owls.json").write_text(CORRUPT)


def _nested_record(social):
    (social / "posts/owls.json").write_text(NESTED)


def _broken_settings(social):
    for name in ("pelicanconf.py", "publishconf.py"):
        (social.parent / name).write_text('PATH = "content"\nSITEURL = 1 / 0\n')


def _unknown_setting(social):
    for name in ("pelicanconf.py", "publishconf.py"):
        with (social.parent / name).open("a") as f:
            f.write("ROOST_NETWROKS = {}\n")


def _corrupt_cursors(social):
    (social / "cursors.json").write_text('{"format": 1, "networks": {"mastodon": ')


def _corrupt_moderation(social):
    (social / "moderation.json").write_text('{"format": 1, "blocked": [')


def _nested_state(social):
    """Every other file of the folder nested too deeply: whichever is read first is named."""
    for rel in ("cursors.json", "moderation.json", "people/mastodon.json"):
        (social / rel).write_text(NESTED)


def _nested_cursor_values(social):
    """A well-formed cursors.json whose values (JSON in text) are nested too deeply."""
    data = json.loads((social / "cursors.json").read_text())
    for name in ("pending", "limits", "counts:swifts"):
        data["networks"]["mastodon"][name] = NESTED
    (social / "cursors.json").write_text(json.dumps(data))


BREAKAGES = {
    f.__name__.lstrip("_"): f
    for f in (
        _corrupt_record,
        _nested_record,
        _broken_settings,
        _unknown_setting,
        _corrupt_cursors,
        _corrupt_moderation,
        _nested_state,
        _nested_cursor_values,
    )
}


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory):
    """A blog whose posts were sent to a fake Mastodon and got a reply: copied for each case."""
    from fakes.mastodon import FakeMastodon

    server = FakeMastodon()
    server.start()
    root = tmp_path_factory.mktemp("syndicated")
    blog = mastodon_blog(root, server)
    assert blog.run("syndicate").returncode == 0
    copy_id = blog.record("swifts")["syndications"][0]["id"]
    requests.post(
        f"{server.url}/api/v1/statuses",
        json={"status": "@camille nice", "in_reply_to_id": copy_id},
        headers={"Authorization": "Bearer bob-token"},
        timeout=10,
    ).raise_for_status()
    assert blog.run("backfeed").returncode == 0
    assert (root / "social/cursors.json").exists() and (root / "social/people").is_dir()
    yield root, server
    server.stop()


def test_no_command_ever_shows_a_traceback(tmp_path, syndicated, fake):
    """Every command, each on a copy of a syndicated and backfed blog with one thing broken:
    never a traceback, and an exit status the documentation lists (a settings file that does
    not run: exit 2 and one line)."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    root, server = syndicated

    def run(case: tuple[str, list[str]]) -> str | None:
        breakage, command = case
        folder = tmp_path / breakage / command[0]
        shutil.copytree(root, folder, ignore=shutil.ignore_patterns("output", "cache"))
        if command[0] == "unsyndicate":  # it deletes: on a server of its own, not the shared one
            for name in ("pelicanconf.py", "publishconf.py"):
                path = folder / name
                path.write_text(path.read_text().replace(server.url, fake.url))
        BREAKAGES[breakage](folder / "social")
        blog = Blog.__new__(Blog)
        blog.root, blog.env = folder, {"ROOST_MASTODON_TOKEN": "good-token"}
        result = blog.run(*command)
        said = output(result)
        where = f"{breakage}: roost {' '.join(command)}: exit {result.returncode}"
        if "Traceback" in said or result.returncode not in (0, 1, 2):
            return f"{where}\n{said[-2000:]}"
        if breakage == "broken_settings" and (
            result.returncode != 2 or len(said.strip().splitlines()) != 1
        ):
            return f"{where}, said {said!r}"
        return None

    cases = [(b, c) for b in sorted(BREAKAGES) for c in COMMANDS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        wrong = [w for w in pool.map(run, cases) if w]
    assert not wrong, f"{len(wrong)} of {len(cases)}:\n\n" + "\n\n".join(wrong)


def test_merging_a_record_nested_too_deeply_leaves_it_to_git(tmp_path):
    """git's merge driver (``roost merge-records``) on a record nested too deeply: exit 1 (git
    then leaves a conflict for the author), no traceback, the file untouched."""
    from conftest import run_roost

    good = json.dumps({"format": 1, "post": "owls", "syndications": [], "interactions": []})
    (tmp_path / "base").write_text(good)
    (tmp_path / "theirs").write_text(good)
    (tmp_path / "ours").write_text(NESTED)
    result = run_roost(
        "merge-records", "base", "ours", "theirs", "social/posts/owls.json", cwd=tmp_path
    )
    assert result.returncode == 1, output(result)
    assert "Traceback" not in output(result)
    assert (tmp_path / "ours").read_text() == NESTED


# -- answers of a shape no server should send, and limits that make no sense ------------------


def test_answers_of_the_wrong_shape_are_one_line(tmp_path):
    """A server whose error is a JSON list, or whose account is a list: one line, no traceback."""
    from test_guarded_fetch import Canary

    def odd(handler):
        if handler.path.startswith("/api/v1/accounts/verify_credentials"):
            return handler.send_body(200, b'["not", "an", "account"]', "application/json")
        handler.send_body(422, b'["no"]', "application/json")

    server = Canary(odd)
    try:
        blog = Blog(tmp_path, {"mastodon": {"instance": server.url}})
        for command in ("doctor", "syndicate", "backfeed"):
            result = blog.run(command)
            assert "Traceback" not in result.stdout + result.stderr, (command, result.stderr)
            # The backfeed has no copies to read, but its account watch asks for the account.
            assert result.returncode == 1, command
            if command == "backfeed":
                assert "mastodon: an answer of a shape Roost does not know" in output(result)
        doctor = blog.run("doctor").stdout
        assert "mastodon: an answer of a shape Roost does not know" in doctor
    finally:
        server.close()


def test_a_corrupt_cursors_file_does_not_stop_posting(tmp_path, fake):
    blog = Blog(tmp_path, {"mastodon": {"instance": fake.url}})
    blog.write_raw("cursors.json", "{not json")
    result = blog.run("syndicate")
    assert result.returncode == 1
    assert len(fake.live_statuses()) == 3
    assert "social/cursors.json: line 1 column 2" in result.stderr
    assert "the servers' limits were not kept" in result.stderr


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("max_characters", 0, "expected 1 to 1,000,000"),
        ("max_characters", -5, "expected 1 to 1,000,000"),
        ("timeout", "float('inf')", "expected at most 600 seconds"),
        ("timeout", 0, "expected a number of seconds above 0"),
    ],
)
def test_limits_that_make_no_sense_are_refused(tmp_path, fake, key, value, says):
    extra = f'ROOST_NETWORKS["mastodon"]["{key}"] = {value}\n'  # as an author writes it
    blog = Blog(tmp_path, {"mastodon": {"instance": fake.url}}, extra=extra)
    result = blog.run("syndicate")
    assert result.returncode == 1 and fake.live_statuses() == []
    assert f'ROOST_NETWORKS["mastodon"]["{key}"]' in result.stderr and says in result.stderr
