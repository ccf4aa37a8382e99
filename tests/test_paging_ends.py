"""A server cannot keep a backfeed paging for ever: a page named twice (the same cursor, next
link, ``min_id`` or first entry) makes the read fail as Unreadable after two requests, and the
records stay as they were. Each network's own paging loop is tried against a server that
repeats itself."""

from __future__ import annotations

import pytest
from fakes.server import FakeHandler, FakeServer

from roost.networks.errors import Unreadable
from roost.networks.http import ApiClient, PageGuard, json_error


class _Repeating(FakeHandler):
    def route(self, method: str, path: str) -> None:
        fake = self.fake
        if path == "/cursor":  # always the same page and the same cursor
            return self.send(200, {"items": [{"n": 1}], "cursor": "again"})
        if path == "/linked":  # a full page whose next link is itself
            link = f'<{fake.url}/linked?limit=2>; rel="next"'
            return self.send(200, [{"n": 1}, {"n": 2}], {"Link": link})
        if path == "/api/v1/notifications":  # Mastodon: a full page, ids never move on
            page = [{"id": "5", "type": "mention", "created_at": "2026-05-01T00:00:00Z"}] * 80
            return self.send(200, page)
        if path == "/api/mentions.jf2":  # webmention.io ignoring ``page``
            entries = [{"wm-id": 7, "wm-target": "https://camille.blog/a/"}] * 100
            return self.send(200, {"type": "feed", "children": entries})
        if path == "/xrpc/app.bsky.notification.listNotifications":
            return self.send(
                200, {"notifications": [{"indexedAt": "x", "uri": "y"}], "cursor": "c"}
            )
        self.send(404, {"error": "Not found"})


class Repeating(FakeServer):
    Handler = _Repeating


@pytest.fixture
def server():
    fake = Repeating()
    fake.start()
    yield fake
    fake.stop()


def client(server) -> ApiClient:
    return ApiClient(
        "example", server.url, env={"TOKEN": "t0ken"}, secret_variable="TOKEN",
        asks_for="a token", credentials="the token", rate=None, read_error=json_error("error"),
    )  # fmt: skip


def test_a_cursor_named_twice_ends_the_read(server):
    with pytest.raises(Unreadable, match="the same page twice"):
        client(server).cursor_pages("/cursor", "items", {})
    assert len(server.requests) == 2


def test_a_next_link_to_itself_ends_the_read(server):
    with pytest.raises(Unreadable, match="the same page twice"):
        client(server).link_pages("/linked", 2)
    assert len(server.requests) == 2


def test_mastodon_notifications_that_never_move_on_end_the_read(server):
    from roost.networks.mastodon.adapter import Mastodon

    adapter = Mastodon({"instance": server.url}, env={"ROOST_MASTODON_TOKEN": "t0ken"})
    with pytest.raises(Unreadable, match="mastodon: the notifications"):
        adapter.activity("4", {})
    assert len(server.requests) == 2


def test_a_webmention_feed_that_ignores_the_page_ends_the_read(server):
    from roost.networks.webmention_io import WebmentionIO

    adapter = WebmentionIO(
        {"domain": "camille.blog", "api": server.url},
        env={"ROOST_WEBMENTION_IO_TOKEN": "t0ken"},
    )
    with pytest.raises(Unreadable, match="webmention: the feed"):
        adapter.feed({}, {"https://camille.blog/a/": "a"})
    assert len(server.requests) == 2


def test_bluesky_notifications_with_one_cursor_for_ever_end_the_read(server):
    from roost.networks.bluesky.adapter import Bluesky

    adapter = Bluesky(
        {"handle": "camille.test", "service": server.url}, env={"ROOST_BLUESKY_APP_PASSWORD": "pw"}
    )
    adapter.api.auth = lambda: "Bearer jwt"  # signed in: only the paging is under test
    with pytest.raises(Unreadable, match="bluesky: the notifications"):
        adapter.activity(None, {})
    assert len(server.requests) == 2  # the first page, then "c"; "c" again is not asked for


def test_a_guard_stops_a_server_that_pages_on_for_ever():
    guard = PageGuard("example", "the likes", most=3)
    for page in ("a", "b", "c"):
        guard.next(page)
    with pytest.raises(Unreadable, match="more than 3 pages"):
        guard.next("d")
