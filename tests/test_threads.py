"""The Threads adapter against the fake Threads API: the two-step publish, pictures by the
site's address, self-threads, the quota, the token, and exactly once without idempotency."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from blog import Blog, lines_naming, output
from fakes.threads import DAY, aged

from roost.model import Syndication
from roost.networks.base import Draft, Image, RateLimited, Rejected, Unauthorized, Unavailable
from roost.networks.threads.adapter import Threads

from sites import make_post

ENV = {"ROOST_THREADS_TOKEN": "good-token"}


def adapter(fake, tmp_path, env=ENV, **config) -> Threads:
    a = Threads(
        {
            "handle": "camille",
            "api": f"{fake.url}/v1.0",
            "token_file": str(tmp_path / "token.json"),
            **config,
        },
        env=env,
    )
    a.sleep = lambda s: None
    return a


def draft(parts, images=()) -> Draft:
    return Draft(
        "threads", "hello", list(parts), "https://camille.blog/hello/", images=list(images)
    )


def picture(name: str, url: str | None = None) -> Image:
    return Image(Path(name), f"alt of {name}", url or f"https://camille.blog/images/{name}")


def now():
    return datetime.now(UTC)


def test_a_post_is_published_only_once_its_container_is_finished(threads, tmp_path):
    threads.delay = 3  # IN_PROGRESS for three status reads; the fake refuses an early publish
    a = adapter(threads, tmp_path)
    copy = a.publish_part(draft(["Swifts are back."]), 0, None)
    [post] = threads.live_posts()
    assert (copy.id, copy.url) == (post["id"], post["permalink"])
    assert post["text"] == "Swifts are back." and post["media_type"] == "TEXT"
    calls = [p for _, p in threads.requests]
    publish = calls.index("/v1.0/me/threads_publish")
    assert calls[publish - 3 : publish] == [calls[publish - 1]] * 3  # polled until FINISHED


def test_a_container_still_in_progress_after_publish_wait_is_one_line(threads, tmp_path):
    threads.delay = 10**6
    a = adapter(threads, tmp_path, publish_wait=0.3)
    a.sleep = __import__("time").sleep
    with pytest.raises(Unavailable, match="still preparing the post after 0 s"):
        a.publish_part(draft(["Slow."]), 0, None)
    assert threads.live_posts() == []


def test_one_picture_goes_by_its_public_address_with_its_alt_text(threads, tmp_path):
    a = adapter(threads, tmp_path)
    a.publish_part(draft(["Swifts."], [picture("swifts.png")]), 0, None)
    [post] = threads.live_posts()
    assert post["media_type"] == "IMAGE"
    assert post["image_url"] == "https://camille.blog/images/swifts.png"
    assert post["alt_text"] == "alt of swifts.png"


def test_several_pictures_become_a_carousel(threads, tmp_path):
    a = adapter(threads, tmp_path)
    a.publish_part(draft(["Birds."], [picture("a.png"), picture("b.png")]), 0, None)
    [post] = threads.live_posts()
    assert post["media_type"] == "CAROUSEL"
    assert [(c["image_url"], c["alt_text"]) for c in post["children"]] == [
        ("https://camille.blog/images/a.png", "alt of a.png"),
        ("https://camille.blog/images/b.png", "alt of b.png"),
    ]


def test_a_picture_threads_cannot_fetch_is_refused_in_its_words(threads, tmp_path):
    a = adapter(threads, tmp_path)
    bad = picture("swifts.png", "http://127.0.0.1:9/images/swifts.png")
    with pytest.raises(Rejected, match="Media download has failed.*public address"):
        a.publish_part(draft(["Swifts."], [bad]), 0, None)
    assert threads.live_posts() == []


def test_a_self_thread_replies_to_its_previous_part(threads, tmp_path):
    a = adapter(threads, tmp_path)
    d = draft(["one", "two", "three"])
    previous = None
    for part in range(3):
        previous = a.publish_part(d, part, previous)
    posts = sorted(threads.live_posts(), key=lambda p: p["timestamp"])
    assert [p["parent"] for p in posts] == [None, posts[0]["id"], posts[1]["id"]]


def test_a_publish_whose_answer_is_lost_is_found_not_sent_again(threads, tmp_path):
    """No idempotency on Threads: the fake makes a second post if the same container is
    published twice. The container's status (PUBLISHED) sends Roost looking instead."""
    a = adapter(threads, tmp_path)
    d = draft(["Owls at night."])
    intent = a.intent(d, 0, now())
    threads.lose_publish_answers = 1
    with pytest.raises(Unavailable):
        a.publish_part(d, 0, None, intent)
    assert intent.extra["container"]  # recorded before the publish
    found = a.find_sent(d, 0, None, intent)
    again = a.publish_part(d, 0, None, intent)
    assert len(threads.live_posts()) == 1
    assert found.id == again.id == threads.live_posts()[0]["id"]


def test_a_container_made_but_never_published_is_published_once(threads, tmp_path):
    a = adapter(threads, tmp_path)
    d = draft(["Wrens."])
    intent = a.intent(d, 0, now())
    threads.on_request = lambda method, path: path.endswith("threads_publish")  # dropped undone
    with pytest.raises(Unavailable):
        a.publish_part(d, 0, None, intent)
    threads.on_request = None
    assert a.find_sent(d, 0, None, intent) is None  # FINISHED: nothing is out
    a.publish_part(d, 0, None, intent)
    assert len(threads.live_posts()) == 1
    assert len(threads.containers) == 1  # the recorded container was used, not a new one


def test_a_lost_answer_for_a_reply_is_found_among_the_parents_replies(threads, tmp_path):
    a = adapter(threads, tmp_path)
    d = draft(["one", "two"])
    head = a.publish_part(d, 0, None)
    intent = a.intent(d, 1, now())
    del threads.containers[list(threads.containers)[-1]]  # Threads forgot the container
    threads.lose_publish_answers = 1
    with pytest.raises(Unavailable):
        a.publish_part(d, 1, head, intent)
    intent.extra.pop("container")  # only the text to go by
    found = a.find_sent(d, 1, head, intent)
    assert found is not None and len(threads.live_posts()) == 2


def test_the_publishing_quota_is_read_once_and_kept(threads, tmp_path):
    threads.post_quota = 2
    a = adapter(threads, tmp_path)
    a.publish_part(draft(["a"]), 0, None)
    a.publish_part(draft(["b"]), 0, None)
    with pytest.raises(RateLimited, match="publishing quota for posts is spent"):
        a.publish_part(draft(["c"]), 0, None)
    assert len(threads.live_posts()) == 2
    paths = [p for _, p in threads.requests]
    assert paths.count("/v1.0/me/threads_publishing_limit") == 1
    assert paths.count("/v1.0/me/threads") == 2  # no third container


def test_an_expired_token_is_one_line_with_what_to_do(threads, tmp_path):
    aged(threads, 61 * DAY)
    a = adapter(threads, tmp_path)
    with pytest.raises(Unauthorized) as e:
        a.check()
    assert "Session has expired" in str(e.value)
    assert "make a new long-lived token" in str(e.value) and "ROOST_THREADS_TOKEN" in str(e.value)


def test_the_token_is_refreshed_and_kept_outside_the_blog(threads, tmp_path):
    a = adapter(threads, tmp_path)
    assert a.check() == "@camille"
    kept = json.loads((tmp_path / "token.json").read_text())
    assert kept["access_token"].startswith("refreshed-")
    assert (tmp_path / "token.json").stat().st_mode & 0o077 == 0  # its owner's only
    del threads.tokens["good-token"]  # the old one no longer works: the kept one does
    assert adapter(threads, tmp_path).check() == "@camille"
    paths = [p for _, p in threads.requests]
    assert paths.count("/refresh_access_token") == 1  # not again within the week


def test_a_token_too_new_to_refresh_is_used_and_asked_again_tomorrow(threads, tmp_path):
    threads.add_token("new-token", age=3600)
    env = {"ROOST_THREADS_TOKEN": "new-token"}
    assert adapter(threads, tmp_path, env=env).check() == "@camille"
    assert adapter(threads, tmp_path, env=env).check() == "@camille"
    paths = [p for _, p in threads.requests]
    assert paths.count("/refresh_access_token") == 1
    assert "tried" in json.loads((tmp_path / "token.json").read_text())


def test_a_new_token_from_the_author_wins_over_the_kept_one(threads, tmp_path):
    adapter(threads, tmp_path).check()
    first = json.loads((tmp_path / "token.json").read_text())["access_token"]
    threads.add_token("pasted-token", age=2 * DAY)
    adapter(threads, tmp_path, env={"ROOST_THREADS_TOKEN": "pasted-token"}).check()
    kept = json.loads((tmp_path / "token.json").read_text())["access_token"]
    assert kept != first and threads.tokens[kept]["issued"] > threads.now() - 60


def test_the_token_of_another_account_is_named(threads, tmp_path):
    a = adapter(threads, tmp_path, handle="someone.else")
    with pytest.raises(Rejected, match="the token is @camille's"):
        a.check()


def test_a_spent_call_budget_stops_with_a_rate_limit(threads, tmp_path):
    a = adapter(threads, tmp_path)
    a.check()
    threads.call_budget = threads.calls  # every call from now on is refused with code 4
    with pytest.raises(RateLimited, match="Application request limit reached"):
        a.publish_part(draft(["late"]), 0, None)


def test_delete_takes_the_copy_down_and_a_gone_one_is_fine(threads, tmp_path):
    a = adapter(threads, tmp_path)
    copy = a.publish_part(draft(["bye"]), 0, None)
    a.delete(copy)
    a.delete(copy)  # already gone: what was asked
    assert threads.live_posts() == []


def test_text_and_links_over_the_limits_are_refused_before_sending(threads, tmp_path):
    a = adapter(threads, tmp_path)
    links = " ".join(f"https://camille.blog/{i}" for i in range(6))
    with pytest.raises(Rejected, match="has 7 different links, over Threads' 5"):
        a.draft(make_post(texts={"threads": links}))
    parts = a.draft(make_post(texts={"threads": links}, thread=True)).parts
    previous = None
    for i in range(len(parts)):
        previous = a.publish_part(draft(parts), i, previous)
    assert len(threads.live_posts()) == len(parts) == 2


def test_a_picture_needs_the_sites_public_address(tmp_path, threads):
    image = tmp_path / "swifts.png"
    image.write_bytes(b"png")
    a = adapter(threads, tmp_path)
    with pytest.raises(Rejected, match="set SITEURL"):
        a.draft(make_post(image=image, image_url=""))
    d = a.draft(make_post(image=image, image_alt="Swifts.", image_url="https://c.b/swifts.png"))
    assert d.images[0].url == "https://c.b/swifts.png"


# -- through the `roost` command, on a real blog ------------------------------------------------


def blog(tmp_path, fake, posts=None, **networks) -> Blog:
    config = {"handle": "camille", "api": f"{fake.url}/v1.0", **networks}
    return Blog(tmp_path / "blog", {"threads": config}, posts=posts, env=ENV)


PICTURE_POST = (
    "Title: Swifts\nDate: 2026-05-01 10:00\nSlug: swifts\nImage: images/swifts.png\n"
    "Image_alt: Swifts over the roofs.\n\nBody.\n"
)


def test_preview_offline_shows_every_step_with_the_handle_alone(tmp_path):
    b = Blog(
        tmp_path / "blog", {"threads": {"handle": "camille"}}, posts={"s.md": PICTURE_POST}, env={}
    )
    (b.root / "content/images").mkdir()
    (b.root / "content/images/swifts.png").write_bytes(b"\x89PNG")
    result = b.run("preview", "swifts", "--json")
    assert result.returncode == 0, output(result)
    [part] = json.loads(result.stdout)["threads"]["requests"]
    container = part["steps"][0]["params"]
    assert container["image_url"] == "https://camille.example/images/swifts.png"
    assert container["alt_text"] == "Swifts over the roofs."
    assert part["steps"][-1]["url"].endswith("/me/threads_publish")
    assert part["length"] <= 500


def test_syndicate_posts_once_and_a_change_is_not_sent_again(tmp_path, threads):
    b = blog(tmp_path, threads)
    home = b.root / "home"
    assert b.run("syndicate").returncode == 0
    assert len(threads.live_posts()) == 3
    assert (home / ".config/roost/threads-token-camille.json").is_file()  # not in the blog
    assert not list(b.root.glob("social/**/*token*"))
    (b.root / "content/owls.md").write_text(
        (b.root / "content/owls.md").read_text().replace("Owls at night", "Owls by day")
    )
    again = b.run("syndicate", "-v")
    assert again.returncode == 0 and len(threads.live_posts()) == 3
    assert lines_naming(again, "edits are not sent")


def test_syndicate_stops_at_the_quota_with_one_line(tmp_path, threads):
    threads.post_quota = 2
    b = blog(tmp_path, threads)
    result = b.run("syndicate")
    assert result.returncode == 1
    assert len(threads.live_posts()) == 2
    assert len(lines_naming(result, "publishing quota for posts is spent")) == 1
    assert "Traceback" not in output(result)


def test_an_expired_token_stops_threads_with_one_line(tmp_path, threads):
    aged(threads, 61 * DAY)
    b = blog(tmp_path, threads)
    result = b.run("syndicate")
    assert result.returncode == 1 and threads.live_posts() == []
    assert lines_naming(result, "make a new long-lived token")
    assert "Traceback" not in output(result)


def test_unsyndicate_deletes_every_part(tmp_path, threads):
    b = blog(tmp_path, threads)
    b.run("syndicate")
    result = b.run("unsyndicate", "owls")
    assert result.returncode == 0, output(result)
    assert len(threads.live_posts()) == 2
    assert all("Owls" not in p["text"] for p in threads.live_posts())


def test_a_crash_after_the_container_is_settled_by_its_status(tmp_path, threads):
    """The run dies as the publish reaches the server (which drops it, undone): the ledger holds
    the intent with its container, and the next run publishes exactly once."""
    b = blog(tmp_path, threads, posts={"s.md": "Title: S\nDate: 2026-05-01 10:00\nSlug: s\n\nB\n"})
    threads.on_request = lambda method, path: path.endswith("threads_publish")
    first = b.run("syndicate")
    threads.on_request = None
    assert first.returncode == 1 and threads.live_posts() == []
    [intent] = b.record("s")["intents"]
    assert intent["extra"]["container"] in threads.containers
    assert b.run("syndicate").returncode == 0
    assert len(threads.live_posts()) == 1 and "intents" not in b.record("s")


def test_the_record_keeps_the_copy_with_its_address(tmp_path, threads):
    b = blog(tmp_path, threads)
    b.run("syndicate")
    [copy] = b.record("swifts")["syndications"]
    assert Syndication.from_dict(copy, "").url.startswith("https://www.threads.net/@camille/")
    assert datetime.fromisoformat(copy["published"].replace("Z", "+00:00")) > now() - timedelta(1)
