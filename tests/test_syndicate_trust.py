"""What `roost syndicate` must never do, each learnt from trying to break it: post a post again
because its slug changed, post what it cannot record, destroy a copy's pictures when editing it,
leave a thread half edited, or compose for the wrong limits offline."""

from __future__ import annotations

import json
import subprocess
import threading
from datetime import date

from test_syndicate import Site, texts

from roost.store import Store

from sites import REPO


def test_a_new_slug_carries_the_ledger_over_and_posts_nothing_again(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    before = texts(fake)
    post = site.root / "content" / "a.md"
    post.write_text(post.read_text().replace("Slug: swifts", "Slug: swifts-are-back"))
    site.run("build", "-s", "publishconf.py", "-o", "output", check=True)
    result = site.run("syndicate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the ledger of swifts carried over" in result.stdout
    ledger = site.ledger("swifts-are-back")
    assert not (site.root / "social/posts/swifts.json").exists()
    # The copy was edited to link to the new address, not posted again.
    assert len(fake.live_statuses()) == len(before)
    copy = ledger["syndications"][0]
    assert "swifts-are-back" in fake.statuses[copy["id"]]["_text"]
    assert ledger["source"] == "a.md" and ledger["title"] == "Swifts are back"


def test_a_run_that_cannot_record_posts_nothing(tmp_path, fake, serve):
    """Another command holds the records lock for the whole run: no intent can be written, so
    no request is made (it used to post, wait a minute for the lock, and die unrecorded)."""
    from roost.compose import read_posts
    from roost.networks.mastodon.adapter import Mastodon
    from roost.syndicate import Syndicator

    from sites import write_settings

    site = Site(tmp_path, fake, serve)
    write_settings(site.root / "pelicanconf.py", SITEURL=site.siteurl)
    from pelican.settings import read_settings

    posts = read_posts(read_settings(str(site.root / "pelicanconf.py")))
    store = Store(site.root / "social")
    held, release = threading.Event(), threading.Event()

    def hold():
        with Store(site.root / "social").lock():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        adapter = Mastodon({"instance": fake.url}, env={"ROOST_MASTODON_TOKEN": "good-token"})
        syndicator = Syndicator(
            store, {"mastodon": adapter}, since=date(2026, 1, 1), check_deployed=False,
            lock_wait=0.5, sleep=lambda s: None,
        )  # fmt: skip
        outcomes = syndicator.run(posts)
    finally:
        release.set()
        holder.join()
    assert fake.live_statuses() == []
    assert {o.action for o in outcomes if o.network == "mastodon"} <= {"failed", "skipped"}
    assert any("another Roost command is writing" in o.detail for o in outcomes)


def test_an_edit_keeps_the_pictures_and_changes_their_alt_text(tmp_path, fake, serve):
    """Mastodon removes every attachment an edit does not list again: Roost lists them, and a
    new alt text travels in media_attributes."""
    site = Site(tmp_path, fake, serve)
    (site.root / "content/images").mkdir()
    (site.root / "content/images/swift.jpg").write_bytes(
        (REPO / "content/images/swifts-at-dusk.jpg").read_bytes()
    )
    post = site.root / "content" / "a.md"
    post.write_text(
        post.read_text().replace(
            "Tags: birds\n", "Tags: birds\nImage: images/swift.jpg\nImage_alt: Swifts.\n"
        )  # fmt: skip
    )
    site.run("syndicate", check=True)
    copy = site.ledger("swifts")["syndications"][0]
    attached = fake.statuses[copy["id"]]["media_attachments"]
    assert [m["description"] for m in attached] == ["Swifts."]
    post.write_text(
        post.read_text()
        .replace("Image_alt: Swifts.", "Image_alt: Twelve swifts over the roofs at dusk.")
        .replace("They arrived", "They came back")
    )
    result = site.run("syndicate", check=True)
    assert "updated" in result.stdout
    status = fake.statuses[copy["id"]]
    assert "came back" in status["_text"]
    assert [m["id"] for m in status["media_attachments"]] == [m["id"] for m in attached]
    assert [m["description"] for m in status["media_attachments"]] == [
        "Twelve swifts over the roofs at dusk."
    ]
    assert len(fake.media) == 1  # nothing uploaded again


def test_an_interrupted_thread_edit_completes_on_the_next_run(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    parts = site.ledger("thread")["syndications"]
    assert len(parts) == 3
    post = site.root / "content" / "thread.md"
    post.write_text(post.read_text().replace("point", "Point"))  # same length: same parts
    edits = []

    def stop_after_the_first_edit(method, path):
        if method == "PUT":
            edits.append(path)
            return len(edits) >= 2  # the server is gone after the first edit: the run fails
        return False

    fake.on_request = stop_after_the_first_edit
    first = site.run("syndicate")
    fake.on_request = None
    assert first.returncode == 1
    assert "Point" in fake.statuses[parts[0]["id"]]["_text"]
    assert "point" in fake.statuses[parts[1]["id"]]["_text"]  # stale
    site.run("syndicate", check=True)
    for part in parts:
        assert "point" not in fake.statuses[part["id"]]["_text"], part
    assert len(fake.live_statuses()) == 5
    assert site.run("syndicate", check=True).stdout.splitlines()[-1].split()[2] == "0"


def test_offline_previews_use_the_limit_the_server_announced(tmp_path, serve):
    from fakes.mastodon import FakeMastodon

    fake = FakeMastodon(max_characters=1000)
    fake.start()
    try:
        site = Site(tmp_path, fake, serve)
        long_text = " ".join(f"word{i}" for i in range(110))  # about 700 characters
        post = site.root / "content" / "b.md"
        post.write_text(
            post.read_text().replace("Slug: owls", f"Slug: owls\nMastodon_text: {long_text}")
        )
        offline = site.run("preview", "owls", env={})
        assert "over this server's 500" in offline.stdout  # never asked: 500 assumed
        site.run("syndicate", check=True)  # online: the server says 1,000
        cursors = json.loads((site.root / "social/cursors.json").read_text())
        assert json.loads(cursors["networks"]["mastodon"]["limits"])["max_characters"] == 1000
        again = site.run("preview", "owls", "--json", env={})
        assert again.returncode == 0, again.stderr
        assert len(json.loads(again.stdout)["mastodon"]["parts"]) == 1
    finally:
        fake.stop()


def test_doctor_names_the_scopes_a_token_lacks(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    for token, missing in (("no-media-token", "write:media"),
                           ("no-notifications-token", "read:notifications")):  # fmt: skip
        result = site.run("doctor", env={"ROOST_MASTODON_TOKEN": token})
        assert result.returncode == 1
        line = next(ln for ln in result.stdout.splitlines() if ln.startswith("FIX  mastodon"))
        assert f"lacks the scopes {missing}" in line and "ROOST_MASTODON_TOKEN" in line
        assert token not in result.stdout


def test_lock_and_temporary_files_are_never_committed(tmp_path):
    folder = tmp_path / "blog"
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / ".gitignore").write_text((REPO / ".gitignore").read_text())
    names = ["social/.syndicate.lock", "social/.roost.lock", "social/posts/.tmp-abc.json",
             "social/media/ab/.tmp-x.png"]  # fmt: skip
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x")
    (folder / "social/posts/kept.json").write_text("{}")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=folder,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "social/posts/kept.json" in status
    assert not any(name in status for name in names), status
    tasks = (REPO / "tasks.py").read_text()
    assert ":!social/.*.lock" in tasks and ":!social/**/.tmp-*" in tasks  # and never added
    # A blog whose own .gitignore says nothing of Roost: the records folder ignores them itself.
    (folder / ".gitignore").unlink()
    with Store(folder / "social").lock():
        pass
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=folder,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "social/.gitignore" in status
    assert not any(name in status for name in names), status


def test_drafts_and_future_posts_are_never_published(published_output):
    pages = [p.relative_to(published_output).as_posix() for p in published_output.rglob("*")]
    assert not any(p.startswith("drafts") for p in pages), pages
    everything = "".join(
        p.read_text(errors="replace")
        for p in published_output.rglob("*")
        if p.is_file() and p.suffix in (".html", ".xml")
    )
    assert "Letter to ten years on" not in everything and "letter-to-ten-years-on" not in everything
    assert "owl-notes" not in everything
