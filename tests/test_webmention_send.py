"""``roost webmention`` on a real blog: what an author and the receivers notice.

The blog is built with the real ``roost build`` and served on localhost (receivers fetch the
source from there); the command runs in-process so the guarded fetch may reach the fakes
(``allow_in_tests``). The update and delete procedures are judged by a fake webmention.rocks
that checks what rocks checks (``fakes/webmention_rocks.py``).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from blog import Blog, post
from fakes.server import PNG_1X1, FakeHandler, FakeServer
from fakes.webmention_rocks import FakeRocks

from roost.commands import webmention
from roost.commands.cli import main
from roost.networks.guarded_fetch import allow_in_tests


def _allow(url: str) -> str:
    allow_in_tests("127.0.0.1", int(url.rsplit(":", 1)[1]))
    return url


@pytest.fixture()
def served(tmp_path):
    """The blog's output folder, served at http://localhost:<port> (its SITEURL)."""
    (tmp_path / "output").mkdir()
    handler = functools.partial(_Quiet, directory=str(tmp_path / "output"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def rocks():
    fake = FakeRocks()
    _allow(fake.start())
    yield fake
    fake.stop()


def blog_at(root, siteurl, posts, **settings) -> Blog:
    return Blog(root, posts=posts, env={}, SITEURL=siteurl, ROOST_WEBMENTION_SINCE="2026-01-01",
                **settings)  # fmt: skip


def build(blog: Blog) -> None:
    result = blog.run("build", "-s", "publishconf.py")
    assert result.returncode == 0, result.stderr


def roost(blog: Blog, capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(blog.root)
    capsys.readouterr()
    code = main(["webmention", "-s", "publishconf.py", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def ledger(blog: Blog) -> dict:
    return json.loads((blog.root / "social" / "webmentions.json").read_text())["sources"]


def test_update_and_delete_procedures_pass_webmention_rocks(
    tmp_path, served, rocks, capsys, monkeypatch
):
    r = rocks.url
    posts = {
        "one.md": post("Update one", "one", 1, f"Read [this]({r}/update/1)."),
        "two.md": post("Update two", "two", 2, f"[A]({r}/update/2) and [B]({r}/update/2/part/2)."),
        "gone.md": post("Soon gone", "gone", 3, f"See [this]({r}/delete/1)."),
    }
    blog = blog_at(tmp_path, served, posts)
    build(blog)
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 0, err
    assert out.count("sent ") == 4
    assert [status for *_, status, _ in rocks.log] == [200] * 4

    # The author adds a link to one, removes one from two, deletes the third; CI deploys.
    content = blog.root / "content"
    (content / "one.md").write_text(
        post("Update one", "one", 1, f"Read [this]({r}/update/1) and [that]({r}/update/1/part/2).")
    )
    (content / "two.md").write_text(post("Update two", "two", 2, f"Only [A]({r}/update/2)."))
    (content / "gone.md").unlink()
    build(blog)
    tombstone = (blog.root / "output" / "gone" / "index.html").read_text()
    assert '<meta http-equiv="Status" content="410 Gone">' in tombstone
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 0, err
    assert out.count("sent ") == 5  # one: both; two: both (the removed one too); gone: one
    assert rocks.passed == {("update", 1), ("update", 2), ("delete", 1)}

    sent_before = len(rocks.log)
    code, out, err = roost(blog, capsys, monkeypatch)
    assert (code, len(rocks.log)) == (0, sent_before)  # each target heard once per change
    assert "0 sent" in out
    entry = ledger(blog)[f"{served}/two/"]["targets"]
    assert entry[f"{r}/update/2/part/2"]["linked"] is False  # told it was removed, then forgotten


class Targets(FakeServer):
    """Pages a post links to: good ones with an endpoint, and every kind of trouble."""

    class Handler(FakeHandler):
        def route(self, method, path):
            fake = self.fake
            if method == "POST":
                fake.posted.append((self.path, self.raw.decode()))
                code = 500 if path == "/wm-broken" else 202
                return self.send_bytes(b"", "text/plain", code)
            if path.startswith("/ok/"):
                link = "</wm?key=s3cr3t-endpoint-key>; rel=webmention"
                return self.send_bytes(b"<p>ok</p>", "text/html", headers={"Link": link})
            if path == "/broken-endpoint":
                return self.send_bytes(b'<a rel="webmention" href="/wm-broken">wm</a>', "text/html")
            if path == "/none":
                return self.send_bytes(b"<p>no endpoint here</p>", "text/html")
            if path == "/error":
                return self.send_bytes(b"oops", "text/plain", 500)
            if path == "/huge":
                return self.send_bytes(b"<p>" + b"x" * (3 * 1024 * 1024), "text/html")
            if path == "/slow":
                time.sleep(2.5)
                return self.send_bytes(b'<link rel="webmention" href="/wm">', "text/html")
            self.send_bytes(b"not found", "text/plain", 404)

    def __init__(self):
        super().__init__()
        self.posted: list[tuple[str, str]] = []


@pytest.fixture()
def targets(monkeypatch):
    fake = Targets()
    _allow(fake.start())
    monkeypatch.setattr(webmention, "FETCH_SECONDS", 1.0)
    yield fake
    fake.stop()


TROUBLE = ["/error", "/huge", "/slow", "/broken-endpoint"]
#: An address, and a name, that are not on the public internet.
PRIVATE = ["http://10.9.8.7/private", "http://localhost:9/private-name"]


def trouble_blog(tmp_path, targets) -> tuple[Blog, list[str]]:
    t = targets.url
    links = [f"{t}/ok/1", f"{t}/none", *(t + p for p in TROUBLE), *PRIVATE,
             f"{t}/ok/2?token=link-secret"]  # fmt: skip
    body = " ".join(f"[link {i}]({url})" for i, url in enumerate(links))
    return blog_at(tmp_path, "https://camille.example", {"p.md": post("P", "p", 1, body)}), links


def test_each_troubled_target_is_one_line_and_the_others_are_still_sent(
    tmp_path, targets, capsys, monkeypatch
):
    blog, links = trouble_blog(tmp_path, targets)
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 1  # something failed for a reason other than "no endpoint"
    lines = err.splitlines()
    for target in [targets.url + p for p in (*TROUBLE, "/none")] + PRIVATE:
        naming = [ln for ln in lines if ln.endswith(target) or f"-> {target}:" in ln]
        assert len(naming) == 1, (target, err)
        assert "https://camille.example/p/" in naming[0]
    assert [ln for ln in lines if "/none" in ln][0].startswith("roost: webmention no endpoint")
    assert sum("not a public address" in ln for ln in lines) == len(PRIVATE)
    assert any("byte limit" in ln for ln in lines if "/huge" in ln)
    assert any("longer than" in ln for ln in lines if "/slow" in ln)
    assert any("answered 500" in ln for ln in lines if "/broken-endpoint" in ln)
    fields = sorted(body for path, body in targets.posted if path.startswith("/wm?key="))
    assert len(fields) == 2
    assert all("source=https%3A%2F%2Fcamille.example%2Fp%2F" in f for f in fields)
    assert "s3cr3t-endpoint-key" not in out + err
    assert "link-secret" not in out + err
    assert "s3cr3t-endpoint-key" not in (blog.root / "social" / "webmentions.json").read_text()

    # The next run tries the failures again, and neither the sent nor the endpoint-less ones.
    posted = len(targets.posted)
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 1
    assert "/none" not in err and "/ok/" not in out + err
    assert len(targets.posted) == posted + 1  # the broken endpoint, once more
    # After three attempts a failure is given up on (one line each), until the post changes.
    roost(blog, capsys, monkeypatch)
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 0 and "0 sent" in out
    assert sum("given up" in ln for ln in err.splitlines()) == len(TROUBLE) + len(PRIVATE)


def test_dry_run_says_what_would_be_sent_and_sends_nothing(tmp_path, targets, capsys, monkeypatch):
    blog, links = trouble_blog(tmp_path, targets)
    code, out, _ = roost(blog, capsys, monkeypatch, "--dry-run")
    assert code == 0
    assert out.count("would send") == len(links)
    assert f"-> {targets.url}/ok/1" in out
    assert targets.requests == [] and not (blog.root / "social" / "webmentions.json").exists()


def with_status(text: str, status: str) -> str:
    return text.replace("\n\n", f"\nStatus: {status}\n\n", 1)


def test_only_published_posts_links_to_others_and_from_the_since_date(
    tmp_path, targets, capsys, monkeypatch
):
    t = targets.url
    site = "https://camille.example"
    posts = {
        "pub.md": post("Pub", "pub", 1, f"[ok]({t}/ok/1) [home]({site}/other/) [rel](/x/) "
                       "[mail](mailto:a@b.example)"),  # fmt: skip
        "draft.md": with_status(post("Draft", "draft", 2, f"[ok]({t}/ok/2)"), "draft"),
        "hidden.md": with_status(post("Hid", "hid", 3, f"[ok]({t}/ok/3)"), "hidden"),
        "future.md": post("Fut", "fut", 4, f"[ok]({t}/ok/4)").replace("2026-05-04", "2999-01-01"),
        "old.md": post("Old", "old", 5, f"[ok]({t}/ok/5)").replace("2026-05-05", "2025-01-01"),
    }  # fmt: skip
    blog = blog_at(tmp_path, site, posts)
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 0, err
    assert [p for _, p in targets.requests] == ["/ok/1", "/wm"]
    assert list(ledger(blog)) == [f"{site}/pub/"]


def test_a_post_with_a_picture_and_a_link_to_a_page_prints_no_false_warning(
    tmp_path, targets, capsys, monkeypatch, caplog
):
    """Pelican resolves {static} and {filename} against the pictures and pages it has read: the
    command read the articles alone, so every run said "Unable to find '/images/...', skipping
    url replacement" (bare, unprefixed) of pictures that are there."""
    body = (f"![a swift]({{static}}/images/swift.png) [about]({{filename}}/pages/about.md) "
            f"[ok]({targets.url}/ok/1)")  # fmt: skip
    blog = blog_at(tmp_path, "https://camille.example", {"p.md": post("P", "p", 1, body)})
    blog_pages = blog.root / "content" / "pages"
    blog_pages.mkdir()
    (blog_pages / "about.md").write_text("Title: About\n\nMe.\n")
    (blog.root / "content" / "images").mkdir()
    (blog.root / "content" / "images" / "swift.png").write_bytes(PNG_1X1)
    code, out, err = roost(blog, capsys, monkeypatch, "--dry-run")
    assert code == 0, err
    assert err == "" and [r.getMessage() for r in caplog.records] == []
    assert out.count("would send") == 1 and f"-> {targets.url}/ok/1" in out


def test_without_the_setting_nothing_is_sent(tmp_path, targets, capsys, monkeypatch):
    blog = Blog(tmp_path, posts={"p.md": post("P", "p", 1, f"[ok]({targets.url}/ok/1)")}, env={})
    code, out, _ = roost(blog, capsys, monkeypatch)
    assert code == 0 and "ROOST_WEBMENTION_SINCE is not set" in out
    assert targets.requests == []


def test_a_since_date_that_is_not_one_is_not_called_unset(tmp_path, targets, capsys, monkeypatch):
    blog = Blog(tmp_path, posts={"p.md": post("P", "p", 1, f"[ok]({targets.url}/ok/1)")}, env={},
                ROOST_WEBMENTION_SINCE="26/11/2026")  # fmt: skip
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 1 and targets.requests == []
    assert "ROOST_WEBMENTION_SINCE = '26/11/2026': expected a date as 'YYYY-MM-DD'" in err
    assert "not set" not in out + err and "ROOST_WEBMENTION_SINCE is not a date (above)" in out


def test_a_post_that_cannot_be_read_is_not_announced_as_deleted(
    tmp_path, targets, capsys, monkeypatch
):
    blog = blog_at(tmp_path, "https://camille.example",
                   {"p.md": post("P", "p", 1, f"[ok]({targets.url}/ok/1)")})  # fmt: skip
    assert roost(blog, capsys, monkeypatch)[0] == 0
    (blog.root / "content" / "p.md").write_bytes(b"Title: P\nDate: not a date\n\nbody\n")
    posted = len(targets.posted)
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code == 1 and "no deletion is announced" in err
    assert len(targets.posted) == posted


def test_a_run_stopped_midway_sends_nothing_twice_that_was_recorded(
    tmp_path, targets, capsys, monkeypatch
):
    from roost.networks import webmention_send

    t = targets.url
    body = " ".join(f"[{n}]({t}/ok/{n})" for n in range(1, 5))
    blog = blog_at(tmp_path, "https://camille.example", {"p.md": post("P", "p", 1, body)})
    real, calls = webmention_send.send, []

    def killed_at_the_third(fetcher, source, target):
        calls.append(target)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the runner is stopped between two Webmentions
        return real(fetcher, source, target)

    monkeypatch.setattr(webmention_send, "send", killed_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        roost(blog, capsys, monkeypatch)
    monkeypatch.setattr(webmention_send, "send", real)
    code, out, _ = roost(blog, capsys, monkeypatch)
    assert code == 0 and out.count("sent ") == 2  # the third and the fourth, not again the first
    bodies = [b for path, b in targets.posted if path.startswith("/wm")]
    assert sorted(b.rsplit("%2Fok%2F", 1)[1] for b in bodies) == ["1", "2", "3", "4"]


def test_two_runs_at_once_send_each_webmention_once(tmp_path, targets, monkeypatch):
    from roost.commands.webmention_plan import Source, plan, read_ledger
    from roost.networks import webmention_send
    from roost.store import Store

    source = Source("p", "https://camille.example/p/", "v1", [f"{targets.url}/ok/{n}" for n in
                                                             range(1, 4)])  # fmt: skip
    real = webmention_send.send

    def slow_send(fetcher, s, t):
        time.sleep(0.2)  # so the second run surely starts while the first is sending
        return real(fetcher, s, t)

    monkeypatch.setattr(webmention_send, "send", slow_send)
    monkeypatch.setattr(webmention, "say", lambda *a, **k: None)

    def one_run():
        store = Store(tmp_path / "social")  # each run its own, as two processes would have
        with webmention.one_run(store):
            due, _ = plan([source], {source.url}, read_ledger(store))
            webmention.run(store, due)

    runs = [threading.Thread(target=one_run) for _ in range(2)]
    for r in runs:
        r.start()
    for r in runs:
        r.join(60)
    assert len([p for p, _ in targets.posted if p.startswith("/wm")]) == 3


@pytest.mark.parametrize("failed", ["once", {"version": "v", "attempts": "3"}, [1]])
def test_a_ledger_edited_into_another_shape_is_one_line(
    tmp_path, targets, capsys, monkeypatch, failed
):
    site = "https://camille.example"
    blog = blog_at(tmp_path, site, {"p.md": post("P", "p", 1, f"[ok]({targets.url}/ok/1)")})
    (blog.root / "social").mkdir(exist_ok=True)
    edited = {f"{site}/p/": {"targets": {f"{targets.url}/ok/1": {"failed": failed}}}}
    (blog.root / "social" / "webmentions.json").write_text(
        json.dumps({"format": 1, "sources": edited})
    )
    code, out, err = roost(blog, capsys, monkeypatch)
    assert code != 0 and "Traceback" not in err
    assert "webmentions.json" in err and '"failed" must be' in err
    assert targets.requests == []
