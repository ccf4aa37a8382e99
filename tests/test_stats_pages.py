"""The engagement report and page, built by a real Pelican build of the demo: static SVG charts
each with its text equivalent, no script, judged by the same outside validators as the site
(W3C Nu HTML Checker, axe-core in Chromium); the public page names nobody; the report is never
in the output folder; with both off, the build does not even import the stats code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from outside_validators import axe_source, nu_check

from conftest import run_roost
from sites import REPO, article, build, person, record, reply, write_site

SETTINGS = """
import sys
sys.path.insert(0, {repo!r})
from pelicanconf import *
PATH = {repo!r} + "/content"
THEME = {repo!r} + "/theme"
PLUGIN_PATHS = [{repo!r} + "/plugins"]
CACHE_PATH = {cache!r}
ROOST_STATS_REPORT = {report!r}
ROOST_STATS_PAGE = "engagement"
"""


@pytest.fixture(scope="module")
def demo_with_stats(tmp_path_factory):
    """The demo built as `make build` does, with the report and the public page turned on."""
    root = tmp_path_factory.mktemp("stats")
    conf = root / "conf.py"
    conf.write_text(SETTINGS.format(repo=str(REPO), cache=str(root / "cache"),
                                    report=str(root / "report")))  # fmt: skip
    result = run_roost("build", "-s", str(conf), "-o", str(root / "output"))
    assert result.returncode == 0, result.stderr
    return root


def demo_people() -> list[tuple[str, str]]:
    """(name, handle) of everyone in the demo's records (the author has no account there)."""
    found = []
    for path in (REPO / "social" / "people").glob("*.json"):
        for p in json.loads(path.read_text())["people"]:
            assert not p.get("is_author")
            found.append((p["name"], p["handle"]))
    return found


def charts_of(html: str) -> list:
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and not soup.select("[style]")
    figures = soup.select("figure.roost-figure")
    for fig in figures:
        svg = fig.find("svg")
        assert svg["role"] == "img"
        title, desc = (soup.find(id=i) for i in svg["aria-labelledby"].split())
        assert title.name == "title" and desc.name == "desc" and desc.get_text().strip()
        table = fig.find("table")
        assert table.find("caption") and table.select("tbody tr")  # the text equivalent
    return figures


def test_the_public_page_shows_counts_and_names_nobody(demo_with_stats):
    page = (demo_with_stats / "output" / "engagement" / "index.html").read_text()
    assert len(charts_of(page)) == 4  # by kind, per network, over time, per post
    text = BeautifulSoup(page, "html.parser").get_text()
    assert "46 interactions with 6 posts" in text
    assert "Moving my writing home" in text
    people = demo_people()
    assert len(people) == 14
    for name, handle in people:
        for said in (name, handle):
            assert not said or said not in page, said
    assert "social-media/" not in page  # no avatar (nor any mirrored picture)
    assert "person:" not in page and "did:plc" not in page


def test_the_report_is_outside_the_output_and_names_who_comes_back(demo_with_stats):
    report = (demo_with_stats / "report" / "index.html").read_text()
    assert len(charts_of(report)) == 5  # and who comes back
    assert "Bob Martin" in report and "@bob@birds.example" in report
    output = demo_with_stats / "output"
    assert not any("Who comes back" in p.read_text() for p in output.rglob("*.html"))


def test_the_report_and_page_pass_the_nu_html_checker(demo_with_stats):
    for folder in (demo_with_stats / "report", demo_with_stats / "output" / "engagement"):
        messages = nu_check(folder)
        assert messages == [], messages


def test_axe_finds_no_violation_in_the_report_or_page(chromium, serve, demo_with_stats):
    pages = [(serve(demo_with_stats / "report"), ""),
             (serve(demo_with_stats / "output"), "engagement/")]  # fmt: skip
    axe, found = axe_source(), []
    for scheme, width in (("light", 1280), ("dark", 1280), ("light", 375), ("dark", 375)):
        context = chromium.new_context(color_scheme=scheme, bypass_csp=True,
                                       viewport={"width": width, "height": 800})  # fmt: skip
        page = context.new_page()
        for base, rel in pages:
            page.goto(f"{base}/{rel}")
            # Nothing scrolls sideways on a phone: wide tables scroll in their own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= width, rel
            page.add_script_tag(content=axe)
            found += page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')))"
            )
        context.close()
    assert found == []


def test_a_report_folder_inside_the_output_is_refused(tmp_path):
    write_site(tmp_path, {"a.md": article("A", "a")},
               records={"a": record("a", [reply("1", "mastodon:x@y.example", "hi")])},
               people={"mastodon": [person("mastodon:x@y.example", "Xavier")]})  # fmt: skip
    built = build(tmp_path, ROOST_STATS_REPORT=str(tmp_path / "output" / "stats"))
    assert any("ROOST_STATS_REPORT" in e and "deployed" in e for e in built.errors())
    assert not (tmp_path / "output" / "stats").exists()


def test_the_published_build_makes_neither_and_the_demo_build_makes_the_report():
    from pelican.settings import read_settings

    published = read_settings(str(REPO / "publishconf.py"))
    assert published.get("ROOST_STATS_REPORT") is None
    assert published.get("ROOST_STATS_PAGE") is None
    written = read_settings(str(REPO / "pelicanconf.py"))
    assert written["ROOST_STATS_REPORT"] and written.get("ROOST_STATS_PAGE") is None
    assert "/" + written["ROOST_STATS_REPORT"].strip("/") + "/" in (REPO / ".gitignore").read_text()


BUILD = """
import json, sys
from pathlib import Path
from pelican import Pelican
from pelican.settings import read_settings
sys.path.insert(0, {tests!r})
from sites import site_settings
settings = read_settings(None, override=site_settings(Path({root!r}), **{extra!r}))
Pelican(settings).run()
print(json.dumps(sorted(sys.modules)))
"""


def modules_of_a_build(root, **extra) -> list[str]:
    write_site(root, {"a.md": article("A", "a")},
               records={"a": record("a", [reply("1", "mastodon:x@y.example", "hi")])})  # fmt: skip
    code = BUILD.format(tests=str(REPO / "tests"), root=str(root), extra=extra)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_turned_off_the_stats_cost_the_build_nothing_and_on_they_import_no_network_code(
    tmp_path,
):
    off = modules_of_a_build(tmp_path / "off")
    assert "roost.site.build" in off
    assert not [m for m in off if m.startswith(("roost.audience", "roost.site.stats"))
                and m != "roost.site.stats_pages"]  # fmt: skip
    on = modules_of_a_build(tmp_path / "on", ROOST_STATS_PAGE="engagement",
                            ROOST_STATS_REPORT=str(tmp_path / "report"))  # fmt: skip
    assert {"roost.audience.stats", "roost.audience.report", "roost.audience.directory"} <= set(on)
    assert [m for m in on if m.startswith(("roost.networks", "roost.commands"))] == []
    assert (tmp_path / "on" / "output" / "engagement" / "index.html").exists()
    assert (tmp_path / "report" / "index.html").exists()


def test_the_public_page_counts_nothing_moderation_refuses(tmp_path):
    from test_stats import REFUSED_NAMES, moderated_site

    moderated_site(tmp_path)
    built = build(tmp_path, ROOST_STATS_PAGE="engagement")
    assert built.errors() == []
    page = built.page("engagement/index.html")
    soup = BeautifulSoup(page, "html.parser")
    assert "3 interactions with 1 post:" in soup.get_text()
    networks = soup.select_one("#networks table").get_text()
    # The forgotten and the opted-out person were the only ones on Bluesky.
    assert "Mastodon" in networks and "Bluesky" not in networks
    for name in [*REFUSED_NAMES, "Kept Kim", "Rita Rsvp"]:
        assert name not in page
