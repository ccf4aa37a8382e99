"""The demo blog, built for real, read back the way IndieWeb tools and feed readers read it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import mf2py
from bs4 import BeautifulSoup

SITE = "http://localhost:8000"
POST = "2026/moving-my-writing-home/index.html"


def parse(output: Path, rel: str) -> dict:
    url = f"{SITE}/{rel.removesuffix('index.html')}"
    return mf2py.parse(doc=(output / rel).read_text(encoding="utf-8"), url=url)


def entry(parsed: dict) -> dict:
    entries = [i for i in parsed["items"] if "h-entry" in i["type"]]
    assert len(entries) == 1, [i["type"] for i in parsed["items"]]
    return entries[0]["properties"]


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def test_article_is_an_h_entry_with_the_authors_h_card(demo_output):
    props = entry(parse(demo_output, POST))
    assert props["name"] == ["Moving my writing home"]
    assert props["url"] == [f"{SITE}/2026/moving-my-writing-home/"]
    assert props["published"][0].startswith("2026-03-02T09:30:00")
    author = props["author"][0]
    assert "h-card" in author["type"]
    assert author["properties"]["name"] == ["Camille Durand"]
    assert author["properties"]["url"] == [f"{SITE}/"]
    assert "telephone call" in props["content"][0]["value"]


def test_also_on_links_are_u_syndication(demo_output):
    props = entry(parse(demo_output, POST))
    assert sorted(props["syndication"]) == [
        "https://bsky.example/profile/camille.example/post/3lgh2mzd6xk2a",
        "https://mastodon.example/@camille/115107232286434584",
    ]


def test_threaded_replies_are_nested_comments_with_in_reply_to(demo_output):
    props = entry(parse(demo_output, POST))
    comments = props["comment"]
    names = [c["properties"]["author"][0]["properties"]["name"][0] for c in comments]
    # Top level: two replies, one quote, one mention from another blog.
    assert names == ["Bob Martin", "Priya Raman", "Lena Fischer", "Tomás García"]
    # Bob -> Inès -> Bob -> Kenji -> Inès: five levels, each answering the one above.
    level, depth = comments[0], 1
    while "comment" in level["properties"]:
        parent_url = level["properties"]["url"][0]
        level = level["properties"]["comment"][0]
        assert level["properties"]["in-reply-to"] == [parent_url]
        depth += 1
    assert depth == 5
    assert comments[0]["properties"]["in-reply-to"] == [f"{SITE}/2026/moving-my-writing-home/"]


def test_facepiles_show_likes_reposts_and_bookmarks_with_local_avatars(demo_output):
    props = entry(parse(demo_output, POST))
    assert len(props["like"]) == 7
    assert len(props["repost"]) == 3
    assert len(props["bookmark"]) == 1
    soup = BeautifulSoup((demo_output / POST).read_text(), "html.parser")
    faces = soup.select(".facepile img")
    assert faces and all(img["alt"] for img in faces), "every face names its person"
    for img in faces:
        assert img["src"].startswith("../../social-media/") or img["src"].endswith(
            "roost-avatar.png"
        )
        assert (demo_output / POST).parent.joinpath(img["src"]).resolve().is_file()
    assert "7 likes" in soup.select_one(".facepile-like h3").text


def test_reply_links_lead_to_the_syndicated_copies(demo_output):
    soup = BeautifulSoup((demo_output / POST).read_text(), "html.parser")
    links = {a.text: a["href"] for a in soup.select(".reply-on a")}
    assert links == {
        "Reply on Bluesky": "https://bsky.example/profile/camille.example/post/3lgh2mzd6xk2a",
        "Reply on Mastodon": "https://mastodon.example/@camille/115107232286434584",
    }


def test_index_is_an_h_feed_of_h_entries_without_drafts_or_future_posts(demo_output):
    parsed = mf2py.parse(doc=(demo_output / "index.html").read_text(), url=f"{SITE}/")
    feeds = [i for i in parsed["items"] if "h-feed" in i["type"]]
    assert len(feeds) == 1
    titles = [c["properties"]["name"][0] for c in feeds[0]["children"]]
    assert titles[0] == "A bird walk and a small-web meetup in Nantes"
    assert "Les martinets sont de retour 🐦" in titles
    assert len(titles) == 6
    assert not any("Owl notes" in t or "ten years on" in t for t in titles)
    assert not (demo_output / "2036").exists()
    assert (demo_output / "drafts/letter-to-ten-years-on/index.html").exists()


def test_french_article_declares_its_language_and_keeps_its_accents(demo_output):
    rel = "2026/les-martinets-sont-de-retour/fr/index.html"
    html = (demo_output / rel).read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    props = entry(parse(demo_output, rel))
    assert props["name"] == ["Les martinets sont de retour 🐦"]
    assert "cathédrale de Nantes" in html  # an archived reply, in French


def test_images_have_alt_text_everywhere(demo_output):
    for page in html_pages(demo_output):
        for img in BeautifulSoup(page.read_text(), "html.parser").find_all("img"):
            assert img.has_attr("alt"), f"{page}: {img}"
    photos = BeautifulSoup(
        (demo_output / "2026/spring-migration-photos/index.html").read_text(), "html.parser"
    ).select(".e-content img, .attachments img")
    assert len(photos) == 3 and all(len(img["alt"]) > 20 for img in photos)


def test_code_is_highlighted(demo_output):
    html = (demo_output / "2026/counting-characters-like-mastodon/index.html").read_text()
    assert 'class="highlight"' in html and "mastodon_length" in html


def test_pages_have_landmarks_and_one_h1(demo_output):
    for page in html_pages(demo_output):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        assert soup.find("main", id="main"), page
        # A <header> and a <footer> that are children of <body> are the banner and contentinfo
        # landmarks (HTML-AAM); the Nu checker flags an explicit role on them as redundant.
        assert soup.body.find("header", recursive=False), page
        assert soup.body.find("footer", recursive=False), page
        assert soup.find("nav"), page
        assert len(soup.find_all("h1")) == 1, page
        assert soup.select_one("a.skip[href='#main']"), page


def test_no_page_asks_another_site_for_anything(demo_output):
    """Nothing a reader's browser would fetch on its own points off the site."""
    for page in html_pages(demo_output):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        assert not soup.find("script"), page
        for tag, attr in (
            ("img", "src"),
            ("link", "href"),
            ("source", "srcset"),
            ("iframe", "src"),
        ):
            for el in soup.find_all(tag):
                if tag == "link" and set(el.get("rel", [])) & {"canonical", "alternate", "me"}:
                    continue  # metadata, never fetched by a browser
                value = el.get(attr, "")
                assert not re.match(r"^(https?:)?//", value), f"{page}: {el}"


def test_published_pages_have_canonical_and_open_graph(published_output):
    for page in html_pages(published_output):
        if page.name == "404.html":  # served at every missing address: it has no address
            assert 'content="noindex"' in page.read_text()
            continue
        soup = BeautifulSoup(page.read_text(), "html.parser")
        canonical = soup.find("link", rel="canonical")
        assert canonical and canonical["href"].startswith("https://camille.example/"), page
        for prop in ("og:url", "og:title", "og:type", "og:site_name"):
            tag = soup.find("meta", property=prop)
            assert tag and tag["content"], f"{page}: {prop}"
        assert soup.find("meta", property="og:url")["content"] == canonical["href"]
    post = BeautifulSoup(
        (published_output / "2026/spring-migration-photos/index.html").read_text(), "html.parser"
    )
    assert post.find("meta", property="og:image")["content"] == (
        "https://camille.example/images/swifts-at-dusk.jpg"
    )
    assert post.find("meta", property="og:type")["content"] == "article"


def test_atom_and_rss_feeds_list_published_posts(published_output):
    atom = ET.parse(published_output / "feeds/all.atom.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)]
    assert len(titles) == 6 and "Owl notes (unfinished)" not in titles
    links = [e.find("a:link", ns).get("href") for e in atom.findall("a:entry", ns)]
    assert all(href.startswith("https://camille.example/2026/") for href in links)
    rss = ET.parse(published_output / "feeds/all.rss.xml").getroot()
    assert len(rss.findall("./channel/item")) == 6


def test_media_output_holds_only_what_pages_use(demo_output):
    used = set()
    for page in html_pages(demo_output):
        for img in BeautifulSoup(page.read_text(), "html.parser").find_all("img"):
            if "social-media/" in img["src"]:
                used.add(img["src"].split("social-media/", 1)[1])
    copied = {
        str(p.relative_to(demo_output / "social-media"))
        for p in (demo_output / "social-media").rglob("*")
        if p.is_file()
    }
    assert copied == used and len(copied) == 10


def test_the_build_never_touches_the_network(tmp_path, monkeypatch):
    """Pelican + Roost on the demo with every socket refused: the build still succeeds."""
    import logging
    import socket

    from pelican import Pelican
    from pelican.settings import read_settings

    from sites import REPO

    def refuse(*args, **kwargs):
        raise AssertionError(f"the build opened a network connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.chdir(REPO)
    settings = read_settings("pelicanconf.py", override={"OUTPUT_PATH": str(tmp_path)})
    errors = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = errors.append
    logging.getLogger().addHandler(handler)
    try:
        Pelican(settings).run()
    finally:
        logging.getLogger().removeHandler(handler)
    assert errors == []
    assert "Bob Martin" in (tmp_path / POST).read_text()


def test_the_comment_policy_is_linked_from_every_page_in_english_and_french(demo_output):
    """What is archived, from where, how long, how to opt out: one page, reachable from the
    menu of every page, and in French for the readers of the French post."""
    policy = "comment-policy/index.html"
    for page in html_pages(demo_output):
        if page.name == "index.html" and "drafts" not in page.parts:
            nav = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("nav")
            assert any(a["href"].endswith("comment-policy/") for a in nav.find_all("a")), page
    english = BeautifulSoup((demo_output / policy).read_text(encoding="utf-8"), "html.parser")
    text = english.find(class_="e-content").get_text(" ")
    for said in (
        "public",
        "Mastodon",
        "Bluesky",
        "Webmention",
        "#nobot",
        "#nobridge",
        "followers-only",
        "direct messages",
        "forgotten",
        "blocked",
        "How long",
    ):
        assert said in text, said
    french = (demo_output / "comment-policy/fr/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in french and "#nobot" in french
    assert 'hreflang="fr"' in str(english) and 'hreflang="en"' in french
