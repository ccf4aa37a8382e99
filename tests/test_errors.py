"""Bad input gets one clear line, a non-zero exit, and nothing else is lost."""

from __future__ import annotations

from pathlib import Path

from conftest import run_roost
from sites import article, person, record, reply, write_settings, write_site

BOB = "mastodon:bob@b.example"


def site_with_config(root: Path, extra: str = "", **kw) -> Path:
    write_site(
        root,
        {"good.md": article("Good", "good"), "other.md": article("Other", "other")},
        people={"mastodon": [person(BOB, "Bob")]},
        **kw,
    )
    write_settings(root / "pelicanconf.py", extra, SITEURL="http://localhost:8000")
    return root


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith(("ERROR", "CRITICAL", "roost:"))]


def test_a_malformed_record_file_fails_the_build_but_loses_nothing(tmp_path):
    site_with_config(
        tmp_path,
        records={
            "good": record("good", [reply("1", BOB, "<p>still here</p>")]),
            "other": '{"format": 1, "post": "other", "interactions": [\n',
        },
    )
    broken = tmp_path / "social/posts/other.json"
    before = broken.read_bytes()
    result = run_roost("build", cwd=tmp_path)
    assert result.returncode == 1
    errors = error_lines(result.stderr)
    assert len(errors) == 2, result.stderr  # the problem, then the summary
    assert "social/posts/other.json: line 2 column 1" in errors[0]
    assert "built without its interactions" in errors[0]
    assert "1 error(s)" in errors[1]
    assert "still here" in (tmp_path / "output/good/index.html").read_text()
    assert (tmp_path / "output/other/index.html").exists()
    assert broken.read_bytes() == before


def test_a_record_that_breaks_the_format_names_the_key(tmp_path):
    bad = record("good", [reply("1", BOB, "<p>x</p>", kind="comment")])
    site_with_config(tmp_path, records={"good": bad})
    result = run_roost("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "social/posts/good.json: interactions[0].kind 'comment' is not one of" in result.stderr


def test_a_malformed_moderation_file_shows_no_interactions_rather_than_hidden_ones(tmp_path):
    site_with_config(tmp_path, records={"good": record("good", [reply("1", BOB, "<p>x1</p>")])})
    (tmp_path / "social/moderation.json").write_text('{"format": 1, "hidden": "all"}')
    result = run_roost("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "moderation.json: hidden must be a list" in result.stderr
    assert "x1" not in (tmp_path / "output/good/index.html").read_text()


def test_bad_settings_name_the_key_the_value_and_the_fallback(tmp_path):
    site_with_config(
        tmp_path,
        extra='ROOST_FACEPILE_LIMIT = "ten"\nROOST_FACEPIL_LIMIT = 5\nROOST_MEDIA_URL = "../x"',
        records={"good": record("good", [reply("1", BOB, "<p>x</p>")])},
    )
    result = run_roost("build", cwd=tmp_path)
    assert result.returncode == 1
    errors = error_lines(result.stderr)
    assert sorted(errors[:3]) == [
        "ERROR: roost: setting ROOST_FACEPILE_LIMIT = 'ten': expected a whole number from 0 to "
        "1000; using the default 30",
        "ERROR: roost: setting ROOST_FACEPIL_LIMIT is not a Roost setting; did you mean "
        "ROOST_FACEPILE_LIMIT?",
        "ERROR: roost: setting ROOST_MEDIA_URL = '../x': expected a relative URL path such as "
        "'social-media' (letters, digits, - _ /); using the default 'social-media'",
    ]
    assert (tmp_path / "output/good/index.html").exists()  # built with the defaults


def test_malformed_front_matter_names_the_file_and_the_reason(tmp_path):
    site_with_config(tmp_path)
    (tmp_path / "content/bad-date.md").write_text("Title: Bad\nDate: someday\n\nBody.\n")
    result = run_roost("build", cwd=tmp_path)
    assert result.returncode == 1
    line = error_lines(result.stderr)[0]
    assert "bad-date.md" in line and "'someday' is not a valid date" in line
    assert (tmp_path / "output/good/index.html").exists()


def test_a_record_for_no_post_is_kept_and_reported(tmp_path):
    site_with_config(tmp_path, records={"renamed": record("renamed", [])})
    result = run_roost("build", cwd=tmp_path)
    assert result.returncode == 0
    assert "social/posts/renamed.json belongs to no post" in result.stderr
    assert (tmp_path / "social/posts/renamed.json").exists()


def test_a_missing_settings_file_is_one_line(tmp_path):
    result = run_roost("build", "-s", "nope.py", cwd=tmp_path)
    assert result.returncode != 0
    assert (
        result.stderr.strip() == "roost: nope.py: no such settings file; run from the blog's folder"
    )


def test_check_lists_every_problem_in_the_records(tmp_path):
    site_with_config(
        tmp_path,
        records={
            "good": record("good", [reply("1", BOB, "<p>x</p>")]),
            "other": "[]",
            "third": record("third", [reply("1", BOB, "x", when="noon")]),
        },
    )
    result = run_roost("check", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "roost: social/posts/other.json: the file must be an object",
        "roost: social/posts/third.json: interactions[0].published is not an ISO 8601 time "
        "with a zone: 'noon'",
    ]
    assert "3 post records checked, 2 problem(s)" in result.stdout


def test_check_passes_on_the_demo_records():
    result = run_roost("check")
    assert result.returncode == 0, result.stderr
    assert "0 problem(s)" in result.stdout
