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


def test_a_notmyidea_blog_with_the_documented_lines_shows_the_comments(tmp_path):
    write_site(
        tmp_path,
        {"swifts.md": article("Swifts", "swifts", "They are back.")},
        records={"swifts": record("swifts", [reply("r1", BOB, "Lovely <b>news</b>")])},
        people={"mastodon": [person(BOB, "Bob Martin", url="https://example.social/@bob")]},
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "article.html").write_text(block("{# templates/article.html #}"))
    settings = (
        "PATH = 'content'\nSITENAME = 'A plain blog'\nSITEURL = 'https://plain.example'\n"
        "TIMEZONE = 'UTC'\nTHEME = 'notmyidea'\n"
        "ROOST_WEBMENTION_IO = {'domain': 'plain.example'}\n" + block("# pelicanconf.py")
    )  # no PLUGIN_PATHS: the plugin is the installed package
    (tmp_path / "pelicanconf.py").write_text(settings)
    done = subprocess.run(
        [sys.executable, "-m", "pelican", "-s", "pelicanconf.py", "-o", "output", "--fatal",
         "errors"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
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
    assert "roost/commands/cli.py" in names


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
