"""The one API client and the network settings against hostile servers and careless authors:
redirects stay on the configured server (no token, no password elsewhere), absurd rate headers
and huge error bodies cost one line, an anonymous budget does not stop the token, proxies and
CA bundles from the environment still work, and settings that would mislead are refused.

Found by trying to break the network layer (issue 10); each docstring says what went wrong
before. Every server is a few lines of http.server on 127.0.0.1, so nothing heavy starts.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from roost.networks.errors import NetworkError
from roost.networks.http import json_error

# -- a tiny programmable server ---------------------------------------------------------------


class Server:
    """``route(method, path, server) -> (status, headers, body)``; ``log`` holds every
    ``(method, path, headers, body)`` received."""

    def __init__(self, route, tls: ssl.SSLContext | None = None):
        self.log: list[tuple[str, str, dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                outer.log.append((method, self.path, dict(self.headers), body))
                code, headers, data = route(method, self.path, outer)
                raw = data if isinstance(data, bytes) else json.dumps(data).encode()
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                self._any("GET")

            def do_POST(self):
                self._any("POST")

            def do_PUT(self):
                self._any("PUT")

            def do_DELETE(self):
                self._any("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def servers():
    started: list[Server] = []

    def start(route, **kw) -> Server:
        s = Server(route, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def mastodon(url: str, **extra):
    from roost.networks.mastodon.adapter import Mastodon

    return Mastodon({"instance": url, **extra}, env={"ROOST_MASTODON_TOKEN": "tok-review-123"})


def bluesky(url: str, tmp_path):
    from roost.networks.bluesky.adapter import Bluesky

    config = {"handle": "camille.test", "service": url, "session_cache": str(tmp_path / "s.json")}
    return Bluesky(config, env={"ROOST_BLUESKY_APP_PASSWORD": "app-pass-review-1234"})


SESSION = {"did": "did:plc:camille", "handle": "camille.test", "accessJwt": "access-jwt-review",
           "refreshJwt": "refresh-jwt-review"}  # fmt: skip


# -- redirects stay on the configured server ------------------------------------------------------


def test_a_redirect_to_another_server_is_not_followed_with_a_get(servers):
    """http.py claims (docstring, engineering notes) that no request goes to another server
    than the configured one; requests' default ``allow_redirects=True`` follows a 30x anywhere
    (127.0.0.1, 169.254.169.254), and the other server's answer is taken as the instance's."""
    other = servers(lambda m, p, s: (200, {}, {"acct": "someone-else", "id": "9"}))
    instance = servers(lambda m, p, s: (302, {"Location": other.url + "/steal"}, {}))
    adapter = mastodon(instance.url)
    with pytest.raises(NetworkError):
        adapter.check()
    assert other.log == [], "the API client followed a redirect to another server"


def test_a_307_does_not_carry_the_app_password_to_another_server(servers, tmp_path):
    """A 307/308 from the configured PDS makes requests POST the same body again at the other
    host: createSession's body is the app password."""
    other = servers(lambda m, p, s: (200, {}, SESSION))
    pds = servers(
        lambda m, p, s: (
            307,
            {"Location": other.url + "/xrpc/com.atproto.server.createSession"},
            {},
        )
    )
    adapter = bluesky(pds.url, tmp_path)
    with pytest.raises(NetworkError):
        adapter.check()
    leaked = [body for *_, body in other.log if b"app-pass-review-1234" in body]
    assert not leaked, "the app password was sent to a server nobody configured"


# -- absurd rate headers are no reset at all ------------------------------------------------------


@pytest.mark.parametrize(
    "status, headers",
    [
        (200, {"RateLimit-Remaining": "0", "RateLimit-Reset": "1e400"}),  # inf
        (200, {"RateLimit-Remaining": "0", "RateLimit-Reset": "1e20"}),
        (429, {"RateLimit-Remaining": "3", "RateLimit-Reset": "inf"}),
    ],
    ids=["budget-inf", "budget-1e20", "429-inf"],
)
def test_absurd_rate_reset_is_one_line_in_doctor(servers, tmp_path, status, headers):
    """RateHeaders.seconds_left returns inf / 1e20 for such headers: ``_note_budget`` then
    raises OverflowError (timedelta), and doctor's ``int(e.retry_after)`` raises it for an inf
    retry_after. Neither is a NetworkError, so ``roost doctor`` / ``syndicate`` / ``backfeed``
    end in a traceback."""
    from roost.commands.doctor import _try

    body = SESSION if status == 200 else {"error": "RateLimitExceeded", "message": "slow down"}
    pds = servers(lambda m, p, s: (status, headers, body))
    finding = _try("bluesky", bluesky(pds.url, tmp_path))  # must not raise
    assert finding.line.startswith("bluesky: ")


def test_a_naive_iso_reset_does_not_turn_a_404_into_unreadable(servers):
    """``RateHeaders.seconds_left("iso")`` subtracts an aware now from the header's time: a
    reset without an offset (``2030-01-01T00:00:00``) raises TypeError on every non-2xx answer
    (retry_after is computed for every error), so a 404 the adapter expects (a copy already
    deleted, a status gone) becomes Unreadable and the call fails."""
    from roost.model import Syndication

    headers = {"X-RateLimit-Remaining": "250", "X-RateLimit-Reset": "2030-01-01T00:00:00"}
    instance = servers(lambda m, p, s: (404, headers, {"error": "Record not found"}))
    copy = Syndication("mastodon", "1", "https://m.example/@c/1", "2026-01-01T00:00:00Z", "h")
    mastodon(instance.url).delete(copy)  # 404: already gone, which is what was asked


# -- an anonymous budget is not the token's -------------------------------------------------------


def test_an_anonymous_budget_spent_does_not_stop_the_token(servers):
    """The old Mastodon adapter read and honoured X-RateLimit-* only on authenticated calls
    (``if auth and ...``). ApiClient notes the budget from every answer: the unauthenticated
    ``/api/v2/instance`` (per-IP budget on Mastodon, shared by everyone behind a CI egress
    address) saying ``Remaining: 0`` now makes every authenticated call of the run fail locally
    with RateLimited, without being sent."""
    reset = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def route(method, path, server):
        if path.startswith("/api/v2/instance"):
            spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            return 200, spent, {"configuration": {"statuses": {"max_characters": 500}}}
        if path.startswith("/api/v1/accounts/verify_credentials"):
            return 200, {"X-RateLimit-Remaining": "299"}, {"acct": "camille", "id": "1"}
        return 200, {"X-RateLimit-Remaining": "298"}, {"scopes": ["read", "write"]}

    instance = servers(route)
    adapter = mastodon(instance.url)
    adapter.connect()
    assert adapter.check() == "@camille"


# -- a huge error body is scrubbed in no time -----------------------------------------------------


def test_a_huge_error_body_is_scrubbed_by_its_start_only(monkeypatch):
    """``json_error`` clips an error body with ``redaction.clip``, which used to scrub the WHOLE
    text before cutting it to 300 characters; the query-string pattern backtracks on text such
    as ``a.a.a...``, so a 1 MB error page took over an hour. Now only a prefix that can hold any
    secret starting in the kept part is scrubbed, and the scheme pattern is bounded."""
    from roost import redaction

    scrubbed: list[int] = []
    real = redaction.scrub
    monkeypatch.setattr(redaction, "scrub", lambda text: scrubbed.append(len(text)) or real(text))
    redaction.remember("a-secret-of-forty-characters-0123456789")
    r = requests.Response()
    r.status_code, r.reason, r.encoding = 500, "Internal Server Error", "utf-8"
    r._content = ("a." * 500_000 + " a-secret-of-forty-characters-0123456789").encode()
    status, _, message = json_error("error")(r)
    assert status == 500 and len(message) <= 300 and "a-secret" not in message
    assert scrubbed and max(scrubbed) < 2_000  # of a megabyte
    # and a secret cut by the limit is still masked, not left half-shown
    text = "x" * 290 + " a-secret-of-forty-characters-0123456789"
    assert "a-secret" not in redaction.clip(text, 300)
    assert len(redaction.scrub("a://" * 50_000)) > 0  # the bounded pattern ends


# -- proxies and CA bundles from the environment --------------------------------------------------


def test_an_http_proxy_from_the_environment_is_still_used(servers, monkeypatch):
    """Old adapters used requests with ``trust_env`` (Mastodon's session, ``requests.request``
    for Bluesky and webmention.io): HTTP(S)_PROXY and REQUESTS_CA_BUNDLE were honoured.
    ApiClient sets ``trust_env = False``: behind a proxy (or a TLS-inspecting one, whose CA is
    given in REQUESTS_CA_BUNDLE, as on this very machine) every API call now fails."""
    proxy = servers(lambda m, p, s: (200, {}, {"configuration": {"statuses": {}}}))
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    mastodon("http://mastodon.invalid").connect()
    assert proxy.log and proxy.log[0][1].startswith("http://mastodon.invalid/")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
def test_requests_ca_bundle_is_still_honoured(servers, monkeypatch, tmp_path):
    """The same regression, for a server whose certificate is signed by a CA the environment
    names in REQUESTS_CA_BUNDLE (a self-hosted instance, a company's TLS inspection)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    instance = servers(lambda m, p, s: (200, {}, {"configuration": {"statuses": {}}}), tls=tls)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    mastodon(instance.url).connect()
    assert instance.log


# -- settings and commands ------------------------------------------------------------------------


def test_webmention_is_not_silently_a_second_ROOST_NETWORKS_key():
    """``settings._networks`` now accepts every registry entry with an adapter, webmention
    included (before: mastodon and bluesky only). ``ROOST_NETWORKS["webmention"]`` is
    undocumented, makes doctor demand ROOST_SYNDICATE_SINCE for a blog that posts nothing, and,
    when ROOST_WEBMENTION_IO is set too, ``configured()`` silently ignores the latter."""
    from roost.commands.adapters import configured
    from roost.settings import validate

    values, problems = validate(
        {
            "ROOST_NETWORKS": {"webmention": {"domain": "camille.blog"}},
            "ROOST_WEBMENTION_IO": {"domain": "other.blog"},
        }
    )
    used = configured(values).get("webmention", ({}, ""))[0]
    assert problems or used.get("domain") == "other.blog", (
        "ROOST_WEBMENTION_IO was dropped in silence for ROOST_NETWORKS['webmention']"
    )


def test_doctor_still_says_nothing_will_be_posted_with_only_webmention(tmp_path):
    """Old doctor: ``if not values["ROOST_NETWORKS"]`` -> "no networks configured: nothing will
    be posted". New: ``if not configured(values)``, which counts webmention.io, so a blog with
    only ROOST_WEBMENTION_IO loses the line although nothing will be posted."""
    from roost.commands.doctor import diagnose
    from roost.settings import validate
    from roost.store import Store

    values, problems = validate({"ROOST_WEBMENTION_IO": {"domain": "camille.blog"}})
    findings = diagnose({"SITEURL": "https://camille.blog"}, values, problems,
                        Store(tmp_path / "social"), env={})  # fmt: skip
    assert any("nothing will be posted" in f.line for f in findings), [f.line for f in findings]


def test_syndicate_network_webmention_does_not_say_not_configured(tmp_path, capsys):
    """``roost syndicate --network webmention`` with ROOST_WEBMENTION_IO set answers
    "--network webmention: not configured (configured: mastodon)": it is configured, it just
    does not post. The line should say so."""
    from roost.commands.cli import main

    from sites import write_settings

    (tmp_path / "content").mkdir()
    settings = write_settings(
        tmp_path / "publishconf.py",
        SITEURL="https://camille.blog",
        ROOST_SYNDICATE_SINCE="2026-01-01",
        ROOST_NETWORKS={"mastodon": {"instance": "https://m.example"}},
        ROOST_WEBMENTION_IO={"domain": "camille.blog"},
    )
    assert main(["syndicate", "--network", "webmention", "-s", str(settings)]) == 2
    err = capsys.readouterr().err
    assert "webmention" in err and "not configured" not in err, err


def test_webmention_io_api_address_is_checked_like_the_others():
    """MastodonSettings and BlueskySettings refuse an address without http(s):// with a line
    naming the key; WebmentionIOSettings has no check, so ``"api": "webmention.io"`` is only
    found by a request failing with ``MissingSchema``."""
    from roost.networks.webmention_io import WebmentionIOSettings

    _, problems = WebmentionIOSettings.parse({"domain": "camille.blog", "api": "webmention.io"})
    assert problems and '["api"]' in problems[0]


@pytest.mark.parametrize(
    "module, cls, config",
    [
        ("roost.networks.mastodon.adapter", "MastodonSettings", {"instance": "https://m.example"}),
        ("roost.networks.bluesky.adapter", "BlueskySettings", {"handle": "camille.test"}),
        ("roost.networks.webmention_io", "WebmentionIOSettings", {"domain": "camille.blog"}),
    ],
)
def test_a_secret_pasted_as_the_variable_name_is_refused_not_printed(module, cls, config):
    """A careless author who pastes the token itself as ``token_env``/``password_env`` gets it
    printed back by doctor, syndicate and backfeed ("set the environment variable <the token>
    to an access token"): the value is never read through ``redaction.read``, so nothing masks
    it in CI logs. A field with ``holds=`` should only take an environment variable's name."""
    import importlib

    settings = getattr(importlib.import_module(module), cls)
    field = next(iter(settings.secrets()))
    _, problems = settings.parse({**config, field: "Zx9fQmT8kPq2vB7nL4sA1dE6gH3jK5m-x.y"})
    assert problems and f'["{field}"]' in problems[0]
