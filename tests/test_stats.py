"""`roost stats`: engagement per post, per network, over time and the people who come back, as
the author reads it in a terminal (wide or narrow) or as JSON; moderation wins everywhere."""

from __future__ import annotations

import json
import os
from collections import Counter

from blog import Blog, post

from conftest import run_roost
from sites import REPO, person, record, reply, write_site

# ------------------------------------------------------------------ the demo


def demo_json(*args: str) -> dict:
    result = run_roost("stats", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def raw_demo_counts() -> dict[str, Counter]:
    """Every interaction in the demo's record files, counted by hand (the demo hides nobody)."""
    out = {}
    for path in (REPO / "social" / "posts").glob("*.json"):
        data = json.loads(path.read_text())
        out[data["post"]] = Counter((x["network"], x["kind"]) for x in data["interactions"])
    return out


def test_the_demo_counts_per_post_per_network_and_per_month():
    stats = demo_json()
    raw = raw_demo_counts()
    assert sum(stats["totals"].values()) == sum(sum(c.values()) for c in raw.values()) == 46
    by_post = {p["post"]: p for p in stats["posts"]}
    assert set(by_post) == {k for k, c in raw.items() if c}
    for key, counts in raw.items():
        networks = by_post[key]["networks"]
        assert {(n, k): v for n, c in networks.items() for k, v in c.items()} == dict(counts)
    # Most engaged first, with the site's titles rather than the record keys.
    assert stats["posts"][0]["post"] == "moving-my-writing-home"
    assert stats["posts"][0]["title"] == "Moving my writing home"
    assert stats["posts"][0]["total"] == 20
    meetup = by_post["bird-walk-and-small-web-meetup"]
    assert meetup["counts"] == {"rsvp": 5} and sum(meetup["rsvps"].values()) == 5
    networks = {n["network"]: n for n in stats["networks"]}
    assert networks["mastodon"]["total"] == 26 and networks["mastodon"]["posts"] == 5
    assert [n["network"] for n in stats["networks"]] == ["mastodon", "bluesky", "webmention"]
    months = [(m["period"], m["total"]) for m in stats["over_time"]]
    assert months[0] == ("2026-03", 20) and months[-1] == ("2026-10", 5)
    # Quiet months are there, as quiet months.
    assert ("2026-08", 0) in months and ("2026-09", 0) in months
    assert sum(n for _, n in months) == 46


def test_per_week_periods_are_iso_weeks_without_gaps():
    weeks = [w["period"] for w in demo_json("--by", "week")["over_time"]]
    assert weeks[0] == "2026-W10" and weeks[-1] == "2026-W43"
    assert len(weeks) == 43 - 10 + 1


def test_the_most_engaged_people_are_the_ones_who_come_back_post_after_post():
    people = demo_json("--top", "3")["people"]
    assert len(people) == 3
    assert people[0]["name"] == "Bob Martin" and people[0]["posts"] == 4
    assert [p["posts"] for p in people] == sorted((p["posts"] for p in people), reverse=True)
    assert all(p["id"].startswith("person:") and p["accounts"] for p in people)


# ------------------------------------------------------------------ the terminal


def terminal(columns: int, *args: str) -> list[str]:
    result = run_roost_with({"COLUMNS": str(columns)}, "stats", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def run_roost_with(env: dict, *args: str):
    import subprocess

    from conftest import ROOST

    return subprocess.run([ROOST, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300, check=False)  # fmt: skip


def test_every_line_fits_a_narrow_terminal_and_a_wide_one_gets_tables():
    for columns in (40, 60, 80, 132):
        lines = terminal(columns)
        too_long = [line for line in lines if len(line.rstrip()) > columns]
        assert too_long == [], (columns, too_long)
        text = "\n".join(lines)
        for heading in ("Per post", "Per network", "Over time, per month", "Most engaged"):
            assert heading in text, (columns, heading)
        assert "Moving my writing home" in text and "Bob Martin" in text
    wide = "\n".join(terminal(132))
    assert "replies" in wide and "total" in wide and "─" in wide  # a table's header rule
    narrow = "\n".join(terminal(40))
    assert "20: 7 replies, 1 quote" in narrow  # the same figures, as lines


def test_the_terminal_shows_the_most_engaged_posts_first_and_says_how_many_more():
    text = "\n".join(terminal(132, "--posts", "2"))
    assert "Moving my writing home" in text and "Spring migration" in text
    assert "Les martinets" not in text
    assert "... and 4 more (--posts 0 shows all)" in text


def test_a_name_that_looks_like_rich_markup_is_printed_as_written(tmp_path):
    evil = "mastodon:evil@x.example"
    blog = Blog(tmp_path, posts={"a.md": post("A", "a")})
    write_site(tmp_path, {}, records={"a": record("a", [reply("1", evil, "hi")])},
               people={"mastodon": [person(evil, "[bold red]Evil[/] \x1b[31m")]})  # fmt: skip
    result = blog.run("stats")
    assert result.returncode == 0, result.stderr
    assert "[bold red]Evil[/]" in result.stdout
    assert "\x1b" not in result.stdout


# ------------------------------------------------------------------ moderation wins

HIDDEN_BY = "mastodon:hidden-one@birds.example"  # their one interaction is hidden
BLOCKED = "mastodon:blocked@birds.example"
ON_BLOCKED_DOMAIN = "mastodon:someone@spam.example"
FORGOTTEN = "bluesky:did:plc:forgotten"
OPTED_OUT = "bluesky:did:plc:nobot"
AUTHOR = "mastodon:camille@mastodon.example"
KEPT = "mastodon:kept@birds.example"
RSVPER = "webmention:rsvp.example"

REFUSED_NAMES = ["Hidden Hannah", "Blocked Bill", "Spam Sue", "Forgotten Fay", "Nobot Ned"]


def moderated_site(root):
    from roost.people import person_fingerprint

    def rsvp(nid, answer, when):
        x = reply(nid, RSVPER, "", kind="rsvp", when=when)
        x["rsvp"] = answer
        return x

    interactions = [
        reply("k1", KEPT, "kept"),
        reply("k2", KEPT, "kept", kind="like"),
        reply("h1", HIDDEN_BY, "hidden"),
        reply("b1", BLOCKED, "blocked"),
        reply("d1", ON_BLOCKED_DOMAIN, "spam", kind="like"),
        reply("f1", FORGOTTEN, "forgotten", kind="repost"),
        reply("o1", OPTED_OUT, "opted out", kind="quote"),
        reply("a1", AUTHOR, "thanks!", parent="mastodon:k1"),
        rsvp("r1", "maybe", "2026-02-01T10:00:00Z"),
        rsvp("r2", "yes", "2026-02-02T10:00:00Z"),  # the same person changed their mind
    ]
    people = {
        "mastodon": [
            person(KEPT, "Kept Kim"),
            person(HIDDEN_BY, "Hidden Hannah"),
            person(BLOCKED, "Blocked Bill"),
            person(ON_BLOCKED_DOMAIN, "Spam Sue"),
            person(AUTHOR, "Camille", is_author=True),
        ],
        "bluesky": [
            person(FORGOTTEN, "Forgotten Fay"),
            person(OPTED_OUT, "Nobot Ned", opted_out=True),
        ],  # fmt: skip
        "webmention": [person(RSVPER, "Rita Rsvp")],
    }
    blog = Blog(root, posts={"a.md": post("Alpha", "a")})
    write_site(
        root, {}, records={"a": record("a", interactions)}, people=people,
        moderation={"blocked_accounts": [BLOCKED], "blocked_domains": ["spam.example"],
                    "hidden": ["mastodon:h1"], "forgotten": [person_fingerprint(FORGOTTEN)]},
    )  # fmt: skip
    return blog


def test_hidden_interactions_and_refused_people_are_counted_nowhere(tmp_path):
    blog = moderated_site(tmp_path)
    result = blog.run("stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    # Kim's reply and like, and Rita's latest RSVP: nothing of the refused, nor the author's own
    # answer, nor Rita's first answer.
    assert stats["totals"] == {"reply": 1, "like": 1, "rsvp": 1}
    (only,) = stats["posts"]
    assert only["total"] == 3 and only["rsvps"] == {"yes": 1}
    assert only["networks"] == {"mastodon": {"reply": 1, "like": 1}, "webmention": {"rsvp": 1}}
    assert {n["network"]: n["people"] for n in stats["networks"]} == {"mastodon": 1,
                                                                      "webmention": 1}  # fmt: skip
    assert sum(m["total"] for m in stats["over_time"]) == 3
    assert {p["name"] for p in stats["people"]} == {"Kept Kim", "Rita Rsvp"}
    text = blog.run("stats").stdout + json.dumps(stats)
    for name in [*REFUSED_NAMES, "Camille"]:
        assert name not in text


def test_the_report_counts_nothing_moderation_refuses(tmp_path):
    blog = moderated_site(tmp_path)
    result = blog.run("stats", "--report", "report")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report" / "index.html").read_text()
    assert "Kept Kim" in page and "Rita Rsvp" in page
    for name in REFUSED_NAMES:
        assert name not in page
    assert "3 interactions with 1 post:" in page


def test_the_report_is_refused_inside_the_output_folder(tmp_path):
    blog = Blog(tmp_path, posts={"a.md": post("A", "a")}, OUTPUT_PATH="output")
    result = blog.run("stats", "--report", "output/stats")
    assert result.returncode == 2
    assert "deployed" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "output" / "stats").exists()


def test_unreadable_moderation_counts_nothing_and_says_so(tmp_path):
    blog = Blog(tmp_path, posts={"a.md": post("A", "a")})
    write_site(tmp_path, {}, records={"a": record("a", [reply("1", KEPT, "hi")])})
    (tmp_path / "social" / "moderation.json").write_text("{not json")
    result = blog.run("stats", "--json")
    assert result.returncode == 1
    assert "moderation.json" in result.stderr and "nothing is counted" in result.stderr
    assert json.loads(result.stdout)["totals"] == {}
