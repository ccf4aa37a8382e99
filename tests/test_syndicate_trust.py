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

from conftest import ROOST
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
    from roost.commands.posts import read_posts
    from roost.commands.syndicate import Syndicator
    from roost.networks.mastodon.adapter import Mastodon

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


# -- found by trying to break it (the review of the change) ------------------------------------


def test_an_unsyndicated_post_stays_unsyndicated_even_when_a_delete_failed(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    deletes = []

    def first_delete_only(method, path):
        if method == "DELETE":
            deletes.append(path)
            return len(deletes) > 1  # the server is gone after the first delete
        return False

    fake.on_request = first_delete_only
    assert site.run("unsyndicate", "thread").returncode == 1
    fake.on_request = None
    live = len(fake.live_statuses())
    site.run("syndicate", check=True)
    assert len(fake.live_statuses()) == live  # nothing sent again
    site.run("unsyndicate", "thread", check=True)  # and a second try finishes the job
    assert len(fake.live_statuses()) == 2 and not site.ledger("thread").get("syndications")


def test_an_unsyndicated_thread_with_a_part_in_flight_never_comes_back(tmp_path, fake, serve):
    """The thread's third part was made but its answer never recorded (the ledger as a kill
    leaves it: an intent, no copy). The author unsyndicates: that part is found and deleted
    too, and nothing is sent again."""
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    path = site.root / "social/posts/thread.json"
    data = json.loads(path.read_text())
    last = next(c for c in data["syndications"] if c["part"] == 2)
    data["syndications"].remove(last)
    data["intents"] = [{"network": "mastodon", "part": 2, "started": last["published"],
                        "sent_hash": last["sent_hash"],
                        "extra": {"text": fake.statuses[last["id"]]["_text"]}}]  # fmt: skip
    path.write_text(json.dumps(data))
    site.run("unsyndicate", "thread", check=True)
    assert not [s for s in fake.live_statuses() if "point" in s["_text"]]
    assert "intents" not in site.ledger("thread")
    site.run("syndicate", check=True)
    assert not [s for s in fake.live_statuses() if "point" in s["_text"]]


def test_a_thread_cut_short_and_unsyndicated_is_not_sent_again(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    made = []

    def lose_the_end_of_the_thread(method, path):
        if (method, path) != ("POST", "/api/v1/statuses"):
            return False
        made.append(path)
        return len(made) > 4  # swifts, owls and two parts of the thread; then the server is gone

    fake.on_request = lose_the_end_of_the_thread
    site.run("syndicate")
    fake.on_request = None
    assert site.ledger("thread")["intents"]
    site.run("unsyndicate", "thread", check=True)
    site.run("syndicate", check=True)
    assert not [s for s in fake.live_statuses() if "point" in s["_text"]]


def test_a_slug_and_a_file_renamed_together_post_nothing_again(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    before = len(fake.live_statuses())
    old, new = site.root / "content/a.md", site.root / "content/swifts-are-back.md"
    new.write_text(old.read_text().replace("Slug: swifts", "Slug: swifts-are-back"))
    old.unlink()
    site.run("build", "-s", "publishconf.py", "-o", "output", check=True)
    result = site.run("syndicate", check=True)
    assert "the ledger of swifts carried over" in result.stdout
    assert len(fake.live_statuses()) == before


def test_a_new_post_in_a_file_that_held_another_is_a_new_post(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    owls = site.ledger("owls")["syndications"][0]
    (site.root / "content/b.md").write_text(
        "Title: Herons\nDate: 2026-06-10 10:00\nSlug: herons\n\nGrey herons by the river.\n"
    )
    site.run("build", "-s", "publishconf.py", "-o", "output", check=True)
    before = len(fake.live_statuses())
    site.run("syndicate", check=True)
    assert len(fake.live_statuses()) == before + 1  # Herons went out as itself
    assert "Owls" in fake.statuses[owls["id"]]["_text"]  # and the Owls copy was left alone
    assert (site.root / "social/posts/owls.json").exists()


def test_a_misspelt_network_in_front_matter_is_said(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    post = site.root / "content/b.md"
    post.write_text(post.read_text().replace("Slug: owls\n", "Slug: owls\nSyndicate: mastdon\n"))
    result = site.run("syndicate")
    assert result.returncode == 1
    assert "b.md: Syndicate: names mastdon, which is not configured" in result.stderr


def test_a_hand_edited_ledger_is_named_not_blamed_on_the_server(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    path = site.root / "social/posts/owls.json"
    data = json.loads(path.read_text())
    data["syndications"][0]["part"] = 1
    path.write_text(json.dumps(data))
    result = site.run("syndicate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "owls.json: its mastodon copies are parts [1], not 0, 1, ...; fix the file" in (
        result.stdout
    )


def test_an_edit_of_a_copy_deleted_by_hand_says_what_to_do(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    copy = site.ledger("owls")["syndications"][0]
    fake.delete_status_as("camille", copy["id"])
    post = site.root / "content/b.md"
    post.write_text(post.read_text().replace("Tawny owls", "Barn owls"))
    result = site.run("syndicate")
    assert "is gone from the server" in result.stdout
    assert "roost unsyndicate owls --network mastodon" in result.stdout


def test_a_token_pasted_with_a_curly_quote_is_named(tmp_path, fake, serve):
    site = Site(tmp_path, fake, serve)
    result = site.run("doctor", env={"ROOST_MASTODON_TOKEN": "good-token\u201d"})
    assert "ROOST_MASTODON_TOKEN holds characters no secret has" in result.stdout
    assert "cannot reach the server" not in result.stdout


def test_draft_pages_are_never_published(tmp_path):
    import shutil

    blog = tmp_path / "blog"
    for name in ("content", "theme", "plugins", "social"):
        shutil.copytree(REPO / name, blog / name)
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(REPO / name, blog / name)
    (blog / "content/pages/secret.md").write_text(
        "Title: Secret plans\nStatus: draft\nSlug: secret-plans\n\nNot yet.\n"
    )
    result = subprocess.run(
        [ROOST, "build", "-s", "publishconf.py", "-o", "out"],
        cwd=blog, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    pages = "".join(p.read_text(errors="replace") for p in (blog / "out").rglob("*.html"))
    assert "Secret plans" not in pages and not list((blog / "out").rglob("*secret*"))


def test_a_part_in_flight_beyond_a_shortened_thread_is_found_and_recorded(tmp_path, fake, serve):
    """The thread's third part was made, its answer lost; then the author shortened the thread
    to two parts. The part is looked for, recorded, and so `unsyndicate` takes it down."""
    site = Site(tmp_path, fake, serve)
    site.run("syndicate", check=True)
    path = site.root / "social/posts/thread.json"
    data = json.loads(path.read_text())
    last = next(c for c in data["syndications"] if c["part"] == 2)
    data["syndications"].remove(last)
    data["intents"] = [{"network": "mastodon", "part": 2, "started": last["published"],
                        "sent_hash": last["sent_hash"],
                        "extra": {"text": fake.statuses[last["id"]]["_text"]}}]  # fmt: skip
    path.write_text(json.dumps(data))
    post = site.root / "content/thread.md"
    words = " ".join(f"point{i}" for i in range(120))
    post.write_text(post.read_text().replace(words, " ".join(f"point{i}" for i in range(70))))
    site.run("syndicate", check=True)
    ledger = site.ledger("thread")
    assert "intents" not in ledger and last["id"] in {c["id"] for c in ledger["syndications"]}
    site.run("unsyndicate", "thread", check=True)
    assert last["id"] not in fake.statuses
