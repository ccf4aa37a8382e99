"""The network-death drill (issue 12): a network the blog used dies overnight.

A blog posts to Mastodon (the fake server) and receives Webmentions (the fake webmention.io);
people reply, like and repost on Mastodon, and Roost brings it all home, avatars included. Then
Mastodon goes: the author takes it out of ``ROOST_NETWORKS`` and its server stops answering. The
next build, with a real Pelican run, must still show every reply, like and repost, with every
avatar, from the copies in the repository; the page must not send a reader to reply on a network
the blog no longer follows; ``roost status`` says what was kept, ``roost doctor`` does not
fail over the old records, and ``roost backfeed`` and ``roost syndicate`` leave Mastodon alone.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import requests
from blog import TOKEN, Blog, post
from bs4 import BeautifulSoup
from fakes.webmention_io import FakeWebmentionIO

from sites import write_settings

SITE = "https://camille.example"


def act(fake, who: str, method: str, path: str, **body) -> dict:
    r = requests.request(
        method, fake.url + path, json=body or None,
        headers={"Authorization": f"Bearer {who}-token"}, timeout=10,
    )  # fmt: skip
    r.raise_for_status()
    return r.json()


@pytest.fixture()
def wm():
    fake = FakeWebmentionIO()
    fake.start()
    yield fake
    fake.stop()


def settings(blog: Blog, networks: dict, wm_url: str) -> None:
    """Both settings files, as the author edits them (Blog wrote them alike)."""
    for name in ("pelicanconf.py", "publishconf.py"):
        write_settings(
            blog.root / name,
            SITEURL=SITE,
            ROOST_SYNDICATE_SINCE="2026-01-01",
            ROOST_CHECK_DEPLOYED=False,
            ROOST_NETWORKS=networks,
            ROOST_WEBMENTION_IO={"domain": "camille.example", "api": wm_url},
        )


def archived(blog: Blog, network: str) -> Counter:
    """What the records hold from one network, by kind, over every post."""
    kinds: Counter = Counter()
    for path in (blog.root / "social/posts").glob("*.json"):
        for x in json.loads(path.read_text())["interactions"]:
            if x["network"] == network:
                kinds[x["kind"]] += 1
    return kinds


def rendered(output: Path, network_name: str) -> Counter:
    """What the built pages show from one network, by kind: comments say "on Mastodon", faces
    carry "<name> on Mastodon" as their title, in the facepile of their kind."""
    kinds: Counter = Counter()
    for page in output.rglob("index.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for comment in soup.select("article.comment"):
            meta = comment.find(class_="comment-meta").get_text(" ", strip=True)
            if f"on {network_name}" in meta:
                kinds["reply"] += 1
        for pile in soup.select("section.facepile"):
            kind = next(c for c in pile["class"] if c.startswith("facepile-")).split("-", 1)[1]
            kinds[kind] += sum(
                face["title"].endswith(f" on {network_name}")
                for face in pile.select("span.p-author[title]")
            )
    return kinds


def exports_still_list_the_gone_networks_people(blog: Blog, network: str) -> None:
    """The drill's export step (issue 12, deliverable 5): the gone network's people are still
    in every export, with their handle there, read back by the format's own reader."""
    import csv
    import io

    import vobject

    people = json.loads((blog.root / f"social/people/{network}.json").read_text())["people"]
    handles = {p["handle"].lstrip("@") for p in people}
    assert handles
    out = {}
    for fmt in ("csv", "vcard", "mastodon"):
        done = blog.run("people", "export", "--format", fmt)
        assert done.returncode == 0, done.stderr
        out[fmt] = done.stdout
    rows = list(csv.DictReader(io.StringIO(out["csv"])))
    assert handles <= {row[f"{network} handle"] for row in rows}
    cards = list(vobject.readComponents(out["vcard"]))
    profiles = " ".join(str(line.value) for c in cards for line in c.lines())
    for handle in handles:  # each as a social profile: the profile's address, or the handle
        user, host = handle.split("@")
        assert f"/@{user}" in profiles and host in profiles or handle in profiles, handle
    accounts = {row["Account address"] for row in csv.DictReader(io.StringIO(out["mastodon"]))}
    assert handles <= accounts


def test_mastodon_dies_and_everything_it_said_stays_on_the_site(tmp_path, fake, wm):
    blog = Blog(
        tmp_path,
        {"mastodon": {"instance": fake.url}},
        env={"ROOST_MASTODON_TOKEN": TOKEN, "ROOST_WEBMENTION_IO_TOKEN": "wm-token"},
    )
    settings(blog, {"mastodon": {"instance": fake.url}}, wm.url)
    fake.tokens |= {"ola-token": "ola", "ruth-token": "ruth"}
    assert blog.run("syndicate").returncode == 0
    copy = blog.record("owls")["syndications"][0]
    bob = act(fake, "bob", "POST", "/api/v1/statuses", status="@camille Tawny or barn?",
              in_reply_to_id=copy["id"])  # fmt: skip
    act(fake, "ola", "POST", "/api/v1/statuses", status="Barn, surely.", in_reply_to_id=bob["id"])
    act(fake, "ruth", "POST", f"/api/v1/statuses/{copy['id']}/favourite")
    act(fake, "ines", "POST", f"/api/v1/statuses/{copy['id']}/favourite")  # her avatar: a 404
    act(fake, "bob", "POST", f"/api/v1/statuses/{copy['id']}/reblog")
    wm.add(f"{SITE}/owls/", "in-reply-to", "tomas.example", content={"text": "Barn owls!"})
    wm.add(f"{SITE}/owls/", "like-of", "ruth.example")
    backfed = blog.run("backfeed")
    assert backfed.returncode == 0, backfed.stdout + backfed.stderr
    kept = archived(blog, "mastodon")
    assert kept == {"reply": 2, "like": 2, "repost": 1}
    people = json.loads((blog.root / "social/people/mastodon.json").read_text())["people"]
    assert len(people) == 4  # bob, ola, ruth, ines
    pictured = [p for p in people if p["avatar"]]
    assert len(pictured) == 3 and all((blog.root / "social" / p["avatar"]).is_file()
                                      for p in pictured)  # fmt: skip
    built = blog.run("build", "-s", "publishconf.py", "-o", "output")
    assert built.returncode == 0, built.stderr
    before = (tmp_path / "output/owls/index.html").read_text()
    assert f'href="{copy["url"]}">Reply on Mastodon</a>' in before

    # Mastodon dies: the author takes it out of the settings, and its server is gone.
    settings(blog, {}, wm.url)
    fake.stop()
    built = blog.run("build", "-s", "publishconf.py", "-o", "output")
    assert built.returncode == 0, built.stderr

    # Every reply, like and repost archived from it still renders, counted on the pages.
    output = tmp_path / "output"
    assert rendered(output, "Mastodon") == kept
    assert rendered(output, "the web") == archived(blog, "webmention") == {"reply": 1, "like": 1}
    page = (output / "owls/index.html").read_text()
    assert "Tawny or barn?" in page and "Barn, surely." in page
    # Every avatar is a file of the site, and the page shows it from there.
    for p in pictured:
        copied = output / "social-media" / p["avatar"].removeprefix("media/")
        assert copied.read_bytes() == (blog.root / "social" / p["avatar"]).read_bytes()
        assert f'src="{SITE}/social-media/{p["avatar"].removeprefix("media/")}"' in page
    assert fake.url not in page.replace(copy["url"], "")  # nothing loaded from the dead server
    # The copy is named as archived, not offered as a place to reply (docs/syndication.md).
    soup = BeautifulSoup(page, "html.parser")
    assert "Reply on Mastodon" not in page and f'href="{copy["url"]}"' not in page
    note = soup.select_one("p.archived-from")
    assert note.get_text().startswith("Archived from Mastodon. What was said there is kept")
    assert note.select_one("data.u-syndication")["value"] == copy["url"]  # kept for machines
    assert soup.select_one("form.reply-form, form[action*=webmention]") is not None

    # roost status: one line for the gone network, saying what was kept; --json the same.
    status = blog.run("status", "-s", "publishconf.py")
    assert status.returncode == 0, status.stderr
    line = next(ln for ln in status.stdout.splitlines() if ln.startswith("mastodon:"))
    assert line == (
        "mastodon: no longer configured (not in ROOST_NETWORKS); kept 2 replies, 2 likes, "
        "1 repost, 4 people, 3 avatars, still shown on the site as archived"
    )
    assert not any(ln.startswith("webmention:") for ln in status.stdout.splitlines())
    as_json = json.loads(blog.run("status", "-s", "publishconf.py", "--json").stdout)
    assert as_json["gone_networks"] == [
        {"network": "mastodon", "reply": 2, "like": 2, "repost": 1, "people": 4, "avatars": 3,
         "configured_in": "ROOST_NETWORKS", "line": line}
    ]  # fmt: skip
    assert {row["post"] for row in as_json["posts"]} == {"swifts", "owls", "wrens"}

    # doctor does not fail over records naming a network that is gone; it says what it is.
    doctor = blog.run("doctor", "-s", "publishconf.py")
    assert doctor.returncode == 0, doctor.stdout
    assert any(ln.startswith("ok ") and "mastodon" in ln for ln in doctor.stdout.splitlines())

    # backfeed and syndicate leave it alone: no request, no error, a new post goes nowhere.
    (tmp_path / "content/kites.md").write_text(post("Red kites", "kites", 4))
    for command in ("backfeed", "syndicate"):
        result = blog.run(command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "mastodon" not in (result.stdout + result.stderr).lower()
    assert archived(blog, "mastodon") == kept

    exports_still_list_the_gone_networks_people(blog, "mastodon")


def test_a_writing_settings_file_without_networks_says_nothing_is_gone(tmp_path):
    """pelicanconf.py, for writing, usually sets no ROOST_NETWORKS (publishconf.py does): its
    builds keep every copy's "Reply on" link, and status lists no network as gone."""
    from sites import build, record, write_site

    write_site(
        tmp_path,
        {"hello.md": "Title: Hello\nSlug: hello\nDate: 2026-01-15 10:00\n\nHi.\n"},
        records={"hello": record("hello", [])},
    )
    page = build(tmp_path).page("hello/index.html")
    assert "Reply on Mastodon" in page and "archived-from" not in page
    page = build(tmp_path, ROOST_NETWORKS={}).page("hello/index.html")
    assert "Reply on Mastodon" not in page and "Archived from" in page
    # A value Roost rejects says nothing either: a typo must not retire every network.
    page = build(tmp_path, ROOST_NETWORKS={"mastodn": {}}).page("hello/index.html")
    assert "Reply on Mastodon" in page
