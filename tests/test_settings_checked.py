"""Settings cannot lie: a network setting Roost does not understand stops that network, says so
in one line naming the key, and nothing is sent under it; the media folder never eats pages.

Every test runs the real ``roost`` command in a temporary blog, against the fake Mastodon.
"""

from __future__ import annotations

import re

import pytest
import requests
from blog import Blog, lines_naming, output
from fakes.webmention_io import FakeWebmentionIO

from sites import PNG_1X1, person, record, reply, write_settings, write_site

TYPO = 'ROOST_NETWORKS["mastodon"]["visiblity"]'


def typo_blog(root, fake) -> Blog:
    return Blog(root, {"mastodon": {"instance": fake.url, "visiblity": "private"}})


def test_a_misspelt_visibility_posts_nothing(tmp_path, fake):
    """The finding: "visiblity": "private" was ignored, and the posts went out public."""
    blog = typo_blog(tmp_path, fake)
    result = blog.run("syndicate")
    assert result.returncode != 0, output(result)
    named = lines_naming(result, TYPO)
    assert len(named) == 1, output(result)
    assert 'did you mean "visibility"?' in named[0]
    assert fake.live_statuses() == []
    assert not any(method == "POST" for method, _ in fake.requests)
    assert "Traceback" not in output(result)


@pytest.mark.parametrize("command", ["doctor", "check"])
def test_doctor_and_check_name_the_misspelt_key(tmp_path, fake, command):
    blog = typo_blog(tmp_path, fake)
    result = blog.run(command)
    assert result.returncode != 0, output(result)
    named = lines_naming(result, TYPO)
    assert len(named) == 1, output(result)
    assert 'did you mean "visibility"?' in named[0]
    assert fake.live_statuses() == []
    assert "Traceback" not in output(result)


@pytest.mark.parametrize("command", ["syndicate", "backfeed", "doctor", "check", "preview"])
def test_a_timeout_that_is_not_a_number_is_one_line(tmp_path, fake, command):
    """The finding: "timeout": "abc" was a traceback."""
    blog = Blog(tmp_path, {"mastodon": {"instance": fake.url, "timeout": "abc"}})
    args = [command, "swifts"] if command == "preview" else [command]
    result = blog.run(*args)
    assert result.returncode != 0, output(result)
    assert "Traceback" not in output(result)
    named = lines_naming(result, 'ROOST_NETWORKS["mastodon"]["timeout"]')
    assert len(named) == 1, output(result)
    assert "'abc'" in named[0]
    assert fake.live_statuses() == []


def test_a_bad_key_of_one_network_leaves_only_that_network_out(tmp_path, fake):
    """Mastodon well set, Bluesky with a misspelt key: Bluesky is never asked anything, one line
    names its key, and Mastodon gets every post."""
    from fakes.mastodon import FakeMastodon

    pds = FakeMastodon()  # stands in for the PDS: it only has to count what it is asked
    pds.start()
    try:
        blog = Blog(
            tmp_path,
            {
                "mastodon": {"instance": fake.url},
                "bluesky": {"handle": "camille.test", "service": pds.url, "embedd": "images"},
            },
            env={"ROOST_MASTODON_TOKEN": "good-token", "ROOST_BLUESKY_APP_PASSWORD": "a-b-c-d"},
        )
        result = blog.run("syndicate")
        assert result.returncode == 1, output(result)
        named = lines_naming(result, 'ROOST_NETWORKS["bluesky"]["embedd"]')
        assert len(named) == 1, output(result)
        assert 'did you mean "embed"?' in named[0]
        assert len(fake.live_statuses()) == 3
        assert pds.requests == []
        assert "Traceback" not in output(result)
    finally:
        pds.stop()


def test_a_bad_webmention_io_key_leaves_only_webmention_io_out(tmp_path, fake):
    """A misspelt key of ROOST_WEBMENTION_IO: one line, webmention.io is not asked, and the
    Mastodon backfeed still brings the reply home."""
    wm = FakeWebmentionIO()
    wm_url = wm.start()
    try:
        blog = Blog(
            tmp_path,
            {"mastodon": {"instance": fake.url}},
            ROOST_WEBMENTION_IO={"domain": "camille.example", "tokn_env": "X", "api": wm_url},
        )
        sent = blog.run("syndicate")
        copy_id = blog.record("swifts")["syndications"][0]["id"]
        requests.post(
            f"{fake.url}/api/v1/statuses",
            json={"status": "@camille nice", "in_reply_to_id": copy_id},
            headers={"Authorization": "Bearer bob-token"},
            timeout=10,
        ).raise_for_status()

        result = blog.run("backfeed", env={**blog.env, "X": "wm-token"})
        assert result.returncode == 1, output(result)
        named = lines_naming(result, 'ROOST_WEBMENTION_IO["tokn_env"]')
        assert len(named) == 1, output(result)
        assert 'did you mean "token_env"?' in named[0]
        assert wm.requests == []
        replies = [x for x in blog.record("swifts")["interactions"] if x["kind"] == "reply"]
        assert [x["content"] for x in replies] == ["<p>@camille nice</p>"], output(result)
        assert "Traceback" not in output(sent) + output(result)
    finally:
        wm.stop()


# ------------------------------------------------------------------ the media folder

HEX = "0123456789abcdef" * 4  # 64 hex digits: a name Roost gives a mirrored file


def media_site(root):
    """A site whose articles are saved under 2026/ (as the demo's pelicanconf does), with
    ROOST_MEDIA_URL = "2026", and one reply whose author's avatar a page uses."""
    bob = "mastodon:bob@b.example"
    avatar = f"media/{HEX[:2]}/{HEX}.png"
    write_site(
        root,
        {
            "a.md": "Title: A\nSlug: alpha\nDate: 2026-03-01 10:00\n\nA.\n",
            "b.md": "Title: B\nSlug: beta\nDate: 2026-03-02 10:00\n\nB.\n",
        },
        records={"alpha": record("alpha", [reply("1", bob, "<p>hello</p>")])},
        people={"mastodon": [person(bob, "Bob", avatar=avatar)]},
        media={avatar: PNG_1X1},
    )
    write_settings(
        root / "pelicanconf.py",
        SITEURL="",
        ARTICLE_URL="{date:%Y}/{slug}/",
        ARTICLE_SAVE_AS="{date:%Y}/{slug}/index.html",
        ROOST_MEDIA_URL="2026",
        CACHE_CONTENT=False,
        LOAD_CONTENT_CACHE=False,
    )
    return avatar


def test_a_media_url_shared_with_articles_never_deletes_their_pages(tmp_path):
    """The finding: ROOST_MEDIA_URL = "2026" deleted every article page under output/2026/,
    exit 0. Only files named as Roost names mirrored media may be removed."""
    from conftest import run_roost

    avatar = media_site(tmp_path)
    out = tmp_path / "output" / "2026"
    pages = [out / "alpha" / "index.html", out / "beta" / "index.html"]
    first = run_roost("build", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert all(p.is_file() for p in pages), sorted(map(str, out.rglob("*")))

    # Left from an earlier build: a mirrored file no page uses any more (a forgotten person's
    # avatar), and a file of the author's own in the same folder.
    stale = out / "fe" / ("fe" * 32 + ".jpg")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    mine = out / "notes.txt"
    mine.write_text("the author's own file")

    second = run_roost("build", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    for page in pages:
        assert page.is_file(), f"{page} was deleted by the second build"
    assert "hello" in pages[0].read_text()
    assert (out / avatar.removeprefix("media/")).read_bytes() == PNG_1X1
    assert not stale.exists()  # Roost's own stale copy goes
    assert mine.read_text() == "the author's own file"  # anything else stays
    assert re.search(r'src="[^"]*2026/01/' + HEX + r'\.png"', pages[0].read_text())
