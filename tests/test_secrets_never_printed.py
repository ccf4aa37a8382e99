"""Secrets never printed: a server that echoes the request back in its error (some do, and so do
proxies and debugging middleware) must not put the token, the app password or webmention.io's
key (which travels in the query string) into Roost's output, which CI keeps in public logs.

The servers here are tiny and hostile on purpose: every refusal repeats the whole request
(method, full URL with its query, the Authorization header, the body), then each secret found in
it again and again at shifting offsets, so that cutting a long message short can never leave
part of a secret behind either.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from blog import Blog, output

from sites import record, write_site

MASTODON_TOKEN = "MaStOdOnSeCrEtToKeNzqXwVbNmLkJhGfDsAp-2718"
WM_KEY = "WeBmEnTiOnKeYqWeRtYuIoPaSdFgHjKl3141"
APP_PASSWORD = "zqxw-vbnm-lkjh-gfds"  # an app password's shape


def fragments(secret: str, size: int = 8) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def assert_never_shown(text: str, secret: str) -> None:
    """Neither the secret, nor "Bearer <secret>", nor any 8 characters of it."""
    assert secret not in text
    assert f"Bearer {secret}" not in text
    shown = [f for f in fragments(secret) if f in text]
    assert not shown, f"part of the secret is shown ({shown[0]!r}):\n{text}"


class Echo:
    """An HTTP server that answers ``status`` to every request not in ``ok`` (path -> JSON
    answered with 200), with an error body that repeats the request."""

    def __init__(self, status: int, ok: dict[str, dict] | None = None, shape: str = "mastodon"):
        self.status, self.ok, self.shape = status, ok or {}, shape
        self.seen: list[str] = []
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                echo.answer(self)

            do_POST = do_PUT = do_DELETE = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length).decode("utf-8", "replace") if length else ""
        url = self.url + h.path
        self.seen.append(url)
        path = urlsplit(h.path).path
        if path in self.ok:
            return self.send(h, 200, self.ok[path])
        auth = h.headers.get("Authorization", "")
        secrets = [auth.removeprefix("Bearer ")] if auth else []
        secrets += parse_qs(urlsplit(h.path).query).get("token", [])
        with contextlib.suppress(ValueError, KeyError, TypeError):
            secrets.append(json.loads(body)["password"])
        said = f"{h.command} {url} Authorization: {auth} body: {body}"
        # each secret again at every offset from 0 to 40: wherever a message is cut, some copy
        # straddles the cut
        said += "".join(f" {'.' * i}{s}" for s in secrets for i in range(41))
        if self.shape == "text":  # a proxy's or a framework's error page
            raw = said.encode()
            h.send_response(self.status)
            h.send_header("Content-Type", "text/plain")
            h.send_header("Content-Length", str(len(raw)))
            h.end_headers()
            h.wfile.write(raw)
            return
        if self.shape == "webmention":
            data = {"error": "bad_request", "error_description": said}
        elif self.shape == "bluesky":
            data = {"error": "AuthenticationRequired", "message": f"bad password {said}"}
        else:
            data = {"error": said}
        self.send(h, self.status, data)

    @staticmethod
    def send(h, status: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)


@pytest.fixture()
def echo():
    servers = []

    def start(*args, **kw) -> Echo:
        servers.append(Echo(*args, **kw))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


INSTANCE = {"configuration": {"statuses": {"max_characters": 500}}}


def with_copy(root) -> None:
    """A record whose post was sent to Mastodon, so the backfeed has something to ask about."""
    write_site(
        root,
        {},
        records={
            "swifts": record(
                "swifts",
                [],
                [
                    {
                        "network": "mastodon",
                        "id": "115000000000000001",
                        "url": "https://mastodon.example/@camille/115000000000000001",
                        "published": "2026-05-01T10:05:00Z",
                        "sent_hash": "sha256:00",
                    }
                ],
            )
        },
    )


# ------------------------------------------------------------------ Mastodon


@pytest.mark.parametrize("status", [401, 422])
def test_syndicate_never_prints_the_mastodon_token(tmp_path, echo, status):
    """The server refuses each post, echoing the request."""
    server = echo(status, {"/api/v2/instance": INSTANCE})
    blog = Blog(
        tmp_path,
        {"mastodon": {"instance": server.url}},
        env={"ROOST_MASTODON_TOKEN": MASTODON_TOKEN},
    )
    result = blog.run("syndicate")
    assert result.returncode == 1, output(result)
    assert any(u.endswith("/api/v1/statuses") for u in server.seen)
    assert "swifts" in result.stdout  # the refusal was reported...
    assert_never_shown(output(result), MASTODON_TOKEN)  # ...without the token


@pytest.mark.parametrize("shape", ["mastodon", "text"])
@pytest.mark.parametrize("status", [422, 500])
@pytest.mark.parametrize("command", ["backfeed", "doctor"])
def test_backfeed_and_doctor_never_print_the_mastodon_token(tmp_path, echo, command, status, shape):
    server = echo(status, {"/api/v2/instance": INSTANCE}, shape=shape)
    with_copy(tmp_path)
    blog = Blog(
        tmp_path,
        {"mastodon": {"instance": server.url}},
        env={"ROOST_MASTODON_TOKEN": MASTODON_TOKEN},
    )
    result = blog.run(command)
    assert result.returncode == 1, output(result)
    assert server.seen, "the server was never asked"
    assert "mastodon" in output(result)
    assert_never_shown(output(result), MASTODON_TOKEN)


# ------------------------------------------------------------------ webmention.io


@pytest.mark.parametrize("shape", ["webmention", "text"])
@pytest.mark.parametrize("command", ["backfeed", "doctor"])
def test_webmention_io_errors_never_print_the_key(tmp_path, echo, command, shape):
    """webmention.io's own error shape, or a plain-text page from something in front of it."""
    server = echo(400, shape=shape)
    blog = Blog(
        tmp_path,
        {},
        env={"ROOST_WEBMENTION_IO_TOKEN": WM_KEY},
        ROOST_WEBMENTION_IO={"domain": "camille.example", "api": server.url},
    )
    result = blog.run(command)
    assert result.returncode == 1, output(result)
    assert any("token=" in u for u in server.seen)  # the key was sent, in the query string
    assert "webmention" in output(result)
    assert_never_shown(output(result), WM_KEY)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", ["backfeed", "doctor"])
def test_an_unreachable_webmention_io_never_prints_the_key(tmp_path, command):
    """requests' own messages quote the address, query string included."""
    api = f"http://127.0.0.1:{_closed_port()}"
    blog = Blog(
        tmp_path,
        {},
        env={"ROOST_WEBMENTION_IO_TOKEN": WM_KEY},
        ROOST_WEBMENTION_IO={"domain": "camille.example", "api": api},
    )
    result = blog.run(command)
    assert result.returncode == 1, output(result)
    assert "webmention" in output(result)
    assert_never_shown(output(result), WM_KEY)


# ------------------------------------------------------------------ Bluesky


def test_doctor_never_prints_the_bluesky_app_password(tmp_path, echo):
    """A PDS that refuses createSession with a message quoting the password it was sent."""
    server = echo(401, shape="bluesky")
    blog = Blog(
        tmp_path,
        {"bluesky": {"handle": "camille.test", "service": server.url, "plc": server.url}},
        env={"ROOST_BLUESKY_APP_PASSWORD": APP_PASSWORD},
    )
    result = blog.run("doctor")
    assert result.returncode == 1, output(result)
    assert any("createSession" in u for u in server.seen)
    assert "ROOST_BLUESKY_APP_PASSWORD" in output(result)  # the variable is named...
    assert_never_shown(output(result), APP_PASSWORD)  # ...its value is not


# ------------------------------------------------------------------ scrub itself


def test_scrub_takes_out_query_strings_remembered_values_and_bearer_tokens():
    from roost import redaction

    remembered = redaction.read({"X_TOKEN": "  a-remembered-value-42  "}, "X_TOKEN")
    assert remembered == "a-remembered-value-42"
    text = redaction.scrub(
        "GET https://webmention.io/api/mentions.jf2?token=k3y&domain=camille.blog#top failed; "
        "Authorization: Bearer abc.def-ghi; said a-remembered-value-42 twice: "
        "a-remembered-value-42."
    )
    assert "k3y" not in text and "camille.blog" not in text
    assert "https://webmention.io/api/mentions.jf2?…#top" in text  # the address stays readable
    assert "abc.def-ghi" not in text and "Bearer [secret]" in text
    assert "a-remembered-value-42" not in text
    assert text.count("[secret]") == 3
    # A short value is not remembered (masking "ab" would hide the message, not a secret), an
    # empty one is not either, and text without secrets is left as it is.
    assert redaction.remember("ab") == "ab" and redaction.scrub("ab cd") == "ab cd"
    assert redaction.read({}, "UNSET") == ""
    assert redaction.scrub("nothing to hide: https://x.example/a") == (
        "nothing to hide: https://x.example/a"
    )
