"""Responses are worked out once: in a forked worker on large sites (same pages, never fatal),
and kept between builds while nothing that went into them changed."""

from __future__ import annotations

import os

import pytest
from markupsafe import Markup

import roost.site.build
import roost.site.prepare

from sites import article, build, person, record, reply, write_site

BOB, ANN = "mastodon:bob@b.example", "mastodon:ann@a.example"


def make(root):
    posts, records = {}, {}
    for n in range(6):
        slug = f"post-{n}"
        posts[f"{slug}.md"] = article(f"Post {n}", slug)
        records[slug] = record(
            slug,
            [
                reply(f"{n}-1", BOB, f"<p>first on {n}</p>"),
                reply(f"{n}-2", ANN, f"<p>answer on {n}</p>", parent=f"mastodon:{n}-1"),
                reply(f"{n}-3", ANN, "", kind="like"),
            ],
        )
    records["post-5"] = "{ broken"
    write_site(
        root, posts, records=records, people={"mastodon": [person(BOB, "Bob"), person(ANN, "Ann")]}
    )


def pages(output):
    return {
        str(p.relative_to(output)): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()
    }


def rendered_posts(monkeypatch) -> list[str]:
    """The keys of the posts whose responses are rendered from here on (not taken from the
    cache), in this process."""
    import roost.site.views

    rendered: list[str] = []
    real = roost.site.views.ViewBuilder.build

    def spy(self, rec, post_url):
        rendered.append(rec.key)
        return real(self, rec, post_url)

    monkeypatch.setattr(roost.site.views.ViewBuilder, "build", spy)
    return rendered


@pytest.fixture()
def inline_pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("inline")
    make(root)
    built = build(root)
    assert len(built.errors()) == 1
    return pages(built.output), built.errors()


def test_the_worker_builds_the_same_site(tmp_path, monkeypatch, inline_pages):
    started = []
    original = roost.site.prepare.InBackground.__init__

    def spy(self, fn, *, background):
        original(self, fn, background=background)
        started.append(self.in_child)

    monkeypatch.setattr(roost.site.build, "PARALLEL_FROM", 1)
    monkeypatch.setattr(roost.site.prepare.InBackground, "__init__", spy)
    make(tmp_path)
    built = build(tmp_path)
    assert started == [True]
    assert pages(built.output) == inline_pages[0]
    # The worker's problems are reported here, in the same words.
    assert [e.split("social/", 1)[1] for e in built.errors()] == [
        e.split("social/", 1)[1] for e in inline_pages[1]
    ]


def _raise_memory_error():
    raise MemoryError("worker ran out of memory")


@pytest.mark.parametrize(
    "failure", [_raise_memory_error, lambda: os._exit(9)], ids=["raises", "dies"]
)
def test_a_failing_worker_is_redone_in_process(tmp_path, monkeypatch, inline_pages, failure):
    parent = os.getpid()
    real = roost.site.build.prepare

    def fails_in_child(*args):
        if os.getpid() != parent:
            failure()
        return real(*args)

    monkeypatch.setattr(roost.site.build, "PARALLEL_FROM", 1)
    monkeypatch.setattr(roost.site.build, "prepare", fails_in_child)
    make(tmp_path)
    built = build(tmp_path)
    assert pages(built.output) == inline_pages[0]


def test_unchanged_posts_come_from_the_cache_and_any_changed_input_renders_anew(
    tmp_path, monkeypatch
):
    import json

    make(tmp_path)
    first = pages(build(tmp_path).output)
    cached = sorted((tmp_path / "cache" / "roost").glob("*@*.fragment"))
    assert len(cached) == 5  # post-5's record is broken: reported each time, never cached
    rendered = rendered_posts(monkeypatch)

    def rebuild():
        rendered.clear()
        return pages(build(tmp_path).output)

    assert rebuild() == first and rendered == []  # every post from the cache, same bytes

    social = tmp_path / "social"
    rec = json.loads((social / "posts/post-1.json").read_text())
    rec["interactions"][0]["content"] = "<p>edited on 1</p>"
    (social / "posts/post-1.json").write_text(json.dumps(rec))
    after = rebuild()
    assert rendered == ["post-1"] and b"edited on 1" in after["post-1/index.html"]
    assert len(list((tmp_path / "cache" / "roost").glob("post-1@*"))) == 1  # old one gone

    people = json.loads((social / "people/mastodon.json").read_text())
    people["people"][0]["name"] = "Robert"
    (social / "people/mastodon.json").write_text(json.dumps(people))
    assert b"Robert" in rebuild()["post-0/index.html"] and len(rendered) == 5

    (social / "moderation.json").write_text(json.dumps({"format": 1, "hidden": ["mastodon:0-2"]}))
    assert b"answer on 0" not in rebuild()["post-0/index.html"] and len(rendered) == 5

    (social / "posts/post-4.json").unlink()
    older = tmp_path / "cache" / "roost" / "post-0@0123456789abcdef.json"  # an older version's
    older.write_text("{}")
    rebuild()
    assert not list((tmp_path / "cache" / "roost").glob("post-4@*"))  # pruned
    assert not older.exists()

    rendered.clear()
    build(tmp_path, ROOST_CACHE=False)
    assert len(rendered) == 4  # with the cache off, everything is rendered


def test_word_markers_are_filled_per_language_even_beside_a_stray_separator():
    """The fragment's word markers become the page's words; a separator Roost did not write
    (which the sanitiser never lets through, but a theme could) changes nothing around it."""
    from roost.site.words import count_marker, fill, marker

    tags, likes = str(marker("tags")), str(count_marker("like", 3))
    page = "<p>" + tags + " · " + likes + "</p>\x1eroost:post\x1e"
    assert fill(page, "fr") == "<p>Mots-clés · 3 j’aime</p>\x1eroost:post\x1e"
    assert fill(page, "en") == "<p>Tags · 3 likes</p>\x1eroost:post\x1e"
    assert fill("\x1e A " + tags + " B \x1e", "en") == "\x1e A Tags B \x1e"
    assert fill("x\x1e y" + tags, "en") == "x\x1e yTags"
    assert fill("no markers", "en") == "no markers"


def test_the_pages_stand_ins_are_filled_with_the_words_even_beside_a_stray_separator():
    """Each page's SITEURL and post address go in in the same pass as the words, and still go
    in when a stray separator sends the pass down its slower, marker-by-marker way."""
    from roost.site.prepare import POST_URL_MARK, SITEURL_MARK, Prepared
    from roost.site.words import marker

    on = str(marker("on"))
    fragment = f'<img src="{SITEURL_MARK}/a.png"> {on} <a href="{POST_URL_MARK}">x</a>'
    prepared = Prepared(fragment, Markup(""), {}, set())
    assert prepared.html("https://me.example", "https://me.example/p/", "fr") == (
        '<img src="https://me.example/a.png"> sur <a href="https://me.example/p/">x</a>'
    )
    stray = Prepared(fragment.encode() + b"\x1e tail", Markup(""), {}, set())
    assert stray.html("..", "https://me.example/p/", "en") == (
        '<img src="../a.png"> on <a href="https://me.example/p/">x</a>\x1e tail'
    )
    # Two stray separators around them leave the pieces in step in number, not in place.
    two = Prepared(f'\x1e(<a href="{POST_URL_MARK}">x</a>)\x1e', Markup(""), {}, set())
    assert (
        two.html("..", "https://me.example/p/") == '\x1e(<a href="https://me.example/p/">x</a>)\x1e'
    )


@pytest.mark.parametrize("relative", [False, True], ids=["SITEURL", "RELATIVE_URLS"])
def test_a_page_made_from_the_cache_is_kept_filled_and_a_changed_language_is_filled_anew(
    tmp_path, monkeypatch, relative
):
    """A build from the cache fills no word: each fragment is kept with a copy filled in for
    its page (made ahead for the site's language and SITEURL; with RELATIVE_URLS, by the first
    build that makes the page). A post whose language changed (its record did not) still gets its
    words, and its copy in that language is kept for the next build."""
    make(tmp_path)
    first = pages(build(tmp_path, RELATIVE_URLS=relative).output)
    filled = []
    real = roost.site.prepare.fill

    def spy(fragment, lang, *args):
        filled.append(lang)
        return real(fragment, lang, *args)

    monkeypatch.setattr(roost.site.prepare, "fill", spy)
    assert pages(build(tmp_path, RELATIVE_URLS=relative).output) == first
    assert filled == (["en"] * 5 if relative else [])  # then kept
    filled.clear()
    assert pages(build(tmp_path, RELATIVE_URLS=relative).output) == first and filled == []

    post = tmp_path / "content" / "post-2.md"
    post.write_text(post.read_text().replace("Title:", "Lang: fr\nTitle:", 1))
    page = pages(build(tmp_path, RELATIVE_URLS=relative).output)["post-2-fr.html"]
    assert filled == ["fr"] and "Réactions".encode() in page and b"Responses" not in page
    filled.clear()
    again = pages(build(tmp_path, RELATIVE_URLS=relative).output)["post-2-fr.html"]
    assert again == page and filled == []

    # A kept copy that does not fit its file is a miss, never a page cut short.
    for kept in (tmp_path / "cache" / "roost").glob("post-3@*"):
        head, _, body = kept.read_bytes().partition(b"\n")
        kept.write_bytes(head.replace(b'"at": ', b'"at": 9999999') + b"\n" + body)
    built = pages(build(tmp_path, RELATIVE_URLS=relative).output)
    assert built["post-3/index.html"] == first["post-3/index.html"]


def test_the_cache_serves_a_build_whether_the_worker_or_the_build_itself_prepared_it(
    tmp_path, monkeypatch
):
    """A site that grows past the worker's threshold (or a machine with one core) keeps its
    cache: Pelican changes settings as it reads posts (MARKDOWN), and the in-process
    preparation, which runs after that, used to key the cache by the changed ones."""
    make(tmp_path)
    monkeypatch.setattr(roost.site.build, "PARALLEL_FROM", 1)  # in the worker
    first = pages(build(tmp_path).output)
    rendered = rendered_posts(monkeypatch)
    monkeypatch.setattr(roost.site.build, "PARALLEL_FROM", 10**9)  # here, after the posts
    assert pages(build(tmp_path).output) == first and rendered == []


@pytest.mark.parametrize("builds", [1, 2], ids=["fragment", "page-copy"])
def test_a_cache_file_cut_short_is_a_miss_never_a_page_cut_short(tmp_path, builds):
    """A crash can leave a cache file with only its first part on disk. Cut anywhere after its
    head (in the fragment, or in the page's own copy kept beside it), or with bytes after its end,
    the file is a miss: the page is made anew, the same as ever."""
    make(tmp_path)
    for _ in range(builds):
        first = pages(build(tmp_path).output)
    kept = sorted((tmp_path / "cache" / "roost").glob("post-*@*"))
    whole = {path: path.read_bytes() for path in kept}
    for cut in (1, 40):
        for path, data in whole.items():
            path.write_bytes(data[:-cut])
        assert pages(build(tmp_path).output) == first
    for path, data in whole.items():
        path.write_bytes(data + b"<p>more</p>")
    assert pages(build(tmp_path).output) == first


def test_a_garbled_cache_head_is_a_miss_not_a_crash(tmp_path):
    """json.loads recurses into nested arrays: a head of ``[[[[...`` must be a miss too."""
    make(tmp_path)
    first = pages(build(tmp_path).output)
    for path in (tmp_path / "cache" / "roost").glob("post-*@*"):
        path.write_bytes(b"[" * 100_000 + b"\n")
    built = build(tmp_path)
    assert pages(built.output) == first and len(built.errors()) == 1  # post-5's broken record


def test_a_page_copy_leaves_only_the_post_address_and_takes_the_one_pass(monkeypatch):
    """The copy made ahead keeps the post's address as a stand-in; that is not a stray
    separator, so filling it never falls back to the marker-by-marker way."""
    import roost.site.words
    from roost.site.prepare import _KEEP, _SITEURL, POST_URL_MARK, SITEURL_MARK
    from roost.site.words import fill, marker

    class Slow:
        def sub(self, *args):
            raise AssertionError("took the marker-by-marker way")

    monkeypatch.setattr(roost.site.words, "_MARKER", Slow())
    fragment = f'<img src="{SITEURL_MARK}/a.png"> {marker("on")} <a href="{POST_URL_MARK}">x</a>'
    copy = fill(fragment, "en", {_SITEURL: "https://me.example"}, _KEEP)
    assert copy == f'<img src="https://me.example/a.png"> on <a href="{POST_URL_MARK}">x</a>'
