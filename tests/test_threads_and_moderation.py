"""What readers see of a conversation: threading, moderation, placeholders, deep threads."""

from __future__ import annotations

import mf2py

from sites import PNG_1X1, article, build, person, record, reply, write_site

BOB, ANN, EVE = "mastodon:bob@b.example", "mastodon:ann@a.example", "mastodon:eve@spam.example"
PEOPLE = {"mastodon": [person(BOB, "Bob"), person(ANN, "Ann"), person(EVE, "Eve")]}


def comments_of(built, slug="post") -> list[dict]:
    parsed = mf2py.parse(doc=built.page(f"{slug}/index.html"), url=f"http://localhost:8000/{slug}/")
    entry = next(i for i in parsed["items"] if "h-entry" in i["type"])
    return entry["properties"].get("comment", [])


def names(comments: list[dict]) -> list[str]:
    return [c["properties"]["author"][0]["properties"]["name"][0] for c in comments]


def site(tmp_path, interactions, moderation=None, people=PEOPLE, media=None):
    write_site(
        tmp_path,
        {"post.md": article("Post", "post")},
        records={"post": record("post", interactions)},
        people=people,
        moderation=moderation,
        media=media,
    )
    return build(tmp_path)


def test_hidden_replies_and_blocked_people_never_render(tmp_path):
    built = site(
        tmp_path,
        [
            reply("1", BOB, "<p>visible</p>"),
            reply("2", ANN, "<p>hidden by the author</p>"),
            reply("3", EVE, "<p>from a blocked domain</p>"),
            reply("4", "mastodon:zed@z.example", "<p>blocked account</p>"),
        ],
        moderation={
            "hidden": ["mastodon:2"],
            "blocked_domains": ["spam.example"],
            "blocked_accounts": ["mastodon:zed@z.example"],
        },
    )
    html = built.page("post/index.html")
    assert "visible" in html
    for gone in ("hidden by the author", "blocked domain", "blocked account", "Eve", "zed"):
        assert gone not in html
    assert built.errors() == []


def test_forgotten_and_opted_out_people_never_render(tmp_path):
    from roost.people import person_fingerprint

    people = {"mastodon": [person(BOB, "Bob"), person(ANN, "Ann", opted_out=True)]}
    built = site(
        tmp_path,
        [reply("1", BOB, "<p>forget me</p>"), reply("2", ANN, "<p>#nobot</p>")],
        moderation={"forgotten": [person_fingerprint(BOB)]},
        people=people,
    )
    html = built.page("post/index.html")
    assert "forget me" not in html and "Bob" not in html and "#nobot" not in html
    assert "Responses" in html  # the copy on Mastodon is still listed


def test_a_reply_to_a_hidden_reply_joins_the_nearest_shown_ancestor(tmp_path):
    built = site(
        tmp_path,
        [
            reply("1", BOB, "<p>root</p>", when="2026-01-16T10:00:00Z"),
            reply("2", EVE, "<p>spam</p>", parent="mastodon:1", when="2026-01-16T10:01:00Z"),
            reply("3", ANN, "<p>answer</p>", parent="mastodon:2", when="2026-01-16T10:02:00Z"),
            reply("4", ANN, "<p>orphan</p>", parent="mastodon:404", when="2026-01-16T10:03:00Z"),
        ],
        moderation={"blocked_domains": ["spam.example"]},
    )
    top = comments_of(built)
    assert names(top) == ["Bob", "Ann"]  # the orphan of a missing parent stays visible
    assert names(top[0]["properties"]["comment"]) == ["Ann"]
    assert "spam" not in built.page("post/index.html")


def test_deep_threads_stop_indenting_but_keep_every_reply(tmp_path):
    chain = [reply("0", BOB, "<p>level 1</p>", when="2026-01-16T09:00:00Z")]
    for i in range(1, 40):
        who = ANN if i % 2 else BOB
        chain.append(
            reply(
                str(i),
                who,
                f"<p>level {i + 1}</p>",
                parent=f"mastodon:{i - 1}",
                when=f"2026-01-16T10:{i:02d}:00Z",
            )
        )
    built = site(tmp_path, chain)
    html = built.page("post/index.html")
    assert all(f"level {i}<" in html for i in range(1, 41))
    depth, level = 0, comments_of(built)
    while level:
        depth += 1
        level = level[0]["properties"].get("comment", [])
    assert depth == 6  # ROOST_THREAD_DEPTH
    assert html.count("in reply to") == 39


def test_reply_loops_still_show(tmp_path):
    built = site(
        tmp_path,
        [
            reply("1", BOB, "<p>one</p>", parent="mastodon:2"),
            reply("2", ANN, "<p>two</p>", parent="mastodon:1"),
        ],
    )
    html = built.page("post/index.html")
    assert "one" in html and "two" in html


def test_missing_avatar_file_falls_back_to_the_local_placeholder(tmp_path):
    rel = "media/ab/" + "ab" * 32 + ".png"
    people = {
        "mastodon": [
            person(BOB, "Bob", avatar=rel, avatar_source="https://cdn.example/bob.png"),
            person(ANN, "Ann", avatar="media/cd/" + "cd" * 32 + ".png"),
        ]
    }
    built = site(
        tmp_path,
        [reply("1", BOB, "<p>a</p>"), reply("2", ANN, "<p>b</p>")],
        people=people,
        media={rel: PNG_1X1},
    )
    html = built.page("post/index.html")
    assert "social-media/ab/" + "ab" * 32 + ".png" in html
    assert "roost-avatar.png" in html  # Ann's file is missing
    assert "cdn.example" not in html  # the remote source is never used
    assert (built.output / "social-media/ab" / ("ab" * 32 + ".png")).read_bytes() == PNG_1X1


def test_a_post_without_records_renders_no_responses(tmp_path):
    write_site(tmp_path, {"post.md": article("Post", "post")})
    built = build(tmp_path)
    assert "Responses" not in built.page("post/index.html")
    assert built.errors() == [] and built.warnings() == []


def test_interactions_can_be_turned_off(tmp_path):
    write_site(
        tmp_path,
        {"post.md": article("Post", "post")},
        records={"post": record("post", [reply("1", BOB, "<p>hi</p>")])},
        people=PEOPLE,
    )
    built = build(tmp_path, ROOST_SHOW_INTERACTIONS=False)
    assert "Responses" not in built.page("post/index.html")


def test_pages_and_translations_get_their_own_records(tmp_path):
    write_site(
        tmp_path,
        {
            "post.md": article("Post", "post"),
            "post-fr.md": article("Billet", "post", Lang="fr"),
        },
        records={
            "post": record("post", [reply("1", BOB, "<p>in English</p>")]),
            "post.fr": record("post.fr", [reply("2", ANN, "<p>en français</p>")]),
        },
        people=PEOPLE,
    )
    (tmp_path / "content" / "pages").mkdir()
    (tmp_path / "content" / "pages" / "about.md").write_text("Title: About\nSlug: about\n\nMe.\n")
    built = build(tmp_path, PAGE_PATHS=["pages"], ARTICLE_EXCLUDES=["pages"])
    english = built.page("post/index.html")
    french = next(p for p in built.output.rglob("*.html") if "Billet" in p.read_text())
    assert "in English" in english and "en français" not in english
    assert "en français" in french.read_text()
    assert built.warnings() == []
