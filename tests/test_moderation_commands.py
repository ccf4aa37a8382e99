"""roost hide, forget and block, on a real site: the next build shows what the author decided."""

from __future__ import annotations

import json

from test_errors import site_with_config

from roost.people import person_fingerprint

from conftest import run_roost
from sites import PNG_1X1, article, person, record, reply

BOB, ANN = "mastodon:bob@b.example", "mastodon:ann@a.example"
AVATAR = "media/ab/" + "ab" * 32 + ".png"


def make(tmp_path):
    site_with_config(
        tmp_path,
        records={
            "good": record(
                "good",
                [reply("1", BOB, "<p>bob-words-one</p>"), reply("2", ANN, "<p>ann-words</p>")],
            ),
            "other": record("other", [reply("3", BOB, "<p>bob-words-two</p>")]),
        },
        media={AVATAR: PNG_1X1},
    )
    people = {"format": 1, "network": "mastodon", "people": [
        person(BOB, "Bob", avatar=AVATAR), person(ANN, "Ann")]}  # fmt: skip
    (tmp_path / "social/people/mastodon.json").write_text(json.dumps(people))
    (tmp_path / "content/other.md").write_text(article("Other", "other"))
    return tmp_path


def built(tmp_path) -> str:
    result = run_roost("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return (tmp_path / "output/good/index.html").read_text() + (
        tmp_path / "output/other/index.html"
    ).read_text()


def test_hide_keeps_the_record_but_not_the_page(tmp_path):
    make(tmp_path)
    assert run_roost("hide", "mastodon:2", cwd=tmp_path).returncode == 0
    assert "ann-words" not in built(tmp_path)
    assert "mastodon:2" in (tmp_path / "social/posts/good.json").read_text()
    unknown = run_roost("hide", "mastodon:999", cwd=tmp_path)
    assert unknown.returncode == 2 and "no interaction 'mastodon:999'" in unknown.stderr


def test_forget_removes_a_person_everywhere_media_included(tmp_path):
    make(tmp_path)
    assert "bob-words-one" in built(tmp_path)
    assert (tmp_path / "output/social-media/ab").is_dir()
    result = run_roost("forget", BOB, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 interaction(s) and 1 file(s)" in result.stdout
    assert "git filter-repo" in result.stdout
    social = tmp_path / "social"
    everything = "".join(p.read_text() for p in social.rglob("*.json"))
    assert "bob@b.example" not in everything and "Bob" not in everything
    assert person_fingerprint(BOB) in everything
    assert not (social / AVATAR).exists()
    page = built(tmp_path)
    assert "bob-words" not in page and ">Bob<" not in page and "ann-words" in page
    assert not list((tmp_path / "output/social-media").rglob("*.png"))


def test_block_a_domain(tmp_path):
    make(tmp_path)
    assert run_roost("block", "b.example", cwd=tmp_path).returncode == 0
    page = built(tmp_path)
    assert "bob-words" not in page and "ann-words" in page
