"""Webmentions received by webmention.io land in the same archive, once, under their post."""

from __future__ import annotations

from fakes.webmention_io import FakeWebmentionIO

from roost.networks.webmention_io import PER_PAGE, WebmentionIO
from roost.store import Store

from sites import webmention_backfeed

POSTS = {
    "https://camille.blog/2026/swifts/": "swifts",
    "https://camille.blog/2026/owls/": "owls",
}


def test_replies_likes_and_mentions_from_other_sites(tmp_path, wm):
    fake, source = wm
    store = Store(tmp_path)
    reply = fake.add(
        "https://camille.blog/2026/swifts/",
        "in-reply-to",
        "tomas.example",
        content={"html": "<p>Lovely<script>alert(1)</script></p>", "text": "Lovely"},
    )
    fake.add("http://www.camille.blog/2026/swifts", "like-of", "ruth.example")  # same post
    fake.add("https://camille.blog/2026/owls/", "mention-of", "bob.example",
             content={"text": "Camille wrote about owls"})  # fmt: skip
    fake.add(
        "https://camille.blog/2026/owls/", "in-reply-to", "eve.example", **{"wm-private": True}
    )
    fake.add("https://camille.blog/2026/owls/", "rsvp", "carol.example")
    fake.add("https://camille.blog/unknown/", "in-reply-to", "dan.example")
    change, failure = webmention_backfeed(store, source, POSTS)
    assert not failure and change.added == 3
    swifts = {x.id: x for x in store.read_post("swifts").interactions}
    first = swifts[f"webmention:{reply['wm-id']}"]
    assert (first.kind, first.author, first.content) == ("reply", "webmention:tomas.example",
                                                         "<p>Lovely</p>")  # fmt: skip
    assert {x.kind for x in swifts.values()} == {"reply", "like"}
    owls = store.read_post("owls").interactions
    assert [(x.kind, x.content) for x in owls] == [("mention", "Camille wrote about owls")]
    assert store.read_people()["webmention:tomas.example"].name == "Tomas"
    # The next run asks only for what is newer, and finds nothing.
    before = len(fake.requests)
    assert webmention_backfeed(store, source, POSTS) == (change.__class__(), "")
    assert len(fake.requests) - before == 1


def test_many_mentions_are_read_page_by_page(tmp_path, wm):
    fake, source = wm
    for i in range(PER_PAGE + 30):
        fake.add("https://camille.blog/2026/owls/", "like-of", f"fan{i}.example")
    change, _ = webmention_backfeed(Store(tmp_path), source, POSTS)
    assert change.added == PER_PAGE + 30


def test_a_bad_key_is_one_line_and_loses_nothing(tmp_path, wm):
    fake, _ = wm
    fake.add("https://camille.blog/2026/owls/", "in-reply-to", "bob.example")
    bad = WebmentionIO({"domain": "camille.blog", "api": f"http://127.0.0.1:{fake._server.server_address[1]}"},
                       env={"ROOST_WEBMENTION_IO_TOKEN": "nope"})  # fmt: skip
    change, failure = webmention_backfeed(Store(tmp_path), bad, POSTS)
    assert not change
    assert "Access token was not valid (check the key in ROOST_WEBMENTION_IO_TOKEN)" in failure
    missing = WebmentionIO({"domain": "camille.blog"}, env={})
    assert (
        "set the environment variable ROOST_WEBMENTION_IO_TOKEN"
        in webmention_backfeed(Store(tmp_path), missing, POSTS)[1]
    )


def test_roost_backfeed_matches_webmentions_to_the_site_s_posts(tmp_path, fake, serve):
    """The command end to end: the site's own post addresses, read from its content."""
    from test_syndicate import Site

    from sites import write_settings

    wm = FakeWebmentionIO()
    wm_url = wm.start()
    try:
        site = Site(tmp_path, fake, serve)
        write_settings(site.root / "publishconf.py", SITEURL=site.siteurl,
                       ROOST_WEBMENTION_IO={"domain": "127.0.0.1", "api": wm_url})  # fmt: skip
        wm.add(f"{site.siteurl}/owls/", "in-reply-to", "tomas.example",
               content={"html": "<p>Tawny, surely.</p>", "text": "Tawny, surely."})  # fmt: skip
        result = site.run("backfeed", env={"ROOST_WEBMENTION_IO_TOKEN": "wm-token"}, check=True)
    finally:
        wm.stop()
    assert result.stdout.splitlines()[-1].split() == ["webmention", "1", "0", "0"]
    replies = store_of(site).read_post("owls").interactions
    assert [x.content for x in replies] == ["<p>Tawny, surely.</p>"]


def store_of(site) -> Store:
    return Store(site.root / "social")
