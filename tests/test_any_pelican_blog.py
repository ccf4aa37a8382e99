"""Roost in a blog that is not this repository: Pelican's own bundled theme ("notmyidea"), the
package installed, and exactly the lines docs/any-pelican-blog.md tells the author to add."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import mf2py
from bs4 import BeautifulSoup

from sites import article, person, record, reply, write_site

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "any-pelican-blog.md"
BOB = "mastodon:bob@example.social"


def block(first_line: str) -> str:
    """The fenced block of the doc whose first line is ``first_line``."""
    for found in re.findall(r"```[a-z]*\n(.*?)```", DOC.read_text(), re.S):
        if found.startswith(first_line + "\n"):
            return found
    raise AssertionError(f"docs/any-pelican-blog.md has no block starting {first_line!r}")


def _build_with(theme: str, root: Path, relative: bool = False) -> subprocess.CompletedProcess:
    """Pelican run on ``root`` with ``theme`` and the doc's lines (no PLUGIN_PATHS: the plugin
    is the installed package)."""
    (root / "templates").mkdir()
    (root / "templates" / "article.html").write_text(block("{# templates/article.html #}"))
    settings = (
        "PATH = 'content'\nSITENAME = 'A plain blog'\nSITEURL = 'https://plain.example'\n"
        f"TIMEZONE = 'UTC'\nTHEME = {theme!r}\n"
        f"RELATIVE_URLS = {relative}\n"
        "ROOST_WEBMENTION_IO = {'domain': 'plain.example'}\n" + block("# pelicanconf.py")
    )
    (root / "pelicanconf.py").write_text(settings)
    return subprocess.run(
        [sys.executable, "-m", "pelican", "-s", "pelicanconf.py", "-o", "output", "--fatal",
         "errors"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_notmyidea_blog_with_the_documented_lines_shows_the_comments(tmp_path):
    write_site(
        tmp_path,
        {"swifts.md": article("Swifts", "swifts", "They are back.")},
        records={"swifts": record("swifts", [reply("r1", BOB, "Lovely <b>news</b>")])},
        people={"mastodon": [person(BOB, "Bob Martin", url="https://example.social/@bob")]},
    )
    done = _build_with("notmyidea", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    page = (tmp_path / "output" / "swifts.html").read_text()
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("link", rel="webmention")["href"] == (
        "https://webmention.io/plain.example/webmention"
    )
    assert soup.find("link", href=re.compile(r"roost\.css$"))
    assert (tmp_path / "output" / "roost.css").is_file()
    comment = soup.select_one("section.responses .comment")
    assert "Lovely news" in comment.get_text(" ", strip=True)
    assert soup.select_one("form.reply-form input[name=target]")["value"].endswith("swifts.html")
    cites = [
        i for i in mf2py.parse(doc=page, url="https://plain.example/")["items"]
        if "h-cite" in i["type"]
    ]  # fmt: skip
    author = cites[0]["properties"]["author"][0]["properties"]
    assert author["name"] == ["Bob Martin"]
    assert author["url"] == ["https://example.social/@bob"]


def test_a_simple_theme_blog_gets_the_head_the_event_and_pictures_that_load(tmp_path):
    """Pelican's other bundled theme, `simple`, has no `extra_head` block: the doc's lines must
    still put the endpoint and the stylesheet in <head>, show an event post's when and where,
    and a replier without a picture must get a placeholder that is in the output."""
    event = {"Event_start": "2026-12-05 18:30", "Event_location": "Nantes"}
    write_site(
        tmp_path,
        {"swifts.md": article("Swifts", "swifts", "They are back.", **event)},
        records={"swifts": record("swifts", [reply("r1", BOB, "Lovely")])},
        people={"mastodon": [person(BOB, "Bob Martin")]},  # no picture
    )
    done = _build_with("simple", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    page = (tmp_path / "output" / "swifts.html").read_text()
    soup = BeautifulSoup(page, "html.parser")
    assert soup.head.find("link", rel="webmention")
    assert soup.head.find("link", href=re.compile(r"roost\.css$"))
    json_feed = soup.head.find("link", type="application/feed+json")  # written, so announced
    assert json_feed["href"] == "https://plain.example/feeds/all.json"
    assert (tmp_path / "output" / "feeds" / "all.json").is_file()
    assert soup.select_one("section.event .dt-start")["datetime"] == "2026-12-05T18:30:00+00:00"
    assert "Nantes" in soup.select_one("section.event .p-location").get_text()
    for img in soup.select("section.responses img"):
        src = img["src"].removeprefix("https://plain.example/")
        assert (tmp_path / "output" / src).is_file(), f"{img['src']} is not in the output"


def test_on_a_phone_a_simple_theme_post_does_not_scroll_sideways(tmp_path, chromium, serve):
    """roost.css's reply form field was 100% wide plus its padding and border: 12px past the
    edge of a 320px screen in the simple theme."""
    event = {
        "Event_start": "2026-12-05 18:30",
        "Event_url": "https://events.example/2026/nantes-bird-walk-and-small-web-meetup",
    }
    write_site(
        tmp_path,
        {"swifts.md": article("Swifts", "swifts", "They are back.", **event)},
        records={"swifts": record("swifts", [reply("r1", BOB, "Lovely")])},
        people={"mastodon": [person(BOB, "Bob Martin")]},
    )  # fmt: skip
    assert _build_with("simple", tmp_path, relative=True).returncode == 0
    page = chromium.new_page(viewport={"width": 320, "height": 700})
    page.goto(serve(tmp_path / "output") + "/swifts.html")
    assert page.locator("form.reply-form input[type=url]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    loaded = page.evaluate(
        """Promise.all([...document.querySelectorAll('.responses img')].map(img => {
             img.loading = 'eager';
             return img.decode().then(() => img.naturalWidth > 0, () => false);
           }))"""
    )  # the placeholder avatar is in the output
    assert loaded and all(loaded)
    page.close()


def test_the_build_commands_the_doc_names_fail_on_a_problem_roost_reports(tmp_path):
    """Plain `pelican content` exits 0 after a `roost:` error line: the doc names the two
    commands that make CI notice."""
    bad = {"Event_start": "2026-12-05 18:30", "Event_end": "2026-12-05 17:00"}
    write_site(tmp_path, {"swifts.md": article("Swifts", "swifts", "They are back.", **bad)})
    done = _build_with("simple", tmp_path)  # --fatal errors
    assert done.returncode != 0
    doc = DOC.read_text()
    assert "\npelican content --fatal errors " in doc and "\nroost build " in doc
    roost = Path(sys.executable).with_name("roost")
    built = subprocess.run([str(roost), "build"], cwd=tmp_path, capture_output=True, text=True)
    assert built.returncode == 1, built.stdout + built.stderr
    lines = [ln for ln in built.stderr.splitlines() if "Event_end" in ln]
    assert len(lines) == 1 and "swifts.md: Event_end '2026-12-05 17:00' is before" in lines[0]


def test_the_doc_names_the_versions_pip_will_install():
    """The doc said Pelican 4.12 is "installed with it if you have none": pip replaces any other
    version with the exact pins, which an author with a working blog must know first."""
    pins = dict(
        re.findall(r'"(pelican|markdown)==([\d.]+)"', (REPO / "pyproject.toml").read_text())
    )
    text = " ".join(DOC.read_text().split())
    assert f"Pelican {pins['pelican']} and Markdown {pins['markdown']}" in text
    assert "in place of the versions already in that environment" in text


def test_the_package_carries_the_partials_and_the_stylesheet(tmp_path):
    """What `pip install` of a clone or a git URL puts in site-packages: a wheel built from the
    checkout (offline: the build backend is the one already installed)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("roost-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for partial in ("responses", "head", "under_post", "reply_form", "event", "stylesheet"):
        assert f"roost/templates/roost/{partial}.html" in names
    assert "roost/static/roost.css" in names
    assert "roost/static/avatar.png" in names  # the placeholder, for every theme
    assert "roost/commands/cli.py" in names
    # twitter-text-parser (Mastodon's counting) imports pkg_resources, which only setuptools
    # brings: a venv without it (Python 3.12's, uv's) got a traceback from `roost preview`.
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    required = re.findall(
        r"^Requires-Dist: ([\w-]+)(.*)$", zipfile.ZipFile(wheel).read(metadata).decode(), re.M
    )
    assert ("setuptools", "==80.9.0") in required


def test_the_parsers_the_commands_name_are_installed_with_the_package():
    """`pip install` without the dev extra must give `roost webmention` the tree builder it asks
    BeautifulSoup for: without it every target's page was "cannot be read (FeatureNotFound)" and
    reading the posts' links stopped the command."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[=<>!~ ;\[]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (REPO / "plugins" / "roost").rglob("*.py")
    )
    for builder in set(re.findall(r"BeautifulSoup\([^)]*?\"(html5lib|lxml)\"", source)):
        assert builder in runtime, f"{builder} is used at run time but only a dev dependency"
