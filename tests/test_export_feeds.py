"""roost people export --format opml: the feeds readers' websites advertise, discovered through
the guarded fetch against a fake web server, cached with the date, and written as OPML 2.0 that
an XML parser and listparser (what feed readers import with) both read back. A site that is slow,
errs or is huge is skipped with one line; the rest of the export goes on."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

import listparser
import pytest
from fakes.web_pages import FakeWebPages
from test_exports import records

from roost.audience.directory import Someone
from roost.audience.opml import to_opml
from roost.commands import feeds as feeds_module
from roost.commands.cli import main
from roost.commands.feeds import cache_path, feeds_of
from roost.networks.feed_discovery import Feed, feeds_in_html
from roost.networks.guarded_fetch import GuardedFetcher, allow_in_tests
from roost.people import Person

from sites import write_settings

HOME = """<!doctype html><html><head><title>Ana</title>
<!-- <link rel="alternate" type="application/rss+xml" href="/commented-out.xml"> -->
<link rel="stylesheet" href="/style.css">
<link rel="alternate" hreflang="fr" type="text/html" href="/fr/">
<link rel="Alternate Home" type="application/atom+xml; charset=utf-8" title="Ana's  notes"
      href="feed.atom">
<link rel="alternate" type="application/rss+xml" href="/rss.xml#top">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
<link rel="alternate" type="application/feed+json" href="https://ana.example/feed.json">
<script>document.write('<link rel="alternate" type="application/rss+xml" href="/js.xml">')</script>
</head><body><a rel="alternate" type="application/rss+xml" href="/a-link.xml">feed</a></body>
</html>"""


@pytest.fixture()
def web():
    server = FakeWebPages()
    server.start()
    allow_in_tests("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_feeds_are_found_as_autodiscovery_says():
    found = feeds_in_html(HOME, "https://ana.example/blog/")
    assert found == [
        Feed("https://ana.example/blog/feed.atom", "atom", "Ana's notes"),
        Feed("https://ana.example/rss.xml", "rss"),
        Feed("https://ana.example/feed.json", "json"),
    ]
    based = (
        '<base href="https://cdn.example/x/"><link rel=alternate type=application/rss+xml href=f>'
    )
    assert feeds_in_html(based, "https://ana.example/") == [Feed("https://cdn.example/x/f", "rss")]
    hostile = '<link rel=alternate type=application/rss+xml href="javascript:alert(1)">'
    assert feeds_in_html(hostile + "<" * 10_000, "https://ana.example/") == []


def test_sites_are_read_through_the_guarded_fetch_and_cached_with_the_date(web):
    site = web.page("/ana/", HOME.replace("https://ana.example/feed.json", "/ana/feed.json"))
    moved = web.page("/old/", "", status=301, headers={"Location": "/new/"})
    web.page("/new/", '<link rel="alternate" type="application/rss+xml" href="feed.xml">')
    itself = web.page("/feed-only", "<rss/>", type="application/rss+xml")
    found, skipped = feeds_of([site, moved, itself], today=date(2026, 11, 26))
    assert skipped == []
    assert [f.url for f in found[site]] == [
        f"{web.url}/ana/feed.atom", f"{web.url}/rss.xml", f"{web.url}/ana/feed.json"
    ]  # fmt: skip
    assert found[moved] == [Feed(f"{web.url}/new/feed.xml", "rss")]  # against the final page
    assert found[itself] == [Feed(itself, "rss")]
    cached = json.loads(cache_path().read_text())["sites"]
    assert cached[moved] == {
        "checked": "2026-11-26", "feeds": [{"url": f"{web.url}/new/feed.xml", "type": "rss",
                                            "title": ""}]}  # fmt: skip
    web.requests.clear()
    again, _ = feeds_of([site, moved, itself], today=date(2026, 12, 20))
    assert again == found and web.requests == []  # fresh: not read again
    feeds_of([site], today=date(2026, 12, 27))  # a month later: read again
    assert web.requests == [("GET", "/ana/")]
    feeds_of([site], refresh=True, today=date(2026, 12, 27))
    assert web.requests == [("GET", "/ana/")] * 2


def test_slow_failing_huge_and_private_sites_are_skipped_with_one_line_each(web):
    good = web.page("/good/", '<link rel="alternate" type="application/atom+xml" href="a.xml">')
    slow = web.page("/slow/", "<html>", delay=3)
    broken = web.page("/broken/", "oops", status=500)
    huge = web.page("/huge/", b"<html>" + b" " * (3 * 1024 * 1024))
    private = "http://10.0.0.1/"
    fetcher = GuardedFetcher(fetch_seconds=1.0)
    found, skipped = feeds_of([good, slow, broken, huge, private], fetcher=fetcher)
    assert list(found) == [good]
    assert len(skipped) == 4
    assert any("/slow/" in line and "longer than 1 s" in line for line in skipped)
    assert any("/broken/" in line and "500" in line for line in skipped)
    assert any("/huge/" in line and "byte limit" in line for line in skipped)
    assert any("10.0.0.1" in line and "not a public address" in line for line in skipped)
    assert all(line.endswith("its feeds are not in this export") for line in skipped)
    assert list(json.loads(cache_path().read_text())["sites"]) == [good]  # failures not kept


def someone(name: str, *websites: str) -> Someone:
    account = Person(f"webmention:{len(name)}.example", "webmention", name)
    return Someone(f"person:{len(name):012d}", name, [account], list(websites), None, None, {},
                   set())  # fmt: skip


def test_opml_reads_back_with_an_xml_parser_and_listparser():
    hostile = 'Bob <script>&amp; "quoted"\x0b\x01'
    people = [someone("Ana Ribeiro", "https://ana.example/"),
              someone(hostile, "https://bob.example/", "https://nofeed.example/")]  # fmt: skip
    feeds = {
        "https://ana.example/": [Feed("https://ana.example/feed.atom", "atom", "Ana's notes"),
                                 Feed("https://ana.example/comments.xml", "rss")],
        "https://bob.example/": [Feed('https://bob.example/f?a=1&b="2"', "rss"),
                                 Feed("https://bob.example/rss?a=1&b=2", "rss", "<b>\x02")],
        "https://nofeed.example/": [],
    }  # fmt: skip
    text = to_opml(people, feeds, "Feeds of Field & Notes readers")
    root = ET.fromstring(text.encode())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title").text == "Feeds of Field & Notes readers"
    outlines = root.findall("body/outline")
    assert [
        (o.get("type"), o.get("text"), o.get("xmlUrl"), o.get("htmlUrl"), o.get("title"))
        for o in outlines
    ] == [
        (
            "rss",
            "Ana Ribeiro",
            "https://ana.example/feed.atom",
            "https://ana.example/",
            "Ana's notes",
        ),
        (
            "rss",
            'Bob <script>&amp; "quoted"',
            "https://bob.example/rss?a=1&b=2",
            "https://bob.example/",
            "<b>",
        ),
    ]  # fmt: skip  (a site's first feed that can be written; a feed address with a quote cannot)
    parsed = listparser.parse(text)
    assert not parsed.bozo, parsed.bozo_exception
    assert [(f.url, f.title) for f in parsed.feeds] == [
        ("https://ana.example/feed.atom", "Ana Ribeiro"),
        ("https://bob.example/rss?a=1&b=2", 'Bob <script>&amp; "quoted"'),
    ]
    assert parsed.meta.title == "Feeds of Field & Notes readers"


def test_the_opml_export_end_to_end(tmp_path, web, monkeypatch, capsys):
    """The command reads the records, discovers each website's feed on the (fake) web, skips
    the one that fails with one line, and writes OPML; nobody refused is in it."""
    social = records(tmp_path)
    ana_site = web.page("/ana/", '<link rel="alternate" type="application/rss+xml" href="f.xml">')
    web.page("/spam/", '<link rel="alternate" type="application/rss+xml" href="f.xml">')
    people = social / "people" / "webmention.json"
    data = json.loads(people.read_text())
    for p in data["people"]:  # their sites, on the fake web
        p["url"] = {"Ana Ribeiro": ana_site, "Spam Site": web.url + "/spam/"}[p["name"]]
    down = {"id": "webmention:down.example", "network": "webmention", "name": "Down",
            "handle": "down.example", "url": web.url + "/down/"}  # fmt: skip
    data["people"].append(down)
    people.write_text(json.dumps(data))
    moderation = json.loads((social / "moderation.json").read_text())
    moderation["blocked_accounts"].append("webmention:spam.example")  # its domain moved
    (social / "moderation.json").write_text(json.dumps(moderation))
    (tmp_path / "content").mkdir()
    write_settings(tmp_path / "publishconf.py", SITEURL="https://blog.example",
                   SITENAME="Field Notes")  # fmt: skip
    monkeypatch.setattr(feeds_module, "FETCH_SECONDS", 5.0)
    monkeypatch.chdir(tmp_path)  # in this process, where the fake web is reachable
    assert main(["people", "export", "--format", "opml"]) == 0
    result = capsys.readouterr()
    parsed = listparser.parse(result.out)
    assert [(f.url, f.title) for f in parsed.feeds] == [(web.url + "/ana/f.xml", "Ana Ribeiro")]
    assert parsed.meta.title == "Feeds of Field Notes readers"
    assert [ln for ln in result.err.splitlines() if "/down/" in ln] == [
        f"roost: {web.url}/down/: the server answered 404; its feeds are not in this export"
    ]
    assert "/spam/" not in result.out + result.err
    assert ("GET", "/spam/") not in web.requests  # a blocked site is not even read
