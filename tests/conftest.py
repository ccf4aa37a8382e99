"""Shared fixtures: the demo site built once per session, with both settings files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sites import REPO

ROOST = str(Path(sys.executable).parent / "roost")


def run_roost(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ROOST, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> Path:
    """The demo blog built with pelicanconf.py, as `make build` does."""
    out = tmp_path_factory.mktemp("demo") / "output"
    result = run_roost("build", "-s", "pelicanconf.py", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def published_output(tmp_path_factory) -> Path:
    """The demo blog built with publishconf.py, as CI publishes it."""
    out = tmp_path_factory.mktemp("published") / "output"
    result = run_roost("build", "-s", "publishconf.py", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


# ------------------------------------------------------------------ browser

CHROMIUM = "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; the rest stop it from calling Google's hosts, which this
# machine cannot reach (and which would break "no request leaves localhost").
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium) "
            "or `apt-get install chromium`",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def serve():
    """serve(folder) -> base URL of a local HTTP server for that folder."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(Quiet, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------ Bluesky


@pytest.fixture(scope="session")
def devnet():
    """Bluesky's reference network (PLC, PDS, AppView), started once for the session."""
    from bluesky_devnet import Devnet, MissingPiece

    try:
        net = Devnet()
    except MissingPiece as e:
        pytest.fail(str(e), pytrace=False)
    yield net
    net.close()


# ------------------------------------------------------------------ Mastodon


@pytest.fixture()
def fake():
    """A fresh fake Mastodon server (tests/fakes/mastodon.py) on a free localhost port."""
    from fakes.mastodon import FakeMastodon

    server = FakeMastodon()
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def threads():
    """A fresh fake Threads API (tests/fakes/threads.py) on a free localhost port."""
    from fakes.threads import FakeThreads

    server = FakeThreads()
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def fake_x():
    """A fresh fake X API (tests/fakes/x.py) on a free localhost port."""
    from fakes.x import FakeX

    server = FakeX()
    server.start()
    yield server
    server.stop()


# ------------------------------------------------------------------ webmention.io


@pytest.fixture()
def wm():
    """A fresh fake webmention.io (tests/fakes/webmention_io.py) and the adapter reading it."""
    from fakes.webmention_io import FakeWebmentionIO

    from roost.networks.webmention_io import WebmentionIO

    fake = FakeWebmentionIO()
    url = fake.start()
    source = WebmentionIO({"domain": "camille.blog", "api": url},
                          env={"ROOST_WEBMENTION_IO_TOKEN": "wm-token"})  # fmt: skip
    yield fake, source
    fake.stop()


# ------------------------------------------------------------------ git


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed author; its output (the test fails if git does)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout
