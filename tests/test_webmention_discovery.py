"""Webmention endpoint discovery and sending, one target at a time: the 23 webmention.rocks
discovery tests (vendored, served by a local fake), Link header parsing, and the guarded fetch
refusing the addresses a hostile target or endpoint names."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fakes.webmention_rocks import CASES, FakeRocks

from roost.networks import webmention_send
from roost.networks.guarded_fetch import FetchError, GuardedFetcher, Refused, allow_in_tests
from roost.networks.webmention_send import (
    NoEndpoint,
    discover,
    endpoint_in_html,
    link_header_values,
    send,
)

SOURCE = "https://camille.example/swifts/"


@pytest.fixture(scope="module")
def rocks():
    fake = FakeRocks()
    url = fake.start()
    allow_in_tests("127.0.0.1", int(url.rsplit(":", 1)[1]))
    yield fake
    fake.stop()


@pytest.mark.parametrize("case", CASES["discovery"], ids=lambda c: f"{c['num']:02d}")
def test_every_discovery_case_finds_its_endpoint_and_sends_there(rocks, case):
    base = rocks.url + "/"
    target = case.get("target_to_send", case["url"]).replace("{BASE}", base)
    before = len(rocks.log)
    sent = send(GuardedFetcher(), SOURCE, target)
    assert sent.status == 202
    hit, fields, *_ = rocks.log[before]
    assert len(rocks.log) == before + 1  # one Webmention, to one endpoint
    assert fields == {"source": SOURCE, "target": target}  # the target as linked, not redirected
    expected = case["expected_endpoint"].replace("{BASE}", base)
    if case["num"] == 23:  # one-time keys: the endpoint is relative to the page after redirects
        assert sent.endpoint.startswith(f"{base}test/23/page/webmention-endpoint/")
        assert hit.startswith("/test/23/page/webmention-endpoint/")
    else:
        assert sent.endpoint == expected
        assert rocks.url + hit == expected  # the query string kept in the address (test 21)
    for wrong in case["must_not_use"]:
        assert sent.endpoint != wrong.replace("{BASE}", base)


def test_all_23_discovery_cases_are_vendored():
    assert [c["num"] for c in CASES["discovery"]] == list(range(1, 24))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("</a>; rel=webmention", [("/a", {"webmention"})]),
        (
            '<https://x.example/a>; rel="webmention other"',
            [("https://x.example/a", {"webmention", "other"})],
        ),  # fmt: skip
        ('</e>; rel="other", </a>; rel="webmention"', [("/e", {"other"}), ("/a", {"webmention"})]),
        ('</a?x=1,2>; title="a, b; c"; rel=WebMention', [("/a?x=1,2", {"webmention"})]),
        ("</a>; rel=not-webmention", [("/a", {"not-webmention"})]),
        ("garbage, </a>; rel=webmention", [("/a", {"webmention"})]),
        ("", []),
    ],
)
def test_link_header_values(value, expected):
    assert link_header_values(value) == expected


@pytest.mark.parametrize(
    "hostile",
    ["<a>;" + " " * 60_000 + "x", "<a," * 21_000],
    ids=["spaces after a semicolon", "unclosed links"],
)
def test_a_hostile_link_header_is_read_in_one_pass(hostile):
    """A target's server chooses its Link header (up to 64 KiB a line, 100 lines): a value
    that made the parser backtrack would hold `roost webmention` (and the publish workflow) for
    hours, past every fetch deadline. 60 s is a thousand times what one pass takes."""
    code = "import sys; from roost.networks.webmention_send import link_header_values as f; "
    code += "f(sys.stdin.read())"
    try:  # a subprocess: a regular expression holds the GIL, so a thread could not be timed out
        subprocess.run([sys.executable, "-c", code], input=hostile, text=True, timeout=60,
                       check=True)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the Link header parser was still running after 60 s")


def test_html_endpoint_is_the_first_link_or_a_element_in_document_order():
    assert endpoint_in_html(b'<a rel="nofollow webmention" href="/1">x</a><link rel=webmention '
                            b'href="/2">') == "/1"  # fmt: skip
    assert endpoint_in_html(b"<!-- <link rel=webmention href=/no> --><p>&lt;a rel=webmention "
                            b"href=/no&gt;</p>") is None  # fmt: skip
    assert endpoint_in_html(b'<link rel="webmention"><a rel="webmention" href="">x</a>') == ""


class _Hostile(BaseHTTPRequestHandler):
    """Pages a stranger controls: endpoints at internal addresses, redirects to them."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    posted: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        status, headers, body = self.routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for k, v in {"Content-Type": "text/html", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.posted.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()


@pytest.fixture()
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    allow_in_tests("127.0.0.1", port)
    base = f"http://127.0.0.1:{port}"
    _Hostile.posted = []
    _Hostile.routes = {
        "/metadata": (200, {"Link": "<http://169.254.169.254/latest/meta-data/>; rel=webmention"},
                      b""),
        "/loopback": (200, {}, b'<link rel="webmention" href="http://127.0.0.1:9/wm">'),
        "/bounce": (200, {"Link": "</wm-redirect>; rel=webmention"}, b""),
        "/wm-redirect": (307, {"Location": "http://169.254.169.254/latest/"}, b""),
        "/wm-302": (302, {"Location": f"{base}/elsewhere"}, b""),
        "/to-302": (200, {"Link": "</wm-302>; rel=webmention"}, b""),
        "/plain": (200, {"Content-Type": "text/plain"}, b'<link rel="webmention" href="/x">'),
        "/big.pdf": (200, {"Content-Type": "application/pdf", "Link": "</wm>; rel=webmention"},
                     b"%PDF" * (1024 * 1024)),
        "/big.png": (200, {"Content-Type": "image/png"}, b"\x89PNG" * (1024 * 1024)),
        "/big.html": (200, {}, b"<p>" * (1024 * 1024)),
        "/nested.html": (200, {}, b"<b>" * 20_000),  # 60 KB; minutes for an HTML5 parser
    }  # fmt: skip
    yield base
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("page", ["/metadata", "/loopback", "/bounce"])
def test_an_endpoint_at_an_internal_address_is_refused(hostile, page):
    with pytest.raises(Refused, match="not a public address"):
        send(GuardedFetcher(), SOURCE, hostile + page)


def test_an_endpoint_answering_302_is_not_followed_with_a_get(hostile):
    with pytest.raises(FetchError, match="answered 302"):
        send(GuardedFetcher(), SOURCE, hostile + "/to-302")
    assert _Hostile.posted == ["/wm-302"]


def test_a_target_at_an_internal_address_is_never_fetched():
    for target in ("http://10.0.0.7/post", "http://169.254.169.254/", "http://[::1]:80/"):
        with pytest.raises(Refused, match="not a public address"):
            discover(GuardedFetcher(), target)


def test_a_page_that_is_not_html_has_no_endpoint_in_its_body(hostile):
    with pytest.raises(NoEndpoint):
        discover(GuardedFetcher(), hostile + "/plain")


def test_a_large_file_that_is_not_html_is_judged_by_its_headers_and_a_large_page_refused(hostile):
    assert discover(GuardedFetcher(), hostile + "/big.pdf") == hostile + "/wm"
    with pytest.raises(NoEndpoint):
        discover(GuardedFetcher(), hostile + "/big.png")
    with pytest.raises(Refused, match="byte limit"):
        discover(GuardedFetcher(), hostile + "/big.html")


def test_a_page_that_would_take_minutes_to_parse_is_given_up_on(hostile, monkeypatch):
    """A stranger's page of deep nesting holds a pure-Python HTML5 parser for minutes (hours at
    the 2 MB page limit), past every fetch deadline: its parse is stopped, and it is one failed
    target, not a publish workflow that never ends."""
    monkeypatch.setattr(webmention_send, "PARSE_SECONDS", 2.0)
    with pytest.raises(Refused, match="longer than 2 s to parse"):
        discover(GuardedFetcher(), hostile + "/nested.html")
