"""`make livereload` rebuilds when a record changes, not only when a post, the theme or the
settings do: the served page shows a reply moments after it lands in social/."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from roost.model import Interaction, PostRecord
from roost.store import Store

from sites import REPO, article, write_settings

INVOKE = Path(sys.executable).parent / "invoke"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read().decode()
    except (urllib.error.URLError, OSError):
        return ""


def wait_for(url: str, text: str, proc: subprocess.Popen, log: Path, nudge=None) -> str:
    """The page once it holds ``text``; fails with the task's output past a generous deadline
    (the machine may be busy). ``nudge`` is called every few seconds meanwhile."""
    deadline = time.monotonic() + 120
    nudged = time.monotonic()
    while time.monotonic() < deadline:
        body = page(url)
        if text in body:
            return body
        assert proc.poll() is None, log.read_text()
        if nudge and time.monotonic() - nudged > 5:
            nudge()
            nudged = time.monotonic()
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared at {url}:\n{log.read_text()[-3000:]}")


def test_a_changed_record_is_rebuilt_and_served(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "swifts.md").write_text(article("Swifts", "swifts"))
    write_settings(tmp_path / "pelicanconf.py", SITEURL="", SITENAME="Live")
    port = free_port()
    log = tmp_path / "livereload.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [INVOKE, "--search-root", str(REPO), "livereload", "--port", str(port)],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/swifts/"
    try:
        before = wait_for(url, "Swifts", proc, log)
        assert "A swift reply" not in before
        store = Store(tmp_path / "social")
        reply = Interaction(
            id="mastodon:1", network="mastodon", kind="reply", author="mastodon:ana@m.example",
            published="2026-01-16T09:00:00Z", url="https://m.example/@ana/1",
            content="<p>A swift reply</p>",
        )  # fmt: skip
        with store.lock():
            store.write_post(PostRecord("swifts", interactions=[reply]))
        # Like Pelican's own, the watch starts once a build is done: a record written while the
        # first build was still running is missed, so the file is touched again until it shows.
        record = store.post_path("swifts")
        after = wait_for(url, "A swift reply", proc, log, nudge=lambda: os.utime(record))
        assert 'class="u-comment h-cite comment"' in after
    finally:
        # The task and the server thread are one process, in a session of their own.
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
