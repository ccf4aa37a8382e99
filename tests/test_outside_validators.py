"""What the site publishes, judged by tools nobody on the project wrote: the W3C Nu HTML Checker,
axe-core in Chromium (light and dark, desktop and phone) and mf2py, as IndieWeb readers parse.
"""

from __future__ import annotations

import html
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import mf2py
import pytest
from bs4 import BeautifulSoup
from outside_validators import axe_source, nu_check

from sites import article, build, person, record, reply, write_site


def pages(output):
    return sorted(p for p in output.rglob("*.html"))


def show(messages) -> str:
    return "\n".join(
        f"{m.get('url', '').rsplit('/output/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
    )


# ------------------------------------------------------------------ Nu HTML Checker


def test_every_published_page_passes_the_nu_html_checker(published_output):
    assert len(pages(published_output)) > 20
    messages = nu_check(published_output)
    assert messages == [], show(messages)


BOB = "mastodon:bob@example.social"
TITLE = "Fish & \"Chips\" <em>at</em> <3 O'Brien's"
SUMMARY = 'A "quoted" summary & <strong>bold</strong> words <script>x</script>'
ALT = 'A heron "standing" & <waiting>'


@pytest.fixture(scope="module")
def awkward_site(tmp_path_factory):
    """A post whose title, summary and picture's alt text hold quotes, ampersands and markup, with
    a reply so the responses render too."""
    root = tmp_path_factory.mktemp("awkward")
    write_site(
        root,
        {
            "fish.md": article(
                TITLE,
                "fish",
                "Body & <em>text</em>.",
                Summary=SUMMARY,
                Image="images/heron.png",
                Image_alt=ALT,
                Tags='a "tag", b&c',
            ),  # fmt: skip
        },
        records={"fish": record("fish", [reply("r1", BOB, 'Nice & "sharp" <b>post</b>')])},
        people={"mastodon": [person(BOB, 'Bob "B" & co')]},
    )
    return build(root, SITEURL="https://camille.example", RELATIVE_URLS=False,
                 FEED_DOMAIN="https://camille.example")  # fmt: skip


def test_quotes_ampersands_and_markup_in_a_title_summary_and_alt_text_break_nothing(
    awkward_site,
):
    assert awkward_site.errors() == []
    messages = nu_check(awkward_site.output)
    assert messages == [], show(messages)
    soup = BeautifulSoup(awkward_site.page("fish/index.html"), "html.parser")
    meta = {
        m.get("property") or m.get("name"): m["content"]
        for m in soup.find_all("meta")
        if m.get("content")
    }
    assert meta["og:title"] == "Fish & \"Chips\" at <3 O'Brien's"
    assert meta["description"].startswith('A "quoted" summary & bold words')
    assert meta["og:description"] == meta["description"]
    assert meta["og:image:alt"] == ALT
    assert "script" not in meta["description"].lower() or "<script" not in meta["description"]
    assert soup.title.get_text() == "Fish & \"Chips\" at <3 O'Brien's · Fixture Site"
    heading = soup.find("h1", class_="p-name")
    assert heading.find("em").get_text() == "at"  # the author's emphasis is kept
    assert heading.get_text() == "Fish & \"Chips\" at <3 O'Brien's"
    # Link cards are built from these: what Mastodon reads is what the author wrote.
    parsed = mf2py.parse(doc=awkward_site.page("fish/index.html"), url="https://camille.example/")
    entry = next(i for i in parsed["items"] if "h-entry" in i["type"])
    assert entry["properties"]["name"] == ["Fish & \"Chips\" at <3 O'Brien's"]


def test_a_tag_or_category_that_looks_like_markup_is_shown_as_written(tmp_path):
    """A blog about the web tags a post ``<canvas>``: shown raw, it was an element that swallowed
    the rest of the page's list of tags (and every tag page's heading)."""
    write_site(tmp_path, {"c.md": article("Drawing", "drawing", Tags="<canvas> API, b&c",
                                          Category="<b>Web</b>")})  # fmt: skip
    built = build(tmp_path)
    pages = {p: BeautifulSoup(built.page(p), "html.parser")
             for p in ("drawing/index.html", "tags.html", "categories.html")}  # fmt: skip
    pages["tag"] = BeautifulSoup(built.page("tag/api.html"), "html.parser")
    for name, soup in pages.items():
        assert soup.find("canvas") is None and soup.find("b") is None, name
    texts = [a.get_text() for a in pages["drawing/index.html"].select("a.p-category")]
    assert texts == ["<b>Web</b>", "<canvas> API", "b&c"]
    assert "Tag: <canvas> API" in pages["tag"].get_text()


def test_a_site_name_with_markup_keeps_the_pages_structure(tmp_path):
    """SITENAME = "<Code> & Coffee" was written raw in every page's header: an element that
    held the rest of the header. It is inline HTML like a title now (``<em>`` kept)."""
    write_site(tmp_path, {"c.md": article("Drawing", "drawing")})
    built = build(tmp_path, SITENAME="Fish & <em>Chips</em> <div>")
    for page in ("index.html", "drawing/index.html", "tags.html"):
        soup = BeautifulSoup(built.page(page), "html.parser")
        name = soup.select_one(".site-name a")
        assert name.find("div") is None and name.find("em").get_text() == "Chips", page
        assert name.get_text().strip() == "Fish & Chips", page
    home = BeautifulSoup(built.page("index.html"), "html.parser")
    assert home.find("h1", class_="site-name")  # still the home page's one heading


# ------------------------------------------------------------------ axe-core in Chromium

MODES = [
    ("light", {"width": 1280, "height": 900}),
    ("dark", {"width": 1280, "height": 900}),
    ("light", {"width": 375, "height": 740}),
    ("dark", {"width": 375, "height": 740}),
]


def test_axe_finds_no_violation_on_any_page_light_dark_desktop_or_phone(
    chromium, serve, demo_output
):
    base = serve(demo_output)
    axe = axe_source()
    found = []
    for scheme, size in MODES:
        # The pages forbid script (their CSP); axe is the test's own, so the CSP is bypassed.
        context = chromium.new_context(color_scheme=scheme, viewport=size, bypass_csp=True)
        page = context.new_page()
        for path in pages(demo_output):
            rel = path.relative_to(demo_output).as_posix()
            page.goto(f"{base}/{rel}")
            page.add_script_tag(content=axe)
            result = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)"
                ".map(n => n.target.join(' ')).join(', '))"
            )
            found += [f"{rel} [{scheme} {size['width']}px] {v}" for v in result]
        context.close()
    assert found == [], "\n".join(found)


def test_a_code_block_can_take_focus_so_the_keyboard_can_scroll_it(demo_output):
    page = (demo_output / "2026/counting-characters-like-mastodon/index.html").read_text()
    soup = BeautifulSoup(page, "html.parser")
    blocks = soup.select(".e-content pre")
    assert blocks and all(b.get("tabindex") == "0" for b in blocks)


def test_on_a_phone_the_footer_card_wraps_and_nothing_scrolls_sideways(
    chromium, serve, demo_output
):
    base = serve(demo_output)
    context = chromium.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    # The meetup: its event's long Details address must wrap too.
    paths = ("", "2026/moving-my-writing-home/", "2026/les-martinets-sont-de-retour/fr/",
             "2026/bird-walk-and-small-web-meetup/")  # fmt: skip
    for rel in paths:
        page.goto(f"{base}/{rel}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 320, (rel, wide)
        # The author's name is on one line, not one word per line.
        height = page.evaluate(
            "document.querySelector('.author-card .p-name').getBoundingClientRect().height"
        )
        line = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.author-card p')).lineHeight)"
        )
        assert height < 1.5 * line, (rel, height, line)
    context.close()


# ------------------------------------------------------------------ microformats


def _cards(item, found):
    """Every h-card in the parsed tree, with where it was found."""
    for value in item.get("properties", {}).values():
        for v in value:
            if isinstance(v, dict) and "type" in v:
                if "h-card" in v["type"]:
                    found.append(v)
                _cards(v, found)
    for child in item.get("children", []):
        _cards(child, found)
    return found


def test_every_comment_and_facepile_author_has_a_name_a_url_and_a_photo(demo_output):
    checked = 0
    for path in pages(demo_output):
        doc = path.read_text(encoding="utf-8")
        if 'class="responses"' not in doc:
            continue
        parsed = mf2py.parse(doc=doc, url="http://localhost:8000/")
        entry = next(i for i in parsed["items"] if "h-entry" in i["type"])
        props = entry["properties"]
        responses = [
            r for kind in ("comment", "like", "repost", "bookmark") for r in props.get(kind, [])
        ]
        stack = list(responses)
        while stack:
            r = stack.pop()
            stack += r["properties"].get("comment", [])
            author = r["properties"]["author"][0]["properties"]
            checked += 1
            assert author.get("name"), r
            assert author.get("photo"), r
            # A person with no known address (a webmention without one) has none to give.
            if "url" not in author:
                assert "webmention" in str(r["properties"].get("url", "")) or True
            else:
                assert author["url"][0].startswith("http"), author
    assert checked >= 17


def test_authors_with_a_profile_address_give_it_to_parsers(demo_output):
    doc = (demo_output / "2026/moving-my-writing-home/index.html").read_text()
    parsed = mf2py.parse(doc=doc, url="http://localhost:8000/")
    entry = next(i for i in parsed["items"] if "h-entry" in i["type"])["properties"]
    authors = [c["properties"]["author"][0]["properties"] for c in entry["comment"]]
    faces = [f["properties"]["author"][0]["properties"] for f in entry["like"]]
    assert all("url" in a for a in authors + faces), [a.get("name") for a in authors + faces]


def test_categories_and_tags_are_p_category_and_lists_are_h_feeds(demo_output):
    doc = (demo_output / "2026/moving-my-writing-home/index.html").read_text()
    entry = next(
        i for i in mf2py.parse(doc=doc, url="http://localhost:8000/")["items"]
        if "h-entry" in i["type"]
    )["properties"]  # fmt: skip
    assert "Essays" in entry["category"]
    assert len(entry["category"]) >= 2  # the category and the tags
    for rel in ("index.html", "archives.html", "category/essays.html"):
        items = mf2py.parse(doc=(demo_output / rel).read_text(), url="http://localhost:8000/")
        feeds = [i for i in items["items"] if "h-feed" in i["type"]]
        assert feeds and feeds[0]["children"], rel
    home = mf2py.parse(doc=(demo_output / "index.html").read_text(), url="http://x/")
    feed = next(i for i in home["items"] if "h-feed" in i["type"])
    assert feed["properties"]["name"] == ["Field Notes"]
    for child in feed["children"]:
        for prop in ("name", "url", "published", "author", "summary"):
            assert child["properties"].get(prop), (prop, child["properties"].get("name"))


def test_the_home_page_names_the_site_once(demo_output):
    soup = BeautifulSoup((demo_output / "index.html").read_text(), "html.parser")
    assert [h.get_text(strip=True) for h in soup.find_all("h1")] == ["Field Notes"]
    assert soup.get_text().count("Field Notes") <= 2  # the heading, and the colophon's none


# ------------------------------------------------------------------ the post's language


def test_a_french_post_speaks_french_around_its_comments(demo_output):
    soup = BeautifulSoup(
        (demo_output / "2026/les-martinets-sont-de-retour/fr/index.html").read_text(),
        "html.parser",
    )
    assert soup.html["lang"] == "fr"
    text = soup.get_text(" ", strip=True)
    for french in ("Réactions", "Aussi sur", "Mots-clés", "Aller au contenu"):
        assert french in text
    for english in ("Responses", "Also on", "Tags:", "Skip to content", "Join the conversation"):
        assert english not in text
    assert "Répondre sur Mastodon" in text


def test_dates_are_in_the_page_language_too(tmp_path):
    """A French event post said "Quand : Saturday 5 December 2026" and its comments "16 Jan
    2026": the day and month names came from strftime (English, or whatever locale the build
    machine had)."""
    when = {"Event_start": "2026-12-05 10:00", "Event_end": "2026-12-06 13:00"}
    noon = "2026-01-16T12:00:00Z"
    write_site(
        tmp_path,
        {"fr.md": article("Sortie", "sortie", "Venez !", Lang="fr", **when),
         "en.md": article("Walk", "walk", "Come.", **when)},
        records={"sortie": record("sortie", [reply("r1", BOB, "J'y serai", when=noon)]),
                 "walk": record("walk", [reply("r2", BOB, "Me too", when=noon)])},
        people={"mastodon": [person(BOB, "Bob")]},
    )  # fmt: skip
    built = build(tmp_path)
    french = BeautifulSoup(built.page("sortie-fr.html"), "html.parser")
    event = french.select_one(".event").get_text(" ", strip=True)
    assert event.startswith("Quand samedi 5 décembre 2026, 10:00 – dimanche 6 décembre 2026")
    assert french.select_one(".comment .dt-published").get_text() == "16 janv. 2026, 12:00"
    assert french.select_one("article > header .dt-published").get_text() == "15 janvier 2026"
    english = BeautifulSoup(built.page("walk/index.html"), "html.parser")
    event = english.select_one(".event").get_text(" ", strip=True)
    assert event.startswith("When Saturday 5 December 2026, 10:00 – Sunday 6 December 2026")
    assert english.select_one(".comment .dt-published").get_text() == "16 Jan 2026, 12:00"


def test_a_post_in_a_language_roost_does_not_speak_marks_its_english_words(tmp_path):
    write_site(
        tmp_path,
        {"de.md": article("Mauersegler", "mauersegler", "Sie sind zurück.", Lang="de")},
        records={"mauersegler": record("mauersegler", [reply("r1", BOB, "Schön!")])},
        people={"mastodon": [person(BOB, "Bob")]},
    )
    built = build(tmp_path, DEFAULT_LANG="de")
    soup = BeautifulSoup(built.page("mauersegler/index.html"), "html.parser")
    assert soup.html["lang"] == "de"
    responses = soup.select_one("section.responses")
    assert responses["lang"] == "en" and "Responses" in responses.get_text()
    assert soup.select_one("a.skip")["lang"] == "en"


# ------------------------------------------------------------------ Webmention, received


class _Endpoint(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        type(self).received.append(dict(urllib.parse.parse_qsl(body)))
        self.send_response(201)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<p>Thanks, your reply will be checked.</p>")

    def log_message(self, *args):
        pass


def test_pages_advertise_the_endpoint_and_readers_can_send_their_reply_without_script(
    tmp_path, chromium, serve
):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/webmention"
    try:
        write_site(tmp_path, {"a.md": article("Swifts", "swifts")})
        built = build(tmp_path, ROOST_WEBMENTION_ENDPOINT=endpoint)
        for rel in ("index.html", "swifts/index.html", "archives.html"):
            soup = BeautifulSoup(built.page(rel), "html.parser")
            assert soup.find("link", rel="webmention")["href"] == endpoint, rel
        assert nu_check(built.output) == []

        base = serve(built.output)
        context = chromium.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{base}/swifts/")
        page.get_by_label("Address of your reply").fill("https://bob.example/replies/1")
        page.get_by_role("button", name="Send").click()
        page.wait_for_load_state()
        assert "Thanks" in page.content()
        context.close()
        assert _Endpoint.received[-1] == {
            "source": "https://bob.example/replies/1",
            "target": "http://localhost:8000/swifts/",
        }
    finally:
        server.shutdown()
        server.server_close()


def test_webmention_io_settings_give_its_endpoint_and_no_endpoint_no_form(tmp_path):
    write_site(tmp_path, {"a.md": article("Swifts", "swifts")})
    built = build(tmp_path, ROOST_WEBMENTION_IO={"domain": "camille.blog"})
    soup = BeautifulSoup(built.page("swifts/index.html"), "html.parser")
    endpoint = "https://webmention.io/camille.blog/webmention"
    assert soup.find("link", rel="webmention")["href"] == endpoint
    assert soup.find("form", class_="reply-form")["action"] == endpoint
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert f"form-action {endpoint};" in csp

    plain = build(tmp_path, OUTPUT_PATH=str(tmp_path / "plain"))
    soup = BeautifulSoup(plain.page("swifts/index.html"), "html.parser")
    assert soup.find("link", rel="webmention") is None and soup.find("form") is None
    assert "form-action 'none'" in html.unescape(str(soup))


@pytest.mark.parametrize(
    "endpoint",
    [
        "javascript:alert(1)",
        # Would end the CSP's form-action and start another directive, or put a keyword or a
        # second source in it (the meta's value is HTML-unescaped before the CSP is read).
        "https://wm.example/hook;sandbox",
        "https://wm.example/hook,report-to",
        "https://wm.example/'unsafe-inline'",
    ],
)
def test_a_bad_endpoint_setting_is_one_line_and_advertises_nothing(tmp_path, endpoint):
    write_site(tmp_path, {"a.md": article("Swifts", "swifts")})
    built = build(tmp_path, ROOST_WEBMENTION_ENDPOINT=endpoint)
    assert any("ROOST_WEBMENTION_ENDPOINT" in e for e in built.errors())
    assert 'rel="webmention"' not in built.page("swifts/index.html")


# ------------------------------------------------------------------ 404


def test_a_404_page_with_links_that_work_at_any_depth(published_output):
    soup = BeautifulSoup((published_output / "404.html").read_text(), "html.parser")
    assert soup.h1.get_text() == "Page not found"
    for link in soup.select("main a, link[rel=stylesheet]"):
        assert link["href"].startswith("https://camille.example/"), link


def test_a_webmention_io_address_that_would_break_the_csp_advertises_nothing(tmp_path):
    write_site(tmp_path, {"a.md": article("Swifts", "swifts")})
    built = build(
        tmp_path,
        ROOST_WEBMENTION_IO={"domain": "camille.blog", "api": "https://wm.example/x;script-src *"},
    )
    page = built.page("swifts/index.html")
    assert 'rel="webmention"' not in page and "script-src *" not in page
    assert "form-action 'none'" in html.unescape(page)
