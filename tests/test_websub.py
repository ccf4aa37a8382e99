"""``roost websub`` against a fake hub that answers as the public hubs do (fakes/websub_hub.py):
every feed the build writes is announced by the very URL its ``rel="self"`` names; a refusal or
an unreachable hub is one line naming the feed and exits 1, never a traceback."""

from __future__ import annotations

import json

import feedparser
import pytest
from fakes.websub_hub import FakeHub

from conftest import run_roost
from sites import article, write_settings

FEEDS = ("feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json")
SITE = "https://fixture.example"


@pytest.fixture()
def hub():
    server = FakeHub()
    server.start()
    yield server
    server.stop()


def blog(root, **settings):
    (root / "content").mkdir(parents=True)
    (root / "content" / "a.md").write_text(article("Alpha", "alpha"), encoding="utf-8")
    values = dict(SITEURL=SITE, FEED_ALL_ATOM=FEEDS[0], FEED_ALL_RSS=FEEDS[1], RELATIVE_URLS=False)
    write_settings(root / "publishconf.py", **{**values, **settings})
    return root


def self_links(output) -> list[str]:
    links = [
        next(
            link.href for link in feedparser.parse(str(output / f)).feed.links if link.rel == "self"
        )
        for f in FEEDS[:2]
    ]
    return links + [json.loads((output / FEEDS[2]).read_text())["feed_url"]]


def test_each_feed_is_announced_by_its_self_url(tmp_path, hub):
    root = blog(tmp_path, ROOST_WEBSUB_HUB=hub.hub)
    built = run_roost("build", "-s", "publishconf.py", "-o", "output", cwd=root)
    assert built.returncode == 0, built.stderr
    result = run_roost("websub", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert hub.published == self_links(root / "output") == [f"{SITE}/{f}" for f in FEEDS]
    assert all(form["hub.mode"] == ["publish"] for form in hub.forms)
    assert result.stdout.count("the hub took it (202)") == 3


def test_after_a_deploy_the_hub_reads_live_feeds_that_name_it_and_themselves(tmp_path, hub, serve):
    deployed = tmp_path / "deployed"
    deployed.mkdir()
    site = serve(deployed)
    root = blog(tmp_path / "blog", SITEURL=site, ROOST_WEBSUB_HUB=hub.hub)
    hub.fetch = True
    built = run_roost("build", "-s", "publishconf.py", "-o", str(deployed), cwd=root)
    assert built.returncode == 0, built.stderr
    result = run_roost("websub", cwd=root)
    assert result.returncode == 0, result.stderr
    assert sorted(hub.fetched) == sorted(f"{site}/{f}" for f in FEEDS)
    for topic, body in hub.fetched.items():
        assert isinstance(body, bytes), (topic, body)
        if topic.endswith(".json"):
            data = json.loads(body)
            assert data["hubs"] == [{"type": "WebSub", "url": hub.hub}]
            assert data["feed_url"] == topic
            continue
        links = {link.rel: link.href for link in feedparser.parse(body).feed.links}
        assert links["hub"] == hub.hub and links["self"] == topic


def test_a_refused_feed_is_one_line_and_the_others_still_go(tmp_path, hub):
    root = blog(tmp_path, ROOST_WEBSUB_HUB=hub.hub)
    hub.refuse = {f"{SITE}/{FEEDS[0]}"}
    result = run_roost("websub", cwd=root)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert errors == [
        f"roost: websub: {SITE}/{FEEDS[0]}: the hub refused it ({hub.hub}): 400 Topic "
        f"{SITE}/{FEEDS[0]} is not allowed on this hub"
    ]
    assert hub.published == [f"{SITE}/{f}" for f in FEEDS[1:]]


def test_a_hub_down_or_gone_is_one_line_per_feed_without_a_traceback(tmp_path, hub):
    root = blog(tmp_path, ROOST_WEBSUB_HUB=hub.hub)
    hub.faults = ["503"]
    result = run_roost("websub", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "503" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    hub.stop()
    result = run_roost("websub", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all("could not reach the hub" in line for line in lines), lines


def test_without_a_hub_there_is_nothing_to_do(tmp_path, hub):
    root = blog(tmp_path)
    result = run_roost("websub", cwd=root)
    assert result.returncode == 0 and "nothing to do" in result.stdout
    assert hub.requests == []


@pytest.mark.parametrize(
    "value", ["websubhub.com/hub", "ftp://hub.example/", "https://u:p@hub.example/"]
)
def test_a_hub_address_that_is_not_one_is_named_and_nothing_is_sent(tmp_path, value):
    root = blog(tmp_path, ROOST_WEBSUB_HUB=value)
    result = run_roost("websub", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "setting ROOST_WEBSUB_HUB" in result.stderr and "nothing to do" not in result.stdout


def test_feeds_without_a_public_address_are_refused(tmp_path, hub):
    root = blog(tmp_path, ROOST_WEBSUB_HUB=hub.hub, SITEURL="")
    result = run_roost("websub", cwd=root)
    assert result.returncode == 2 and "SITEURL" in result.stderr
    assert hub.requests == []
