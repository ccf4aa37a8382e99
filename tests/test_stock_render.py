"""The string-joining renderer of the stock responses template (site/stock_render.py) writes the
very bytes Jinja writes from the template, for the demo's records and for a fixture holding
every branch of the template; a theme's own template, or Jinja set up otherwise, is rendered by
Jinja."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import roost.site.prepare as prepare_module
import roost.site.stock_render as stock_render
from roost.model import Interaction, Media, PostRecord, Syndication
from roost.people import Moderation, Person
from roost.settings import validate
from roost.store import Store

from sites import PNG_1X1, REPO, site_settings

NETS = ("mastodon", "bluesky")


def rich_records(root: Path) -> Path:
    """Posts that go through every branch: RSVPs, piles past their limit, quotes, mentions,
    deep and broken threads, hidden and blocked people, pictures kept and lost, awkward text."""
    rnd = random.Random(7)
    store = Store(root)
    with store.lock():
        avatar = store.add_media(PNG_1X1, "image/png")
        picture = store.add_media(PNG_1X1 + b"x", "image/png")
        lost = "media/ab/" + "ab" * 32 + ".png"  # named but never stored
        people: dict[str, dict[str, Person]] = {n: {} for n in NETS}
        for i in range(14):
            net = NETS[i % 2]
            pid = f"{net}:p{i}@s{i}.example"
            people[net][pid] = Person(
                pid, net, ["", f"Ann <{i}> & \"co\"", f"Bó {i}"][i % 3],
                "" if i % 4 == 1 else f"@p{i}@s{i}.example",
                None if i % 5 == 2 else f"https://s{i}.example/@p{i}?a=1&b=2",
                [avatar, None, lost][i % 3], is_author=i == 3,
            )  # fmt: skip
        for net in NETS:
            store.write_people(net, people[net])
        ids = [pid for net in NETS for pid in people[net]] + ["mastodon:nobody@x.example"]
        store.write_moderation(
            Moderation(blocked_accounts=[ids[5]], hidden=["mastodon:0-4", "bluesky:1-9"])
        )
        kinds = ["reply", "reply", "like", "repost", "bookmark", "quote", "mention", "rsvp"]
        for n in range(12):
            syndications = [
                Syndication(net, f"{n}{net}", f"https://{net}.example/{n}", "2026-01-15T10:05:00Z",
                            "sha256:00", part=part)
                for net in NETS[: 1 + n % 2] for part in (0, 1)
            ] if n % 5 else []  # fmt: skip
            if n % 3 == 1:  # counts a network gives without the people (Threads' likes)
                for copy in syndications:
                    copy.tallies = {"like": n + copy.part, "repost": n % 2}
            rec = PostRecord(f"post-{n}", syndications)
            replies: list[str] = []
            for k in range(5 + n * 6):
                net = NETS[k % 2]
                kind = kinds[rnd.randrange(len(kinds))] if n % 3 else rnd.choice(kinds[:3])
                iid = f"{net}:{n}-{k}"
                parent = rnd.choice(replies) if replies and kind != "rsvp" and k % 4 else None
                if k % 11 == 10:
                    parent = f"{net}:{n}-{k + 1}"  # an answer to a later one: loops, orphans
                media = [Media(picture, "image/png", "a <b> & \"c\""), Media(None, "image/png",
                         "" if k % 2 else "lost"), Media(lost, "image/png", "gone")] \
                    if k % 7 == 3 and kind in ("reply", "quote") else []  # fmt: skip
                rec.interactions.append(
                    Interaction(
                        id=iid, network=net, kind=kind, author=rnd.choice(ids),
                        published=f"2026-0{1 + k % 9}-1{k % 10}T0{k % 10}:{k % 60:02d}:00Z"
                        if k % 6 else "2026-02-03T04:05:06.5+02:00",
                        url=None if k % 9 == 4 else f"https://{net}.example/{n}/{k}",
                        content=f"<p>Hi {k} <script>x</script><a href='javascript:1'>l</a> "
                        "&amp; <b>bold</b></p>" if kind not in ("like", "repost") else "",
                        in_reply_to=parent, media=media,
                        rsvp=rnd.choice(["yes", "maybe", "no", "interested"])
                        if kind == "rsvp" else None,
                    )
                )  # fmt: skip
                if kind in ("reply", "quote"):
                    replies.append(iid)
            store.write_post(rec)
    return root


def render_both(records: Path, settings: dict, monkeypatch) -> int:
    """prepare() with every fragment rendered both ways and compared; how many were."""
    compared = []
    original = stock_render.stock_renderer

    def both(template, settings, context):
        fast = original(template, settings, context)
        assert fast is not None

        def render(view, key):
            expected = template.render(context, roost=view, post_key=key)
            assert fast(view, key) == expected, key
            compared.append(key)
            return expected

        return render

    monkeypatch.setattr(prepare_module, "stock_renderer", both)
    values, problems = validate(settings)
    assert not problems
    out = prepare_module.prepare(records, values, settings)
    assert not out.problems
    return len(compared)


def pelican_settings(root: Path, **overrides) -> dict:
    from pelican.settings import read_settings

    (root / "content").mkdir(exist_ok=True)
    return read_settings(None, override=site_settings(root, ROOST_CACHE=False, **overrides))


def test_the_demo_is_rendered_byte_for_byte(monkeypatch):
    from pelican.settings import read_settings

    settings = read_settings(str(REPO / "pelicanconf.py"), override={"ROOST_CACHE": False})
    assert render_both(REPO / "social", settings, monkeypatch) >= 1


@pytest.mark.parametrize("limit", [30, 2])
def test_every_branch_is_rendered_byte_for_byte(tmp_path, monkeypatch, limit):
    records = rich_records(tmp_path / "social")
    settings = pelican_settings(tmp_path, ROOST_FACEPILE_LIMIT=limit, ROOST_THREAD_DEPTH=3)
    assert render_both(records, settings, monkeypatch) == 12


@pytest.mark.parametrize("networks", [{"bluesky": {}}, {}])
def test_copies_on_networks_no_longer_configured_are_rendered_byte_for_byte(
    tmp_path, monkeypatch, networks
):
    """Mastodon gone (its copies named as archived), with Bluesky still live or not."""
    records = rich_records(tmp_path / "social")
    settings = pelican_settings(tmp_path, ROOST_NETWORKS=networks)
    assert render_both(records, settings, monkeypatch) == 12


def _template(settings: dict):
    folders = prepare_module._template_folders(settings)
    return prepare_module._environment(settings, folders).get_template(prepare_module.TEMPLATE)


def test_a_themes_own_template_or_other_jinja_options_go_through_jinja(tmp_path):
    settings = pelican_settings(tmp_path)
    context = {"SITEURL": "x", "THEME_STATIC_DIR": "theme"}
    assert stock_render.stock_renderer(_template(settings), settings, context) is not None
    own = tmp_path / "overrides" / "roost"
    own.mkdir(parents=True)
    (own / "responses.html").write_text(stock_render.STOCK.read_text(encoding="utf-8"))
    overridden = pelican_settings(tmp_path, THEME_TEMPLATES_OVERRIDES=[str(own.parent)])
    assert stock_render.stock_renderer(_template(overridden), overridden, context) is None
    for jinja in ({"trim_blocks": False}, {"extensions": ["jinja2.ext.do"]}):
        other = pelican_settings(tmp_path, JINJA_ENVIRONMENT=jinja)
        assert stock_render.stock_renderer(_template(other), other, context) is None
    other = pelican_settings(tmp_path, JINJA_GLOBALS={"word": str})
    assert stock_render.stock_renderer(_template(other), other, context) is None
