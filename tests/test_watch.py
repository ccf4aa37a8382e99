"""The account watch against the fake Mastodon: a post made on the account, not by Roost, is
listed by `roost backfeed`, `status`, `doctor` and `watch`, and fails them with
--fail-on-unknown; Roost's own posts (every part of a thread, and copies it deleted) are not;
marking works; a network that is down is one line; old posts are never listed."""

from __future__ import annotations

import json

import requests
from blog import Blog, lines_naming, output, post
from fakes.mastodon import account_id
from test_syndicate import POSTS as SITE_POSTS

THREAD = {"thread.md": SITE_POSTS["thread.md"]}
HOSTILE = "Buy\u202e cheap\x1b[31m followers <b>now</b> at https://spam.example/deal " + "x" * 90


def act(fake, who: str, method: str, path: str, **body) -> dict:
    r = requests.request(
        method, fake.url + path, json=body or None,
        headers={"Authorization": f"Bearer {who}-token"}, timeout=10,
    )  # fmt: skip
    r.raise_for_status()
    return r.json()


def say(fake, text: str, who: str = "good", **extra) -> dict:
    return act(fake, who, "POST", "/api/v1/statuses", status=text, **extra)


def blog(tmp_path, fake, posts=None, **mastodon) -> Blog:
    return Blog(tmp_path, {"mastodon": {"instance": fake.url, **mastodon}}, posts=posts)


def test_a_post_made_on_the_account_is_listed_until_marked_and_roosts_own_never(tmp_path, fake):
    old = say(fake, "Written before Roost was set up")
    site = blog(tmp_path, fake, posts={})
    first = site.run("backfeed", "--fail-on-unknown")
    assert first.returncode == 0, output(first)  # the first look only records where it stands
    assert not lines_naming(first, "not sent by Roost")
    watched = json.loads((tmp_path / "social/cursors.json").read_text())["networks"]["mastodon"]
    assert watched["watch"].endswith(f" {old['id']}") and watched["watch_since"]

    # Roost posts a thread of three parts; the author answers a reader and boosts someone, and
    # someone else (a stranger with the password) posts in the author's name.
    (tmp_path / "content/thread.md").write_text(THREAD["thread.md"], encoding="utf-8")
    assert site.run("syndicate").returncode == 0
    parts = [s["id"] for s in site.record("thread")["syndications"]]
    assert len(parts) == 3
    bob = say(fake, "@camille lovely thread", who="bob", in_reply_to_id=parts[0])
    say(fake, "@bob thank you!", in_reply_to_id=bob["id"])  # a reply to a reader
    act(fake, "good", "POST", f"/api/v1/statuses/{bob['id']}/reblog")  # a boost
    spam = say(fake, HOSTILE)
    more = say(fake, "and more", in_reply_to_id=spam["id"])  # continues its own thread

    run = site.run("backfeed")
    assert run.returncode == 0, output(run)  # listed, but failing only with the option
    listed = lines_naming(run, "not sent by Roost")
    assert len(listed) == 2, output(run)
    assert spam["url"] in listed[0] and "(thread)" in listed[1] and more["url"] in listed[1]
    line = listed[0]
    assert line.startswith("roost: mastodon: not sent by Roost, 20") and " UTC: " in line
    # Controls and direction overrides gone, the text cut at a word: words, not markup.
    assert "“Buy cheap[31m followers <b>now</b> at https://spam.example/deal…”" in line
    assert "\u202e" not in output(run) and "\x1b" not in output(run)
    assert lines_naming(run, "roost watch ok")
    for part in parts:  # none of Roost's own parts, whatever the setting
        assert part not in output(run)

    failing = site.run("backfeed", "--fail-on-unknown")
    assert failing.returncode == 1 and len(lines_naming(failing, "not sent by Roost")) == 2
    status = site.run("status", "--fail-on-unknown")
    assert status.returncode == 1 and len(lines_naming(status, "not sent by Roost")) == 2
    assert site.run("status").returncode == 0
    doctor = site.run("doctor")
    assert doctor.returncode == 0, output(doctor)
    assert len([ln for ln in doctor.stdout.splitlines() if ln.startswith("SEE  mastodon:")]) == 2
    doctor = site.run("doctor", "--fail-on-unknown")
    assert doctor.returncode == 1 and "FIX  mastodon: not sent by Roost" in doctor.stdout

    # The author says: the thread is mine (by its address), the other one too (by its id).
    marked = site.run("watch", "ok", more["url"], spam["id"])
    assert marked.returncode == 0, output(marked)
    assert len(lines_naming(marked, "marked as yours")) == 2
    after = site.run("backfeed", "--fail-on-unknown")
    assert after.returncode == 0 and not lines_naming(after, "not sent by Roost")
    assert site.run("watch", "--fail-on-unknown").returncode == 0
    kept = json.loads((tmp_path / "social/watch.json").read_text())["networks"]["mastodon"]
    assert {x["id"] for x in kept["ok"]} == {spam["id"], more["id"]} and kept["unknown"] == []
    wrong = site.run("watch", "ok", "https://elsewhere.example/1")
    assert wrong.returncode == 1 and "not among the posts listed" in wrong.stderr


def test_replies_and_boosts_are_listed_when_the_setting_asks(tmp_path, fake):
    site = blog(tmp_path, fake, posts={}, watch="all")
    site.run("backfeed")
    bob = say(fake, "a post of bob's", who="bob")
    answer = say(fake, "@bob indeed", in_reply_to_id=bob["id"])
    act(fake, "good", "POST", f"/api/v1/statuses/{bob['id']}/reblog")
    run = site.run("watch")  # lists what the last backfeed found: nothing new yet
    assert not lines_naming(run, "not sent by Roost")
    run = site.run("backfeed")
    listed = lines_naming(run, "not sent by Roost")
    assert [("(reply)" in ln, "(repost)" in ln) for ln in listed] == [(True, False), (False, True)]
    assert answer["url"] in listed[0] and bob["url"] in listed[1]  # a boost shows what it boosts
    off = blog(tmp_path / "off", fake, posts={}, watch="off")
    before = len(fake.requests)
    off.run("backfeed")
    assert not [p for _, p in fake.requests[before:] if p.endswith("/statuses")]


def test_a_copy_roost_deleted_is_not_taken_for_a_strangers_post(tmp_path, fake):
    site = blog(tmp_path, fake, posts={})
    site.run("backfeed")
    (tmp_path / "content/owls.md").write_text(post("Owls", "owls"), encoding="utf-8")
    site.run("syndicate")
    copy = site.record("owls")["syndications"][0]["id"]
    kept = dict(fake.statuses[copy])
    assert site.run("unsyndicate", "owls").returncode == 0
    fake.statuses[copy] = kept  # the server still shows it for a moment
    run = site.run("backfeed", "--fail-on-unknown")
    assert run.returncode == 0 and not lines_naming(run, "not sent by Roost"), output(run)
    deleted = json.loads((tmp_path / "social/watch.json").read_text())
    assert deleted["networks"]["mastodon"]["deleted"] == [copy]


def test_a_network_that_is_down_is_one_line_and_what_was_found_is_still_listed(tmp_path, fake):
    site = blog(tmp_path, fake, posts={})
    site.run("backfeed")
    spam = say(fake, "Free crypto")
    site.run("backfeed")
    fake.stop()
    run = site.run("backfeed", "--fail-on-unknown")
    assert run.returncode == 1
    down = [ln for ln in lines_naming(run, "roost: mastodon") if "not sent by Roost" not in ln]
    assert len(down) == 1 and "your own posts there were not checked" in down[0]
    assert len(lines_naming(run, spam["url"])) == 1  # found before: still listed
    assert any(ln.split()[:1] == ["mastodon"] for ln in run.stdout.splitlines())  # the table


def test_the_first_look_at_a_long_history_lists_nothing_and_a_quiet_look_costs_one_request(
    tmp_path, fake
):
    for n in range(45):
        say(fake, f"old post {n}")
    site = blog(tmp_path, fake, posts={})
    assert not lines_naming(site.run("backfeed"), "not sent by Roost")
    before = len(fake.requests)
    site.run("backfeed")
    watch = [p for _, p in fake.requests[before:] if "/statuses" in p]
    assert watch == [f"/api/v1/accounts/{account_id('camille')}/statuses"]  # one request
    news = [say(fake, f"new post {n}") for n in range(45)]  # more than a page
    run = site.run("backfeed")
    assert len(lines_naming(run, "not sent by Roost")) == 45
    assert news[0]["url"] in output(run) and news[-1]["url"] in output(run)


def test_the_fakes_account_statuses_filter_and_page_as_mastodon_does(fake):
    own = say(fake, "a post")
    part = say(fake, "its second part", in_reply_to_id=own["id"])
    bob = say(fake, "bob's", who="bob")
    answer = say(fake, "@bob yes", in_reply_to_id=bob["id"])
    act(fake, "good", "POST", f"/api/v1/statuses/{bob['id']}/reblog")
    fake.pins["camille"] = [own["id"]]
    path = f"/api/v1/accounts/{account_id('camille')}/statuses"

    def ids(query: str = "") -> list[str]:
        page = act(fake, "good", "GET", f"{path}?{query}")
        return [s["id"] if not s.get("reblog") else "boost:" + s["reblog"]["id"] for s in page]

    assert ids() == ["boost:" + bob["id"], answer["id"], part["id"], own["id"]]
    assert ids("exclude_replies=true") == ["boost:" + bob["id"], part["id"], own["id"]]
    assert ids("exclude_reblogs=1&exclude_replies=1") == [part["id"], own["id"]]
    assert ids("pinned=true") == [own["id"]]
    assert ids("limit=2") == ids()[:2] and ids(f"min_id={own['id']}&limit=1") == [part["id"]]
    assert ids("limit=100&exclude_reblogs=true") == [answer["id"], part["id"], own["id"]]
    first = act(fake, "good", "GET", f"{path}?limit=1")[0]
    assert first["pinned"] is False and "reblog" in first
    assert [s["pinned"] for s in act(fake, "good", "GET", f"{path}?pinned=true")] == [True]
    for _ in range(45):
        say(fake, "filler")
    assert len(ids("limit=100")) == 40 and len(ids()) == 20  # at most 40; 20 by default


def test_two_runs_that_changed_watch_json_merge_by_post(tmp_path):
    """A CI run that found a post and the author who marked another, pushed at once."""
    from roost.records_merge import merge_file

    def seen(sid: str) -> dict:
        return {"id": sid, "url": f"https://x.example/{sid}", "published": "2026-05-01T10:00:00Z",
                "kind": "post", "text": sid}  # fmt: skip

    def write(name: str, unknown: list, ok: list) -> str:
        data = {"format": 1, "networks": {"mastodon": {"unknown": unknown, "ok": ok,
                                                       "deleted": []}}}  # fmt: skip
        (tmp_path / name).write_text(json.dumps(data))
        return str(tmp_path / name)

    mine = {"id": "1", "url": "https://x.example/1", "marked": "2026-05-01T11:00:00Z"}
    base = write("base", [seen("1")], [])
    ours = write("ours", [seen("1"), seen("2")], [])  # the run found post 2
    theirs = write("theirs", [], [mine])  # the author marked post 1
    assert merge_file(base, ours, theirs, "social/watch.json")
    merged = json.loads((tmp_path / "ours").read_text())["networks"]["mastodon"]
    assert [x["id"] for x in merged["unknown"]] == ["2"] and merged["ok"] == [mine]
