"""The feeds, read back by outside parsers: feedparser for Atom and RSS (what most Python feed
readers use), feedparser-rs for JSON Feed 1.1 (feedparser 6 reads no JSON Feed), and the JSON
Feed 1.1 spec's own rules (https://jsonfeed.org/version/1.1) checked field by field.

Whole posts, absolute links, one id per post in every format (``isPermaLink="false"`` on RSS
guids that are ``tag:`` URIs), published posts only, and the WebSub hub beside ``rel="self"``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import feedparser_rs
import pytest
from bs4 import BeautifulSoup

from sites import article, build, write_site

FEEDS = ("feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json")
PUBLISHED = "https://camille.example"
HUB = "https://hub.example/"
SITE = "https://fixture.example"

# ---------------------------------------------------------------- JSON Feed 1.1, by its spec

TOP = {"version", "title", "home_page_url", "feed_url", "description", "user_comment",
       "next_url", "icon", "favicon", "authors", "author", "language", "expired", "hubs",
       "items"}  # fmt: skip
ITEM = {"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
        "banner_image", "date_published", "date_modified", "authors", "author", "tags",
        "language", "attachments"}  # fmt: skip
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def json_feed_problems(feed: dict) -> list[str]:
    """What breaks JSON Feed 1.1: required fields, types, URLs, dates (extensions start "_")."""
    found = []

    def url(where: str, value) -> None:
        if not (isinstance(value, str) and re.match(r"https?://[^/\s]+", value)):
            found.append(f"{where}: not an absolute URL: {value!r}")

    def authors(where: str, value) -> None:
        if not isinstance(value, list) or not all(
            isinstance(a, dict) and {"name", "url", "avatar"} & set(a) for a in value
        ):
            found.append(f"{where}: authors must be objects with a name, url or avatar")

    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        found.append(f"version: {feed.get('version')!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        found.append("title is required")
    if not isinstance(feed.get("items"), list):
        found.append("items is required")
    found += [f"unknown top-level key {k}" for k in set(feed) - TOP if not k.startswith("_")]
    for key in ("home_page_url", "feed_url", "next_url", "icon", "favicon"):
        if key in feed:
            url(key, feed[key])
    if "authors" in feed:
        authors("authors", feed["authors"])
    for hub in feed.get("hubs", []):
        if not (isinstance(hub.get("type"), str) and isinstance(hub.get("url"), str)):
            found.append(f"hub without a type and a url: {hub}")
    ids = set()
    for n, item in enumerate(feed.get("items") or []):
        where = f"items[{n}]"
        found += [f"{where}: unknown key {k}" for k in set(item) - ITEM if not k.startswith("_")]
        if not isinstance(item.get("id"), str) or not item["id"] or item["id"] in ids:
            found.append(f"{where}: id must be a unique non-empty string")
        ids.add(item.get("id"))
        if not ({"content_html", "content_text"} & set(item)):
            found.append(f"{where}: content_html or content_text is required")
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item:
                url(f"{where}.{key}", item[key])
        for key in ("date_published", "date_modified"):
            if key in item and not RFC3339.fullmatch(item[key]):
                found.append(f"{where}.{key}: not RFC 3339: {item[key]!r}")
        if "tags" in item and not all(isinstance(t, str) for t in item["tags"]):
            found.append(f"{where}.tags: strings only")
        if "authors" in item:
            authors(f"{where}.authors", item["authors"])
    return found


def test_the_spec_check_catches_what_breaks_a_json_feed():
    old = {"version": "https://jsonfeed.org/version/1", "items": [
        {"id": 1, "url": "/a/", "date_published": "2026-01-01 10:00"}, {"title": "x"}]}  # fmt: skip
    assert len(json_feed_problems(old)) == 8
    assert len(json_feed_problems({"version": "x", "items": [{"id": "a"}, {"id": "a"}]})) == 5


# ---------------------------------------------------------------- the demo, as published


def parsed(output: Path):
    atom = feedparser.parse(str(output / FEEDS[0]))
    rss = feedparser.parse(str(output / FEEDS[1]))
    jf = feedparser_rs.parse((output / FEEDS[2]).read_bytes())
    return atom, rss, jf


def test_each_feed_parses_cleanly_and_holds_the_same_published_posts(published_output):
    atom, rss, jf = parsed(published_output)
    assert (atom.version, rss.version, jf.version) == ("atom10", "rss20", "json11")
    for feed in (atom, rss, jf):
        assert not feed.bozo, feed.get("bozo_exception")
        titles = [e.title for e in feed.entries]
        assert len(titles) == 6, titles  # the demo's published posts
        assert "Owl notes (unfinished)" not in titles  # a draft
        assert not any("ten years on" in t.lower() for t in titles)  # dated in the future
    ids = [[e.id for e in feed.entries] for feed in (atom, rss, jf)]
    assert ids[0] == ids[1] == ids[2]
    assert all(i.startswith("tag:camille.example,2026-") for i in ids[0])
    assert len(set(ids[0])) == 6


def test_rss_guids_are_not_permalinks_and_atom_ids_are_tag_uris(published_output):
    rss = ET.parse(published_output / FEEDS[1]).getroot()
    guids = rss.findall("./channel/item/guid")
    assert len(guids) == 6
    assert all(g.get("isPermaLink") == "false" and g.text.startswith("tag:") for g in guids)
    atom, _, _ = parsed(published_output)
    for entry in atom.entries:  # the link stays the post's address
        assert entry.link.startswith(f"{PUBLISHED}/2026/") and not entry.guidislink


def test_every_feed_carries_whole_posts(published_output):
    atom, rss, jf = parsed(published_output)
    data = json.loads((published_output / FEEDS[2]).read_text())
    last_words = "Bluesky.</p>"  # the reading list's last paragraph, far past its summary
    by_title = {e.title: e for e in atom.entries}
    assert last_words in by_title["A small-web reading list"].content[0].value
    assert last_words in {e.title: e for e in rss.entries}["A small-web reading list"].summary
    item = next(i for i in data["items"] if i["title"] == "A small-web reading list")
    assert last_words in item["content_html"]
    assert item["summary"].startswith("Five personal sites")
    assert {e.title: e for e in jf.entries}["A small-web reading list"].content[0].value


def content_urls(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    urls = [t["href"] for t in soup.find_all(href=True)]
    urls += [t["src"] for t in soup.find_all(src=True)]
    for tag in soup.find_all(srcset=True):
        urls += [part.split()[0] for part in tag["srcset"].split(",")]
    return urls


def test_links_and_pictures_in_the_feeds_are_absolute(published_output):
    atom, rss, _ = parsed(published_output)
    data = json.loads((published_output / FEEDS[2]).read_text())
    contents = [e.content[0].value for e in atom.entries] + [e.summary for e in rss.entries]
    contents += [i["content_html"] for i in data["items"]]
    urls = [u for html in contents for u in content_urls(html)]
    assert any(u.endswith("/images/swifts-at-dusk.jpg") for u in urls)
    assert urls and all(re.match(r"(https?:|mailto:|#)", u) for u in urls), urls


def test_the_json_feed_follows_the_spec_and_says_what_the_others_say(published_output):
    data = json.loads((published_output / FEEDS[2]).read_text())
    assert json_feed_problems(data) == []
    assert data["feed_url"] == f"{PUBLISHED}/feeds/all.json"
    assert data["home_page_url"] == f"{PUBLISHED}/"
    assert data["language"] == "en" and data["authors"][0]["name"] == "Camille Durand"
    assert data["icon"] == f"{PUBLISHED}/images/camille.png"
    assert "hubs" not in data  # no hub in publishconf.py
    photos = next(i for i in data["items"] if i["url"].endswith("/spring-migration-photos/"))
    assert photos["image"] == f"{PUBLISHED}/images/swifts-at-dusk.jpg"
    assert photos["tags"] == ["Birds", "birds", "photography", "migration"]
    french = next(i for i in data["items"] if i["language"] == "fr")
    assert french["title"] == "Les martinets sont de retour 🐦"
    essay = next(i for i in data["items"] if i["url"].endswith("/moving-my-writing-home/"))
    assert essay["date_published"] == "2026-03-02T09:30:00+01:00"
    assert essay["date_modified"] == "2026-03-04T18:10:00+01:00"
    assert essay["authors"] == [{"name": "Camille Durand"}]


def test_every_page_links_the_json_feed(published_output):
    for page in sorted(published_output.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        link = soup.find("link", rel="alternate", type="application/feed+json")
        assert link and link["href"] == f"{PUBLISHED}/feeds/all.json", page


# ---------------------------------------------------------------- a site with everything in it

POSTS = {
    "a.md": article(
        "Alpha",
        "alpha",
        "First paragraph, the summary.\n\nSee [beta](../beta/), ![a fern](/images/fern.png) and"
        '\n\n<img src="pics/y.png" srcset="pics/y.png 1x, pics/y2.png 2x" alt="y">\n\n'
        "The very last words of alpha.",
        Summary="Alpha in short.",
    ),
    "b.md": article("Beta", "beta", "Beta body.", Date="2026-01-16 10:00", Tags="one, two"),
    "draft.md": article("Draft", "draft", Status="draft"),
    "hidden.md": article("Hidden", "hidden", Status="hidden"),
    "future.md": article("Future", "future", Date="2099-01-01 10:00"),
}
SETTINGS = dict(
    SITEURL=SITE, FEED_DOMAIN=SITE, RELATIVE_URLS=False, FEED_ALL_RSS="feeds/all.rss.xml",
    RSS_FEED_SUMMARY_ONLY=False, WITH_FUTURE_DATES=False, ROOST_WEBSUB_HUB=HUB,
    TAG_FEED_ATOM="feeds/{slug}.tag.atom.xml",
)  # fmt: skip


@pytest.fixture(scope="module")
def hubbed(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("hubbed"), POSTS)
    built = build(root, **SETTINGS)
    assert built.errors() == []
    return built.output


def test_with_a_hub_every_feed_names_it_beside_self(hubbed):
    atom, rss, jf = parsed(hubbed)
    for feed, path in zip((atom, rss), FEEDS, strict=False):
        assert not feed.bozo
        rels = {link.rel: link.href for link in feed.feed.links}
        assert rels["hub"] == HUB
        assert rels["self"] == f"{SITE}/{path}"
    data = json.loads((hubbed / FEEDS[2]).read_text())
    assert data["hubs"] == [{"type": "WebSub", "url": HUB}]
    assert data["feed_url"] == f"{SITE}/feeds/all.json" and json_feed_problems(data) == []
    assert not jf.bozo
    rss_root = ET.parse(hubbed / FEEDS[1]).getroot()
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    hubs = rss_root.findall("./channel/atom:link[@rel='hub']", ns)
    assert [h.get("href") for h in hubs] == [HUB]
    # A tag feed is never announced to the hub, so it does not name it.
    tag = feedparser.parse(str(hubbed / "feeds/one.tag.atom.xml"))
    assert not tag.bozo and {link.rel for link in tag.feed.links} == {"alternate", "self"}


def test_drafts_hidden_and_future_posts_stay_out_of_every_feed(hubbed):
    for feed in parsed(hubbed):
        assert sorted(e.title for e in feed.entries) == ["Alpha", "Beta"]


def test_relative_links_in_a_post_are_made_absolute_against_the_post(hubbed):
    # Read raw: feedparser's sanitiser drops srcset, which readers that do not sanitise use.
    ns = {"a": "http://www.w3.org/2005/Atom"}
    atom = ET.parse(hubbed / FEEDS[0]).getroot()
    rss = ET.parse(hubbed / FEEDS[1]).getroot()
    data = json.loads((hubbed / FEEDS[2]).read_text())
    alpha = [next(e.findtext("a:content", namespaces=ns) for e in atom.findall("a:entry", ns)
                  if e.findtext("a:title", namespaces=ns) == "Alpha"),
             next(i.findtext("description") for i in rss.iter("item")
                  if i.findtext("title") == "Alpha"),
             next(i for i in data["items"] if i["title"] == "Alpha")["content_html"]]  # fmt: skip
    for html in alpha:
        assert "The very last words of alpha." in html
        assert sorted(content_urls(html)) == sorted([
            f"{SITE}/beta/", f"{SITE}/images/fern.png", f"{SITE}/alpha/pics/y.png",
            f"{SITE}/alpha/pics/y.png", f"{SITE}/alpha/pics/y2.png",
        ])  # fmt: skip


def test_no_json_feed_when_it_is_turned_off_and_bad_settings_are_named(tmp_path):
    root = write_site(tmp_path, {"a.md": POSTS["a.md"]})
    built = build(root, ROOST_JSON_FEED=None)
    assert not (built.output / FEEDS[2]).exists()
    assert "application/feed+json" not in built.page("index.html")
    built = build(root, ROOST_JSON_FEED="../outside.json", ROOST_WEBSUB_HUB="websubhub.com/hub")
    errors = "\n".join(built.errors())
    assert "ROOST_JSON_FEED = '../outside.json'" in errors
    assert "ROOST_WEBSUB_HUB = 'websubhub.com/hub'" in errors
    assert (built.output / "feeds/all.json").exists()  # the default, as the line says
    assert "hub" not in (built.output / "feeds/all.atom.xml").read_text()


def test_absolute_links_touches_attributes_of_tags_only():
    from roost.site.feeds import absolute_links

    base = "https://b.example/2026/post/"
    html = (
        "<p><a href='../other/'>o</a> <a href=x.html>x</a> <a href=\"mailto:me@b.example\">m</a>"
        ' <img src="data:image/png;base64,AAAA"> <a href="#notes">n</a>'
        ' <video poster="/p.jpg"></video></p><pre><code>&lt;a href="kept.html"&gt;</code></pre>'
    )
    assert absolute_links(html, base) == (
        '<p><a href="https://b.example/2026/other/">o</a>'
        ' <a href="https://b.example/2026/post/x.html">x</a> <a href="mailto:me@b.example">m</a>'
        ' <img src="data:image/png;base64,AAAA"> <a href="https://b.example/2026/post/#notes">n</a>'
        ' <video poster="https://b.example/p.jpg"></video></p>'
        '<pre><code>&lt;a href="kept.html"&gt;</code></pre>'
    )


def test_absolute_links_leaves_words_inside_other_attributes_alone():
    """An alt text or a link title that mentions ``src=`` or ``href=`` (a post about HTML) is a
    value, not an attribute: rewriting it closed the value's quotes, broke the picture or link
    in every feed, and turned the rest of the text into attributes (``onerror=...``)."""
    from roost.site.feeds import absolute_links

    base = "https://b.example/post/"
    html = (
        '<p><img alt="an img src=x onerror=alert(1) example" src="/p.png" />'
        "<a href=\"/u\" title='t href=x onmouseover=alert(1)'>a</a></p>"
    )
    assert absolute_links(html, base) == (
        '<p><img alt="an img src=x onerror=alert(1) example" src="https://b.example/p.png" />'
        "<a href=\"https://b.example/u\" title='t href=x onmouseover=alert(1)'>a</a></p>"
    )
